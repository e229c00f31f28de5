"""The life of a concern: which changes are allowed, who may make them, and the event each one writes.

Statuses: new → in progress → referred → resolved; rejected (with a reason) and duplicate (of another
concern) end a concern; a resolved concern can be reopened. Every change adds its :class:`ConcernEvent` to
the same session as the change, so both are committed, or neither. A refused change raises
:class:`TransitionError` before anything is touched.

Who may do what (the callers have already limited the concern to the user's scope):

- a supervisor or administrator may make any allowed change, assign, and change the priority;
- an official works on the concerns assigned to them: status changes (except rejecting, which is the
  supervisor's decision), priority; an official may take an unassigned open concern, and anyone in scope
  may add a note, escalate an open concern to the supervisor, or record the resident's satisfaction.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from .localtime import due_date, utcnow
from .models import PRIORITIES, SATISFACTION, STATUSES, Concern, ConcernEvent, User

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"in_progress", "referred", "resolved", "rejected", "duplicate"}),
    "in_progress": frozenset({"referred", "resolved", "rejected", "duplicate"}),
    "referred": frozenset({"in_progress", "resolved"}),
    "resolved": frozenset({"in_progress"}),  # reopened
    "rejected": frozenset(),
    "duplicate": frozenset(),
}
# Changes only a supervisor (or administrator) may make.
SUPERVISOR_ONLY = frozenset({"rejected"})


class TransitionError(ValueError):
    """A change that is not allowed; ``str(error)`` is the message to show, translated."""


@dataclass
class Referral:
    """A hand-off upward or to a department, with its paper trail (the official dispatch, số công văn)."""

    to: str
    number: str | None = None
    sent_on: date | None = None
    due_on: date | None = None


# --- Who may -------------------------------------------------------------------------------------------


def is_supervisor(user: User) -> bool:
    return user.role in ("supervisor", "admin")


def is_assignee(user: User, concern: Concern) -> bool:
    """True if ``concern`` is assigned to ``user`` (also before the change is flushed)."""
    return concern.assignee is not None and concern.assignee.id == user.id


def may_change_status(user: User, concern: Concern, new_status: str | None = None) -> bool:
    """True if ``user`` may move ``concern`` (to ``new_status``, or to any status when None)."""
    if is_supervisor(user):
        return True
    if new_status in SUPERVISOR_ONLY:
        return False
    return is_assignee(user, concern)


def allowed_transitions(concern: Concern, user: User | None = None) -> list[str]:
    """The statuses ``concern`` may move to from where it is (for ``user``, if given), in workflow order."""
    return [
        status
        for status in STATUSES
        if status in TRANSITIONS[concern.status] and (user is None or may_change_status(user, concern, status))
    ]


def may_assign(user: User, concern: Concern) -> bool:
    return is_supervisor(user) and concern.is_open


def may_take(user: User, concern: Concern) -> bool:
    """An official may take an open concern nobody has yet."""
    return user.role == "official" and concern.assignee is None and concern.is_open


def may_change_priority(user: User, concern: Concern) -> bool:
    return concern.is_open and (is_supervisor(user) or is_assignee(user, concern))


def may_escalate(user: User, concern: Concern) -> bool:
    return concern.is_open and not is_supervisor(user)


def may_record_satisfaction(user: User, concern: Concern) -> bool:
    return concern.status == "resolved"


def has_evidence(concern: Concern) -> bool:
    """True if the concern has a photo or document marked as evidence of its resolution.

    Only attachments stored with ``is_evidence=True`` count (the resolve form's photo, or a photo sent from
    the concern's page marked as showing it resolved): a photo of the problem itself is no evidence that it
    was solved. Attachments added in the current session and not yet committed count too.
    """
    return any(attachment.is_evidence for attachment in concern.attachments)


def assignable_to(user: User, concern: Concern) -> bool:
    """True if ``user`` can be given ``concern``: an active official or supervisor of its commune."""
    return user.active and user.role in ("official", "supervisor") and user.commune_id == concern.village.commune_id


# --- Changes -------------------------------------------------------------------------------------------


def _event(concern: Concern, actor: User | None, kind: str, at: datetime | None = None, **values) -> ConcernEvent:
    event = ConcernEvent(author=actor, kind=kind, created_at=at or utcnow(), **values)
    concern.events.append(event)
    return event


def record_created(concern: Concern, author: User, at: datetime | None = None) -> ConcernEvent:
    """Add the 'created' event of a new concern (public: it shows when the concern was raised)."""
    return _event(concern, author, "created", at or concern.created_at, new_value=concern.status, public=True)


def change_status(
    concern: Concern,
    new_status: str,
    actor: User,
    *,
    note: str | None = None,
    duplicate_of: Concern | None = None,
    referral: Referral | None = None,
    at: datetime | None = None,
) -> ConcernEvent:
    """Move ``concern`` to ``new_status`` and add the event that records it (public: residents see it).

    ``note`` is the resolution note when resolving and the reason when rejecting (required for both);
    ``referral`` says to whom and under which dispatch a concern is referred (required for referring).

    :raise TransitionError: if the change is not allowed; nothing is changed then.
    """
    note = (note or "").strip() or None
    if new_status not in TRANSITIONS.get(concern.status, ()):
        raise TransitionError(
            _l(
                "A concern that is “%(old)s” cannot become “%(new)s”.",
                old=concern.status_label,
                new=str(STATUSES.get(new_status, new_status)),
            )
        )
    if not may_change_status(actor, concern, new_status):
        raise TransitionError(_l("Only a supervisor, or the official the concern is assigned to, may do this."))
    if new_status == "resolved" and not note:
        raise TransitionError(_l("Say how the concern was resolved."))
    if new_status == "resolved" and concern.category.requires_evidence and not has_evidence(concern):
        raise TransitionError(
            _l("Concerns of this category need a photo or document as evidence before they are resolved.")
        )
    if new_status == "rejected" and not note:
        raise TransitionError(_l("Give the reason for rejecting the concern."))
    if new_status == "duplicate" and (duplicate_of is None or duplicate_of.id == concern.id):
        raise TransitionError(_l("Choose the concern this one duplicates."))
    if new_status == "referred" and (referral is None or not referral.to.strip()):
        raise TransitionError(_l("Say to whom the concern is referred."))

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
    if new_status == "referred":
        concern.referred_to = referral.to.strip()
        concern.referral_number = (referral.number or "").strip() or None
        concern.referral_date = referral.sent_on
        concern.referral_due_date = referral.due_on
    return _event(concern, actor, "status", at, old_value=old_status, new_value=new_status, note=note, public=True)


def assign(concern: Concern, assignee: User | None, actor: User, at: datetime | None = None) -> ConcernEvent:
    """Give ``concern`` to ``assignee`` (None: to nobody). A supervisor assigns; an official may take one.

    :raise TransitionError: if ``actor`` may not, or ``assignee`` is not an official of the commune.
    """
    taking = assignee is not None and assignee.id == actor.id and may_take(actor, concern)
    if not (may_assign(actor, concern) or taking):
        raise TransitionError(_l("Only a supervisor may assign this concern."))
    if assignee is not None and not assignable_to(assignee, concern):
        raise TransitionError(_l("Choose an active official of the concern's commune."))
    if assignee is not None and is_assignee(assignee, concern):
        raise TransitionError(_l("The concern is already assigned to this person."))
    old = concern.assignee.id if concern.assignee else None
    concern.assignee = assignee
    return _event(
        concern,
        actor,
        "assignment",
        at,
        old_value=str(old) if old else None,
        new_value=str(assignee.id) if assignee else None,
    )


def change_priority(concern: Concern, priority: str, actor: User, at: datetime | None = None) -> ConcernEvent:
    """Change the priority; the due date is counted again from the day the concern was raised.

    :raise TransitionError: if the priority is unknown or unchanged, or ``actor`` may not.
    """
    if priority not in PRIORITIES:
        raise TransitionError(_l("Choose one of the options."))
    if not may_change_priority(actor, concern):
        raise TransitionError(_l("Only a supervisor, or the official the concern is assigned to, may do this."))
    if priority == concern.priority:
        raise TransitionError(_l("The concern already has this priority."))
    old = concern.priority
    concern.priority = priority
    concern.due_date = due_date(concern.created_at, priority)
    return _event(concern, actor, "priority", at, old_value=old, new_value=priority, public=True)


def add_note(concern: Concern, text: str, actor: User, *, public: bool = False, at=None) -> ConcernEvent:
    """Add a note to the timeline: internal by default, or shown to the resident when ``public``.

    :raise TransitionError: if the note is empty.
    """
    text = (text or "").strip()
    if not text:
        raise TransitionError(_l("Write the note."))
    return _event(concern, actor, "note", at, note=text, public=public)


def escalate(concern: Concern, actor: User, reason: str, at: datetime | None = None) -> ConcernEvent:
    """An official asks the supervisor to step in (an internal event the supervisors' review shows).

    :raise TransitionError: if the concern is closed, ``actor`` is a supervisor, or no reason is given.
    """
    if not may_escalate(actor, concern):
        raise TransitionError(_l("Only an official may escalate an open concern."))
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_l("Say why the supervisor is needed."))
    return _event(concern, actor, "escalation", at, note=reason, public=False)


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
    old = concern.satisfaction
    concern.satisfaction = value
    return _event(concern, author, "satisfaction", at, old_value=old, new_value=value, public=False)
