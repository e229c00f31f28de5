"""Who is signed in, and the sign-in rules."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..localtime import utcnow
from ..models import User
from ..passwords import dummy_verify, hash_password, needs_rehash, verify_password


def load_user(token: str) -> User | None:
    """The active user a session token names, or None if it is stale, malformed or the user inactive."""
    user_id, _, version = token.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, or None.

    An unknown username costs the same hashing time as a wrong password, and both answer None. A hash
    made with old parameters is remade (the caller commits).
    """
    user = db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))
    if user is None:
        dummy_verify(password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def set_new_password(user: User, new_password: str) -> None:
    """Give ``user`` the new password they chose (already checked against the rules).

    Clears ``must_change_password`` and bumps ``session_version``, which ends every session of the user;
    the caller commits and signs the user in again, so that only the session in hand goes on.
    """
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_version += 1
