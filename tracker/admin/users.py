"""Managing users: create, edit, deactivate and reactivate, reset a password. Never delete.

A user is never deleted: their visits, concerns and events keep their name. Each function checks the
rules, makes the change, records it in the audit trail and commits, all in one transaction; a rule that
refuses the change raises :class:`~tracker.admin.errors.RuleError` and nothing is written. Who may manage
whom is decided in :mod:`tracker.admin.permissions`.
"""

import re
import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..auth.password_policy import temporary_password
from ..extensions import db
from ..models import LANGUAGES, ROLES, Commune, User
from ..passwords import hash_password
from . import audit
from .errors import RuleError
from .permissions import assignable_roles, can_manage_user, may_assign

# 3 to 64 characters: lower-case letters, digits, dots, dashes and underscores, not at either end.
USERNAME = re.compile(r"[a-z0-9](?:[a-z0-9._-]{1,62})[a-z0-9]\Z")
USERNAME_RULE = _l("3 to 64 characters: lower-case letters without accents, digits, dots, dashes or underscores.")


@dataclass
class UserData:
    """What an administrator or supervisor sets on a user."""

    full_name: str
    role: str
    commune: Commune | None = None
    language: str | None = None


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def clean_name(text: str | None) -> str:
    """Text as stored: NFC (how a Vietnamese keyboard types it), trimmed, single spaces, no control characters.

    (PostgreSQL refuses a NUL character in text; a name never needs a control character.)
    """
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text or "")
    return " ".join(unicodedata.normalize("NFC", text).split())


def _snapshot(user: User) -> dict:
    return {
        "full_name": user.full_name,
        "role": user.role,
        "commune": user.commune.name if user.commune else None,
        "language": user.language,
    }


def check_assignment(actor: User, role: str, commune: Commune | None) -> None:
    """Refuse a role and commune that do not go together, or that ``actor`` may not give.

    :raise RuleError: on the ``role`` or ``commune_id`` field.
    """
    if role not in ROLES:
        raise RuleError("role", _l("Choose one of the roles."))
    if role not in assignable_roles(actor):
        raise RuleError("role", _l("You may not give this role."))
    if role == "official" and commune is None:
        raise RuleError("commune_id", _l("A commune official belongs to a commune: choose it."))
    if role == "admin" and commune is not None:
        raise RuleError("commune_id", _l("An administrator works for the whole province: leave the commune empty."))
    if not may_assign(actor, role, commune.id if commune else None):
        raise RuleError("commune_id", _l("You may only choose a commune you supervise."))


def create_user(actor: User, username: str, data: UserData) -> tuple[User, str]:
    """Create a user with a temporary password, which they must change at their first sign-in.

    :return: ``(user, temporary_password)``: show the password once to ``actor``, who hands it over.
    :raise RuleError: for a malformed or taken username, or a role or commune ``actor`` may not give.
    """
    username = normalise_username(username)
    if not USERNAME.fullmatch(username):
        raise RuleError("username", USERNAME_RULE)
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise RuleError("username", _l("This username is already taken."))
    check_assignment(actor, data.role, data.commune)
    password = temporary_password()
    user = User(
        username=username,
        full_name=clean_name(data.full_name),
        role=data.role,
        commune=data.commune,
        language=data.language if data.language in LANGUAGES else None,
        password_hash=hash_password(password),
        must_change_password=True,
    )
    try:
        db.session.add(user)
        db.session.flush()
        changes = {"username": [None, user.username]} | {k: [None, v] for k, v in _snapshot(user).items() if v}
        audit.record(actor, "user_created", "user", user.id, user.full_name, changes)
        db.session.commit()
    except IntegrityError:  # the same username, created at the same moment by someone else
        db.session.rollback()
        raise RuleError("username", _l("This username is already taken.")) from None
    return user, password


def update_user(actor: User, user: User, data: UserData) -> bool:
    """Change a user's name, role, commune and language.

    :return: True if something changed (and was recorded), False if everything was already so.
    :raise PermissionError: if ``actor`` may not manage ``user``.
    :raise RuleError: for a role or commune ``actor`` may not give, or a change of one's own role.
    """
    if not can_manage_user(actor, user):
        raise PermissionError("not allowed to manage this user")
    if user.id == actor.id and data.role != user.role:
        raise RuleError("role", _l("You cannot change your own role: ask another administrator."))
    check_assignment(actor, data.role, data.commune)
    before = _snapshot(user)
    user.full_name = clean_name(data.full_name)
    user.role = data.role
    user.commune = data.commune
    user.language = data.language if data.language in LANGUAGES else None
    changes = audit.changes_between(before, _snapshot(user))
    if not changes:
        db.session.rollback()
        return False
    audit.record(actor, "user_updated", "user", user.id, user.full_name, changes)
    db.session.commit()
    return True


def set_active(actor: User, user: User, active: bool) -> bool:
    """Deactivate or reactivate a user. A deactivated user's sessions end at their next request.

    :return: True if the user's state changed, False if it already was so.
    :raise PermissionError: if ``actor`` may not manage ``user``.
    :raise RuleError: when deactivating oneself.
    """
    if not can_manage_user(actor, user):
        raise PermissionError("not allowed to manage this user")
    if user.id == actor.id and not active:
        raise RuleError(None, _l("You cannot deactivate your own account."))
    if user.active == active:
        return False
    user.active = active
    if not active:
        # Every session and "keep me signed in" cookie ends now, and stays ended after a reactivation.
        user.session_version += 1
    action = "user_reactivated" if active else "user_deactivated"
    audit.record(actor, action, "user", user.id, user.full_name, {"active": [not active, active]})
    db.session.commit()
    return True


def reset_password(actor: User, user: User) -> str:
    """Give ``user`` a new temporary password, end their sessions, and make them choose one at sign-in.

    :return: the temporary password, to be shown once to ``actor``.
    :raise PermissionError: if ``actor`` may not manage ``user``.
    :raise RuleError: for one's own account (change it on the "change your password" page).
    """
    if not can_manage_user(actor, user):
        raise PermissionError("not allowed to manage this user")
    if user.id == actor.id:
        raise RuleError(None, _l("To change your own password, use the Change your password page."))
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.session_version += 1
    audit.record(actor, "password_reset", "user", user.id, user.full_name)
    db.session.commit()
    return password
