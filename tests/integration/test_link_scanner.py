"""Mail security scanners (Outlook Safe Links, Proofpoint, Mimecast) open every link of a
message before its reader does (DESIGN §4). Here one does, with GET and HEAD, each time mail
arrives: bookings, their history and the outbox must stay exactly as they were.
"""

from __future__ import annotations

import re
from typing import Any

from icalendar import Calendar

from server.adapters.tables import Booking, BookingEvent, Outbox
from server.domain.lifecycle import Action
from server.services.emails import SUBJECTS
from tests.conftest import Database
from tests.links_flow import (
    PAGES,
    SHOP,
    TUESDAY_10,
    Client,
    Flow,
    every_story,
    kind_of,
    load_shops,
    server_links,
)
from tests.mail import MailRig, only
from tests.smtp import CaughtMail

_OFFERED = re.compile(r'name="action" value="([a-z_]+)"')
_FORM = re.compile(r"<form\b[^>]*>", re.IGNORECASE)


async def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row, every column, of what a link could change."""
    return {
        "booking": await Booking.select().order_by(Booking.id),
        "booking_event": await BookingEvent.select().order_by(BookingEvent.id),
        "outbox": await Outbox.select().order_by(Outbox.id),
    }


def variants(path: str) -> list[str]:
    """`path`, and for a booking page what a curious scanner tries besides: every `?do=`,
    the reschedule picker, the after-action notices, and the calendar file."""
    if not path.startswith(PAGES):
        return [path]
    page = path.split("?")[0]
    return [
        path,
        page,
        *(f"{page}?do={action.value}" for action in Action),
        f"{page}?do=reschedule&date=2027-03-24",
        f"{page}?done=confirm",
        f"{page}?done=cancel&again=1",
        f"{page}/calendar.ics",
    ]


def assert_no_script(path: str, html: str) -> None:
    """The page can do nothing by itself: no script, no refresh, and every form posts."""
    assert "<script" not in html.lower(), path
    assert not re.search(r"\son[a-z]+\s*=", html, re.IGNORECASE), f"event handler on {path}"
    assert "http-equiv" not in html.lower(), f"meta refresh on {path}"
    for form in _FORM.findall(html):
        assert 'method="post"' in form.lower(), (path, form)


class Scanner:
    """Opens every link of the mail it is shown, as a scanner would, and checks that
    nothing changed meanwhile."""

    def __init__(self, client: Client, public_url: str) -> None:
        self.client = client
        self.public_url = public_url
        self.opened: set[str] = set()
        #: The actions the opened pages offered: proof the scan met live buttons.
        self.offered: set[str] = set()

    async def scan(self, mails: list[CaughtMail]) -> None:
        before = await snapshot()
        for mail in mails:
            for link in server_links(mail, self.public_url):
                for path in variants(link):
                    await self._open(path)
        assert await snapshot() == before, [kind_of(mail) for mail in mails]

    async def _open(self, path: str) -> None:
        self.opened.add(path)
        answer = await self.client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        if path.endswith("/calendar.ics"):
            assert answer.headers["content-type"].startswith("text/calendar")
            assert Calendar.from_ical(answer.content).walk("VEVENT")
        elif path.startswith(PAGES):
            assert_no_script(path, answer.text)
            self.offered.update(_OFFERED.findall(answer.text))
        probe = await self.client.head(path)
        # Litestar answers HEAD on these GET routes with 405: harmless, and no change.
        assert probe.status_code < 500, (path, probe.status_code)


async def test_opening_every_link_of_every_mail_as_it_arrives_changes_nothing(
    client: Client, db: Database, mail: MailRig
) -> None:
    scanner = Scanner(client, mail.settings.public_url)
    flow = Flow(client, mail, on_delivery=scanner.scan)
    await every_story(flow, await load_shops(db))
    # The stories went on as if no scanner had been there (each press found its button
    # live, not done already), and the scan met every kind of mail and every live action.
    assert {kind_of(mail) for mail in flow.mails()} == {f"{r}.{k}" for r, k in SUBJECTS}
    assert scanner.offered == {action.value for action in Action}
    # Once more, all of it, now that every booking has come to rest.
    await scanner.scan(flow.mails())
    assert len(scanner.opened) > 100


async def test_a_scanned_request_still_waits_for_the_dealer(
    client: Client, db: Database, mail: MailRig
) -> None:
    shops = await load_shops(db)
    flow = Flow(client, mail)
    reference = await flow.book(shops.key, shops.request, TUESDAY_10)
    booked = await flow.deliver("requested", reference)
    scanner = Scanner(client, mail.settings.public_url)
    await scanner.scan(booked)
    await scanner.scan(booked)
    assert {"confirm", "decline", "reschedule", "cancel"} <= scanner.offered
    request = only(booked, SHOP, "dealer.requested")
    (confirm,) = [
        link for link in server_links(request, scanner.public_url) if "do=confirm" in link
    ]
    page = await client.get(confirm)
    assert 'data-status="requested"' in page.text
    assert 'data-testid="do-confirm"' in page.text
    # The scan queued no mail for anyone.
    assert await mail.deliver() == []


async def test_link_pages_allow_no_script_at_all(
    client: Client, db: Database, mail: MailRig
) -> None:
    shops = await load_shops(db)
    flow = Flow(client, mail)
    reference = await flow.book(shops.key, shops.request, TUESDAY_10)
    booked = await flow.deliver("requested", reference)
    for sent in booked:
        (page,) = {link.split("?")[0] for link in server_links(sent, mail.settings.public_url)}
        shown = await client.get(f"{page}?do=confirm")
        assert shown.status_code == 200
        assert_no_script(page, shown.text)
        # Even a script slipped in would not run: the policy allows none.
        policy = shown.headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy
