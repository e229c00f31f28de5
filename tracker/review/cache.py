"""The review's heavy numbers, kept in the process until the data changes.

The overview's counts, the communes' rows and the twelve months of trends read every open concern of the
province, and the months' resolved ones, at each request. They change only when records do, so they are kept
by :func:`kept` under a **data version**: the largest id of the concerns, of their events, of the visits,
of the villages and of the administrative audit trail, read in one statement (five index look-ups) at most
once per request. Every change the numbers depend on adds one of those rows: a concern raised (a new
concern), a status change, assignment, priority change, note or escalation (a new event: the workflow writes
one for each, :mod:`tracker.workflow`), a visit logged, a village added or changed (the audit trail). When
the version moves, everything kept is dropped.

The lists' totals (how many concerns, how many villages a list has, for its pages) are kept the same way
(:func:`kept_value`, :class:`tracker.review.paging.KeptCountPagination`): counting a province's
quarter-million concerns costs more than the rest of the page.

Kept per user (their scope), per function and per arguments (the day, the commune chosen), in each process
(each gunicorn worker keeps its own; ``REVIEW_CACHE = False`` in the config keeps nothing), at most
:data:`MAX_ENTRIES` at a time. What is kept holds copies of the records it names (a commune, a category:
their columns, no session), so that no later request touches the session of the one that made them.
"""

import dataclasses
import functools

import sqlalchemy as sa
from flask import current_app, g

from ..extensions import db
from ..models import AuditEvent, Concern, ConcernEvent, User, Village, Visit

MAX_ENTRIES = 256


def data_version() -> tuple:
    """The version of the data the review's numbers are made from (read once per request)."""
    if "review_data_version" not in g:
        g.review_data_version = tuple(
            db.session.execute(
                sa.select(
                    *(
                        sa.select(sa.func.max(model.id)).scalar_subquery()
                        for model in (Concern, ConcernEvent, Visit, Village, AuditEvent)
                    )
                )
            ).one()
        )
    return g.review_data_version


def kept_value(user: User, key: tuple, compute):
    """What ``compute()`` returns, kept under ``key`` for ``user`` (their scope) until the data version moves."""
    if not current_app.config.get("REVIEW_CACHE", True):
        return compute()
    store = current_app.extensions.setdefault("review_cache", {"version": None, "entries": {}})
    version = data_version()
    if store["version"] != version:
        store["version"], store["entries"] = version, {}
    key = (*key, user.id, user.role, user.commune_id)
    if key not in store["entries"]:
        if len(store["entries"]) >= MAX_ENTRIES:
            store["entries"].clear()
        store["entries"][key] = _detached(compute())
    return store["entries"][key]


def kept(function):
    """Keep what ``function(user, *args, **kwargs)`` returns until the data version moves."""

    @functools.wraps(function)
    def wrapper(user: User, *args, **kwargs):
        key = (function.__name__, args, tuple(sorted(kwargs.items())))
        return kept_value(user, key, lambda: function(user, *args, **kwargs))

    return wrapper


def _detached(value):
    """``value`` with every record in it (in dataclasses, lists and tuples) replaced by a copy of its columns."""
    if hasattr(value, "_sa_instance_state"):
        mapper = sa.inspect(value).mapper
        return mapper.class_(**{attribute.key: getattr(value, attribute.key) for attribute in mapper.column_attrs})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _detached(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        )
    if isinstance(value, list):
        return [_detached(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_detached(item) for item in value)
    return value
