"""What may happen to a booking after it is made, and what each change tells whom (DESIGN §3).

`decide` is the one function every change goes through, whichever screen or link asks: it
either returns the `Change` to write (new status, new time or proposal, the emails to send)
or raises `NotNow` with a message fit for the person who asked. Asking for a change that has
already happened (a second press of Confirm, a cancel link opened twice) returns `None`:
repeating an action is harmless and says so, it is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from server.domain.mail import MailKind
from server.domain.model import BookingMode, BookingStatus, Interval


class Action(StrEnum):
    CONFIRM = "confirm"
    DECLINE = "decline"
    CANCEL = "cancel"
    #: A new time. The customer's goes back to the dealer in request mode; the dealer's
    #: stands, or is a proposal where the store asks the customer first.
    RESCHEDULE = "reschedule"
    ACCEPT_PROPOSAL = "accept"
    DECLINE_PROPOSAL = "decline_proposal"


class Side(StrEnum):
    """Who acts: the two people a booking is between."""

    CUSTOMER = "customer"
    DEALER = "dealer"


@dataclass(frozen=True, slots=True)
class BookingNow:
    """A booking as the rules see it: state, time, and its store's policy."""

    status: BookingStatus
    time: Interval
    proposed: Interval | None
    mode: BookingMode
    #: The customer may move the appointment until this long before it starts.
    reschedule_cutoff: timedelta
    #: A dealer's new time is a proposal the customer accepts (else it stands at once).
    dealer_proposes: bool


@dataclass(frozen=True, slots=True)
class Change:
    """What `decide` asks to be written: the whole new state, and the emails it causes."""

    action: Action
    status: BookingStatus
    time: Interval
    proposed: Interval | None
    customer_mail: MailKind | None
    dealer_mail: MailKind | None

    def moves(self, before: BookingNow) -> bool:
        return self.time != before.time


def N_(message: str) -> str:  # gettext's name for "translate later"
    """Marks a message for extraction; the page showing it translates it."""
    return message


class NotNow(Exception):
    """The action is not possible in the booking's current state; the message says why."""


_ACTIVE = {BookingStatus.REQUESTED, BookingStatus.CONFIRMED}
_ENDED = {
    BookingStatus.DECLINED: N_("This request was declined."),
    BookingStatus.CANCELLED: N_("This appointment was cancelled."),
    BookingStatus.COMPLETED: N_("This appointment has taken place."),
    BookingStatus.NO_SHOW: N_("This appointment has taken place."),
}


def available(booking: BookingNow, side: Side, now: datetime) -> tuple[Action, ...]:
    """The actions `side` can take now, in the order a page offers them."""
    return tuple(action for action in Action if _refusal(booking, side, action, now) is None)


def decide(
    booking: BookingNow,
    side: Side,
    action: Action,
    now: datetime,
    new_time: Interval | None = None,
) -> Change | None:
    """The change `side` asks for, `None` when it has already happened, or `NotNow`.

    `new_time` is required for RESCHEDULE; whether it is free is the caller's question
    (it needs the store's other bookings), asked under the store's lock. For an answer to a
    proposal it is the proposed time the customer saw, if known: answering twice is then
    harmless, and a proposal replaced meanwhile is not answered unseen.
    """
    if _already_done(booking, side, action, new_time):
        return None
    if (why := _refusal(booking, side, action, now)) is not None:
        raise NotNow(why)
    status, time = booking.status, booking.time
    match action:
        case Action.CONFIRM:
            return _change(action, booking, BookingStatus.CONFIRMED, customer=MailKind.CONFIRMED)
        case Action.DECLINE:
            return _change(action, booking, BookingStatus.DECLINED, customer=MailKind.DECLINED)
        case Action.CANCEL:
            return Change(
                action,
                BookingStatus.CANCELLED,
                time,
                None,
                customer_mail=MailKind.CANCELLED,
                # The dealer cancelled it themselves: no need to tell them.
                dealer_mail=MailKind.CANCELLED if side is Side.CUSTOMER else None,
            )
        case Action.RESCHEDULE:
            if new_time is None:
                raise ValueError("a reschedule needs the new time")
            return _reschedule(booking, side, new_time)
        case Action.ACCEPT_PROPOSAL | Action.DECLINE_PROPOSAL if (
            new_time is not None and new_time != booking.proposed
        ):
            raise NotNow(N_("The proposed time has changed; please look at it again."))
        case Action.ACCEPT_PROPOSAL:
            assert booking.proposed is not None
            return Change(
                action,
                BookingStatus.CONFIRMED,
                booking.proposed,
                None,
                customer_mail=MailKind.RESCHEDULED,
                dealer_mail=MailKind.PROPOSAL_ACCEPTED,
            )
        case Action.DECLINE_PROPOSAL:
            return Change(action, status, time, None, None, dealer_mail=MailKind.PROPOSAL_DECLINED)
    raise AssertionError(action)  # pragma: no cover - every Action is matched above


def _reschedule(booking: BookingNow, side: Side, new_time: Interval) -> Change:
    if side is Side.DEALER and booking.dealer_proposes:
        return Change(
            Action.RESCHEDULE,
            booking.status,
            booking.time,
            new_time,
            customer_mail=MailKind.PROPOSED,
            dealer_mail=None,
        )
    if side is Side.DEALER:
        # The dealer chose the time, so it needs no further confirmation.
        return Change(
            Action.RESCHEDULE,
            BookingStatus.CONFIRMED,
            new_time,
            None,
            customer_mail=MailKind.RESCHEDULED,
            dealer_mail=None,
        )
    # A customer's new time in a request-mode store waits for the dealer again.
    status = BookingStatus.REQUESTED if booking.mode is BookingMode.REQUEST else booking.status
    return Change(
        Action.RESCHEDULE,
        status,
        new_time,
        None,
        customer_mail=MailKind.RESCHEDULED,
        dealer_mail=MailKind.RESCHEDULED,
    )


def _change(
    action: Action, booking: BookingNow, status: BookingStatus, *, customer: MailKind
) -> Change:
    return Change(action, status, booking.time, None, customer_mail=customer, dealer_mail=None)


def _already_done(
    booking: BookingNow, side: Side, action: Action, new_time: Interval | None
) -> bool:
    status = booking.status
    match action:
        case Action.CONFIRM:
            return status is BookingStatus.CONFIRMED and booking.proposed is None
        case Action.DECLINE:
            return status is BookingStatus.DECLINED
        case Action.CANCEL:
            return status is BookingStatus.CANCELLED
        case Action.RESCHEDULE:
            if side is Side.DEALER and booking.dealer_proposes and status in _ACTIVE:
                return new_time == booking.proposed
            return status in _ACTIVE and new_time == booking.time and booking.proposed is None
        case Action.ACCEPT_PROPOSAL | Action.DECLINE_PROPOSAL:
            # `new_time` is the proposal the customer saw. Gone, and the booking at it
            # (accepted) or not (declined): this answer was given already.
            if new_time is None or booking.proposed is not None:
                return False
            return (booking.time == new_time) == (action is Action.ACCEPT_PROPOSAL)
    return False  # pragma: no cover


def _refusal(booking: BookingNow, side: Side, action: Action, now: datetime) -> str | None:
    """Why `side` cannot take `action` now, or None when it can."""
    status = booking.status
    if status not in _ACTIVE:
        return _ENDED[status]
    started = now >= booking.time.start
    if started and action is not Action.CANCEL:
        return N_("The appointment has already begun.")
    if started:
        return N_("The appointment has already begun; it can no longer be cancelled.")
    match side, action:
        case Side.DEALER, Action.CONFIRM:
            return None if status is BookingStatus.REQUESTED else N_("It is confirmed already.")
        case Side.DEALER, Action.DECLINE:
            if status is not BookingStatus.REQUESTED:
                return N_("A confirmed appointment can be cancelled, not declined.")
            return None
        case Side.DEALER, Action.CANCEL:
            if status is BookingStatus.REQUESTED:
                return N_("A request is declined, not cancelled.")
            return None
        case Side.DEALER, Action.RESCHEDULE:
            return None
        case Side.CUSTOMER, Action.CANCEL:
            return None
        case Side.CUSTOMER, Action.RESCHEDULE:
            if now > booking.time.start - booking.reschedule_cutoff:
                return N_("It is too close to the appointment to move it online.")
            return None
        case Side.CUSTOMER, Action.ACCEPT_PROPOSAL | Action.DECLINE_PROPOSAL:
            if booking.proposed is None:
                return N_("There is no new time waiting for your answer.")
            if now >= booking.proposed.start:
                return N_("The proposed time has passed.")
            return None
    return N_("Only the other side can do that.")
