"""The audit trail of administrative actions: written by the administration's functions, read by administrators.

Every change an administrator or supervisor makes to a user, a village or a category, and every village
import, adds one :class:`~tracker.models.AuditEvent` in the same transaction as the change itself. The
trail is append-only: an attempt to change or delete an event through the ORM fails (see
:func:`_append_only`). Passwords never appear in it, only the fact of a reset.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..localtime import utcnow
from ..models import AUDIT_ACTIONS, LANGUAGES, ROLES, AuditEvent, User

TARGET_TYPES = {
    "user": _l("Users"),
    "village": _l("Villages"),
    "category": _l("Categories"),
    "import": _l("Imports"),
}

# How a changed field is named on the audit page.
FIELD_LABELS = {
    "username": _l("Username"),
    "full_name": _l("Full name"),
    "role": _l("Role"),
    "commune": _l("Commune"),
    "language": _l("Language"),
    "active": _l("Active"),
    "name": _l("Name"),
    "former_commune": _l("Former commune"),
    "households": _l("Households"),
    "latitude": _l("Latitude"),
    "longitude": _l("Longitude"),
    "distance_km": _l("Distance to the commune centre (km)"),
    "name_vi": _l("Name in Vietnamese"),
    "name_en": _l("Name in English"),
    "requires_evidence": _l("Resolving needs a photo or document"),
    "sort_order": _l("Position in lists"),
    "file": _l("File"),
    "new": _l("New villages"),
    "changed": _l("Changed villages"),
    "unchanged": _l("Unchanged villages"),
}


def changes_between(old: dict, new: dict) -> dict:
    """``{field: [old, new]}`` for each field of ``new`` whose value differs from ``old``'s.

    Floats are compared to a millionth, so that a coordinate read back from the database is not a change.
    """
    changes = {}
    for key, value in new.items():
        before = old.get(key)
        if isinstance(before, float) and isinstance(value, float) and math.isclose(before, value, abs_tol=1e-9):
            continue
        if before != value:
            changes[key] = [before, value]
    return changes


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int | None,
    target_label: str,
    changes: dict | None = None,
) -> AuditEvent:
    """Add one event to the session (the caller commits it with the change it describes).

    :param changes: ``{field: [old, new]}``; values must be JSON (str, int, float, bool, None).
    :raise ValueError: for an action that is not in :data:`~tracker.models.AUDIT_ACTIONS`.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    event = AuditEvent(
        created_at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=(target_label or "")[:200],
        changes=changes or {},
    )
    db.session.add(event)
    return event


@dataclass
class AuditFilters:
    target_type: str | None = None
    target_id: int | None = None


def audit_query(filters: AuditFilters) -> sa.Select:
    """Events matching ``filters``, newest first, with their authors loaded."""
    query = sa.select(AuditEvent).options(so.joinedload(AuditEvent.actor))
    if filters.target_type in TARGET_TYPES:
        query = query.where(AuditEvent.target_type == filters.target_type)
        if filters.target_id is not None:
            query = query.where(AuditEvent.target_id == filters.target_id)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def value_label(name: str, value) -> str:
    """A stored value as a person reads it: a role's name, yes or no, a language's name …"""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "role" and value in ROLES:
        return str(ROLES[value])
    if name == "language":
        return LANGUAGES.get(value, value)
    if isinstance(value, int | float):
        return format_decimal(value)
    return str(value)


@sa.event.listens_for(so.Session, "before_flush")
def _append_only(session, flush_context, instances) -> None:
    """Refuse to flush a change to, or the deletion of, an audit event."""
    for obj in (*session.deleted, *(o for o in session.dirty if session.is_modified(o))):
        if isinstance(obj, AuditEvent):
            raise RuntimeError("The audit trail is append-only: its events are never changed or deleted.")
