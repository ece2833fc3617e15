"""The whole journey through the mail (DESIGN §9, issue 4): a booking made in the widget on
the partner's page sends mail to the demo's mailbox, and the signed links in that mail open
the dealer's and the customer's booking pages, whose buttons POST the change (GET changes
nothing, DESIGN §4) and send the next mail.

The widget is used in English (the partner page's default), so the mail is in English too;
each subject ends with the booking's reference, which tells one test's mail from another's.
"""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from e2e.a11y import serious_violations
from e2e.conftest import Demo
from e2e.mailbox import Mailbox
from e2e.pages import PartnerPage

HEADQUARTERS = "hq@nordlicht.example"
BERLIN_SALESPEOPLE = (
    "anna.schubert@nordlicht.example",
    "mehmet.yildiz@nordlicht.example",
    "jonas.becker@nordlicht.example",
)


def subject(kind: str, reference: str) -> re.Pattern[str]:
    """A subject of one kind ("New request", ...) about the booking `reference`."""
    return re.compile(rf"^{re.escape(kind)}: .* · {re.escape(reference)}$")


def sequence(ics: str) -> int:
    """The SEQUENCE of the one event in a calendar file."""
    [found] = re.findall(r"^SEQUENCE:(\d+)\r?$", ics, re.MULTILINE)
    return int(found)


class BookingPage:
    """The page behind a signed link, the dealer's (`/dealer/...`) or the customer's
    (`/manage/...`): the booking as it is now, and a form per action open now."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.status = page.get_by_test_id("status")
        self.notice = page.get_by_test_id("notice")
        self.history = page.get_by_test_id("history-entry")

    async def when(self) -> str:
        """The appointment's date and time as shown (without the zone on the line below)."""
        return (await self.page.get_by_test_id("when").inner_text()).splitlines()[0].strip()

    async def press(self, action: str) -> None:
        """Presses an action's button and waits for the page the POST redirects to, which
        says what was done."""
        root = self.page.locator(":root")
        await root.evaluate("e => e.setAttribute('data-e2e-left', '')")
        await self.page.get_by_test_id(f"do-{action}").click()
        await expect(self.page.locator(":root:not([data-e2e-left])")).to_have_count(1)
        assert "done=" in self.page.url, f"{action} was refused: {self.page.url}"

    async def reschedule(self, message: str = "") -> str:
        """Picks the second day offered (else the only one) and its last free time, adds
        `message` and sends it; returns the time picked, as offered ("7:15 PM")."""
        if not await self.page.get_by_test_id("reschedule-days").count():
            await self.page.get_by_test_id("choose-time").click()
        days = self.page.get_by_test_id("reschedule-day")
        await expect(days.first).to_be_visible()
        day = days.nth(1) if await days.count() > 1 else days.first
        chosen = await day.get_attribute("href") or ""
        await day.click()
        await self.page.wait_for_url(re.compile(re.escape(chosen.rpartition("date=")[2]) + "$"))
        await expect(day).to_have_attribute("aria-current", "date")
        time = self.page.get_by_test_id("reschedule-times").locator("label").last
        await time.get_by_test_id("reschedule-time").check()
        picked = (await time.inner_text()).strip()
        if message:
            await self.page.get_by_test_id("field-reschedule-message").fill(message)
        await self.press("reschedule")
        return picked

    async def fits_width(self) -> bool:
        return bool(
            await self.page.evaluate(
                "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            )
        )


async def book_in_the_widget(
    demo: Demo, page: Page, channel: str, search: str, store: str, name: str, email: str
) -> str:
    """Books the first free time at `store` in the partner page's inline widget."""
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets()
    widget = partner.inline_widget()
    await widget.choose_channel(channel)
    await widget.search_store(search)
    await widget.choose_store(store)
    await widget.choose_first_free_day()
    await widget.choose_first_free_time()
    await widget.fill_contact(name, email, "+49 30 1234567")
    return await widget.book()


async def request_at_berlin_mitte(demo: Demo, page: Page, email: str) -> str:
    """A request for a visit to the store: in request mode, so the dealer must answer."""
    return await book_in_the_widget(
        demo,
        page,
        "in_store",
        "Berlin",
        "Nordlicht Berlin Mitte",
        "Erika Mustermann",
        email,
    )


# --- 1. request → dealer's email → Confirm → customer's confirmation with its .ics ---------


async def test_the_dealer_confirms_from_the_email_and_the_customer_gets_a_calendar_file(
    demo: Demo, page: Page, other_page: Page
) -> None:
    customer = "erika.confirm@example.com"
    reference = await request_at_berlin_mitte(demo, other_page, customer)
    mailbox = Mailbox(page, demo.mailbox)

    received = await mailbox.wait_and_open(customer, subject("Request received", reference))
    requested_ics = (await received.download(f"{reference}.ics")).decode()

    # Routed to the salesperson whose turn it is, with a copy to headquarters.
    new_request = subject("New request", reference)
    await mailbox.wait_for(HEADQUARTERS, new_request)
    mail = await mailbox.wait_and_open(BERLIN_SALESPEOPLE, new_request)
    assert len(await mailbox.matching(BERLIN_SALESPEOPLE, new_request)) == 1
    assert "/dealer/" in await mail.href("Confirm", href="?do=confirm")
    dealer = BookingPage(await mail.follow("Confirm"))

    # Opening the link changed nothing: the request waits, with Confirm offered.
    await expect(dealer.status).to_have_attribute("data-status", "requested")
    await expect(dealer.page.get_by_test_id("do-confirm")).to_be_visible()
    await expect(dealer.history).to_have_count(1)

    await dealer.press("confirm")
    await expect(dealer.status).to_have_attribute("data-status", "confirmed")
    await expect(dealer.notice).to_contain_text("The appointment is confirmed")
    await expect(dealer.history).to_have_count(2)

    confirmed = await mailbox.wait_and_open(customer, subject("Appointment confirmed", reference))
    [ics_name] = await confirmed.attachments()
    assert ics_name.endswith(".ics")
    ics = (await confirmed.download(ics_name)).decode()
    for line in ("METHOD:PUBLISH", "STATUS:CONFIRMED", f"UID:{reference}@bookwidget"):
        assert line in ics.splitlines(), (line, ics)
    # The same event as the request's file, changed: calendars update it in place.
    assert f"UID:{reference}@bookwidget" in requested_ics.splitlines()
    assert sequence(ics) > sequence(requested_ics)


# --- 2. the dealer moves a request to another time, with a message ------------------------


async def test_the_dealer_moves_a_request_and_the_customer_reads_the_new_time_and_message(
    demo: Demo, page: Page, other_page: Page
) -> None:
    customer = "erika.moved@example.com"
    reference = await request_at_berlin_mitte(demo, other_page, customer)
    mailbox = Mailbox(page, demo.mailbox)
    mail = await mailbox.wait_and_open(BERLIN_SALESPEOPLE, subject("New request", reference))
    dealer = BookingPage(await mail.follow("Reschedule"))
    booked = await dealer.when()

    note = "Our planner is away that morning; we hope this time suits you."
    picked = await dealer.reschedule(note)

    new_time = await dealer.when()
    assert picked in new_time
    assert new_time != booked
    await expect(dealer.notice).to_have_text("The appointment has a new time.")
    await expect(dealer.status).to_have_attribute("data-status", "confirmed")  # the dealer chose
    moved = await mailbox.wait_and_open(customer, subject("Appointment moved", reference))
    told = await moved.text()
    assert new_time in told
    assert note in told
    assert booked in told  # as the previous time, struck through


# --- 3. a studio that asks first: the dealer proposes, the customer accepts ----------------


async def test_the_studio_proposes_a_new_time_and_the_customer_accepts_it_from_the_email(
    demo: Demo, page: Page, other_page: Page
) -> None:
    customer = "erika.proposal@example.com"
    reference = await book_in_the_widget(
        demo,
        other_page,
        "online",
        "Leipzig",
        "Nordlicht Planungsstudio Leipzig",
        "Erika Mustermann",
        customer,
    )
    mailbox = Mailbox(page, demo.mailbox)
    await mailbox.wait_for(customer, subject("Appointment confirmed", reference))
    info = await mailbox.wait_and_open(HEADQUARTERS, subject("New booking", reference))
    dealer = BookingPage(await info.follow("Open the booking"))
    await expect(dealer.status).to_have_attribute("data-status", "confirmed")
    booked = await dealer.when()

    picked = await dealer.reschedule("Could we talk a little later?")
    await expect(dealer.notice).to_contain_text("Your proposal has been sent")
    assert await dealer.when() == booked  # a proposal moves nothing yet
    proposal_shown = dealer.page.get_by_test_id("proposal")
    await expect(proposal_shown).to_contain_text(picked)

    proposal = await mailbox.wait_and_open(customer, subject("New time proposed", reference))
    proposal_text = await proposal.text()
    assert "Could we talk a little later?" in proposal_text
    assert "/manage/" in await proposal.href("Accept the new time", href="?do=accept")
    manage = BookingPage(await proposal.follow("Accept the new time"))
    accept = manage.page.get_by_test_id("do-accept")
    await expect(accept).to_contain_text(picked)
    assert await manage.when() == booked  # opening the link accepted nothing

    await manage.press("accept")
    await expect(manage.notice).to_have_text("You accepted the new time.")
    await expect(manage.status).to_have_attribute("data-status", "confirmed")
    new_time = await manage.when()
    assert picked in new_time
    # One time, said the same way, by the dealer's page, the proposal and the answer.
    await expect(proposal_shown).to_contain_text(new_time)
    assert new_time in proposal_text
    accepted = await mailbox.wait_and_open(HEADQUARTERS, subject("New time accepted", reference))
    assert new_time in await accepted.text()


# --- 4. the link pages: axe, and a phone's width ------------------------------------------


async def test_the_dealer_and_customer_pages_pass_axe_and_fit_a_phone(
    demo: Demo, page: Page, other_page: Page
) -> None:
    customer = "erika.phone@example.com"
    reference = await request_at_berlin_mitte(demo, other_page, customer)
    await page.set_viewport_size({"width": 360, "height": 740})
    mailbox = Mailbox(page, demo.mailbox)
    found: dict[str, list[str]] = {}
    too_wide: list[str] = []

    request = await mailbox.wait_and_open(BERLIN_SALESPEOPLE, subject("New request", reference))
    confirm_url = await request.href("Confirm")
    reschedule_url = await request.href("Reschedule")
    received = await mailbox.wait_and_open(customer, subject("Request received", reference))
    manage_url = await received.href("View or change your booking")

    pages = {"dealer": confirm_url, "dealer, new time": reschedule_url, "customer": manage_url}
    for name, url in pages.items():
        await page.goto(url)
        shown = BookingPage(page)
        await expect(shown.status).to_have_attribute("data-status", "requested")
        found[name] = await serious_violations(page)
        if not await shown.fits_width():
            too_wide.append(name)

    assert {name: problems for name, problems in found.items() if problems} == {}
    assert too_wide == []
