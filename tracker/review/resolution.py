"""How long concerns take to resolve, and the median of it.

*Days to resolve* is the time from the moment a concern was raised (``created_at``) to the moment it was
last resolved (``resolved_at``), in days of 24 hours, as a decimal number: a concern resolved 36 hours after
it was raised took 1.5 days. It does not depend on the time zone. Only concerns whose status is "resolved"
count: a reopened concern has no ``resolved_at`` until it is resolved again.

The median is computed in Python from a narrow query of the two times (SQLite has no median function,
and PostgreSQL's ``percentile_cont`` would not give SQLite's answer): the middle value, or the mean of the
two middle values when their number is even, the same on both databases.
"""

import statistics
from collections.abc import Iterable
from datetime import datetime

SECONDS_PER_DAY = 86_400


def days_to_resolve(created_at: datetime, resolved_at: datetime) -> float:
    """The days (of 24 hours, with their fraction) from ``created_at`` to ``resolved_at``, never below 0."""
    return max((resolved_at - created_at).total_seconds(), 0) / SECONDS_PER_DAY


def median_days(pairs: Iterable[tuple[datetime, datetime]]) -> float | None:
    """The median of :func:`days_to_resolve` over ``(created_at, resolved_at)`` pairs; None if there are none."""
    durations = [days_to_resolve(created, resolved) for created, resolved in pairs]
    return statistics.median(durations) if durations else None
