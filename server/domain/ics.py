"""iCalendar (RFC 5545) files for an appointment, so calendars add and later update it.

The UID is stable per booking, so a calendar that imports a changed file updates the same
event; SEQUENCE tells it which file is newer, so callers must raise it with every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: RFC 5545 §3.1: lines longer than 75 octets are folded.
_LINE_OCTETS = 75


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    uid: str
    start: datetime
    end: datetime
    summary: str
    location: str = ""
    description: str = ""
    sequence: int = 0
    cancelled: bool = False
    tentative: bool = False  # requested, not confirmed yet


def calendar_file(event: CalendarEvent, stamp: datetime, product: str = "Bookwidget") -> bytes:
    """The event as an .ics file (CRLF line ends, UTF-8); `METHOD:CANCEL` when cancelled."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{_text(product)}//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if event.cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{_text(event.uid)}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.end)}",
        f"SEQUENCE:{event.sequence}",
        f"SUMMARY:{_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_text(event.description)}")
    status = "CANCELLED" if event.cancelled else "TENTATIVE" if event.tentative else "CONFIRMED"
    lines += [f"STATUS:{status}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines).encode()


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("calendar times must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """TEXT escaping (§3.3.11); other control characters are dropped, so a name can never
    start a property of its own."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(c for c in value if c >= " " or c == "\t")


def _fold(line: str) -> str:
    """Split after at most 75 octets, never inside a UTF-8 character; go on with a space."""
    parts: list[str] = []
    current, size = "", 0
    for character in line:
        width = len(character.encode())
        limit = _LINE_OCTETS if not parts else _LINE_OCTETS - 1
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
        current += character
        size += width
    parts.append(current)
    return "\r\n ".join(parts)
