"""What a booking page shows: the booking as it is now, its history, and the actions open
to the side whose link it is. Pure presentation: all decisions come from the domain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.lifecycle import Action, Side, available
from server.domain.model import Slot
from server.services.lifecycle import booking_now
from server.web.widget.formatting import clock_time, long_day, short_day, zone_name
from server.web.widget.rendering import gettext


def N_(message: str) -> str:  # gettext's name for "translate later"
    return message


STATUS_LABELS = {
    "requested": N_("Waiting for confirmation"),
    "confirmed": N_("Confirmed"),
    "declined": N_("Declined"),
    "cancelled": N_("Cancelled"),
    "completed": N_("Took place"),
    "no_show": N_("Missed"),
}
CHANNEL_LABELS = {
    "in_store": N_("In store"),
    "online": N_("Online (video call)"),
    "at_home": N_("Home visit"),
}
EVENT_LABELS = {
    "booked": N_("Booked"),
    "confirmed": N_("Confirmed"),
    "declined": N_("Declined"),
    "cancelled": N_("Cancelled"),
    "rescheduled": N_("Moved to another time"),
    "proposed": N_("New time proposed"),
    "proposal_accepted": N_("Proposed time accepted"),
    "proposal_declined": N_("Proposed time declined"),
}
ACTOR_LABELS = {
    "customer": N_("by the customer"),
    "dealer": N_("by the store"),
    "system": N_("automatically"),
    "admin": N_("by an administrator"),
}
DONE_LABELS = {
    Action.CONFIRM: N_("The appointment is confirmed. The customer has been told."),
    Action.DECLINE: N_("The request is declined. The customer has been told."),
    Action.CANCEL: N_("The appointment is cancelled."),
    Action.RESCHEDULE: N_("The appointment has a new time."),
    Action.ACCEPT_PROPOSAL: N_("You accepted the new time."),
    Action.DECLINE_PROPOSAL: N_("You declined the new time; the appointment keeps its time."),
}
PROPOSAL_SENT = N_("Your proposal has been sent; the customer will accept or decline it.")
ALREADY_DONE = N_("This was done already; nothing has changed.")


@dataclass(frozen=True, slots=True)
class Picker:
    """The reschedule step: days with free times, and the times of the chosen day."""

    days: list[tuple[date, str]]
    chosen: date | None
    times: list[tuple[str, str]]


def page_context(
    *,
    booking: dict[str, Any],
    location: dict[str, Any],
    events: list[dict[str, Any]],
    side: Side,
    now: datetime,
    page_url: str,
    done: Action | None = None,
    again: bool = False,
    do: str = "",
    error: str = "",
    picker: Picker | None = None,
) -> dict[str, Any]:
    locale = booking["locale"]
    tz = ZoneInfo(location["time_zone"])
    state = booking_now(booking, location)
    actions = available(state, side, now)

    def tr(message: str) -> str:
        return gettext(locale, message)

    def when(start: datetime, end: datetime) -> str:
        return (
            f"{long_day(start.astimezone(tz).date(), locale)}, "
            f"{clock_time(start, tz, locale)} – {clock_time(end, tz, locale)}"
        )

    notice = ""
    if done is not None:
        notice = ALREADY_DONE if again else DONE_LABELS[done]
        if done is Action.RESCHEDULE and not again and state.proposed is not None:
            notice = PROPOSAL_SENT
    cutoff_passed = (
        side is Side.CUSTOMER
        and Action.CANCEL in actions
        and Action.RESCHEDULE not in actions
        and now < state.time.start
    )
    return {
        "locale": locale,
        "side": side.value,
        "page_url": page_url,
        "ics_url": f"{page_url}/calendar.ics",
        "reference": booking["reference"],
        "status": booking["status"],
        "status_label": tr(STATUS_LABELS[booking["status"]]),
        "channel": booking["channel"],
        "channel_label": tr(CHANNEL_LABELS[booking["channel"]]),
        "when": when(state.time.start, state.time.end),
        "zone": zone_name(tz, state.time.start, locale),
        "proposed": when(state.proposed.start, state.proposed.end) if state.proposed else "",
        "proposed_start": state.proposed.start.isoformat() if state.proposed else "",
        "store": location,
        "booking": booking,
        "actions": [action.value for action in actions],
        "do": do if do in {a.value for a in actions} else "",
        "notice": tr(notice) if notice else "",
        "error": tr(error) if error else "",
        "cutoff_passed": cutoff_passed,
        "cutoff_hours": location["reschedule_cutoff_hours"],
        "dealer_proposes": state.dealer_proposes,
        "picker": picker,
        "long_day_chosen": long_day(picker.chosen, locale) if picker and picker.chosen else "",
        "history": [_history_entry(event, tz, locale, tr) for event in events],
    }


def time_picker(slots: list[Slot], tz: ZoneInfo, locale: str, chosen: date | None) -> Picker:
    """Days that have free times (in the store's zone), and the chosen day's times."""
    by_day: dict[date, list[Slot]] = {}
    for slot in slots:
        by_day.setdefault(slot.start.astimezone(tz).date(), []).append(slot)
    days = sorted(by_day)
    if chosen not in by_day:
        chosen = days[0] if days else None
    chosen_slots = by_day[chosen] if chosen is not None else []
    times = [(slot.start.isoformat(), clock_time(slot.start, tz, locale)) for slot in chosen_slots]
    return Picker(days=[(day, short_day(day, locale)) for day in days], chosen=chosen, times=times)


#: How far ahead the reschedule step looks for free times.
PICKER_DAYS = timedelta(days=28)


def _history_entry(event: dict[str, Any], tz: ZoneInfo, locale: str, tr: Any) -> dict[str, str]:
    at: datetime = event["at"]
    old, new = event["old_start_at"], event["new_start_at"]
    moved = ""
    if old is not None and new is not None and old != new:
        moved = f"{short_day(old.astimezone(tz).date(), locale)} {clock_time(old, tz, locale)}"
        moved += f" → {short_day(new.astimezone(tz).date(), locale)} {clock_time(new, tz, locale)}"
    elif event["detail"].get("proposed_start"):
        proposed = datetime.fromisoformat(event["detail"]["proposed_start"])
        moved = (
            f"→ {short_day(proposed.astimezone(tz).date(), locale)} "
            f"{clock_time(proposed, tz, locale)}"
        )
    return {
        "at": f"{short_day(at.astimezone(tz).date(), locale)} {clock_time(at, tz, locale)}",
        "what": tr(EVENT_LABELS.get(event["action"], event["action"])),
        "who": tr(ACTOR_LABELS.get(event["actor"], event["actor"])),
        "moved": moved,
        "reason": event["detail"].get("reason", ""),
        "message": event["detail"].get("message", ""),
    }
