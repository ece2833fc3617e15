"""Reading the widget's form values: None for anything a person could not have meant.

Every reader refuses rather than raises, so a hand-made form (or a deep link with
`bw_date=0001-01-01`) leads back to a step instead of to an error page. Years are limited
to those the availability code can compute around without leaving datetime's range.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from server.services.availability import MAX_YEAR, MIN_YEAR


def number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def integer(text: str) -> int | None:
    # isdigit alone accepts "²" and other digits int() refuses.
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def day(text: str) -> date | None:
    try:
        value = date.fromisoformat(text)
    except ValueError:
        return None
    return value if MIN_YEAR <= value.year <= MAX_YEAR else None


def month(text: str) -> date | None:
    """The first day of a month given as YYYY-MM."""
    return day(f"{text}-01") if len(text) == 7 else None


def moment(text: str) -> datetime | None:
    """A point in time with its UTC offset (a slot's start as the form sends it)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None or not MIN_YEAR <= value.year <= MAX_YEAR:
        return None
    return value


def month_end(first: date) -> date:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def previous_month(first: date) -> date:
    return (first - timedelta(days=1)).replace(day=1)
