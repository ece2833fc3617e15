"""Whether a start can be booked, decided from committed rows, and why not, as the error a
customer reads."""

from __future__ import annotations

from datetime import datetime

from server.adapters import repository
from server.adapters.repository import StoreRecord
from server.domain.availability import StartCheck, check_start
from server.domain.model import Channel
from server.services.availability import channel_rules, local_days_window
from server.services.errors import Conflict, InvalidInput, ServiceError

_REFUSALS: dict[StartCheck, tuple[type[ServiceError], str, str]] = {
    StartCheck.PAST: (InvalidInput, "start_in_past", "This time is in the past."),
    StartCheck.TOO_SOON: (
        InvalidInput,
        "start_too_soon",
        "This time is too soon; the store needs more notice.",
    ),
    StartCheck.TOO_FAR: (
        InvalidInput,
        "start_too_far",
        "This time is too far ahead; the store does not take bookings that far out yet.",
    ),
    StartCheck.NOT_OFFERED: (
        InvalidInput,
        "not_a_slot",
        "This time is not one of the store's appointment times.",
    ),
    StartCheck.FULL: (
        Conflict,
        "slot_taken",
        "Sorry, this time was just taken. Please choose another one.",
    ),
}


def refusal(verdict: StartCheck) -> ServiceError:
    """The error for a start that `check_start` did not find FREE."""
    error, code, detail = _REFUSALS[verdict]
    return error(detail, code=code, fields={"start": detail})


async def ensure_free(
    store: StoreRecord,
    channel: Channel,
    start: datetime,
    now: datetime,
    *,
    except_hold: str | None = None,
    except_booking: int | None = None,
) -> None:
    """Raise the refusal unless `start` is free now. Call it under `store_write_lock`, and
    write the booking before the lock is released: that is what makes it hold."""
    day = start.astimezone(store.time_zone).date()
    window = local_days_window(day, day, store.time_zone)
    closures = await repository.closures_overlapping(store.id, window)
    busy = await repository.busy_overlapping(
        store.id, channel, window, now, except_hold=except_hold, except_booking=except_booking
    )
    verdict = check_start(store.schedule(closures), channel_rules(store, channel), busy, start, now)
    if verdict is not StartCheck.FREE:
        raise refusal(verdict)
