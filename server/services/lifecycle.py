"""Carrying out a change to a booking: confirm, decline, cancel, reschedule, answer a proposal.

One function for every screen and link (`act`). Under the store's write lock it reads the
booking as it is now, asks the domain (`server.domain.lifecycle.decide`) what the change
means, checks a new time against the store's real availability, and writes the booking, its
audit event and its emails in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from piccolo.engine.base import Engine

from server.adapters import repository
from server.adapters.locking import store_write_lock
from server.domain.lifecycle import Action, BookingNow, Change, NotNow, Side, decide
from server.domain.model import BookingMode, BookingStatus, Channel, Interval
from server.domain.reference import normalize_reference
from server.services.availability import channel_rules
from server.services.errors import Conflict, NotFound
from server.services.notifications import queue_change_mail
from server.services.start_checks import ensure_free
from server.services.store_cache import StoreCache

#: The longest reason or message kept with a change (longer text is cut, not refused).
MAX_NOTE = 1000


@dataclass(frozen=True, slots=True)
class Outcome:
    #: False when the change had happened already: the request was harmless and did nothing.
    changed: bool


class ActionRefused(Conflict):
    """The action is not possible now (409); `detail` says why, for the person who asked."""

    code = "not_possible_now"


async def act(
    reference: str,
    side: Side,
    action: Action,
    *,
    via: str,
    engine: Engine,  # type: ignore[type-arg]
    stores: StoreCache,
    now: datetime,
    new_start: datetime | None = None,
    reason: str = "",
    message: str = "",
) -> Outcome:
    reason, message = reason[:MAX_NOTE], message[:MAX_NOTE]
    canonical = normalize_reference(reference)
    row = await repository.booking_by_reference(canonical) if canonical else None
    if row is None:
        raise NotFound(f"There is no booking {reference}.", code="unknown_booking")
    store = await stores.get(row["location"], fresh=True)
    channel = Channel(row["channel"])
    rules = channel_rules(store, channel)
    new_time = None if new_start is None else Interval(new_start, new_start + rules.duration)

    async with store_write_lock(engine, store.id):
        row = await repository.booking_by_reference(row["reference"])
        assert row is not None
        location = await repository.location_row(store.id)
        assert location is not None
        before = booking_now(row, location)
        try:
            change = decide(before, side, action, now, new_time)
        except NotNow as refused:
            raise ActionRefused(str(refused)) from refused
        if change is None:
            return Outcome(changed=False)
        target = change.proposed or change.time
        if target not in (before.time, before.proposed):
            await ensure_free(store, channel, target.start, now, except_booking=row["id"])
        values = _row_values(change, rules_buffer=rules.buffer, now=now)
        if not await repository.update_booking(row["id"], row["version"], values):
            # Cannot happen under the lock; if it ever does, nothing was written.
            raise Conflict("The booking changed meanwhile; please try again.")
        await repository.insert_event(
            row["id"], _event(before, change, side, via, now, reason=reason, message=message)
        )
        written = await repository.booking_by_reference(row["reference"])
        assert written is not None
        await queue_change_mail(
            written,
            location,
            customer=change.customer_mail,
            dealer=change.dealer_mail,
            now=now,
            by=side.value,
            old=(before.time.start, before.time.end) if change.moves(before) else None,
            declined_proposal=(
                (before.proposed.start, before.proposed.end)
                if action is Action.DECLINE_PROPOSAL and before.proposed
                else None
            ),
            reason=reason,
            message=message,
        )
    # This process's cached slots of the store are stale now; other processes' expire in 1 s.
    stores.forget_answers(store.id)
    return Outcome(changed=True)


def booking_now(row: dict[str, Any], location: dict[str, Any]) -> BookingNow:
    proposed = None
    if row["proposed_start_at"] is not None:
        proposed = Interval(row["proposed_start_at"], row["proposed_end_at"])
    return BookingNow(
        status=BookingStatus(row["status"]),
        time=Interval(row["start_at"], row["end_at"]),
        proposed=proposed,
        mode=BookingMode(location["booking_mode"]),
        reschedule_cutoff=timedelta(hours=location["reschedule_cutoff_hours"]),
        dealer_proposes=bool(location["reschedule_proposals"]),
    )


def _row_values(change: Change, *, rules_buffer: timedelta, now: datetime) -> dict[str, Any]:
    proposed = change.proposed
    return {
        "status": change.status.value,
        "start_at": change.time.start,
        "end_at": change.time.end,
        "busy_until": change.time.end + rules_buffer,
        "proposed_start_at": proposed.start if proposed else None,
        "proposed_end_at": proposed.end if proposed else None,
        "proposed_busy_until": proposed.end + rules_buffer if proposed else None,
        "updated_at": now,
    }


def _event(
    before: BookingNow,
    change: Change,
    side: Side,
    via: str,
    now: datetime,
    *,
    reason: str,
    message: str,
) -> dict[str, Any]:
    detail: dict[str, str] = {}
    if reason:
        detail["reason"] = reason
    if message:
        detail["message"] = message
    if change.proposed is not None:
        detail["proposed_start"] = change.proposed.start.isoformat()
    return {
        "at": now,
        "actor": side.value,
        "action": _event_name(change),
        "via": via,
        "old_status": before.status.value,
        "new_status": change.status.value,
        "old_start_at": before.time.start,
        "new_start_at": change.time.start,
        "detail": detail,
    }


def _event_name(change: Change) -> str:
    if change.action is Action.RESCHEDULE and change.proposed is not None:
        return "proposed"
    return {
        Action.CONFIRM: "confirmed",
        Action.DECLINE: "declined",
        Action.CANCEL: "cancelled",
        Action.RESCHEDULE: "rescheduled",
        Action.ACCEPT_PROPOSAL: "proposal_accepted",
        Action.DECLINE_PROPOSAL: "proposal_declined",
    }[change.action]
