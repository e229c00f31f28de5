"""The rules a new password must meet, and the temporary passwords an administrator hands out.

The rules are those of OWASP ASVS 4.0 level 1 (V2.1): at least 12 characters and up to 128, any
characters at all (spaces and Vietnamese letters included), no composition rules ("a digit and a capital"),
not one of the 10,000 most common breached passwords, and not the username. Length is counted in
characters of the NFC form, so that "ệ" typed on any keyboard counts once.

The list of common passwords (``common-passwords.txt.gz``, lower-cased) comes from Django; see
``common-passwords.NOTICE`` beside it for its source and licence.
"""

import gzip
import secrets
import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")

# Lower-case Crockford base32 (no i, l, o or u): a temporary password read aloud or copied by hand.
_TEMPORARY_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common breached passwords, read once."""
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as f:
        return frozenset(line.strip().lower() for line in f if line.strip())


def password_problems(password: str, username: str | None = None) -> list:
    """What is wrong with ``password`` as a new password: a list of messages, empty when it may be used.

    :param username: the account's username; the password may not be the same (case ignored).
    """
    password = password or ""
    length = len(unicodedata.normalize("NFC", password))
    if length < MIN_LENGTH:
        return [
            _l("Use at least %(min)d characters: a few words in a row are long and easy to remember.", min=MIN_LENGTH)
        ]
    if length > MAX_LENGTH:
        return [_l("Use at most %(max)d characters.", max=MAX_LENGTH)]
    problems = []
    if username and password.strip().casefold() == username.strip().casefold():
        problems.append(_l("The password must not be the username."))
    elif password.strip().lower() in common_passwords():
        problems.append(_l("This is one of the most common passwords and easy to guess. Choose another."))
    return problems


def temporary_password() -> str:
    """A random password to hand to a user, who must change it at the next sign-in.

    Four groups of four characters (80 bits), e.g. ``k7fm-2q9x-vb3d-h8nc``: 19 characters, never common.
    """
    groups = ("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)
