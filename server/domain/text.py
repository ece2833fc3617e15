"""Search text: one folded form for names typed in any case, with or without accents.

Customers type "munchen", "MÜNCHEN" or "Muenchen"; stores are saved as "München". Both sides
are folded the same way and compared as plain words, so the database needs no collation, no
extension and no accent-aware index: a `LIKE '% term%'` over a stored search document finds
word prefixes in SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import re
import unicodedata

#: Letters that are not a base letter plus an accent, so NFKD leaves them whole; mapped by
#: hand to what a person typing on a plain keyboard would write instead.
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "ə": "e",
    }
)

# `\W` keeps the underscore, which is a LIKE wildcard, so it is split off explicitly.
_SEPARATORS = re.compile(r"[\W_]+")

#: Longest search term kept; a longer word still matches, as its first 40 characters.
MAX_TERM_LENGTH = 40


def fold(text: str) -> str:
    """The case- and accent-insensitive form of `text`: lower-case words split by single spaces.

    Only letters and digits survive, so the result never holds `%`, `_` or any other
    character with a meaning inside a SQL LIKE pattern.
    """
    if text.isascii():
        # The common case, and a fast one: ASCII has nothing to decompose or strip.
        return _SEPARATORS.sub(" ", text.lower()).strip()
    # Case folding can produce decomposable characters and NFKD can produce capitals
    # ("㎒" -> "MHz"), so decompose, fold, and decompose again.
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    # Every mark goes, not just accents: a spacing vowel sign that stayed would count as a
    # separator below and cut a word of an Indic script into meaningless pieces.
    bare = "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M"))
    return _SEPARATORS.sub(" ", bare.translate(_LETTERS)).strip()


def search_terms(query: str, limit: int = 8) -> list[str]:
    """The distinct folded words of a search box query, at most `limit` of them, in order."""
    terms: list[str] = []
    for word in fold(query).split():
        if len(terms) >= limit:
            break
        term = word[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms


def search_document(*fields: str) -> str:
    """The folded words of `fields`, space-separated, with a space at each end.

    The outer spaces let `LIKE '% term%'` match a term at the start of any word, the first
    one included, without matching inside a word.
    """
    words = " ".join(word for field in fields for word in fold(field).split())
    return f" {words} " if words else " "
