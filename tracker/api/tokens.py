"""Personal API tokens: made with :func:`secrets.token_urlsafe`, shown once, kept only as a SHA-256 hash.

A token looks like ``trk_<43 characters>``: the prefix says what it is when one turns up in a file or a
chat. Tokens are never logged; only their name and times are shown.
"""

import hashlib
import secrets

import sqlalchemy as sa

from ..extensions import db
from ..localtime import utcnow
from ..models import ApiToken, User

PREFIX = "trk_"
NAME_LENGTH = 80


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for ``user`` (added to the session; the caller commits) and its secret, to show once."""
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip()[:NAME_LENGTH], token_hash=hash_token(secret), created_at=utcnow())
    db.session.add(token)
    return token, secret


def find_token(secret: str) -> ApiToken | None:
    """The unrevoked token with this secret, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    return db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(secret), ApiToken.revoked_at.is_(None))
    )


def revoke_token(token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def user_tokens(user: User) -> list[ApiToken]:
    return db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    ).all()
