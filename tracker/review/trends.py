"""Trends: concerns raised and resolved in each of the last twelve local months, and how long resolving took.

The months are the province's calendar months (:func:`tracker.localtime.month_bounds_utc`), the current
one (still running) last. A concern counts as **raised** in the month of its ``created_at`` and as
**resolved** in the month of its ``resolved_at`` if its status is still "resolved" (a reopened concern
is not resolved). The **median days to resolve** of a month is over the concerns resolved in that month
(:mod:`tracker.review.resolution`). The counting is done in SQL, grouped by month, the resolved ones with their
median (in Python on SQLite).
"""

from dataclasses import dataclass
from datetime import date

from ..localtime import month_bounds_utc
from ..models import Concern, User
from .buckets import count_by_range, range_index
from .cache import kept
from .glance import scoped_concerns
from .resolution import resolved_by

TREND_MONTHS = 12


@dataclass
class MonthTrend:
    """One month of the trends: its first day, the concerns raised and resolved in it, and the median."""

    month: date
    raised: int
    resolved: int
    median_days: float | None


def last_months(today: date, count: int = TREND_MONTHS) -> list[date]:
    """The first days of the last ``count`` local months, the oldest first and the current month last."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


@kept
def monthly_trends(user: User, today: date, commune_id: int | None = None, months: int = TREND_MONTHS):
    """A :class:`MonthTrend` for each of the last ``months`` months, within what ``user`` may see."""
    firsts = last_months(today, months)
    starts = [month_bounds_utc(first.year, first.month)[0] for first in firsts]
    end = month_bounds_utc(today.year, today.month)[1]
    latest_first = starts[::-1]  # range 0 is the current month, range 1 the one before, …
    scoped = scoped_concerns(user, commune_id)
    raised = count_by_range(
        scoped.where(Concern.created_at >= starts[0], Concern.created_at < end), Concern.created_at, latest_first
    )
    resolved_query = scoped.where(
        Concern.status == "resolved", Concern.resolved_at >= starts[0], Concern.resolved_at < end
    )
    resolved = resolved_by(resolved_query, range_index(Concern.resolved_at, latest_first))
    return [
        MonthTrend(
            month=first,
            raised=raised.get(months - 1 - index, 0),
            resolved=resolved.get(months - 1 - index, (0, None))[0],
            median_days=resolved.get(months - 1 - index, (0, None))[1],
        )
        for index, first in enumerate(firsts)
    ]
