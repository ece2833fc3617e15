"""The booking state machine: which side may do what, when, and what each change tells whom."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from server.domain.lifecycle import Action, BookingNow, NotNow, Side, available, decide
from server.domain.mail import MailKind
from server.domain.model import BookingMode, BookingStatus, Interval

START = datetime(2027, 3, 24, 9, 0, tzinfo=UTC)
TIME = Interval(START, START + timedelta(hours=1))
LATER = Interval(START + timedelta(days=1), START + timedelta(days=1, hours=1))
NOW = START - timedelta(days=2)


def booking(**changes: object) -> BookingNow:
    base = BookingNow(
        status=BookingStatus.REQUESTED,
        time=TIME,
        proposed=None,
        mode=BookingMode.REQUEST,
        reschedule_cutoff=timedelta(hours=24),
        dealer_proposes=False,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_dealer_answers_a_request_and_the_customer_hears_of_it() -> None:
    change = decide(booking(), Side.DEALER, Action.CONFIRM, NOW)
    assert change is not None
    assert change.status is BookingStatus.CONFIRMED
    assert (change.customer_mail, change.dealer_mail) == (MailKind.CONFIRMED, None)
    declined = decide(booking(), Side.DEALER, Action.DECLINE, NOW)
    assert declined is not None
    assert declined.status is BookingStatus.DECLINED
    assert declined.customer_mail is MailKind.DECLINED


def test_actions_open_to_each_side() -> None:
    requested = booking()
    assert available(requested, Side.DEALER, NOW) == (
        Action.CONFIRM,
        Action.DECLINE,
        Action.RESCHEDULE,
    )
    assert available(requested, Side.CUSTOMER, NOW) == (Action.CANCEL, Action.RESCHEDULE)
    confirmed = booking(status=BookingStatus.CONFIRMED)
    assert available(confirmed, Side.DEALER, NOW) == (Action.CANCEL, Action.RESCHEDULE)
    proposed = booking(status=BookingStatus.CONFIRMED, proposed=LATER)
    assert available(proposed, Side.CUSTOMER, NOW) == (
        Action.CANCEL,
        Action.RESCHEDULE,
        Action.ACCEPT_PROPOSAL,
        Action.DECLINE_PROPOSAL,
    )


def test_repeating_a_change_is_harmless() -> None:
    confirmed = booking(status=BookingStatus.CONFIRMED)
    assert decide(confirmed, Side.DEALER, Action.CONFIRM, NOW) is None
    cancelled = booking(status=BookingStatus.CANCELLED)
    assert decide(cancelled, Side.CUSTOMER, Action.CANCEL, NOW) is None
    assert decide(cancelled, Side.DEALER, Action.CANCEL, NOW) is None
    assert decide(confirmed, Side.CUSTOMER, Action.RESCHEDULE, NOW, TIME) is None


def test_an_ended_booking_refuses_every_other_change() -> None:
    cancelled = booking(status=BookingStatus.CANCELLED)
    with pytest.raises(NotNow, match="cancelled"):
        decide(cancelled, Side.DEALER, Action.CONFIRM, NOW)
    assert available(cancelled, Side.CUSTOMER, NOW) == ()
    declined = booking(status=BookingStatus.DECLINED)
    with pytest.raises(NotNow, match="declined"):
        decide(declined, Side.CUSTOMER, Action.RESCHEDULE, NOW, LATER)


def test_a_customer_reschedule_goes_back_to_the_dealer_in_request_mode() -> None:
    confirmed = booking(status=BookingStatus.CONFIRMED)
    change = decide(confirmed, Side.CUSTOMER, Action.RESCHEDULE, NOW, LATER)
    assert change is not None
    assert change.status is BookingStatus.REQUESTED
    assert change.time == LATER
    assert (change.customer_mail, change.dealer_mail) == (
        MailKind.RESCHEDULED,
        MailKind.RESCHEDULED,
    )
    direct = booking(status=BookingStatus.CONFIRMED, mode=BookingMode.DIRECT)
    change = decide(direct, Side.CUSTOMER, Action.RESCHEDULE, NOW, LATER)
    assert change is not None
    assert change.status is BookingStatus.CONFIRMED


def test_the_customer_may_reschedule_only_until_the_cutoff_but_may_always_cancel() -> None:
    late = START - timedelta(hours=23)
    with pytest.raises(NotNow, match="too close"):
        decide(booking(), Side.CUSTOMER, Action.RESCHEDULE, late, LATER)
    assert available(booking(), Side.CUSTOMER, late) == (Action.CANCEL,)
    assert available(booking(), Side.CUSTOMER, START - timedelta(hours=24)) == (
        Action.CANCEL,
        Action.RESCHEDULE,
    )


def test_nothing_but_cancel_after_the_start_and_nothing_then_either() -> None:
    confirmed = booking(status=BookingStatus.CONFIRMED)
    assert available(confirmed, Side.DEALER, START) == ()
    with pytest.raises(NotNow, match="begun"):
        decide(confirmed, Side.CUSTOMER, Action.CANCEL, START + timedelta(minutes=1))


def test_a_dealer_reschedule_stands_and_confirms() -> None:
    change = decide(booking(), Side.DEALER, Action.RESCHEDULE, NOW, LATER)
    assert change is not None
    assert change.status is BookingStatus.CONFIRMED
    assert change.time == LATER
    assert (change.customer_mail, change.dealer_mail) == (MailKind.RESCHEDULED, None)


def test_where_the_store_asks_first_a_dealer_reschedule_is_a_proposal() -> None:
    asking = booking(status=BookingStatus.CONFIRMED, dealer_proposes=True)
    change = decide(asking, Side.DEALER, Action.RESCHEDULE, NOW, LATER)
    assert change is not None
    assert change.time == TIME
    assert change.proposed == LATER
    assert change.customer_mail is MailKind.PROPOSED
    pending = dataclasses.replace(asking, proposed=LATER)
    assert decide(pending, Side.DEALER, Action.RESCHEDULE, NOW, LATER) is None

    accepted = decide(pending, Side.CUSTOMER, Action.ACCEPT_PROPOSAL, NOW)
    assert accepted is not None
    assert accepted.time == LATER
    assert accepted.proposed is None
    assert accepted.status is BookingStatus.CONFIRMED
    assert accepted.dealer_mail is MailKind.PROPOSAL_ACCEPTED

    declined = decide(pending, Side.CUSTOMER, Action.DECLINE_PROPOSAL, NOW)
    assert declined is not None
    assert declined.time == TIME
    assert declined.proposed is None
    assert (declined.customer_mail, declined.dealer_mail) == (None, MailKind.PROPOSAL_DECLINED)


def test_a_proposal_answered_already_cannot_be_answered_again() -> None:
    with pytest.raises(NotNow, match="no new time"):
        decide(booking(), Side.CUSTOMER, Action.ACCEPT_PROPOSAL, NOW)


def test_each_side_keeps_to_its_own_actions() -> None:
    with pytest.raises(NotNow):
        decide(booking(), Side.CUSTOMER, Action.CONFIRM, NOW)
    with pytest.raises(NotNow):
        decide(booking(proposed=LATER), Side.DEALER, Action.ACCEPT_PROPOSAL, NOW)
    with pytest.raises(NotNow, match="declined, not cancelled"):
        decide(booking(), Side.DEALER, Action.CANCEL, NOW)


def test_a_customer_cancel_tells_the_dealer_and_a_dealer_cancel_does_not() -> None:
    confirmed = booking(status=BookingStatus.CONFIRMED)
    by_customer = decide(confirmed, Side.CUSTOMER, Action.CANCEL, NOW)
    by_dealer = decide(confirmed, Side.DEALER, Action.CANCEL, NOW)
    assert by_customer is not None
    assert by_dealer is not None
    assert by_customer.dealer_mail is MailKind.CANCELLED
    assert by_dealer.dealer_mail is None
    assert by_dealer.customer_mail is MailKind.CANCELLED


def test_answering_a_proposal_twice_is_harmless_and_a_replaced_one_is_not_answered_unseen() -> None:
    accepted = booking(status=BookingStatus.CONFIRMED, time=LATER)
    assert decide(accepted, Side.CUSTOMER, Action.ACCEPT_PROPOSAL, NOW, LATER) is None
    declined = booking(status=BookingStatus.CONFIRMED)
    assert decide(declined, Side.CUSTOMER, Action.DECLINE_PROPOSAL, NOW, LATER) is None
    replaced = booking(proposed=LATER)
    other = Interval(LATER.start + timedelta(hours=2), LATER.end + timedelta(hours=2))
    with pytest.raises(NotNow, match="changed"):
        decide(replaced, Side.CUSTOMER, Action.ACCEPT_PROPOSAL, NOW, other)
