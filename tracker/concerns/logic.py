"""Concerns: raising one, and the queries behind the concerns list."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..localtime import due_date, utcnow
from ..models import OPEN_STATUSES, Category, Concern, User, Village, Visit
from ..scoping import visible_concerns
from ..textsearch import like_pattern
from ..workflow import record_created


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


@dataclass
class ConcernFilters:
    """What the concerns list is filtered by; every field optional."""

    status: str | None = None
    category_id: int | None = None
    village_id: int | None = None
    text: str | None = None


def concern_list_query(user: User, filters: ConcernFilters) -> sa.Select:
    """The concerns ``user`` may see that match ``filters``, newest first, with what the list shows loaded."""
    query = visible_concerns(user).options(
        so.contains_eager(Concern.village).joinedload(Village.commune),
        so.joinedload(Concern.category),
        so.joinedload(Concern.assignee),
    )
    if filters.status == "open":
        query = query.where(Concern.status.in_(OPEN_STATUSES))
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
    return query.order_by(Concern.created_at.desc(), Concern.id.desc())
