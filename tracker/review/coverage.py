"""Going to the people: when each village was last visited, and which have gone unvisited.

A village is **covered** over the last N days (N = :data:`DEFAULT_DAYS` unless the supervisor asks for
another number) when it had a visit in those N local days, today included: a visit on or after the day
``today − (N − 1)``. With N = 90, a village visited 89 days ago is covered, one visited 90 or 91 days ago is
not, and one never visited is not. Visit dates are local days already (the day of the visit as the
official typed it), so nothing depends on the time of day.

"Visits in the last N days" counts the visits in the same window; "open concerns" counts the village's
concerns whose status is open. Only active villages are counted (a retired village needs no visits).
The unvisited villages are listed furthest from their commune centre first; those whose distance is not
known come after, longest unvisited first.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Commune, Concern, User, Village, Visit
from ..scoping import commune_ids_clause, visible_villages
from .cache import kept

DEFAULT_DAYS = 90
MIN_DAYS, MAX_DAYS = 1, 3660

SHOW_CHOICES = {
    "unvisited": _l("Not visited"),
    "all": _l("All villages"),
}


def window_start(today: date, days: int) -> date:
    """The first local day of the last ``days`` days, today included."""
    return today - timedelta(days=days - 1)


@dataclass
class VillageCoverage:
    """A village and its numbers: its last visit's day (None if never), visits in the window, open concerns."""

    village: Village
    last_visit: date | None
    recent_visits: int
    open_concerns: int

    def days_since(self, today: date) -> int | None:
        """Local days since the last visit (0 if it was today); None if the village was never visited."""
        return None if self.last_visit is None else (today - self.last_visit).days


def _visited_since(start: date) -> sa.ColumnElement[bool]:
    """The village (:class:`Village`, of the enclosing query) had a visit on or after ``start``."""
    return sa.exists().where(Visit.village_id == Village.id, Visit.visit_date >= start)


def coverage_query(
    user: User, today: date, days: int = DEFAULT_DAYS, commune_id: int | None = None, show: str = "unvisited"
) -> sa.Select:
    """Rows of ``(Village, last_visit, recent_visits, open_concerns)`` for the active villages ``user`` may see.

    ``show`` "unvisited" keeps the villages not covered over the last ``days`` days, furthest first; "all"
    keeps every village, by commune and name. Each village's commune is loaded with it.
    """
    start = window_start(today, days)
    # Each a look-up along the (village, visit date) or (village, status) index, made for the rows that need it
    # only: whether a village is covered, for every village; its last visit, for those sorted by it; its
    # numbers, for the rows of the page (PostgreSQL computes what the sort does not need after the limit).
    last_visit = (
        sa.select(sa.func.max(Visit.visit_date)).where(Visit.village_id == Village.id).correlate(Village)
    ).scalar_subquery()
    recent = (
        sa.select(sa.func.count()).where(Visit.village_id == Village.id, Visit.visit_date >= start).correlate(Village)
    ).scalar_subquery()
    open_concerns = (
        sa.select(sa.func.count()).where(Concern.village_id == Village.id, Concern.is_open).correlate(Village)
    ).scalar_subquery()
    query = (
        visible_villages(user)
        .where(Village.active)
        .add_columns(last_visit, recent, open_concerns)
        .join(Village.commune)
        .options(so.contains_eager(Village.commune))
    )
    if commune_id:
        query = query.where(Village.commune_id == commune_id)
    if show == "unvisited":
        # Not visited since ``start``: never visited first, then the longest unvisited.
        return query.where(~_visited_since(start)).order_by(
            sa.case((Village.distance_km.is_(None), 1), else_=0),
            Village.distance_km.desc(),
            sa.case((last_visit.is_(None), 0), else_=1),
            last_visit,
            Village.name_folded,
            Village.id,
        )
    return query.order_by(Commune.name_folded, Village.name_folded, Village.id)


def as_coverage(row) -> VillageCoverage:
    village, last_visit, recent, open_concerns = row
    return VillageCoverage(village, last_visit, recent, open_concerns)


@dataclass
class CoverageSummary:
    villages: int
    covered: int

    @property
    def unvisited(self) -> int:
        return self.villages - self.covered

    @property
    def percent_covered(self) -> int | None:
        """The share of villages covered, in whole per cent (rounded down); None without villages."""
        return None if not self.villages else self.covered * 100 // self.villages


@kept
def coverage_summary(user: User, today: date, days: int = DEFAULT_DAYS, commune_id: int | None = None):
    """How many active villages ``user`` may see (in one commune if given), and how many are covered."""
    query = sa.select(
        sa.func.count(Village.id),
        sa.func.coalesce(sa.func.sum(sa.case((_visited_since(window_start(today, days)), 1), else_=0)), 0),
    ).where(Village.active, commune_ids_clause(user, Village.commune_id))
    if commune_id:
        query = query.where(Village.commune_id == commune_id)
    villages, covered = db.session.execute(query).one()
    return CoverageSummary(villages, covered)


@dataclass
class CommuneCoverage:
    commune: Commune
    summary: CoverageSummary


@kept
def coverage_by_commune(user: User, today: date, days: int = DEFAULT_DAYS) -> list[CommuneCoverage]:
    """For each commune ``user`` may see that has villages: its villages and how many are covered, the
    communes with the most unvisited villages first."""
    rows = db.session.execute(
        sa.select(
            Commune,
            sa.func.count(Village.id),
            sa.func.coalesce(sa.func.sum(sa.case((_visited_since(window_start(today, days)), 1), else_=0)), 0),
        )
        .join(Village, sa.and_(Village.commune_id == Commune.id, Village.active))
        .where(commune_ids_clause(user, Commune.id))
        .group_by(Commune.id)
    ).all()
    result = [CommuneCoverage(commune, CoverageSummary(villages, covered)) for commune, villages, covered in rows]
    result.sort(key=lambda row: (-row.summary.unvisited, row.commune.name_folded))
    return result


def coverage_columns(user: User, days: int) -> list[tuple[str, str]]:
    """The coverage list's columns as ``(key, heading)``, the same on the page and in the CSV file."""
    columns = [("village", _("Village"))]
    if user.is_province_wide:
        columns.append(("commune", _("Commune")))
    return [
        *columns,
        ("distance", _("Distance from the commune centre (km)")),
        ("last_visit", _("Last visit")),
        ("days_since", _("Days since the last visit")),
        ("recent_visits", _("Visits in the last %(days)d days", days=days)),
        ("open_concerns", _("Open concerns")),
    ]


def coverage_cell(item: VillageCoverage, key: str, today: date):
    """The value of one column for the CSV file (days written ISO-style; empty when never visited)."""
    values = {
        "village": item.village.name,
        "commune": item.village.commune.name,
        "distance": item.village.distance_km,
        "last_visit": item.last_visit.isoformat() if item.last_visit else "",
        "days_since": item.days_since(today),
        "recent_visits": item.recent_visits,
        "open_concerns": item.open_concerns,
    }
    return values[key]
