"""Vietnamese text folded for accent-insensitive search.

Search compares folded text with folded text: the query is folded with :func:`fold` and matched against
columns that hold the folded form of what is searched (``name_folded``, ``search_folded``). Folding in
Python and storing the result keeps SQLite and PostgreSQL answering exactly the same.
"""

import unicodedata

# Unicode has no decomposition for đ/Đ (a letter of its own, not d with a mark): map it by hand.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Return ``text`` lower-cased, without diacritics, with runs of white space made single.

    >>> fold("Mường Pồn")
    'muong pon'
    >>> fold("  ĐIỆN   Biên ")
    'dien bien'
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def like_pattern(query: str) -> str:
    """Return a LIKE pattern matching folded text that contains the folded ``query``.

    LIKE's own wildcards typed by the user are escaped (with ``\\``), so "50%" means fifty per cent.
    """
    escaped = fold(query).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
