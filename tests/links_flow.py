"""Bookings driven the way people drive them: from the links in their emails.

A `Flow` books through the API, lets the real dispatcher send (`tests/mail.py`), and makes
every later change by opening the booking page an email links to and sending its form, as
the dealer or the customer would. The stories below take a booking through every change that
sends mail; the email, scanner and token tests share them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from icalendar import Calendar

from server.domain.model import BookingMode
from tests import builders
from tests.conftest import Database
from tests.integration.test_api_bookings import booking
from tests.mail import MailRig, links, only, page_path
from tests.smtp import CaughtMail

Client = httpx.AsyncClient
CUSTOMER = "erika@example.com"
HEADQUARTERS = "hq@test.example"
BERLIN = ZoneInfo("Europe/Berlin")

# 10:00 in Berlin (UTC+1 that week) on Tuesday to Thursday: free in the builders' stores.
TUESDAY_10 = datetime(2027, 3, 23, 9, 0, tzinfo=UTC)
TUESDAY_14 = datetime(2027, 3, 23, 13, 0, tzinfo=UTC)
WEDNESDAY_10 = datetime(2027, 3, 24, 9, 0, tzinfo=UTC)
THURSDAY_10 = datetime(2027, 3, 25, 9, 0, tzinfo=UTC)

#: Where the booking pages are; a link to either is a link to a booking.
PAGES = ("/manage/", "/dealer/")
#: The dealer addresses of the `Shops` stores (the builders' "<code>@store.example").
SHOP, DIRECT, ASK = "shop@store.example", "direct@store.example", "ask@store.example"
_START_CHOICE = re.compile(r'name="start" value="([^"]+)"')


@dataclass(frozen=True)
class Shops:
    """One tenant with a store of each kind the stories need."""

    key: str
    #: Request mode: the dealer confirms or declines each booking.
    request: int
    #: Direct mode: bookings are confirmed at once; the dealer is only told.
    direct: int
    #: Request mode, and a dealer's new time is a proposal the customer answers.
    proposals: int


async def load_shops(db: Database) -> Shops:
    catalog = builders.catalog(
        builders.store("shop"),
        builders.store("direct", booking_mode=BookingMode.DIRECT),
        builders.store("ask", reschedule_proposals=True),
    )
    ids = await db.load(catalog)
    return Shops(catalog.tenant.key, ids["shop"], ids["direct"], ids["ask"])


@dataclass(frozen=True)
class Step:
    name: str
    reference: str
    mails: list[CaughtMail]


@dataclass
class Flow:
    client: Client
    mail: MailRig
    locale: str = "de"
    steps: list[Step] = field(default_factory=list)
    #: Called with the mail of each delivery, as soon as it has arrived.
    on_delivery: Callable[[list[CaughtMail]], Awaitable[None]] | None = None

    async def book(self, key: str, store: int, start: datetime, **overrides: Any) -> str:
        body = booking(key, store, start.isoformat(), locale=self.locale, **overrides)
        response = await self.client.post("/api/v1/bookings", json=body)
        assert response.status_code == 201, response.text
        reference: str = response.json()["reference"]
        return reference

    async def deliver(self, name: str, reference: str) -> list[CaughtMail]:
        """Send what is due; the mail is kept as the step `name` of booking `reference`."""
        sent = await self.mail.deliver()
        self.steps.append(Step(name, reference, sent))
        if self.on_delivery is not None:
            await self.on_delivery(sent)
        return sent

    def step(self, name: str) -> list[CaughtMail]:
        (found,) = [step.mails for step in self.steps if step.name == name]
        return found

    def mails(self, reference: str | None = None) -> list[CaughtMail]:
        return [
            mail
            for step in self.steps
            if reference is None or step.reference == reference
            for mail in step.mails
        ]

    async def press(self, mail: CaughtMail, action: str, **fields: str) -> str:
        """Follow the mail's button for `action` (else its link to the booking page), and
        press `action` on the page it opens; returns where the page sends the browser."""
        page = booking_page(mail)
        shown = await self.client.get(action_link(mail, action))
        assert shown.status_code == 200, shown.text
        assert f'name="action" value="{action}"' in shown.text, f"{action} is not offered"
        assert f'<form method="post" action="{page}">' in shown.text
        return await self._send(page, {"action": action, **fields})

    async def move(self, mail: CaughtMail, to: datetime, **fields: str) -> str:
        """Follow the mail's reschedule button (else its link to the booking page), choose
        `to` in the page's time picker, and send it."""
        page = booking_page(mail)
        opened = action_link(mail, "reschedule")
        if opened == page:  # no reschedule button in this mail: the page's own
            opened = f"{page}?do=reschedule"
        days = await self.client.get(opened)
        assert 'data-testid="reschedule-days"' in days.text, days.text
        day = to.astimezone(BERLIN).date().isoformat()
        assert f"{page}?do=reschedule&amp;date={day}" in days.text, f"no free time on {day}"
        picker = await self.client.get(f"{page}?do=reschedule&date={day}")
        assert picker.status_code == 200, picker.text
        offered = _START_CHOICE.findall(picker.text)
        assert to.isoformat() in offered, offered
        return await self._send(page, {"action": "reschedule", "start": to.isoformat(), **fields})

    async def _send(self, page: str, form: dict[str, str]) -> str:
        done = await self.client.post(page, data=form)
        assert done.status_code == 303, done.text
        location: str = done.headers["location"]
        assert "again=1" not in location, "the action had happened already"
        return location


def booking_page(mail: CaughtMail) -> str:
    """The path of the booking page `mail` links to (one per mail: its reader's own)."""
    found = {urlsplit(link).path for link in links(mail) if urlsplit(link).path.startswith(PAGES)}
    assert len(found) == 1, found
    return found.pop()


def action_link(mail: CaughtMail, action: str) -> str:
    """The path of the mail's button for `action` (`?do=<action>`), else of its page."""
    for link in links(mail):
        path = page_path(link)
        if path.startswith(PAGES) and path.endswith(f"?do={action}"):
            return path
    return booking_page(mail)


def server_links(mail: CaughtMail, public_url: str) -> list[str]:
    """The links of `mail` that lead to this server, as paths a test client requests."""
    return [page_path(link) for link in links(mail) if link.startswith(public_url + "/")]


def calendar_of(mail: CaughtMail) -> Calendar | None:
    """The mail's .ics attachment parsed back, or None when it has none."""
    files = [content for name, _, content in mail.attachments if name.endswith(".ics")]
    assert len(files) <= 1, [name for name, _, _ in mail.attachments]
    return Calendar.from_ical(files[0]) if files else None


def kind_of(mail: CaughtMail) -> str:
    return str(mail.message["X-Bookwidget-Kind"])


# The stories: each takes one booking through the changes that send mail, step by step.


async def request_story(flow: Flow, shops: Shops) -> str:
    """Requested → the dealer confirms → the customer moves it (back to requested) → the
    dealer moves it (final) → the customer cancels."""
    reference = await flow.book(shops.key, shops.request, TUESDAY_10)
    booked = await flow.deliver("requested", reference)
    await flow.press(only(booked, SHOP, "dealer.requested"), "confirm")
    confirmed = await flow.deliver("confirmed by the dealer", reference)
    await flow.move(only(confirmed, CUSTOMER, "customer.confirmed"), WEDNESDAY_10)
    moved = await flow.deliver("moved by the customer", reference)
    await flow.move(
        only(moved, SHOP, "dealer.rescheduled"),
        THURSDAY_10,
        message="Wednesday is our stocktaking day.",
    )
    moved_again = await flow.deliver("moved by the dealer", reference)
    await flow.press(only(moved_again, CUSTOMER, "customer.rescheduled"), "cancel")
    await flow.deliver("cancelled by the customer", reference)
    return reference


DECLINE_REASON = "We are at a fair that day & fully booked <sorry>."


async def declined_story(flow: Flow, shops: Shops) -> str:
    reference = await flow.book(shops.key, shops.request, TUESDAY_14)
    booked = await flow.deliver("requested, to decline", reference)
    request = only(booked, SHOP, "dealer.requested")
    await flow.press(request, "decline", reason=DECLINE_REASON)
    await flow.deliver("declined by the dealer", reference)
    return reference


async def direct_story(flow: Flow, shops: Shops) -> str:
    reference = await flow.book(shops.key, shops.direct, TUESDAY_10)
    await flow.deliver("booked in direct mode", reference)
    return reference


async def proposal_story(flow: Flow, shops: Shops) -> str:
    """The dealer proposes a time and the customer accepts; the dealer proposes another
    and the customer declines it."""
    reference = await flow.book(shops.key, shops.proposals, TUESDAY_10)
    booked = await flow.deliver("requested, to propose", reference)
    request = only(booked, ASK, "dealer.requested")
    await flow.move(request, WEDNESDAY_10, message="Could you come on Wednesday?")
    proposed = await flow.deliver("proposed", reference)
    await flow.press(only(proposed, CUSTOMER, "customer.proposed"), "accept")
    accepted = await flow.deliver("proposal accepted", reference)
    await flow.move(only(accepted, ASK, "dealer.proposal_accepted"), THURSDAY_10)
    proposed_again = await flow.deliver("proposed again", reference)
    await flow.press(only(proposed_again, CUSTOMER, "customer.proposed"), "decline_proposal")
    await flow.deliver("proposal declined", reference)
    return reference


async def fresh_link_story(flow: Flow, reference: str, dealer_email: str) -> None:
    """The customer, then the dealer, ask for a fresh link with the reference and their
    address, as the page for a damaged link offers."""
    for side, address in (("customer", CUSTOMER), ("dealer", dealer_email)):
        asked = await flow.client.post(
            "/links/fresh", data={"reference": reference, "email": address}
        )
        assert asked.status_code == 200, asked.text
        await flow.deliver(f"fresh link for the {side}", reference)


async def every_story(flow: Flow, shops: Shops) -> None:
    """Every change that sends mail, so every kind of email is sent at least once."""
    reference = await request_story(flow, shops)
    await declined_story(flow, shops)
    await direct_story(flow, shops)
    await proposal_story(flow, shops)
    await fresh_link_story(flow, reference, SHOP)
