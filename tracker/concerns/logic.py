"""Concerns: raising one, and the queries behind the concerns list."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..localtime import day_bounds_utc, due_date, utcnow
from ..models import Category, Concern, ConcernEvent, User, Village, Visit
from ..scoping import visible_concerns
from ..textsearch import like_pattern
from ..workflow import Referral, TransitionError, change_status, record_created


def new_concern(
    author: User,
    village: Village,
    category: Category,
    title: str,
    *,
    description: str = "",
    resident_name: str | None = None,
    resident_contact: str | None = None,
    households_affected: int | None = None,
    priority: str = "normal",
    visit: Visit | None = None,
    client_uuid: str | None = None,
    created_at: datetime | None = None,
) -> Concern:
    """A new concern with its due date and its 'created' event, added to the session (not committed)."""
    created_at = created_at or utcnow()
    concern = Concern(
        village=village,
        category=category,
        title=title.strip(),
        description=(description or "").strip(),
        resident_name=(resident_name or "").strip() or None,
        resident_contact=(resident_contact or "").strip() or None,
        households_affected=households_affected,
        priority=priority,
        due_date=due_date(created_at, priority),
        status="new",
        visit=visit,
        created_by=author,
        created_at=created_at,
        updated_at=created_at,
    )
    if client_uuid:
        concern.client_uuid = client_uuid
    db.session.add(concern)
    record_created(concern, author, at=created_at)
    return concern


class EvidencePhotoError(ValueError):
    """A photo sent with a status change was refused; ``str()`` is the message."""


def normalise_reference_code(code: str | None) -> str:
    """A reference code as typed (spaces, dashes, lower case) in its stored form."""
    return (code or "").strip().upper().replace(" ", "").replace("-", "")


def apply_status_change(
    concern: Concern,
    actor: User,
    new_status: str,
    *,
    note: str | None = None,
    duplicate_code: str | None = None,
    referral: Referral | None = None,
    photo=None,
    client_uuid: str | None = None,
) -> ConcernEvent:
    """A status change as the concern's page and the JSON API make it: the concern it duplicates found by its
    reference code within ``actor``'s scope, the referral kept only when referring, the photo sent with it
    stored first (evidence when resolving), then :func:`tracker.workflow.change_status`. Nothing is committed.

    :raise TransitionError: the change is not allowed, or the duplicated concern is not found.
    :raise EvidencePhotoError: the photo was refused.
    """
    duplicate_of = None
    if new_status == "duplicate":
        code = normalise_reference_code(duplicate_code)
        duplicate_of = None
        if code:
            duplicate_of = db.session.scalar(visible_concerns(actor).where(Concern.reference_code == code))
        if duplicate_of is None:
            raise TransitionError(_l("There is no concern with this reference code in your scope."))
    if new_status != "referred":
        referral = None
    elif referral is None:
        referral = Referral(to="")
    if photo is not None and getattr(photo, "filename", ""):
        from ..attachments.photos import PhotoRejected, store_photo

        try:
            store_photo(photo, uploaded_by=actor, concern=concern, is_evidence=new_status == "resolved")
        except PhotoRejected as error:
            raise EvidencePhotoError(str(error)) from error
    event = change_status(concern, new_status, actor, note=note, duplicate_of=duplicate_of, referral=referral)
    if client_uuid:
        event.client_uuid = client_uuid
    return event


@dataclass
class ConcernFilters:
    """What a list of concerns is filtered by; every field optional, all of them combined with AND.

    ``raised_from`` and ``raised_to`` are local days, both included. ``overdue_on`` keeps the concerns
    still open whose effective due date is before that local day (usually today: "overdue only").
    ``sort`` is one of :data:`SORT_ORDERS`.
    """

    status: str | None = None
    category_id: int | None = None
    village_id: int | None = None
    text: str | None = None
    commune_id: int | None = None
    priority: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    raised_from: date | None = None
    raised_to: date | None = None
    overdue_on: date | None = None
    escalated: bool = False
    sort: str = "newest"


# Urgent first, then high, then normal.
PRIORITY_RANK = sa.case({"urgent": 0, "high": 1, "normal": 2}, value=Concern.priority, else_=3)

# How a list of concerns may be ordered; the id breaks ties so that pages never overlap.
SORT_ORDERS = {
    "newest": (Concern.created_at.desc(), Concern.id.desc()),
    "oldest": (Concern.created_at, Concern.id),
    "due": (Concern.effective_due_date, Concern.created_at, Concern.id),
    "priority": (PRIORITY_RANK, Concern.effective_due_date, Concern.created_at, Concern.id),
}


def concern_list_query(user: User, filters: ConcernFilters) -> sa.Select:
    """The concerns ``user`` may see that match ``filters``, in the order ``filters.sort`` names (newest
    first by default), with what the lists show loaded (village and commune, category, assignee)."""
    query = visible_concerns(user).options(
        so.contains_eager(Concern.village).joinedload(Village.commune),
        so.joinedload(Concern.category),
        so.joinedload(Concern.assignee),
    )
    query = filter_concerns(query, filters)
    return query.order_by(*SORT_ORDERS.get(filters.sort, SORT_ORDERS["newest"]))


def filter_concerns(query: sa.Select, filters: ConcernFilters) -> sa.Select:
    """``query`` (which must join :class:`Village`, as :func:`visible_concerns` does) limited by ``filters``."""
    if filters.status == "open":
        query = query.where(Concern.is_open)
    elif filters.status:
        query = query.where(Concern.status == filters.status)
    if filters.category_id:
        query = query.where(Concern.category_id == filters.category_id)
    if filters.village_id:
        query = query.where(Concern.village_id == filters.village_id)
    if filters.text and filters.text.strip():
        pattern = like_pattern(filters.text)
        query = query.where(
            sa.or_(
                Concern.search_folded.like(pattern, escape="\\"),
                Village.name_folded.like(pattern, escape="\\"),
                Concern.reference_code == filters.text.strip().upper(),
            )
        )
    if filters.commune_id:
        query = query.where(Village.commune_id == filters.commune_id)
    if filters.priority:
        query = query.where(Concern.priority == filters.priority)
    if filters.unassigned:
        query = query.where(Concern.assignee_id.is_(None))
    elif filters.assignee_id:
        query = query.where(Concern.assignee_id == filters.assignee_id)
    if filters.raised_from:
        query = query.where(Concern.created_at >= day_bounds_utc(filters.raised_from)[0])
    if filters.raised_to:
        query = query.where(Concern.created_at < day_bounds_utc(filters.raised_to)[1])
    if filters.overdue_on:
        query = query.where(Concern.is_open, Concern.effective_due_date < filters.overdue_on)
    if filters.escalated:
        query = query.where(sa.exists().where(ConcernEvent.concern_id == Concern.id, ConcernEvent.kind == "escalation"))
    return query
