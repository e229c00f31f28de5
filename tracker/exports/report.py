"""The figures of a month's report: computed once, here, for the report page and the XLSX summary sheet.

For the month and scope of an :class:`~.scope.ExportScope`, in total, by category and by commune:

* **raised**: concerns recorded during the month (``created_at`` within the local month), whatever
  became of them;
* **resolved**, **resolved on time**, the **share resolved on time** and the **median days to resolve**:
  over exactly the concerns of the month's export (:func:`.rows.resolved_in_month`), with the definitions
  of :mod:`.rows` (local calendar days; on time means by the due date). The median of an even number of
  values is the mean of the two middle ones (e.g. 2.5);
* **still overdue at month end**: concerns raised before the month ended that were still open then
  (their last status change before the end left them new, in progress or referred) and already overdue
  on the month's last day: their due date — the referral's deadline, if they were referred then — was
  before that day, as the concerns list showed them that evening. Due dates are taken as they stand now
  (a priority or referral deadline changed after the month would count);
* **villages** and **villages visited**: the villages in use (plus any no longer in use that were visited
  that month), and those with at least one visit dated within the month; the villages not visited are
  listed;
* **resident satisfaction**: of the concerns resolved in the month, how many residents said they were
  satisfied, partly satisfied, not satisfied, could not be reached, and how many answers are not recorded.
"""

import statistics
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..localtime import province_tz
from ..models import OPEN_STATUSES, SATISFACTION, Category, Commune, Concern, ConcernEvent, Village, Visit
from .rows import days_to_resolve, local_day, resolved_in_month, resolved_on_time
from .scope import ExportScope

NOT_RECORDED = _l("Not recorded")

# The names of the figures, the same on the report page and in the XLSX summary sheet.
LABELS = {
    "raised": _l("Concerns raised"),
    "resolved": _l("Concerns resolved"),
    "on_time": _l("Resolved on time"),
    "on_time_share": _l("Share resolved on time"),
    "median_days": _l("Median days to resolve"),
    "overdue_at_end": _l("Still overdue at month end"),
    "villages": _l("Villages"),
    "villages_visited": _l("Villages visited"),
    "villages_not_visited": _l("Villages not visited"),
    "by_category": _l("By category"),
    "by_commune": _l("By commune"),
    "satisfaction": _l("Resident satisfaction"),
    "satisfaction_hint": _l("Of the concerns resolved in the month."),
    "category": _l("Category"),
    "commune": _l("Commune"),
    "commune_code": _l("Commune code"),
    "village": _l("Village"),
    "answers": _l("Concerns"),
}


@dataclass
class Figures:
    """The figures of one group of concerns: a category, a commune, or all of them."""

    label: str
    code: str | None = None  # a commune's official code
    raised: int = 0
    resolved: int = 0
    on_time: int = 0
    overdue_at_end: int = 0
    villages: int = 0
    villages_visited: int = 0
    days: list[int] = field(default_factory=list, repr=False)

    @property
    def median_days(self) -> float | None:
        """The median of the days to resolve, or None when nothing was resolved."""
        return statistics.median(self.days) if self.days else None

    @property
    def on_time_share(self) -> float | None:
        """The share (0 to 1) of the resolved concerns resolved on time, or None when nothing was resolved."""
        return self.on_time / self.resolved if self.resolved else None

    @property
    def villages_not_visited(self) -> int:
        return self.villages - self.villages_visited

    @property
    def is_empty(self) -> bool:
        return not (self.raised or self.resolved or self.overdue_at_end)


@dataclass
class MonthlyFigures:
    """Everything the monthly report shows (see the module's docstring for each definition)."""

    scope: ExportScope
    total: Figures
    by_category: list[Figures]  # the categories with any figure, in the categories' order
    by_commune: list[Figures]  # every commune of the scope, by name
    satisfaction: list[tuple[str, str, int]]  # (code, label, count), "" for not recorded, last
    villages_not_visited: list[tuple[str, str]]  # (commune, village), by commune and name


def monthly_figures(scope: ExportScope, language: str) -> MonthlyFigures:
    """The figures of the month and scope, labelled in ``language``. A handful of grouped queries and one
    narrow pass over the month's resolved concerns."""
    start, end = scope.month.bounds_utc()
    english = language == "en"
    categories: dict[int, Figures] = {
        c.id: Figures(c.name_en if english else c.name_vi)
        for c in db.session.scalars(sa.select(Category).order_by(Category.sort_order, Category.id))
    }
    commune_query = sa.select(Commune).order_by(Commune.name)
    communes: dict[int, Figures] = {
        c.id: Figures(c.name, code=c.code) for c in db.session.scalars(scope.limit(commune_query, Commune.id))
    }
    with force_locale(language):
        total = Figures(str(_l("All")))

    def add(category_id: int, commune_id: int, name: str, amount: int = 1) -> None:
        for figures in (total, categories.get(category_id), communes.get(commune_id)):
            if figures is not None:
                setattr(figures, name, getattr(figures, name) + amount)

    # Raised in the month.
    raised = scope.limit(
        sa.select(Concern.category_id, Village.commune_id, sa.func.count(Concern.id))
        .select_from(Concern)
        .join(Village, Concern.village_id == Village.id)
        .where(Concern.created_at >= start, Concern.created_at < end)
        .group_by(Concern.category_id, Village.commune_id),
        Village.commune_id,
    )
    for category_id, commune_id, count in db.session.execute(raised):
        add(category_id, commune_id, "raised", count)

    # Resolved in the month: one narrow pass, read in batches.
    satisfaction: dict[str | None, int] = {}
    tz = province_tz()
    resolved = resolved_in_month(
        scope,
        Concern.category_id,
        Village.commune_id,
        Concern.created_at,
        Concern.resolved_at,
        Concern.due_date,
        Concern.satisfaction,
    ).execution_options(yield_per=5000)
    for category_id, commune_id, created_at, resolved_at, due_on, answer in db.session.execute(resolved):
        raised_on, resolved_on = local_day(created_at, tz), local_day(resolved_at, tz)
        add(category_id, commune_id, "resolved")
        if resolved_on_time(resolved_on, due_on):
            add(category_id, commune_id, "on_time")
        days = days_to_resolve(raised_on, resolved_on)
        for figures in (total, categories.get(category_id), communes.get(commune_id)):
            if figures is not None:
                figures.days.append(days)
        satisfaction[answer] = satisfaction.get(answer, 0) + 1

    for category_id, commune_id, count in db.session.execute(_overdue_at_end(scope)):
        add(category_id, commune_id, "overdue_at_end", count)

    not_visited = []
    for commune_id, commune_name, village_name, visited in db.session.execute(_villages(scope)):
        add(None, commune_id, "villages")
        if visited:
            add(None, commune_id, "villages_visited")
        else:
            not_visited.append((commune_name, village_name))

    with force_locale(language):
        answers = [(code, str(label), satisfaction.get(code, 0)) for code, label in SATISFACTION.items()]
        answers.append(("", str(NOT_RECORDED), satisfaction.get(None, 0)))
    return MonthlyFigures(
        scope=scope,
        total=total,
        by_category=[figures for figures in categories.values() if not figures.is_empty],
        by_commune=list(communes.values()),
        satisfaction=answers,
        villages_not_visited=not_visited,
    )


def _overdue_at_end(scope: ExportScope) -> sa.Select:
    """(category, commune, count) of the concerns still open and overdue when the month ended.

    The status each concern had then is the new value of its last status event before the end (a
    window function, which SQLite and PostgreSQL both have), or "new" when it had none.
    """
    _, end = scope.month.bounds_utc()
    last_day = scope.month.last_day
    ranked = (
        sa.select(
            ConcernEvent.concern_id,
            ConcernEvent.new_value.label("status"),
            sa.func.row_number()
            .over(
                partition_by=ConcernEvent.concern_id,
                order_by=(ConcernEvent.created_at.desc(), ConcernEvent.id.desc()),
            )
            .label("rank"),
        )
        .where(ConcernEvent.kind == "status", ConcernEvent.created_at < end)
        .subquery()
    )
    status_then = sa.func.coalesce(ranked.c.status, "new")
    due_then = sa.case(
        (sa.and_(status_then == "referred", Concern.referral_due_date.is_not(None)), Concern.referral_due_date),
        else_=Concern.due_date,
    )
    query = (
        sa.select(Concern.category_id, Village.commune_id, sa.func.count(Concern.id))
        .select_from(Concern)
        .join(Village, Concern.village_id == Village.id)
        .outerjoin(ranked, sa.and_(ranked.c.concern_id == Concern.id, ranked.c.rank == 1))
        .where(Concern.created_at < end, status_then.in_(OPEN_STATUSES), due_then < last_day)
        .group_by(Concern.category_id, Village.commune_id)
    )
    return scope.limit(query, Village.commune_id)


def _villages(scope: ExportScope) -> sa.Select:
    """(commune id, commune name, village name, visited in the month?) of the villages the report counts."""
    month = scope.month
    visited = (
        sa.select(Visit.id)
        .where(Visit.village_id == Village.id, Visit.visit_date >= month.first_day, Visit.visit_date <= month.last_day)
        .exists()
    )
    query = (
        sa.select(Village.commune_id, Commune.name, Village.name, visited)
        .join(Commune, Village.commune_id == Commune.id)
        .where(sa.or_(Village.active, visited))
        .order_by(Commune.name, Village.name_folded)
    )
    return scope.limit(query, Village.commune_id)
