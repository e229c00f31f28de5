"""The concerns resolved in a month: the one query, and the rows every export writes (web and CLI alike).

**Which concerns.** Those whose status is "resolved" and whose ``resolved_at`` falls within the local
month. ``resolved_at`` is set each time a concern is resolved and cleared when it is reopened
(:func:`tracker.workflow.change_status`), so a concern resolved, reopened and resolved again counts once,
in the month of its last resolution; one reopened and not yet resolved again counts nowhere.

**The definitions** (the same for the rows and for :mod:`.report`):

* *raised on* and *resolved on* are the province's local days of ``created_at`` and ``resolved_at``;
* *days to resolve* is the number of local calendar days from the day it was raised to the day it was
  resolved: 0 if resolved the day it was raised, 1 the next day, whatever the hours;
* *on time* means resolved on or before its due date (``Concern.due_date``, the day its priority gave
  it, counted again when the priority changed). A referral's deadline does not move it: that is the date
  the other office promised the commune, not the commune's promise to the resident (and for a resolved
  concern it is also what ``Concern.effective_due_date`` gives);
* *officials who handled it* are the official it is assigned to, then everyone who changed its status
  (took it up, referred it, resolved it …), in the order they first did, each named once. Residents (who
  have no account) never appear.

**Personal data.** The resident's name and contact are written only when asked for, and then
:func:`record_personal_data_export` adds an "export" event to the timeline of every exported concern.

The rows come in the order the concerns were resolved. They are read in batches of :data:`BATCH_SIZE` by
keyset pagination on (``resolved_at``, id) along ``ix_concerns_resolved_at`` (no ``OFFSET``, no cursor held
open between batches), each with its officials loaded in two queries, so that
memory stays flat however many concerns a province resolves.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..localtime import province_tz, utcnow
from ..models import (
    PRIORITIES,
    VISIT_KINDS,
    Category,
    Commune,
    Concern,
    ConcernEvent,
    User,
    UTCDateTime,
    Village,
    Visit,
)
from .scope import ExportScope

BATCH_SIZE = 1000

# What a column holds, which decides how each file writes it.
TEXT, DATE, NUMBER = "text", "date", "number"


@dataclass(frozen=True)
class Column:
    key: str
    header: object  # a lazy string, read in the export's language
    kind: str = TEXT
    personal: bool = False


COLUMNS = [
    Column("reference_code", _l("Reference code")),
    Column("commune_code", _l("Commune code")),
    Column("commune", _l("Commune")),
    Column("village", _l("Village")),
    Column("category", _l("Category")),
    Column("priority", _l("Priority")),
    Column("title", _l("Title")),
    Column("raised_on", _l("Raised on"), DATE),
    Column("visit_date", _l("Raised at the visit of"), DATE),
    Column("visit_kind", _l("Kind of visit")),
    Column("resolved_on", _l("Resolved on"), DATE),
    Column("days_to_resolve", _l("Days to resolve"), NUMBER),
    Column("due_on", _l("Due date"), DATE),
    Column("on_time", _l("On time or late")),
    Column("resolution_note", _l("How it was resolved")),
    Column("officials", _l("Officials who handled it")),
    Column("resident_name", _l("Resident's name"), personal=True),
    Column("resident_contact", _l("Resident's contact"), personal=True),
]

ON_TIME = _l("On time")
LATE = _l("Late")


def columns(include_personal: bool) -> list[Column]:
    """The columns of an export, the personal ones only when asked for."""
    return [column for column in COLUMNS if include_personal or not column.personal]


def headers(include_personal: bool, language: str) -> list[str]:
    """The column headers in ``language``."""
    with force_locale(language):
        return [str(column.header) for column in columns(include_personal)]


# --- The definitions -----------------------------------------------------------------------------------


def days_to_resolve(raised_on: date, resolved_on: date) -> int:
    """Local calendar days from the day a concern was raised to the day it was resolved (0: the same day)."""
    return max((resolved_on - raised_on).days, 0)


def resolved_on_time(resolved_on: date, due_on: date) -> bool:
    """True if the concern was resolved on or before its due date (both local days)."""
    return resolved_on <= due_on


def local_day(moment: datetime, tz=None) -> date:
    """The province's day of ``moment`` (pass ``tz`` when calling in a loop: it saves a look-up)."""
    return moment.astimezone(tz or province_tz()).date()


# --- The query -----------------------------------------------------------------------------------------


def resolved_in_month(scope: ExportScope, *entities) -> sa.Select:
    """A select of ``entities`` over the concerns resolved in the scope's month, within its communes.

    It joins :class:`Village` (and what ``entities`` need beyond it is the caller's to join).
    """
    start, _ = scope.month.bounds_utc()
    return _resolved_by_month_end(scope, *entities).where(Concern.resolved_at >= start)


def _resolved_by_month_end(scope: ExportScope, *entities) -> sa.Select:
    """Like :func:`resolved_in_month` without the month's start: the batches of the rows add their own."""
    _, end = scope.month.bounds_utc()
    query = (
        sa.select(*entities)
        .select_from(Concern)
        .join(Village, Concern.village_id == Village.id)
        .where(_is_resolved(), Concern.resolved_at < end)
    )
    return scope.limit(query, Village.commune_id)


def _is_resolved() -> sa.ColumnElement[bool]:
    """``status = 'resolved'``, written so that each database reads the month along ``ix_concerns_resolved_at``.

    SQLite keeps no statistics: given the plain test, its planner takes ``ix_concerns_status_due`` instead and,
    for every batch, reads every resolved concern of every month and sorts them. Inside ``coalesce()`` (the
    status is never NULL: the same test) no index on the status applies. PostgreSQL, which knows how many
    concerns are resolved, gets the plain test: ``coalesce()`` would hide that and spoil its estimates.
    """
    if db.engine.dialect.name == "sqlite":
        return sa.func.coalesce(Concern.status, "") == "resolved"
    return Concern.status == "resolved"


def row_query(scope: ExportScope, include_personal: bool) -> sa.Select:
    """The columns the rows are made of, one row per concern, in the order they were resolved (then by id),
    without the month's start (see :func:`export_rows`)."""
    fields = [
        Concern.id,
        Concern.reference_code,
        Commune.code.label("commune_code"),
        Commune.name.label("commune_name"),
        Village.name.label("village_name"),
        Category.name_vi,
        Category.name_en,
        Concern.priority,
        Concern.title,
        Concern.created_at,
        Visit.visit_date,
        Visit.kind.label("visit_kind"),
        Concern.resolved_at,
        Concern.due_date,
        Concern.resolution_note,
        Concern.assignee_id,
    ]
    if include_personal:
        fields += [Concern.resident_name, Concern.resident_contact]
    return (
        _resolved_by_month_end(scope, *fields)
        .join(Commune, Village.commune_id == Commune.id)
        .join(Category, Concern.category_id == Category.id)
        .outerjoin(Visit, Concern.visit_id == Visit.id)
        .order_by(Concern.resolved_at, Concern.id)
    )


def count_rows(scope: ExportScope) -> int:
    """How many concerns the export of ``scope`` has."""
    return db.session.scalar(resolved_in_month(scope, sa.func.count(Concern.id)))


def _handlers(concern_ids: list[int], assignees: dict[int, int | None], names: dict[int, str]) -> dict[int, str]:
    """The officials who handled each concern of a batch, as ``"name; name"``; two queries per batch.

    ``names`` caches users' names across batches (a province has a few hundred users at most).
    """
    people: dict[int, list[int]] = {cid: [assignees[cid]] if assignees[cid] else [] for cid in concern_ids}
    authors = db.session.execute(
        sa.select(ConcernEvent.concern_id, ConcernEvent.author_id)
        .where(
            ConcernEvent.concern_id.in_(concern_ids),
            ConcernEvent.kind == "status",
            ConcernEvent.author_id.is_not(None),
        )
        .order_by(ConcernEvent.concern_id, ConcernEvent.created_at, ConcernEvent.id)
    )
    for concern_id, author_id in authors:
        if author_id not in people[concern_id]:
            people[concern_id].append(author_id)
    unknown = {uid for ids in people.values() for uid in ids} - names.keys()
    if unknown:
        names.update(db.session.execute(sa.select(User.id, User.full_name).where(User.id.in_(unknown))).all())
    return {cid: "; ".join(names[uid] for uid in ids) for cid, ids in people.items()}


def export_rows(
    scope: ExportScope, *, language: str, include_personal: bool = False, batch_size: int = BATCH_SIZE
) -> Iterator[list]:
    """The rows of the export of ``scope``, in the order of :func:`columns`, their words in ``language``.

    Each cell is ``str``, ``int``, :class:`~datetime.date`, or None when empty; text is as stored (the
    writers neutralise what a spreadsheet would run). Read lazily, ``batch_size`` concerns at a time.

    The query, the labels and the clock are set up now, in the caller's request: a streamed response
    reads the rows after the view has returned, when the user and the commune may no longer be loaded.
    """
    query = row_query(scope, include_personal)
    with force_locale(language):
        labels = {
            "priority": {code: str(label) for code, label in PRIORITIES.items()},
            "kind": {code: str(label) for code, label in VISIT_KINDS.items()},
            "on_time": {True: str(ON_TIME), False: str(LATE)},
        }
    start, _ = scope.month.bounds_utc()
    return _rows(query, start, labels, province_tz(), language == "en", include_personal, batch_size)


def _rows(query, start, labels, tz, english: bool, include_personal: bool, batch_size: int) -> Iterator[list]:
    priorities, kinds, on_time_labels = labels["priority"], labels["kind"], labels["on_time"]
    names: dict[int, str] = {}
    batch_query = query.where(Concern.resolved_at >= start)
    while True:
        batch = db.session.execute(batch_query.limit(batch_size)).all()
        if not batch:
            return
        # Keyset pagination: the next batch starts after the last row of this one, in (resolved_at, id) order,
        # from that moment on in the index (one lower bound only, so that it is the one the planner uses).
        last = batch[-1]
        batch_query = query.where(
            Concern.resolved_at >= last.resolved_at,
            sa.or_(Concern.resolved_at > last.resolved_at, Concern.id > last.id),
        )
        handlers = _handlers([r.id for r in batch], {r.id: r.assignee_id for r in batch}, names)
        for r in batch:
            raised_on = local_day(r.created_at, tz)
            resolved_on = local_day(r.resolved_at, tz)
            row = [
                r.reference_code,
                r.commune_code,
                r.commune_name,
                r.village_name,
                r.name_en if english else r.name_vi,
                priorities.get(r.priority, r.priority),
                r.title,
                raised_on,
                r.visit_date,
                kinds.get(r.visit_kind) if r.visit_kind else None,
                resolved_on,
                days_to_resolve(raised_on, resolved_on),
                r.due_date,
                on_time_labels[resolved_on_time(resolved_on, r.due_date)],
                r.resolution_note,
                handlers[r.id] or None,
            ]
            if include_personal:
                row += [r.resident_name, r.resident_contact]
            yield row
        if len(batch) < batch_size:
            return


# --- Personal data -------------------------------------------------------------------------------------


def record_personal_data_export(scope: ExportScope, actor: User, file_format: str) -> int:
    """Add an "export" event by ``actor`` to each concern of the export of ``scope``; return how many.

    Called before the first row is written, when the resident's name and contact are exported. One
    ``INSERT … SELECT`` writes every event (50,000 concerns are one statement, not 50,000 round trips).
    Each event is internal (never shown to residents); its note says the month and the format, e.g.
    ``2026-10 · CSV``. Added to the session: the caller commits.
    """
    ids = resolved_in_month(scope, Concern.id)
    now = utcnow()
    select = ids.with_only_columns(
        Concern.id,
        sa.literal(actor.id, sa.Integer),
        sa.literal(now, UTCDateTime),
        sa.literal("export", sa.String),
        sa.literal(file_format, sa.String),
        sa.literal(f"{scope.month} · {file_format.upper()}", sa.Text),
        sa.false(),
        maintain_column_froms=False,
    )
    result = db.session.execute(
        sa.insert(ConcernEvent).from_select(
            ["concern_id", "author_id", "created_at", "kind", "new_value", "note", "public"], select
        )
    )
    return result.rowcount
