"""The concern state machine: which status changes are allowed, and the event each one writes.

new → in progress → referred → resolved; rejected (with a reason) and duplicate (of another concern) end a
concern; a resolved concern can be reopened. Every change adds its :class:`ConcernEvent` to the same
session as the change, so both are committed, or neither.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from .localtime import utcnow
from .models import SATISFACTION, STATUSES, Concern, ConcernEvent, User

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_progress", "referred", "resolved", "rejected", "duplicate"}),
    "in_progress": frozenset({"referred", "resolved", "rejected", "duplicate"}),
    "referred": frozenset({"in_progress", "resolved"}),
    "resolved": frozenset({"in_progress"}),  # reopened
    "rejected": frozenset(),
    "duplicate": frozenset(),
}


class TransitionError(ValueError):
    """A status change that is not allowed; ``str(error)`` is the message to show, translated."""


def allowed_transitions(concern: Concern) -> frozenset[str]:
    """The statuses ``concern`` may move to from where it is."""
    return TRANSITIONS[concern.status]


def record_created(concern: Concern, author: User, at: datetime | None = None) -> ConcernEvent:
    """Add the 'created' event of a new concern (public: it shows when the concern was raised)."""
    event = ConcernEvent(
        author=author,
        kind="created",
        new_value=concern.status,
        public=True,
        created_at=at or concern.created_at or utcnow(),
    )
    concern.events.append(event)
    return event


def change_status(
    concern: Concern,
    new_status: str,
    actor: User,
    *,
    note: str | None = None,
    duplicate_of: Concern | None = None,
    at: datetime | None = None,
) -> ConcernEvent:
    """Move ``concern`` to ``new_status`` and add the event that records it.

    ``note`` is the resolution note when resolving and the reason when rejecting (required for both).

    :raise TransitionError: if the change is not allowed; nothing is changed then.
    """
    note = (note or "").strip() or None
    if new_status not in TRANSITIONS.get(concern.status, ()):
        raise TransitionError(
            _l(
                "A concern that is “%(old)s” cannot become “%(new)s”.",
                old=concern.status_label,
                new=STATUSES.get(new_status, new_status),
            )
        )
    if new_status == "resolved" and not note:
        raise TransitionError(_l("Say how the concern was resolved."))
    if new_status == "rejected" and not note:
        raise TransitionError(_l("Give the reason for rejecting the concern."))
    if new_status == "duplicate" and (duplicate_of is None or duplicate_of.id == concern.id):
        raise TransitionError(_l("Choose the concern this one duplicates."))

    at = at or utcnow()
    old_status = concern.status
    concern.status = new_status
    if new_status == "resolved":
        concern.resolved_at = at
        concern.resolution_note = note
    elif old_status == "resolved":  # reopened: it is no longer resolved
        concern.resolved_at = None
    if new_status == "rejected":
        concern.rejection_reason = note
    if new_status == "duplicate":
        concern.duplicate_of = duplicate_of
    event = ConcernEvent(
        author=actor,
        kind="status",
        old_value=old_status,
        new_value=new_status,
        note=note,
        public=True,
        created_at=at,
    )
    concern.events.append(event)
    return event


def record_satisfaction(concern: Concern, value: str, author: User | None, at: datetime | None = None) -> ConcernEvent:
    """Record the resident's satisfaction with how the concern was resolved.

    ``author`` is the official who asked at a follow-up, or None when the resident gave it on the public page
    (which they may do once).

    :raise TransitionError: if the concern is not resolved, the value is unknown, or the resident already
        answered.
    """
    if value not in SATISFACTION:
        raise TransitionError(_l("Choose one of the options."))
    if concern.status != "resolved":
        raise TransitionError(_l("Satisfaction is recorded once the concern is resolved."))
    if author is None and any(e.kind == "satisfaction" and e.author_id is None for e in concern.events):
        raise TransitionError(_l("The resident has already answered."))
    event = ConcernEvent(
        author=author,
        kind="satisfaction",
        old_value=concern.satisfaction,
        new_value=value,
        public=False,
        created_at=at or utcnow(),
    )
    concern.satisfaction = value
    concern.events.append(event)
    return event
