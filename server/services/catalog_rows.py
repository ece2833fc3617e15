"""Reading one store row, a TOML table or a CSV line, with problems collected, not raised.

Every reader appends a human message naming where the value came from and returns a harmless
fallback, so that one pass over a catalog reports everything wrong with it at once.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from difflib import get_close_matches
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from server.domain.model import Channel, Interval, WeeklyOpening

E = TypeVar("E", bound=StrEnum)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CSV_HEADER = (
    "code,name,street,postal_code,city,country,lat,lon,time_zone,phone,email,profile,"
    "booking_mode,channels,service_radius_km,service_postal_codes,salespeople,active"
)
CSV_COLUMNS = CSV_HEADER.split(",")
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_NUMBER = re.compile(r"\s*[-+]?[0-9]+(\.[0-9]*)?\s*")
_SPAN = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_PERSON = re.compile(r"(?P<name>[^<>]+?)\s*<(?P<email>[^<>]*)>")
_TRUTH = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True, slots=True)
class ChannelSpec:
    """One channel a store offers: how long, how many at once, and the time kept free after."""

    channel: Channel
    duration_minutes: int
    capacity: int
    buffer_minutes: int


@dataclass(frozen=True, slots=True)
class ClosureSpec:
    """A span the store is closed, converted from its local wall time to UTC."""

    period: Interval
    reason: str


@dataclass(frozen=True, slots=True)
class SalespersonSpec:
    """Someone at a store who can receive its requests (routing "salesperson")."""

    name: str
    email: str


def show(value: object) -> str:
    """A value as the file spells it, so that messages quote what the author wrote."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping | list):
        return "a table" if isinstance(value, Mapping) else "a list"
    return f'"{value}"' if isinstance(value, str) else str(value)


def hint(name: str, known: Collection[str]) -> str:
    """` (did you mean "x"?)` for a likely typo of a known name, else nothing."""
    close = get_close_matches(name, list(known), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def store_label(base: str, values: Mapping[str, object]) -> str:
    code = values.get("code")
    return f'{base} (store "{code}")' if isinstance(code, str) and code else base


@dataclass(slots=True)
class Fields:
    """One table of raw values, read into checked values.

    `origins` names the table each key was taken from (a store's profile, say), so that a bad
    profile value is reported at the profile; `CatalogError` drops the repeats. `prefix` puts
    a nested table's keys in context: `channels.online.duration`.
    """

    values: Mapping[str, object]
    where: str
    problems: list[str]
    origins: Mapping[str, str] = field(default_factory=dict)
    prefix: str = ""

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.where}: {message}")

    def bad(self, key: str, complaint: str) -> None:
        """Report a key at the table it came from: `lat "x" is not a number`."""
        where = self.origins.get(key, self.where)
        self.problems.append(f"{where}: {self.prefix}{key} {complaint}")

    def given(self, key: str, required: bool) -> object:
        value = self.values.get(key)
        if (value is None or value == "") and required:
            self.bad(key, "is missing")
        return None if value == "" else value  # empty text counts as not given

    def child(self, key: str, value: object, label: str = "") -> Fields | None:
        """A nested table, reported as `label` (default `key`), e.g. `closures[2].date`."""
        label = label or key
        if isinstance(value, Mapping):
            where = self.origins.get(key, self.where)
            return Fields(value, where, self.problems, {}, f"{self.prefix}{label}.")
        self.bad(label, f"must be a table, got {show(value)}")
        return None

    def check_keys(self, known: Collection[str]) -> None:
        for key in self.values:
            if key not in known:
                self.problem(f'unknown key "{self.prefix}{key}"{hint(key, known)}')

    def text(self, key: str, default: str | None = None) -> str:
        value = self.given(key, required=default is None)
        if isinstance(value, str):
            return value.strip()
        if value is not None:
            self.bad(key, f"must be text in quotes, got {show(value)}")
        return default or ""

    def matching(self, key: str, pattern: str, rule: str, default: str | None = None) -> str:
        """Text that must match `pattern` in full, else `rule` says what it should be."""
        value = self.text(key, default)
        if value and not re.fullmatch(pattern, value):
            self.bad(key, f"{show(value)} {rule}")
        return value

    def email(self, key: str) -> str:
        return self.matching(key, _EMAIL, "is not an email address")

    def number(self, key: str, low: int, high: int, required: bool = True) -> float | None:
        value = self.given(key, required)
        number = float(str(value)) if _NUMBER.fullmatch(str(value)) else None
        if value is not None and number is None:
            self.bad(key, f"{show(value)} is not a number")
        elif number is not None and not low <= number <= high:
            self.bad(key, f"{show(value)} is out of range ({low} to {high})")
        else:
            return number
        return None

    def integer(self, key: str, default: int | None, minimum: int, multiple_of: int = 1) -> int:
        value = self.given(key, required=default is None)
        if value is None:
            return default or minimum
        if isinstance(value, bool) or not isinstance(value, int):
            self.bad(key, f"must be a whole number, got {show(value)}")
        elif value < minimum:
            self.bad(key, f"must be at least {minimum}, got {value}")
        elif value % multiple_of:
            self.bad(key, f"must be a multiple of {multiple_of}, got {value}")
        else:
            return value
        return default or minimum

    def flag(self, key: str, default: bool) -> bool:
        value = self.given(key, required=False)
        value = _TRUTH.get(value.lower(), value) if isinstance(value, str) else value
        if value is not None and not isinstance(value, bool):
            self.bad(key, f"{show(value)} is not true or false")
        return value if isinstance(value, bool) else default

    def choice(self, key: str, kind: type[E], default: E) -> E:
        value = self.given(key, required=False)
        if value is None:
            return default
        if isinstance(value, str) and value in set(kind):
            return kind(value)
        self.bad(key, f"{show(value)} is not one of {', '.join(kind)}")
        return default

    def listing(self, key: str) -> list[object]:
        value = self.given(key, required=False)
        if value is None or isinstance(value, list):
            return value or []
        self.bad(key, f"must be a list, got {show(value)}")
        return []


def read_hours(fields: Fields) -> tuple[WeeklyOpening, ...]:
    """`hours.mon = ["09:00-13:00", "14:00-18:00"]`; "00:00-24:00" is around the clock."""
    table = fields.child("hours", fields.values.get("hours", {}))
    if table is None:
        return ()
    if not any(table.values.values()):
        fields.problem('has no opening hours; add for example hours.mon = ["09:00-18:00"]')
    openings: list[WeeklyOpening] = []
    for day, spans in table.values.items():
        if day not in DAYS:
            table.problem(f'unknown day "hours.{day}" (use {", ".join(DAYS)})')
            continue
        taken: list[tuple[int, int, object]] = []
        for span in spans if isinstance(spans, list) else [spans]:
            if isinstance(minutes := _minutes(span), str):
                table.bad(day, f"{show(span)} {minutes}")
                continue
            start, end = minutes
            for other_start, other_end, other in taken:
                if start < other_end and other_start < end:
                    table.bad(day, f"{show(other)} and {show(span)} overlap")
            taken.append((start, end, span))
            opens, closes = time(start // 60, start % 60), time(end // 60 % 24, end % 60)
            openings.append(WeeklyOpening(DAYS.index(day), opens, closes))
    return tuple(openings)


def _minutes(span: object) -> tuple[int, int] | str:
    """Minutes after local midnight; a closing time not after the opening is the next day."""
    match = _SPAN.fullmatch(span.strip()) if isinstance(span, str) else None
    if match is None:
        return "is not HH:MM-HH:MM"
    open_h, open_m, close_h, close_m = map(int, match.groups())
    start, end = open_h * 60 + open_m, close_h * 60 + close_m
    if open_h > 23 or open_m > 59 or close_m > 59 or end > 24 * 60:
        return "is not a time of day (00:00 to 24:00)"
    if start == end and end != 24 * 60:
        return "has zero length (00:00-24:00 is around the clock)"
    return start, end if end > start else end + 24 * 60


def read_closures(fields: Fields, zone: ZoneInfo | None) -> tuple[ClosureSpec, ...]:
    """Closures in the store's local wall time: a `date`, or `from` and `to` dates or times.

    A date in `to` closes through the end of that day. Whole days run from local midnight to
    the next local midnight, which is 23 or 25 hours on the days the clocks change.
    """
    closures: list[ClosureSpec] = []
    for number, item in enumerate(fields.listing("closures"), 1):
        label = f"closures[{number}]"
        if not (entry := fields.child("closures", item, label)):
            continue
        entry.check_keys(("date", "from", "to", "reason"))
        given = {"date", "from", "to"} & set(entry.values)
        if not given or ("date" in given and len(given) > 1):
            entry.problem(f"{label} needs either a date, or from and to")
            continue
        first, last = ("date", "date") if "date" in given else ("from", "to")
        start, end = _moment(entry, first, end_of_day=False), _moment(entry, last, end_of_day=True)
        reason = entry.text("reason", default="")
        if start is None or end is None or zone is None:
            continue
        start_utc, end_utc = _utc(start, zone), _utc(end, zone)
        if end_utc > start_utc:
            closures.append(ClosureSpec(Interval(start_utc, end_utc), reason))
        else:
            entry.problem(f"{label} does not end after it starts")
    return tuple(closures)


def _moment(entry: Fields, key: str, end_of_day: bool) -> datetime | None:
    value = entry.given(key, required=True)
    try:
        if isinstance(value, str):
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
    except ValueError:
        pass
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value + timedelta(days=end_of_day), time())
    if value is not None:
        entry.bad(key, f"{show(value)} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM")
    return None


def _utc(moment: datetime, zone: ZoneInfo) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def read_channels(fields: Fields, only: list[object] | None) -> tuple[ChannelSpec, ...]:
    """`channels.in_store = { duration = 60, capacity = 2, buffer = 15 }`, in minutes.

    `only`, channel names a store gives (a CSV cell), keeps just those of its profile's.
    """
    table = fields.child("channels", fields.values.get("channels", {}))
    if table is None:
        return ()
    if not table.values or only == []:
        fields.problem("offers no channel; give at least one of in_store, online, at_home")
    specs: list[ChannelSpec] = []
    for name, rules in table.values.items():
        if name not in set(Channel):
            table.problem(f'unknown channel "{name}" in channels (use {", ".join(Channel)})')
        elif entry := table.child(name, rules):
            entry.check_keys(("duration", "capacity", "buffer"))
            duration = entry.integer("duration", None, minimum=5, multiple_of=5)
            capacity = entry.integer("capacity", 1, minimum=1)
            buffer = entry.integer("buffer", 0, minimum=0)
            specs.append(ChannelSpec(Channel(name), duration, capacity, buffer))
    for wanted in only or ():
        if wanted not in {spec.channel for spec in specs}:
            fields.problem(f"channel {show(wanted)} is not among its profile's channels")
    return tuple(spec for spec in specs if only is None or spec.channel in only)


def read_salespeople(fields: Fields) -> tuple[SalespersonSpec, ...]:
    """A list of `{ name, email }` tables, or a CSV cell `Name <email>; Name <email>`."""
    cell = fields.values.get("salespeople")
    items = _people(fields, cell) if isinstance(cell, str) else fields.listing("salespeople")
    people: list[SalespersonSpec] = []
    for number, item in enumerate(items, 1):
        if entry := fields.child("salespeople", item, f"salespeople[{number}]"):
            entry.check_keys(("name", "email"))
            people.append(SalespersonSpec(entry.text("name"), entry.email("email")))
    return tuple(people)


def _people(fields: Fields, cell: str) -> list[object]:
    people: list[object] = []
    for person in filter(None, (part.strip() for part in cell.split(";"))):
        if match := _PERSON.fullmatch(person):
            people.append(match.groupdict())
        else:
            fields.bad("salespeople", f'"{person}" is not "Name <email>"')
    return people


def read_csv(text: str, name: str, problems: list[str]) -> list[tuple[str, dict[str, object]]]:
    """The stores of a CSV file as (where, values shaped like a TOML `[[stores]]` table).

    Blank cells are left out, so that the profile's value applies; `channels` and
    `service_postal_codes` are lists separated by spaces, commas or semicolons.
    """
    reader = csv.reader(io.StringIO(text))
    rows: list[tuple[str, dict[str, object]]] = []
    try:
        header = [column.strip() for column in next(reader, [])]
        if "code" not in header:
            problems.append(f"{name} line 1: the first line must name the columns: {CSV_HEADER}")
            return []
        unknown = [column for column in header if column not in CSV_COLUMNS]
        for column in unknown:
            problems.append(f'{name} line 1: unknown column "{column}"{hint(column, CSV_COLUMNS)}')
        line = reader.line_num
        for row in reader if not unknown else ():
            where, line = f"{name} line {line + 1}", reader.line_num
            cells = [cell.strip() for cell in row]
            if len(cells) != len(header) and any(cells):
                problems.append(f"{where}: {len(cells)} cells, but the header has {len(header)}")
            elif any(cells):
                values: dict[str, object] = {k: v for k, v in zip(header, cells, strict=True) if v}
                for key in ("channels", "service_postal_codes"):
                    if isinstance(value := values.get(key), str):
                        values[key] = [part for part in re.split(r"[\s;,]+", value) if part]
                rows.append((where, values))
    except csv.Error as error:
        problems.append(f"{name} line {reader.line_num}: {error}")
    return rows
