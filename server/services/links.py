"""The signed links in emails and on pages (DESIGN §4): who may open what, until when.

A link names its booking by reference and its holder's side by role. Customer links live
until 30 days after the appointment (to see it, book again, find the reference); dealer
links until the appointment ends, since after that there is nothing left to answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from server.domain.mail import Role
from server.domain.tokens import Claims, SigningKey, sign, verify

#: The purpose of every link to a booking page.
BOOKING_LINK = "booking"
#: Customer links stay valid this long after the appointment ends.
CUSTOMER_LINK_GRACE = timedelta(days=30)
#: Where each side's booking page is.
PAGE_PATHS: dict[Role, str] = {"customer": "/manage", "dealer": "/dealer"}


def booking_token(reference: str, role: Role, ends: datetime, keys: Sequence[SigningKey]) -> str:
    """A token for `role` on booking `reference`, whose appointment ends at `ends` (the
    later end when a new time is proposed)."""
    grace = CUSTOMER_LINK_GRACE if role == "customer" else timedelta(0)
    claims = Claims(purpose=BOOKING_LINK, role=role, subject=reference, expires_at=ends + grace)
    return sign(claims, keys)


def booking_page_url(
    public_url: str, reference: str, role: Role, ends: datetime, keys: Sequence[SigningKey]
) -> str:
    return f"{public_url}{PAGE_PATHS[role]}/{booking_token(reference, role, ends, keys)}"


def verify_booking_token(
    token: str, role: Role, keys: Sequence[SigningKey], now: datetime
) -> Claims:
    """The claims of a booking link for `role`; raises a `TokenError` otherwise."""
    return verify(token, keys, purpose=BOOKING_LINK, roles={role}, now=now)
