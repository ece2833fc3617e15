"""What an outgoing email says, fixed when the change that causes it is written (DESIGN §5).

An outbox row keeps a `MailFacts` snapshot, not a rendered message: rendering happens when
the dispatcher sends (so a template fix reaches queued mail, and links are signed with the
keys in use then), but the facts are those of the moment of the change. A "confirmed" email
still says "confirmed" when the customer cancelled a second later; the cancellation sends
its own email. Times are UTC; the renderer shows them in `time_zone`.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from msgspec import Struct


class MailKind(StrEnum):
    """What happened. Each (role, kind) pair a role receives has its own template."""

    #: customer: "request received, the store will confirm"; dealer: a new request to answer.
    REQUESTED = "requested"
    #: customer: the appointment is confirmed (by the dealer, or at once in direct mode);
    #: dealer: information about a booking a direct-mode store confirmed by itself.
    CONFIRMED = "confirmed"
    #: customer: the dealer declined the request (`reason` may say why).
    DECLINED = "declined"
    #: customer: the time changed (`old_start`, `by`); dealer: the customer moved it.
    RESCHEDULED = "rescheduled"
    #: customer: the dealer proposes `proposed_start` instead; accept or decline it.
    PROPOSED = "proposed"
    #: dealer: the customer accepted the proposed time (now `start`).
    PROPOSAL_ACCEPTED = "proposal_accepted"
    #: dealer: the customer declined it; the booking keeps its time.
    PROPOSAL_DECLINED = "proposal_declined"
    #: both: the appointment is cancelled (`by`, `reason`).
    CANCELLED = "cancelled"
    #: both: a fresh link to the booking, asked for from an expired or damaged one.
    FRESH_LINK = "fresh_link"


Role = Literal["customer", "dealer"]
Actor = Literal["customer", "dealer", "system", "admin"]


class StoreFacts(Struct, frozen=True):
    name: str
    street: str
    postal_code: str
    city: str
    phone: str
    email: str


class CustomerFacts(Struct, frozen=True):
    name: str
    email: str
    phone: str


class AddressFacts(Struct, frozen=True):
    """Where a home visit takes place."""

    street: str
    postal_code: str
    city: str


class MailFacts(Struct, frozen=True, kw_only=True):
    kind: MailKind
    #: The recipient's address, and whose side they are on: their links open that side's page.
    to: str
    role: Role
    #: The booking's language ("en", "de"); dealer mail uses it too.
    locale: str
    tenant_name: str
    reference: str
    #: The booking's version minus one: the .ics SEQUENCE, raised with every change.
    sequence: int
    #: The booking's status after the change ("requested", "confirmed", "cancelled", ...).
    status: str
    channel: str
    start: datetime
    end: datetime
    time_zone: str
    store: StoreFacts
    customer: CustomerFacts
    address: AddressFacts | None = None
    notes: str = ""
    #: RESCHEDULED: the time before the change.
    old_start: datetime | None = None
    old_end: datetime | None = None
    #: PROPOSED: the time the dealer proposes; `start`/`end` still hold the booked time.
    proposed_start: datetime | None = None
    proposed_end: datetime | None = None
    #: Who made the change (CANCELLED, RESCHEDULED).
    by: Actor = "system"
    #: DECLINED, CANCELLED: the reason given, if any.
    reason: str = ""
    #: RESCHEDULED, PROPOSED by a dealer: their message to the customer, if any.
    message: str = ""
    #: DECLINED, CANCELLED: where the customer can book again (the partner's page).
    book_again_url: str = ""
