"""At a glance: how many concerns are open, overdue, urgent and escalated, by status, category and age,
and for a province-wide supervisor one row per commune.

Every count is made in SQL (``GROUP BY`` or conditional sums), within what the user may see
(:mod:`tracker.scoping`) and, when one is chosen, within one commune. The definitions, in the province's
local days (:mod:`tracker.localtime`):

* **open**: status new, in progress or referred (:data:`tracker.models.OPEN_STATUSES`);
* **overdue**: open, and its effective due date (the referral's deadline while referred, else the due date)
  is before today; a concern due today is not overdue yet;
* **urgent**: open with the priority "urgent";
* **escalated**: open, with at least one escalation by an official on its timeline;
* **resolved this month**: status resolved, resolved within the current local month;
* **age** of a concern: the local days from the day it was raised to today (raised today: 0 days; raised at
  23:59 yesterday: 1 day). The buckets are 0–6 days, 7–29, 30–89 and 90 or more (:data:`AGE_BUCKETS`);
* **median days to resolve** (per commune): over the concerns resolved in the last
  :data:`MEDIAN_WINDOW_DAYS` local days (today included), see :mod:`tracker.review.resolution`.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from ..concerns.logic import SORT_ORDERS, ConcernFilters, concern_list_query, filter_concerns
from ..extensions import db
from ..localtime import day_bounds_utc, month_bounds_utc
from ..models import OPEN_STATUSES, Category, Commune, Concern, ConcernEvent, User, Village
from ..scoping import visible_communes, visible_concerns
from ..textsearch import fold
from .buckets import range_index
from .cache import kept
from .resolution import median_days_by

MEDIAN_WINDOW_DAYS = 90
LIST_LIMIT = 5  # concerns shown in each list of the overview; the rest are a link away


@dataclass(frozen=True)
class AgeBucket:
    """Concerns raised between ``min_days`` and ``max_days`` local days ago (``max_days`` excluded)."""

    key: str
    min_days: int
    max_days: int | None
    label: str

    def raised_between(self, today: date) -> tuple[date | None, date]:
        """The local days (both included) on which a concern of this age was raised."""
        first = today - timedelta(days=self.max_days - 1) if self.max_days else None
        return first, today - timedelta(days=self.min_days)


AGE_BUCKETS = (
    AgeBucket("under_7", 0, 7, _l("Under 7 days")),
    AgeBucket("7_to_29", 7, 30, _l("7 to 29 days")),
    AgeBucket("30_to_89", 30, 90, _l("30 to 89 days")),
    AgeBucket("90_or_more", 90, None, _l("90 days or more")),
)


def is_open() -> sa.ColumnElement[bool]:
    return Concern.is_open


def scoped_concerns(user: User, commune_id: int | None = None) -> sa.Select:
    """The concerns ``user`` may see, in one commune if ``commune_id`` is given (a select of Concern)."""
    return filter_concerns(visible_concerns(user), ConcernFilters(commune_id=commune_id))


@dataclass
class Glance:
    """The overview's numbers. ``by_status`` lists every open status (0 included); ``by_category`` the
    categories with open concerns, most first; ``by_age`` every bucket of :data:`AGE_BUCKETS`."""

    open: int
    overdue: int
    urgent: int
    escalated: int
    resolved_this_month: int
    by_status: list[tuple[str, int]]
    by_category: list[tuple[Category, int]]
    by_age: list[tuple[AgeBucket, int]]


@dataclass(frozen=True)
class OpenGroup:
    """How many open concerns share one status, category, urgency, lateness and age bucket."""

    status: str
    category_id: int
    urgent: bool
    overdue: bool
    age_index: int  # in AGE_BUCKETS
    count: int


def open_groups(user: User, today: date, commune_id: int | None = None) -> list[OpenGroup]:
    """The open concerns ``user`` may see, counted in one pass (along the index of the open concerns) by
    everything the overview's numbers break them down by: a few hundred groups at most, against one scan of
    the open concerns for each number."""
    # Age buckets by the UTC instant each one's earliest local day starts, youngest bucket first.
    starts = [day_bounds_utc(today - timedelta(days=b.max_days - 1))[0] for b in AGE_BUCKETS if b.max_days]
    columns = (
        Concern.status.label("status"),
        Concern.category_id.label("category_id"),
        (Concern.priority == "urgent").label("urgent"),
        (Concern.effective_due_date < today).label("overdue"),
        range_index(Concern.created_at, starts, else_=len(starts)).label("age_index"),
    )
    rows = scoped_concerns(user, commune_id).where(is_open()).with_only_columns(*columns).subquery()
    grouped = sa.select(*rows.c, sa.func.count()).group_by(*rows.c)
    return [
        OpenGroup(status, category, bool(urgent), bool(overdue), age, count)
        for status, category, urgent, overdue, age, count in db.session.execute(grouped)
    ]


def open_by_commune(user: User, today: date) -> dict[int, tuple[int, int]]:
    """``{commune id: (open, overdue)}`` for the communes ``user`` may see that have open concerns."""
    overdue = sa.func.count().filter(Concern.effective_due_date < today)
    query = (
        visible_concerns(user)
        .where(is_open())
        .with_only_columns(Village.commune_id, sa.func.count(), overdue)
        .group_by(Village.commune_id)
    )
    return {commune_id: (open_, late) for commune_id, open_, late in db.session.execute(query)}


def resolved_this_month_by_commune(user: User, today: date, commune_id: int | None = None) -> dict[int, int]:
    """``{commune id: concerns resolved in the current local month}`` (along the index of resolved concerns)."""
    month_start, month_end = month_bounds_utc(today.year, today.month)
    query = (
        scoped_concerns(user, commune_id)
        .where(Concern.status == "resolved", Concern.resolved_at >= month_start, Concern.resolved_at < month_end)
        .with_only_columns(Village.commune_id, sa.func.count())
        .group_by(Village.commune_id)
    )
    return dict(db.session.execute(query).all())


def escalated_count(user: User, commune_id: int | None = None) -> int:
    """How many open concerns in scope were escalated, counted from the escalations (a few in a hundred events)
    rather than by looking for one under each open concern."""
    escalated_ids = sa.select(ConcernEvent.concern_id).where(ConcernEvent.kind == sa.literal_column("'escalation'"))
    query = (
        scoped_concerns(user, commune_id)
        .where(is_open(), Concern.id.in_(escalated_ids))
        .with_only_columns(sa.func.count())
    )
    return db.session.scalar(query)


@kept
def glance(user: User, today: date, commune_id: int | None = None) -> Glance:
    """The numbers of the overview, for what ``user`` may see (in one commune if ``commune_id`` is given)."""
    groups = open_groups(user, today, commune_id)
    by_status = Counter()
    by_category = Counter()
    by_age = Counter()
    for group in groups:
        by_status[group.status] += group.count
        by_category[group.category_id] += group.count
        by_age[group.age_index] += group.count
    categories = {
        category.id: category
        for category in db.session.scalars(sa.select(Category).where(Category.id.in_(list(by_category))))
    }
    return Glance(
        open=sum(group.count for group in groups),
        overdue=sum(group.count for group in groups if group.overdue),
        urgent=sum(group.count for group in groups if group.urgent),
        escalated=escalated_count(user, commune_id),
        resolved_this_month=sum(resolved_this_month_by_commune(user, today, commune_id).values()),
        by_status=[(status, by_status[status]) for status in OPEN_STATUSES],
        by_category=sorted(
            ((categories[id_], count) for id_, count in by_category.items()),
            key=lambda pair: (-pair[1], pair[0].sort_order, pair[0].id),
        ),
        by_age=[(bucket, by_age[index]) for index, bucket in enumerate(AGE_BUCKETS)],
    )


def _first(user: User, filters: ConcernFilters, limit: int) -> list:
    """The first ``limit`` concerns of the list ``filters`` make, in one statement: their ids are chosen from
    the concerns alone (along the index of open concerns), then only those are read with what the list shows."""
    first_ids = filter_concerns(visible_concerns(user), filters).with_only_columns(Concern.id)
    first_ids = first_ids.order_by(*SORT_ORDERS[filters.sort]).limit(limit)
    # The outer query names the ids alone (not the filters again): planning it costs less than running it.
    chosen = concern_list_query(user, ConcernFilters(sort=filters.sort)).where(Concern.id.in_(first_ids))
    return list(db.session.scalars(chosen.limit(limit)))


def overdue_concerns(user: User, today: date, commune_id: int | None = None, limit: int = LIST_LIMIT) -> list:
    """The open concerns past their due date, the most overdue first."""
    return _first(user, ConcernFilters(commune_id=commune_id, overdue_on=today, sort="due"), limit)


def urgent_concerns(user: User, commune_id: int | None = None, limit: int = LIST_LIMIT) -> list:
    """The open urgent concerns, the one due first (the oldest) first."""
    return _first(user, ConcernFilters(commune_id=commune_id, status="open", priority="urgent", sort="due"), limit)


def escalated_concerns(
    user: User, commune_id: int | None = None, limit: int = LIST_LIMIT
) -> list[tuple[Concern, ConcernEvent]]:
    """The open concerns an official escalated, with their latest escalation, the latest escalated first."""
    # Read from the latest escalation backwards (along its own index), each kept only if it is the latest of
    # its concern, until ``limit`` open ones in scope are found: not every escalation of the years before.
    escalation = ConcernEvent.kind == sa.literal_column("'escalation'")  # as the partial indexes write it
    later = so.aliased(ConcernEvent)
    is_latest = ~sa.exists().where(
        later.concern_id == ConcernEvent.concern_id,
        later.kind == sa.literal_column("'escalation'"),
        later.id > ConcernEvent.id,
    )
    latest_first = (ConcernEvent.created_at.desc(), ConcernEvent.id.desc())
    chosen = (
        filter_concerns(visible_concerns(user), ConcernFilters(commune_id=commune_id, status="open"))
        .join(ConcernEvent, sa.and_(ConcernEvent.concern_id == Concern.id, escalation))
        .where(is_latest)
        .with_only_columns(ConcernEvent.id)
        .order_by(*latest_first)
        .limit(limit)
    )
    # Then only those are read with what the list shows (a statement that is quick to plan).
    query = (
        concern_list_query(user, ConcernFilters())
        .join(ConcernEvent, ConcernEvent.concern_id == Concern.id)
        .where(ConcernEvent.id.in_(chosen))
        .add_columns(ConcernEvent)
        .order_by(None)
        .order_by(*latest_first)
    )
    rows = db.session.execute(query.options(so.joinedload(ConcernEvent.author))).unique().all()
    return [(concern, event) for concern, event in rows]


@dataclass
class CommuneRow:
    """One commune's line of the province overview."""

    commune: Commune
    open: int
    overdue: int
    resolved_this_month: int
    median_days_to_resolve: float | None


@kept
def commune_rows(user: User, today: date) -> list[CommuneRow]:
    """One row per commune ``user`` may see: those with the most overdue, then the most open, first."""
    open_ = open_by_commune(user, today)
    resolved = resolved_this_month_by_commune(user, today)
    window_start = day_bounds_utc(today - timedelta(days=MEDIAN_WINDOW_DAYS - 1))[0]
    medians = median_days_by(
        visible_concerns(user).where(Concern.status == "resolved", Concern.resolved_at >= window_start),
        Village.commune_id,
    )
    rows = [
        CommuneRow(commune, *open_.get(commune.id, (0, 0)), resolved.get(commune.id, 0), medians.get(commune.id))
        for commune in db.session.scalars(visible_communes(user))
    ]
    rows.sort(key=lambda row: (-row.overdue, -row.open, fold(row.commune.name)))
    return rows
