"""The signed links in emails and on pages (DESIGN §4): who may open what, until when.

A link names its booking by reference and its holder's side by role. Customer links live
until 30 days after the appointment (to see it, book again, find the reference); dealer
links until the appointment ends, since after that there is nothing left to answer.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from server.domain.mail import Role
from server.domain.tokens import Claims, SigningKey, sign, verify

#: The purpose of every link to a booking page.
BOOKING_LINK = "booking"
#: Customer links stay valid this long after the appointment ends.
CUSTOMER_LINK_GRACE = timedelta(days=30)
#: A fresh link asked for from an expired one lives at least this long, even for a past
#: appointment: long enough to be read, short enough not to linger.
FRESH_LINK_LIFETIME = timedelta(days=7)
#: Where each side's booking page is.
PAGE_PATHS: dict[Role, str] = {"customer": "/manage", "dealer": "/dealer"}


def link_expiry(role: Role, ends: datetime) -> datetime:
    """When a `role` link to an appointment that ends at `ends` stops working."""
    return ends + (CUSTOMER_LINK_GRACE if role == "customer" else timedelta(0))


def booking_token(
    reference: str,
    role: Role,
    ends: datetime,
    keys: Sequence[SigningKey],
    *,
    at_least_until: datetime | None = None,
) -> str:
    """A token for `role` on booking `reference`, whose appointment ends at `ends` (the
    later end when a new time is proposed); valid at least until `at_least_until`."""
    expires = link_expiry(role, ends)
    if at_least_until is not None:
        expires = max(expires, at_least_until)
    claims = Claims(purpose=BOOKING_LINK, role=role, subject=reference, expires_at=expires)
    return sign(claims, keys)


def booking_page_url(
    public_url: str,
    reference: str,
    role: Role,
    ends: datetime,
    keys: Sequence[SigningKey],
    *,
    at_least_until: datetime | None = None,
) -> str:
    token = booking_token(reference, role, ends, keys, at_least_until=at_least_until)
    return f"{public_url}{PAGE_PATHS[role]}/{token}"


def verify_booking_token(
    token: str,
    keys: Sequence[SigningKey],
    now: datetime,
    roles: Collection[Role] = ("customer", "dealer"),
) -> Claims:
    """The claims of a booking link for one of `roles`; raises a `TokenError` otherwise."""
    return verify(token, keys, purpose=BOOKING_LINK, roles=set(roles), now=now)


def appointment_ends(end: datetime, proposed_end: datetime | None) -> datetime:
    """What a link's life is measured from: the later end while a new time is proposed."""
    return max(end, proposed_end or end)
