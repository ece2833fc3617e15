"""Free appointment times of one store and channel, for a range of its local dates."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from server.adapters import repository
from server.adapters.repository import StoreRecord
from server.domain.availability import free_slots, group_by_local_day
from server.domain.model import Channel, ChannelRules, Interval, Slot, utc
from server.schemas import DayOut, SlotOut, SlotsOut
from server.services.errors import InvalidInput
from server.services.store_cache import SlotsKey, StoreCache

DEFAULT_DAYS = 14
MAX_DAYS = 62
#: Dates and starts outside these years are refused before any date arithmetic: a day
#: before or after them, or a zone offset, would leave datetime's years 1..9999.
MIN_YEAR, MAX_YEAR = 2, 9998


async def slots_json(
    *,
    location_id: int,
    channel: Channel,
    from_date: date | None,
    to_date: date | None,
    now: datetime,
    stores: StoreCache,
) -> bytes:
    """The slots answer as JSON (`SlotsOut`), from this second's cache when another request
    for the same store, channel and days computed it already (see `store_cache`)."""
    store = await stores.get(location_id)
    channel_rules(store, channel)  # a channel the store does not offer is refused first
    first, last = requested_days(store.time_zone, from_date, to_date, now)
    key = SlotsKey(store.id, channel, first, last, int(now.timestamp()))
    answer = stores.answer(key)
    if answer is None:
        # Encoded once here, not per response: at 200 slots the JSON is 15 KB, and encoding
        # it costs about as much as the rest of a cached request.
        answer = msgspec.json.encode(await compute_slots(store, channel, first, last, now))
        stores.remember(key, answer)
    return answer


def requested_days(
    tz: ZoneInfo, from_date: date | None, to_date: date | None, now: datetime
) -> tuple[date, date]:
    """The first and last local date asked for: from today in the store's zone, for
    DEFAULT_DAYS days, unless given; at most MAX_DAYS days."""
    first = from_date or now.astimezone(tz).date()
    # Days around the range (the one before, two after, zone offsets) are computed below;
    # near datetime's years 1 and 9999 that overflows, and no store has slots there.
    for name, day in (("from", first), ("to", to_date)):
        if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
            message = f"Ask for dates between the years {MIN_YEAR} and {MAX_YEAR}."
            raise InvalidInput(message, fields={name: message})
    last = to_date or first + timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise InvalidInput("`to` is before `from`.", fields={"to": "Must not be before `from`."})
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(
            f"Ask for at most {MAX_DAYS} days at a time.",
            fields={"to": f"At most {MAX_DAYS} days after `from`."},
        )
    return first, last


async def compute_slots(
    store: StoreRecord,
    channel: Channel,
    first: date,
    last: date,
    now: datetime,
) -> SlotsOut:
    """Free times of one store and channel on local dates first..last, from committed rows."""
    tz = store.time_zone
    slots = await free_slots_between(store, channel, first, last, now)
    by_day = group_by_local_day(slots, tz)
    days = [
        DayOut(
            date=day,
            slots=[
                SlotOut(start=s.start.astimezone(tz), end=s.end.astimezone(tz))
                for s in by_day.get(day, [])
            ],
        )
        for day in _dates(first, last)
    ]
    return SlotsOut(
        location_id=store.id,
        channel=channel,
        time_zone=tz.key,
        from_date=first,
        to_date=last,
        days=days,
    )


async def free_slots_between(
    store: StoreRecord,
    channel: Channel,
    first: date,
    last: date,
    now: datetime,
    *,
    hold: str | None = None,
    booking: int | None = None,
) -> list[Slot]:
    """Free slots on local dates first..last; a customer's own `hold` does not hide its time
    from them (everyone else sees it taken), nor does a `booking` being moved hide its own."""
    rules = channel_rules(store, channel)
    window = local_days_window(first, last, store.time_zone)
    closures = await repository.closures_overlapping(store.id, window)
    busy = await repository.busy_overlapping(
        store.id, channel, window, now, except_hold=hold, except_booking=booking
    )
    return free_slots(store.schedule(closures), rules, busy, first, last, now)


def channel_rules(store: StoreRecord, channel: Channel) -> ChannelRules:
    rules = store.channels.get(channel)
    if rules is None:
        offered = ", ".join(sorted(c.value for c in store.channels)) or "none"
        raise InvalidInput(
            f"This store does not offer {channel.value} appointments (it offers: {offered}).",
            code="channel_not_offered",
            fields={"channel": f"Not offered here; choose one of: {offered}."},
        )
    return rules


def local_days_window(first: date, last: date, tz: ZoneInfo) -> Interval:
    """UTC span that covers every booking or closure that can touch slots on local dates
    first..last: from the day before (openings that cross midnight) to two days after
    (appointments and buffers running past midnight)."""
    start = datetime.combine(first - timedelta(days=1), time(0), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=2), time(0), tzinfo=tz)
    return Interval(utc(start), utc(end))


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
