"""Booking references people can read out on the phone: `K7P-4QX`.

A reference names a booking for humans; it is not a secret and grants nothing. Links in
emails carry signed tokens instead (see `server.domain.tokens`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

#: Capitals and digits without the look-alike pairs 0/O, 1/I/L, 2/Z, 5/S and 8/B, so a
#: reference survives handwriting, bad fonts and being read aloud.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"

#: 25^6, about 244 million references.
LENGTH = 6


def new_reference(randbelow: Callable[[int], int] = secrets.randbelow) -> str:
    """A fresh random reference such as `K7P-4QX`.

    Random rather than sequential, so a reference does not reveal how many bookings a store
    takes. Uniqueness is for the database to enforce: on the rare clash, draw again.
    """
    code = "".join(ALPHABET[randbelow(len(ALPHABET))] for _ in range(LENGTH))
    return _canonical(code)


def normalize_reference(text: str) -> str | None:
    """The canonical form of a reference as someone typed it, or None if it cannot be one.

    Lower case, surrounding spaces, and a missing dash (or a space in its place) are
    accepted: `" k7p4qx "` gives `"K7P-4QX"`.
    """
    # ASCII only, checked before `upper()`, which turns some other characters into capitals
    # of the alphabet ("ﬀ" becomes "FF").
    code = text.strip()
    if not code.isascii():
        return None
    code = code.upper()
    if len(code) == LENGTH + 1 and code[LENGTH // 2] in "- ":
        code = code[: LENGTH // 2] + code[LENGTH // 2 + 1 :]
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return _canonical(code)


def _canonical(code: str) -> str:
    return f"{code[: LENGTH // 2]}-{code[LENGTH // 2 :]}"
