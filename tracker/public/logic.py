"""The public look-up: a concern found by its reference code, and the little of it a resident may see.

Nothing here hands a model object to a public page. :func:`public_view` copies out only the facts that are
public (category, place, status, dates, and the events marked public, without who made them), so that a
template cannot reach the resident's name or contact, an internal note, or an official's name.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

import segno
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    PRIORITIES,
    REFERENCE_ALPHABET,
    REFERENCE_LENGTH,
    SATISFACTION,
    STATUSES,
    Concern,
    ConcernEvent,
    Village,
)
from ..workflow import record_satisfaction

# What a resident may answer on the public page: "could not be reached" is for officials to record.
RESIDENT_SATISFACTION = {code: label for code, label in SATISFACTION.items() if code != "not_reached"}

# What each status means, said plainly for a resident.
STATUS_EXPLANATIONS = {
    "new": _l("The commune has received your concern and will deal with it."),
    "in_progress": _l("Commune officials are dealing with your concern."),
    "referred": _l("Your concern has been sent to a higher level or to another office, which will deal with it."),
    "resolved": _l("Your concern has been resolved."),
    "rejected": _l("The commune cannot deal with this concern. The reason is given below."),
    "duplicate": _l("The same problem had already been raised: it is followed under that earlier concern."),
}

# The kinds of event a resident may see, when the event is marked public, and how each is named for them.
# Other kinds (assignment, escalation, photos, exports, satisfaction) are never shown: their values name
# officials or say nothing a resident needs.
PUBLIC_EVENT_LABELS = {
    "created": _l("Concern received"),
    "status": _l("Status changed"),
    "priority": _l("Priority changed"),
    "note": _l("News from the commune"),
}

# Anything longer than this is not a code typed by hand: refused before any work.
_LONGEST_INPUT = 64
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·/]+")
# Letters left out of Crockford's alphabet because they are read as digits.
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def normalise_code(text: str | None) -> str | None:
    """The reference code in ``text`` as it is stored (8 Crockford base32 characters, upper case), or None.

    A code may be typed loosely: lower case, spaces, hyphens or dots between groups, full-width characters
    from a phone keyboard, and the letters I and L for 1 and O for 0. Anything else (U, other letters,
    punctuation, the wrong length) is malformed, and None is returned.
    """
    if not text or len(text) > _LONGEST_INPUT:
        return None
    code = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper().translate(_LOOKALIKES)
    if len(code) != REFERENCE_LENGTH or any(char not in REFERENCE_ALPHABET for char in code):
        return None
    return code


def spaced_code(code: str) -> str:
    """A code in groups of four, for reading aloud and copying by hand: ``HRS9 NZ6M``."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def find_concern(text: str | None) -> Concern | None:
    """The concern whose reference code is typed in ``text`` (loosely, see :func:`normalise_code`), or None.

    None both when nothing has that code and when ``text`` is not a code at all: the caller answers both the
    same way, so that nobody learns which codes are well formed by trying them.
    """
    code = normalise_code(text)
    if code is None:
        return None
    return db.session.scalar(
        sa.select(Concern)
        .where(Concern.reference_code == code)
        .options(
            so.joinedload(Concern.village).joinedload(Village.commune),
            so.joinedload(Concern.category),
            so.selectinload(Concern.events),
        )
    )


@dataclass(frozen=True)
class PublicEvent:
    """One public step of a concern: when, what, and the public note; never who."""

    at: datetime
    label: str
    old_value: str | None = None  # a status or priority, translated
    new_value: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class PublicConcern:
    """Everything the public page shows of a concern, and nothing more."""

    code: str
    category: str
    village: str
    commune: str
    status: str
    status_label: str
    explanation: str
    raised_at: datetime
    due_on: date | None
    is_overdue: bool
    resolved_at: datetime | None
    events: list[PublicEvent] = field(default_factory=list)
    # The public note of the change that brought the current status: how it was resolved, why rejected.
    status_note: str | None = None
    # The status of the earlier concern a duplicate is followed under (its code stays private).
    original_status_label: str | None = None
    # The resident's own answer on this page, once given (translated), and whether they may still give it.
    resident_answer: str | None = None
    may_answer: bool = False

    @property
    def spaced_code(self) -> str:
        return spaced_code(self.code)


def _resident_answer(concern: Concern) -> str | None:
    """The satisfaction the resident gave on the public page (an event without an author), if any."""
    for event in concern.events:
        if event.kind == "satisfaction" and event.author_id is None and event.new_value in SATISFACTION:
            return event.new_value
    return None


def _public_event(event: ConcernEvent) -> PublicEvent:
    vocabulary = PRIORITIES if event.kind == "priority" else STATUSES
    old = vocabulary.get(event.old_value) if event.kind in ("status", "priority") else None
    new = vocabulary.get(event.new_value) if event.kind in ("status", "priority") else None
    return PublicEvent(
        at=event.created_at,
        label=str(PUBLIC_EVENT_LABELS[event.kind]),
        old_value=str(old) if old else None,
        new_value=str(new) if new else None,
        note=(event.note or "").strip() or None,
    )


def public_view(concern: Concern, today: date) -> PublicConcern:
    """What a resident may see of ``concern``, as plain values, labels translated (``today`` is the local day).

    Shown: category, village, commune, status, the day raised, the due date (while it means something), the
    day resolved, and the events marked public of the kinds in :data:`PUBLIC_EVENT_LABELS`, each with its
    note. Never shown: the title and description, the resident's name and contact, internal events and
    notes, who did anything, the assignee, referral papers, the rejection reason except as the public
    event carries it, and the duplicate's original code.
    """
    events = sorted(
        (e for e in concern.events if e.public and e.kind in PUBLIC_EVENT_LABELS),
        key=lambda e: (e.created_at, e.id or 0),
    )
    answer = _resident_answer(concern)
    to_current = [e for e in events if e.kind == "status" and e.new_value == concern.status]
    status_note = ((to_current[-1].note or "").strip() or None) if to_current else None
    closed_otherwise = concern.status in ("rejected", "duplicate")
    original = concern.duplicate_of if concern.status == "duplicate" else None
    return PublicConcern(
        code=concern.reference_code,
        category=concern.category.name,
        village=concern.village.name,
        commune=concern.village.commune.name,
        status=concern.status,
        status_label=concern.status_label,
        explanation=str(STATUS_EXPLANATIONS[concern.status]),
        raised_at=concern.created_at,
        due_on=None if closed_otherwise else concern.due_date,
        is_overdue=concern.status in OPEN_STATUSES and concern.due_date < today,
        resolved_at=concern.resolved_at if concern.status == "resolved" else None,
        events=[_public_event(e) for e in events],
        status_note=status_note,
        original_status_label=original.status_label if original is not None else None,
        resident_answer=str(SATISFACTION[answer]) if answer else None,
        may_answer=concern.status == "resolved" and answer is None,
    )


def record_resident_satisfaction(concern: Concern, value: str) -> ConcernEvent:
    """Record the satisfaction a resident gives on the public page (added to the session, not committed).

    :raise TransitionError: if ``value`` is not one a resident may give, the concern is not resolved, or the
        resident has already answered.
    """
    if value not in RESIDENT_SATISFACTION:
        value = ""  # "not reached" is the officials' to record: refused below like any unknown value
    return record_satisfaction(concern, value, author=None)


def qr_code_svg(url: str, title: str) -> Markup:
    """``url`` as a QR code, an inline SVG that scales with its box (``title`` is what a screen reader says)."""
    svg = segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True, title=title, svgclass="qr")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
