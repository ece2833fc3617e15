"""Why a start cannot be booked or held, as the error a customer reads."""

from __future__ import annotations

from server.domain.availability import StartCheck
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
