"""Recording a visit with the concerns raised at it."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..concerns.logic import new_concern
from ..extensions import db
from ..localtime import utcnow
from ..models import Category, Concern, User, Village, Visit
from ..workflow import add_note


@dataclass
class ConcernInput:
    """A concern as typed into the visit form."""

    category: Category
    title: str
    description: str = ""
    resident_name: str | None = None
    resident_contact: str | None = None
    households_affected: int | None = None
    priority: str = "normal"
    client_uuid: str | None = None
    # An open concern of the same village that this one repeats: a note is added to it instead.
    same_as: Concern | None = None


@dataclass
class VisitInput:
    """A visit as typed into the visit form (or sent by the phone)."""

    client_uuid: str
    village: Village
    visit_date: date
    kind: str
    attendees: int | None = None
    notes: str = ""
    latitude: float | None = None
    longitude: float | None = None
    gps_accuracy_m: float | None = None
    other_officials: list[User] = field(default_factory=list)
    concerns: list[ConcernInput] = field(default_factory=list)


def raised_again(concern: Concern, item: ConcernInput, author: User, visit_date: date) -> None:
    """Residents raised an open concern again at a visit: say so on its timeline rather than open a second."""
    words = " — ".join(part for part in (item.title.strip(), (item.description or "").strip()) if part)
    add_note(
        concern,
        _("Raised again at the visit of %(day)s: %(words)s", day=format_date(visit_date), words=words),
        author,
    )


def find_visit_by_uuid(client_uuid: str) -> Visit | None:
    return db.session.scalar(sa.select(Visit).where(Visit.client_uuid == client_uuid))


def record_visit(author: User, data: VisitInput) -> tuple[Visit, bool]:
    """Store the visit and its concerns in one transaction, exactly once per client UUID.

    :return: ``(visit, created)``: ``created`` is False when a visit with this UUID was already stored
        (a double submit or a retry), in which case the stored one is returned and nothing is written.
    :raise IntegrityError: only for a conflict other than the repeated UUID.
    """
    existing = find_visit_by_uuid(data.client_uuid)
    if existing is not None:
        return existing, False
    now = utcnow()
    visit = Visit(
        client_uuid=data.client_uuid,
        created_at=now,
        village=data.village,
        visit_date=data.visit_date,
        kind=data.kind,
        attendees=data.attendees,
        notes=(data.notes or "").strip(),
        latitude=data.latitude,
        longitude=data.longitude,
        gps_accuracy_m=data.gps_accuracy_m,
        created_by=author,
        officials=[author] + [u for u in data.other_officials if u.id != author.id],
    )
    db.session.add(visit)
    for item in data.concerns:
        if item.same_as is not None:
            raised_again(item.same_as, item, author, visit_date=data.visit_date)
            continue
        new_concern(
            author,
            data.village,
            item.category,
            item.title,
            description=item.description,
            resident_name=item.resident_name,
            resident_contact=item.resident_contact,
            households_affected=item.households_affected,
            priority=item.priority,
            visit=visit,
            client_uuid=item.client_uuid,
            created_at=now,
        )
    try:
        db.session.commit()
    except IntegrityError:
        # Two copies of the same submission raced: the other one was stored first.
        db.session.rollback()
        existing = find_visit_by_uuid(data.client_uuid)
        if existing is None:
            raise
        return existing, False
    return visit, True
