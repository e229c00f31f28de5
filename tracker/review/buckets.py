"""Counting concerns into ranges of time in SQL, the same way on SQLite and PostgreSQL.

The ranges are given as the UTC instants at which each one starts (computed in Python from the province's
local days and months, :mod:`tracker.localtime`), so the database compares plain timestamps: no time-zone
function, which SQLite lacks. The range of each row is a ``CASE`` in a subquery, and the outer query groups
by it (grouping by the ``CASE`` itself would repeat its parameters, which PostgreSQL does not accept).
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db


def range_index(column, starts: Sequence[datetime], else_: int | None = None) -> sa.Case:
    """The index in ``starts`` of the range ``column`` falls in; ``starts`` are ordered latest first.

    A value at or after ``starts[0]`` is 0, one before it but at or after ``starts[1]`` is 1, and so on;
    one before every start is ``else_``.
    """
    return sa.case(*((column >= start, index) for index, start in enumerate(starts)), else_=else_)


def count_by_range(query: sa.Select, column, starts: Sequence[datetime], else_: int | None = None) -> dict[int, int]:
    """How many rows of ``query`` fall in each range (see :func:`range_index`): ``{index: count}``.

    ``query`` is a select of the rows to count (its columns are replaced); ranges with no row are absent.
    """
    ranges = query.with_only_columns(range_index(column, starts, else_).label("range_index")).subquery()
    rows = db.session.execute(sa.select(ranges.c.range_index, sa.func.count()).group_by(ranges.c.range_index)).all()
    return {index: count for index, count in rows if index is not None}
