"""How long concerns take to resolve, and the median of it.

*Days to resolve* is the time from the moment a concern was raised (``created_at``) to the moment it was
last resolved (``resolved_at``), in days of 24 hours, as a decimal number: a concern resolved 36 hours after
it was raised took 1.5 days. It does not depend on the time zone. Only concerns whose status is "resolved"
count: a reopened concern has no ``resolved_at`` until it is resolved again.

The median is the middle value, or the mean of the two middle values when their number is even, the same
on both databases: PostgreSQL computes it with ``percentile_cont(0.5)`` (which interpolates exactly so) over
the seconds between the two times, so that a province's years of concerns are not sent to Python; SQLite,
which has no median function, sends a narrow query of the two times and Python takes the median
(:func:`median_days_by`).
"""

import statistics
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Concern

SECONDS_PER_DAY = 86_400


def days_to_resolve(created_at: datetime, resolved_at: datetime) -> float:
    """The days (of 24 hours, with their fraction) from ``created_at`` to ``resolved_at``, never below 0."""
    return max((resolved_at - created_at).total_seconds(), 0) / SECONDS_PER_DAY


def median_days(pairs: Iterable[tuple[datetime, datetime]]) -> float | None:
    """The median of :func:`days_to_resolve` over ``(created_at, resolved_at)`` pairs; None if there are none."""
    durations = [days_to_resolve(created, resolved) for created, resolved in pairs]
    return statistics.median(durations) if durations else None


def median_days_by(query: sa.Select, key) -> dict:
    """The median days to resolve of the concerns of ``query`` (a select of :class:`Concern`), for each
    value of ``key`` (a column or expression): ``{key: median}``; keys with no concern are absent."""
    return {value: median for value, (_count, median) in resolved_by(query, key).items()}


def resolved_by(query: sa.Select, key) -> dict:
    """How many concerns of ``query`` (a select of resolved :class:`Concern`) there are for each value of
    ``key``, and their median days to resolve, read together: ``{key: (count, median)}``."""
    if db.session.get_bind().dialect.name == "postgresql":
        seconds = sa.func.greatest(
            sa.cast(sa.extract("epoch", Concern.resolved_at - Concern.created_at), sa.Float), 0.0
        )
        rows = query.with_only_columns(key.label("key"), seconds.label("seconds")).subquery()
        medians = sa.select(
            rows.c.key, sa.func.count(), sa.func.percentile_cont(0.5).within_group(rows.c.seconds)
        ).group_by(rows.c.key)
        return {value: (count, median / SECONDS_PER_DAY) for value, count, median in db.session.execute(medians)}
    # The two times as stored (naive UTC): their difference is the same, and reading is much faster.
    pairs: dict = {}
    for value, created_at, resolved_at in db.session.execute(
        query.with_only_columns(
            key, sa.type_coerce(Concern.created_at, sa.DateTime), sa.type_coerce(Concern.resolved_at, sa.DateTime)
        )
    ):
        pairs.setdefault(value, []).append((created_at, resolved_at))
    return {value: (len(durations), median_days(durations)) for value, durations in pairs.items()}
