"""Dates, times and zones as a customer of each language reads them (Babel, CLDR data)."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_name


def long_day(day: date, locale: str) -> str:
    """ "Tuesday, 23 March 2027" / "Dienstag, 23. März 2027"."""
    return format_date(day, format="full", locale=locale)


def short_day(day: date, locale: str) -> str:
    """ "Tue, 23 Mar" / "Di., 23. März"."""
    return format_skeleton("MMMEd", day, locale=locale)


def clock_time(moment: datetime, tz: ZoneInfo, locale: str) -> str:
    """ "10:30 AM" / "10:30", in the store's zone."""
    return format_time(moment.astimezone(tz), format="short", locale=locale)


def month_title(year: int, month: int, locale: str) -> str:
    """ "March 2027" / "März 2027"."""
    return format_skeleton("yMMMM", date(year, month, 1), locale=locale)


def zone_name(tz: ZoneInfo, moment: datetime, locale: str) -> str:
    """ "Central European Standard Time" / "Mitteleuropäische Normalzeit" at that moment."""
    return get_timezone_name(moment.astimezone(tz), width="long", locale=locale)


def weekday_headers(locale: str) -> list[tuple[str, str]]:
    """(abbreviation, full name) per weekday, starting on the locale's first day."""
    cldr = Locale.parse(locale)
    first = cldr.first_week_day
    short, full = cldr.days["format"]["abbreviated"], cldr.days["format"]["wide"]
    return [(short[(first + i) % 7], full[(first + i) % 7]) for i in range(7)]


def month_weeks(year: int, month: int, locale: str) -> list[list[date | None]]:
    """The month's days in weeks (rows) that start on the locale's first weekday; None pads."""
    weeks = calendar.Calendar(firstweekday=Locale.parse(locale).first_week_day)
    return [
        [day if day.month == month else None for day in week]
        for week in weeks.monthdatescalendar(year, month)
    ]
