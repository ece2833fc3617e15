"""Who is told about a booking change, and the facts their email will state (DESIGN §5).

Called inside the transaction that writes the change, so the emails are queued with it or
not at all (server.adapters.outbox). Dealer mail goes where the store routes its requests:
headquarters, the store's address, or a salesperson, with an optional copy to headquarters.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

import msgspec

from server.adapters import outbox, repository
from server.domain.mail import (
    Actor,
    AddressFacts,
    CustomerFacts,
    MailFacts,
    MailKind,
    Role,
    StoreFacts,
)
from server.domain.model import Routing

#: The outbox kind of every email; webhooks and push (issue 6) will be kinds of their own.
EMAIL = "email"
#: At most one fresh link per booking and side in this span, however often it is asked for.
FRESH_LINK_EVERY = timedelta(minutes=10)


async def dealer_recipients(
    booking: dict[str, Any], location: dict[str, Any], tenant: dict[str, Any]
) -> list[str]:
    """The addresses the dealer side of `booking` is reached at, without duplicates."""
    headquarters = tenant["headquarters_email"]
    routing = Routing(location["routing"])
    addresses: list[str] = []
    if routing is Routing.SALESPERSON and booking["salesperson"] is not None:
        addresses.append(await repository.salesperson_email(booking["salesperson"]) or "")
    elif routing is not Routing.HEADQUARTERS:
        addresses.append(location["email"])
    if routing is Routing.HEADQUARTERS or location["copy_headquarters"]:
        addresses.append(headquarters)
    found = [address for address in dict.fromkeys(addresses) if address]
    # A store without an address of its own still has its requests answered somewhere.
    return found or ([headquarters] if headquarters else [])


async def pick_salesperson(location: dict[str, Any]) -> int | None:
    """The salesperson a new booking goes to: the store's assigned one, else the next in turn.

    Called under the store's write lock, so two bookings made at once take different turns.
    """
    if Routing(location["routing"]) is not Routing.SALESPERSON:
        return None
    people = await repository.active_salespeople(location["id"])
    if not people:
        return None
    assigned = location["assigned_salesperson"].lower()
    for person in people:
        if assigned and person["email"].lower() == assigned:
            return int(person["id"])
    last = await repository.last_assigned_salesperson(location["id"])
    ids = [int(person["id"]) for person in people]
    following = [id_ for id_ in ids if last is not None and id_ > last]
    return following[0] if following else ids[0]


async def queue_change_mail(
    booking: dict[str, Any],
    location: dict[str, Any],
    *,
    customer: MailKind | None,
    dealer: MailKind | None,
    now: datetime,
    by: Actor = "system",
    old: tuple[datetime, datetime] | None = None,
    declined_proposal: tuple[datetime, datetime] | None = None,
    reason: str = "",
    message: str = "",
) -> None:
    """Queue the emails of one change to `booking` (its row as written, version included)
    at `location` (its store's row). `declined_proposal` names the time the customer just
    declined, which the row no longer holds."""
    tenant = await repository.tenant_row(booking["tenant"])
    mails: list[tuple[Role, MailKind, str]] = []
    if customer is not None:
        mails.append(("customer", customer, booking["customer_email"]))
    if dealer is not None:
        for address in await dealer_recipients(booking, location, tenant):
            mails.append(("dealer", dealer, address))
    for role, kind, address in mails:
        facts = mail_facts(
            booking,
            location,
            tenant,
            kind=kind,
            role=role,
            to=address,
            by=by,
            old=old,
            proposed=declined_proposal,
            reason=reason,
            message=message,
        )
        await _queue(
            facts, f"{booking['reference']}:v{booking['version']}:{role}:{kind}", booking, now
        )


async def queue_fresh_link(booking: dict[str, Any], role: Role, now: datetime) -> None:
    """A new link to `booking` for its customer or its dealer side, at most one per
    `FRESH_LINK_EVERY`: the address on the booking is the only one it is ever sent to."""
    location = await repository.location_row(booking["location"])
    assert location is not None
    tenant = await repository.tenant_row(booking["tenant"])
    if role == "customer":
        addresses = [booking["customer_email"]]
    else:
        addresses = await dealer_recipients(booking, location, tenant)
    prefix = f"{booking['reference']}:fresh:{role}:"
    if await outbox.queued_since(booking["id"], prefix, now - FRESH_LINK_EVERY):
        return
    for address in addresses:
        facts = mail_facts(
            booking, location, tenant, kind=MailKind.FRESH_LINK, role=role, to=address
        )
        await _queue(facts, f"{prefix}{now.isoformat()}", booking, now)


async def _queue(facts: MailFacts, key: str, booking: dict[str, Any], now: datetime) -> None:
    """Queue one email; `key` names the change, the recipient is added to it. An address
    goes into the key as a hash: addresses run to 254 characters, the key has 200."""
    recipient = hashlib.sha256(facts.to.lower().encode()).hexdigest()[:16]
    await outbox.queue(
        EMAIL,
        f"{key}:{recipient}",
        msgspec.to_builtins(facts),
        booking_id=booking["id"],
        now=now,
    )


def mail_facts(
    booking: dict[str, Any],
    location: dict[str, Any],
    tenant: dict[str, Any],
    *,
    kind: MailKind,
    role: Role,
    to: str,
    by: Actor = "system",
    old: tuple[datetime, datetime] | None = None,
    proposed: tuple[datetime, datetime] | None = None,
    reason: str = "",
    message: str = "",
) -> MailFacts:
    """The facts of one email about `booking` as written. `proposed` overrides the row's
    proposal: a declined one is gone from the row, but its email names it."""
    proposed = proposed or (booking["proposed_start_at"], booking["proposed_end_at"])
    address = None
    if booking["address_postal_code"]:
        address = AddressFacts(
            street=booking["address_street"],
            postal_code=booking["address_postal_code"],
            city=booking["address_city"],
        )
    return MailFacts(
        kind=kind,
        to=to,
        role=role,
        locale=booking["locale"],
        tenant_name=tenant["name"],
        reference=booking["reference"],
        sequence=booking["version"] - 1,
        status=booking["status"],
        channel=booking["channel"],
        start=booking["start_at"],
        end=booking["end_at"],
        time_zone=location["time_zone"],
        store=StoreFacts(
            name=location["name"],
            street=location["street"],
            postal_code=location["postal_code"],
            city=location["city"],
            phone=location["phone"],
            email=location["email"],
        ),
        customer=CustomerFacts(
            name=booking["customer_name"],
            email=booking["customer_email"],
            phone=booking["customer_phone"],
        ),
        address=address,
        notes=booking["notes"],
        old_start=old[0] if old else None,
        old_end=old[1] if old else None,
        proposed_start=proposed[0],
        proposed_end=proposed[1],
        by=by,
        reason=reason,
        message=message,
        # The partner's page, else the hosted widget (made absolute when the mail is sent).
        book_again_url=tenant["landing_url"] or f"/w/{tenant['public_key']}",
    )
