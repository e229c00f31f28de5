"""A village's page: its profile, its numbers, its visits and its latest concerns.

For anyone who may see the village (:func:`tracker.scoping.get_village_or_404`): officials too.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import Concern, User, Village, Visit
from ..scoping import visible_concerns, visible_visits

LATEST_CONCERNS = 10
VISITS_PER_PAGE = 10


@dataclass
class VillageNumbers:
    visits: int
    last_visit: date | None
    concerns: int
    open_concerns: int
    overdue: int


def village_numbers(user: User, village: Village, today: date) -> VillageNumbers:
    """The village's visits (how many, the last one's day) and concerns (all, open, overdue): two queries."""
    visits, last_visit = db.session.execute(
        visible_visits(user)
        .where(Visit.village_id == village.id)
        .with_only_columns(sa.func.count(Visit.id), sa.func.max(Visit.visit_date))
    ).one()
    is_open = Concern.is_open
    concerns, open_concerns, overdue = db.session.execute(
        visible_concerns(user)
        .where(Concern.village_id == village.id)
        .with_only_columns(
            sa.func.count(Concern.id),
            sa.func.coalesce(sa.func.sum(sa.case((is_open, 1), else_=0)), 0),
            sa.func.coalesce(
                sa.func.sum(sa.case((sa.and_(is_open, Concern.effective_due_date < today), 1), else_=0)), 0
            ),
        )
    ).one()
    return VillageNumbers(visits, last_visit, concerns, open_concerns, overdue)


def village_visits_query(user: User, village: Village) -> sa.Select:
    """The village's visits, latest first, with the officials who went and the concerns raised loaded."""
    return (
        visible_visits(user)
        .where(Visit.village_id == village.id)
        .options(so.selectinload(Visit.officials), so.selectinload(Visit.concerns))
        .order_by(Visit.visit_date.desc(), Visit.id.desc())
    )


def latest_concerns(user: User, village: Village, limit: int = LATEST_CONCERNS) -> list[Concern]:
    """The village's latest concerns, open ones first, with category and assignee loaded."""
    is_closed = sa.case((Concern.is_open, 0), else_=1)
    return list(
        db.session.scalars(
            visible_concerns(user)
            .where(Concern.village_id == village.id)
            .options(so.joinedload(Concern.category), so.joinedload(Concern.assignee))
            .order_by(is_closed, Concern.created_at.desc(), Concern.id.desc())
            .limit(limit)
        )
    )
