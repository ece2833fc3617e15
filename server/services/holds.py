"""Holding a time for a customer while they type their details (DESIGN §3).

A hold takes capacity exactly like a booking: it is written under the store's write lock
after the same availability check, and every availability query counts unexpired holds. It
expires by itself (queries compare `expires_at` with the clock), so nothing has to run to
release an abandoned one; expired rows of a store are deleted whenever it takes a new hold.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from piccolo.engine.base import Engine

from server.adapters import repository
from server.adapters.locking import store_write_lock
from server.adapters.repository import StoreRecord
from server.domain.availability import StartCheck, busy_interval, check_start
from server.domain.model import Channel, Slot
from server.services.availability import channel_rules, free_slots_between, local_days_window
from server.services.start_checks import refusal
from server.services.store_cache import StoreCache


@dataclass(frozen=True, slots=True)
class HeldTime:
    token: str
    expires_at: datetime


async def hold_time(
    store: StoreRecord,
    channel: Channel,
    start: datetime,
    *,
    now: datetime,
    engine: Engine,  # type: ignore[type-arg]
    stores: StoreCache,
    hold_for: timedelta,
    replaces: str | None = None,
) -> HeldTime:
    """Hold `start` for `hold_for` (ten minutes by default, DESIGN §3), or raise the refusal
    a booking would get (409 when full).

    `replaces` is the customer's previous hold (they went back and picked another time): it
    is released in the same transaction, so their own hold never blocks their new choice.
    """
    rules = channel_rules(store, channel)
    local_day = start.astimezone(store.time_zone).date()
    async with store_write_lock(engine, store.id):
        if replaces is not None:
            await repository.delete_hold(replaces)
        await repository.delete_expired_holds(store.id, now)
        window = local_days_window(local_day, local_day, store.time_zone)
        closures = await repository.closures_overlapping(store.id, window)
        busy = await repository.busy_overlapping(store.id, channel, window, now)
        verdict = check_start(store.schedule(closures), rules, busy, start, now)
        if verdict is not StartCheck.FREE:
            raise refusal(verdict)
        held = HeldTime(token=secrets.token_urlsafe(24), expires_at=now + hold_for)
        await repository.insert_hold(
            {
                "token": held.token,
                "location": store.id,
                "channel": channel.value,
                "start_at": start.astimezone(now.tzinfo),
                "busy_until": busy_interval(start, rules).end.astimezone(now.tzinfo),
                "expires_at": held.expires_at,
                "created_at": now,
            }
        )
    # Others must stop seeing this time at once, at least in this process.
    stores.forget_answers(store.id)
    return held


async def nearest_free(
    store: StoreRecord,
    channel: Channel,
    wanted: datetime,
    now: datetime,
    *,
    count: int = 3,
    days: int = 7,
) -> list[Slot]:
    """The `count` free slots closest in time to `wanted`, from its local day on for `days`
    days: what to offer a customer whose time was taken."""
    first = max(wanted, now).astimezone(store.time_zone).date()
    slots = await free_slots_between(store, channel, first, first + timedelta(days=days - 1), now)
    return sorted(sorted(slots, key=lambda s: abs(s.start - wanted))[:count], key=lambda s: s.start)
