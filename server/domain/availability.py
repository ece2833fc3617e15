"""When a store can take an appointment: opening hours minus closures minus bookings.

Opening hours are local wall times; everything is computed on UTC instants so a day with a
daylight-saving change has exactly as many real hours of slots as it really has. The clock
is always a parameter (`now`), never read here.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from server.domain.intervals import Occupancy, subtract
from server.domain.model import ChannelRules, Interval, Slot, StoreSchedule, WeeklyOpening, utc

_ONE_DAY = timedelta(days=1)
#: The smallest step a datetime can take: `end - _TICK` is the last instant before `end`.
_TICK = timedelta(microseconds=1)


class StartCheck(StrEnum):
    """The verdict on one requested start time (see `check_start` for the order of checks)."""

    FREE = "free"
    FULL = "full"
    PAST = "past"
    TOO_SOON = "too_soon"
    TOO_FAR = "too_far"
    NOT_OFFERED = "not_offered"


def opening_intervals(schedule: StoreSchedule, first_day: date, last_day: date) -> list[Interval]:
    """The store's open time, in UTC, for openings that start from `first_day - 1` to `last_day`.

    The day before is included because a night opening crossing midnight gives slots on the
    next local date. Closures are taken out and touching spans joined into one.
    """
    if first_day > last_day:
        return []
    return subtract(_weekly_openings(schedule, first_day - _ONE_DAY, last_day), schedule.closures)


def busy_interval(start: datetime, rules: ChannelRules) -> Interval:
    """What a booking starting at `start` occupies: its duration plus the buffer after it."""
    start = utc(start)
    return Interval(start, start + rules.duration + rules.buffer)


def peak_concurrency(busy: Sequence[Interval], window: Interval) -> int:
    """The most busy intervals overlapping at any single instant inside `window`.

    This is what capacity limits: bookings 09:00-10:00, 10:00-11:00 and 09:30-09:45 meet
    the window 09:00-11:00 three times, yet never more than two run at once.
    """
    return Occupancy(busy).peak(window)


def free_slots(
    schedule: StoreSchedule,
    rules: ChannelRules,
    busy: Sequence[Interval],
    first_day: date,
    last_day: date,
    now: datetime,
) -> list[Slot]:
    """Bookable slots starting on local dates `first_day`..`last_day`, sorted, in UTC.

    A slot is free while fewer than `rules.capacity` busy intervals overlap at any instant of
    the slot plus its buffer.
    """
    occupancy = Occupancy(busy)
    keep_free = rules.duration + rules.buffer
    return [
        Slot(start, start + rules.duration)
        for start in _offered_starts(schedule, rules, first_day, last_day, utc(now))
        if occupancy.peak_between(start, start + keep_free) < rules.capacity
    ]


def offered_slots(
    schedule: StoreSchedule, rules: ChannelRules, first_day: date, last_day: date, now: datetime
) -> list[Slot]:
    """The slots the schedule offers at all, as if there were no bookings."""
    return free_slots(schedule, rules, (), first_day, last_day, now)


def check_start(
    schedule: StoreSchedule,
    rules: ChannelRules,
    busy: Sequence[Interval],
    start: datetime,
    now: datetime,
) -> StartCheck:
    """Whether a customer may book `start`, and if not, why.

    The first failing check wins: PAST, TOO_SOON (inside the lead time), TOO_FAR (beyond the
    horizon), NOT_OFFERED (not a slot start of its local day), FULL (no capacity left).
    FREE exactly when `free_slots` for that day lists the start.
    """
    start, now = utc(start), utc(now)
    if start < now:
        return StartCheck.PAST
    if start < now + schedule.lead_time:
        return StartCheck.TOO_SOON
    if start > now + schedule.horizon:
        return StartCheck.TOO_FAR
    day = start.astimezone(schedule.time_zone).date()
    if start not in _offered_starts(schedule, rules, day, day, now):
        return StartCheck.NOT_OFFERED
    if peak_concurrency(busy, busy_interval(start, rules)) >= rules.capacity:
        return StartCheck.FULL
    return StartCheck.FREE


def group_by_local_day(slots: Sequence[Slot], tz: ZoneInfo) -> dict[date, list[Slot]]:
    """Slots keyed by the store-local date they start on, days and slots in order."""
    days: dict[date, list[Slot]] = {}
    for slot in sorted(slots, key=lambda s: utc(s.start)):
        days.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    return dict(sorted(days.items()))


def _offered_starts(
    schedule: StoreSchedule, rules: ChannelRules, first_day: date, last_day: date, now: datetime
) -> list[datetime]:
    """Sorted UTC starts the schedule offers on local dates `first_day`..`last_day`."""
    tz = schedule.time_zone
    # A local day runs from one local midnight to the next; comparing instants with those
    # bounds is much cheaper than converting every candidate to local time.
    earliest = max(now + schedule.lead_time, _instant(first_day, time(0), tz))
    latest = min(now + schedule.horizon, _instant(last_day + _ONE_DAY, time(0), tz) - _TICK)
    # Openings are looked up past `last_day` so that an appointment late on the last day may
    # run on into an opening of the next day, exactly as it would in a longer query; those
    # later openings start after `latest` and offer no starts of their own.
    reach = last_day + timedelta(days=rules.duration.days + 2)
    openings = _weekly_openings(schedule, first_day - _ONE_DAY, reach)
    spans = subtract(openings, schedule.closures)
    span_ends = [span.end for span in spans]
    starts: list[datetime] = []
    for opening in openings:
        lowest = max(opening.start, earliest)
        highest = min(opening.end - _TICK, latest)
        if lowest > highest:
            continue
        # Each span from the first one ending after `lowest` may hold starts of this opening.
        index = bisect_right(span_ends, lowest)
        while index < len(spans) and spans[index].start <= highest:
            span = spans[index]
            last_start = min(highest, span.end - rules.duration)
            starts += _grid(opening.start, schedule.slot_step, max(lowest, span.start), last_start)
            index += 1
    starts.sort()
    # Two openings' grids may offer the same instant; it is one slot.
    return [start for i, start in enumerate(starts) if i == 0 or start != starts[i - 1]]


def _grid(origin: datetime, step: timedelta, lowest: datetime, highest: datetime) -> list[datetime]:
    """The points `origin + k * step` (k >= 0) from `lowest` to `highest`, both included.

    Steps are real time from the opening's own start, so a clock change inside an opening
    neither loses nor doubles a slot; grids of different openings may share points.
    """
    first = max(0, -((origin - lowest) // step))  # ceil((lowest - origin) / step)
    last = (highest - origin) // step
    return [origin + k * step for k in range(first, last + 1)]


def _weekly_openings(schedule: StoreSchedule, first_day: date, last_day: date) -> list[Interval]:
    """Each weekly opening that starts on a local date in `first_day`..`last_day`, in UTC."""
    tz = schedule.time_zone
    by_weekday: dict[int, list[WeeklyOpening]] = {}
    for weekly in schedule.weekly:
        by_weekday.setdefault(weekly.weekday, []).append(weekly)
    openings: list[Interval] = []
    day = first_day
    while day <= last_day:
        for weekly in by_weekday.get(day.weekday(), ()):
            closing_day = day + _ONE_DAY if weekly.crosses_midnight else day
            start = _instant(day, weekly.opens, tz)
            end = _instant(closing_day, weekly.closes, tz)
            # An opening time inside a spring-forward gap reads an hour late (fold=0), so
            # 02:30-03:00 on that day would end before it starts: it has no real time at all.
            if start < end:
                openings.append(Interval(start, end))
        day += _ONE_DAY
    return openings


def _instant(day: date, wall_time: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time; a time in a gap resolves as zoneinfo's fold=0."""
    return datetime.combine(day, wall_time, tzinfo=tz).astimezone(UTC)
