"""Password hashing with argon2id.

The parameters are argon2-cffi's recommended profile (RFC 9106, low memory) unless the config names
another in ``PASSWORD_HASH_PROFILE``: the tests use the cheapest, so that signing in is instant there.
"""

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

DEFAULT_PROFILE = "RFC_9106_LOW_MEMORY"


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def _hasher() -> PasswordHasher:
    profile = DEFAULT_PROFILE
    if has_app_context():
        profile = current_app.config.get("PASSWORD_HASH_PROFILE", DEFAULT_PROFILE)
    return _hasher_for(profile)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; a malformed hash is a mismatch, not an error."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's and should be remade."""
    return _hasher().check_needs_rehash(password_hash)


def dummy_verify(password: str) -> None:
    """Spend the time a real check takes, for a username that does not exist."""
    verify_password(_dummy_hash(_hasher()), password)


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not-a-real-password")
