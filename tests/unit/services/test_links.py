"""How long each side's booking link lives (DESIGN §4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.domain.tokens import ExpiredToken, WrongRole, generate_key
from server.services.links import booking_page_url, booking_token, verify_booking_token

KEYS = (generate_key("k1"),)
ENDS = datetime(2027, 3, 23, 10, 0, tzinfo=UTC)


def test_a_dealer_link_lives_until_the_appointment_ends() -> None:
    token = booking_token("K7P-4QX", "dealer", ENDS, KEYS)
    before = ENDS - timedelta(seconds=1)
    assert verify_booking_token(token, KEYS, before, roles=("dealer",)).subject == "K7P-4QX"
    with pytest.raises(ExpiredToken):
        verify_booking_token(token, KEYS, ENDS, roles=("dealer",))


def test_a_customer_link_lives_thirty_days_longer() -> None:
    token = booking_token("K7P-4QX", "customer", ENDS, KEYS)
    last = ENDS + timedelta(days=30) - timedelta(seconds=1)
    assert verify_booking_token(token, KEYS, last, roles=("customer",)).role == "customer"
    with pytest.raises(ExpiredToken):
        verify_booking_token(token, KEYS, ENDS + timedelta(days=30), roles=("customer",))


def test_a_link_opens_only_its_own_sides_page() -> None:
    url = booking_page_url("https://book.example", "K7P-4QX", "customer", ENDS, KEYS)
    assert url.startswith("https://book.example/manage/")
    token = url.rsplit("/", 1)[1]
    with pytest.raises(WrongRole):
        verify_booking_token(token, KEYS, ENDS - timedelta(days=1), roles=("dealer",))
