"""The nouns of booking: channels, modes, statuses, and the rules a store books by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Channel(StrEnum):
    """Where the appointment takes place."""

    IN_STORE = "in_store"
    ONLINE = "online"
    AT_HOME = "at_home"


class BookingMode(StrEnum):
    """`request`: the dealer confirms each booking; `direct`: a booking is confirmed at once."""

    REQUEST = "request"
    DIRECT = "direct"


class BookingStatus(StrEnum):
    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    NO_SHOW = "no_show"


#: Statuses that hold capacity: a request not yet confirmed blocks its slot just like a
#: confirmed appointment, otherwise a store in request mode could be double-booked.
ACTIVE_STATUSES: frozenset[BookingStatus] = frozenset(
    {BookingStatus.REQUESTED, BookingStatus.CONFIRMED}
)


class Routing(StrEnum):
    """Who receives a store's new requests."""

    HEADQUARTERS = "headquarters"
    STORE = "store"
    SALESPERSON = "salesperson"


@dataclass(frozen=True, slots=True, order=True)
class Interval:
    """A half-open span of time `[start, end)` between two timezone-aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("Interval bounds must be timezone-aware")
        if self.end < self.start:
            raise ValueError(f"Interval ends before it starts: {self.start} > {self.end}")

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def overlaps(self, other: Interval) -> bool:
        """True when the two spans share some time; touching spans do not overlap."""
        return self.start < other.end and other.start < self.end

    def contains(self, other: Interval) -> bool:
        return self.start <= other.start and other.end <= self.end


@dataclass(frozen=True, slots=True)
class WeeklyOpening:
    """One opening interval in local wall time, e.g. Monday 09:00-13:00.

    `weekday` follows `date.weekday()` (0 = Monday). When `closes` is not after `opens` the
    interval runs past midnight into the next day (a late shop open 22:00-02:00); `closes`
    equal to `opens` means open around the clock.
    """

    weekday: int
    opens: time
    closes: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")

    @property
    def crosses_midnight(self) -> bool:
        return self.closes <= self.opens


@dataclass(frozen=True, slots=True)
class ChannelRules:
    """How one channel of one store books.

    `capacity` is how many appointments of this channel may run at the same instant;
    `buffer` is time kept free after each appointment (tidying up, travelling).
    """

    duration: timedelta
    capacity: int
    buffer: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        if self.buffer < timedelta(0):
            raise ValueError("buffer must not be negative")


@dataclass(frozen=True, slots=True)
class StoreSchedule:
    """Everything about a store's calendar that does not depend on its bookings."""

    time_zone: ZoneInfo
    weekly: tuple[WeeklyOpening, ...]
    closures: tuple[Interval, ...] = ()
    lead_time: timedelta = timedelta(hours=2)
    horizon: timedelta = timedelta(days=60)
    slot_step: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        if self.slot_step <= timedelta(0):
            raise ValueError("slot_step must be positive")


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A bookable appointment time: `[start, end)` in UTC."""

    start: datetime
    end: datetime


def utc(moment: datetime) -> datetime:
    """The same instant expressed in UTC; refuses naive datetimes instead of guessing."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: a time zone or UTC offset is required")
    return moment.astimezone(UTC)
