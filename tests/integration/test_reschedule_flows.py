"""Moving appointments through the links in the emails (DESIGN §3–5): the dealer's final
reschedule and proposals, the customer's reschedule and its cutoff, a time taken meanwhile,
the audit trail, and two dealers racing for the last free slot."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from server.adapters.tables import Booking, BookingEvent, Outbox
from server.services.catalog_file import StoreSpec
from tests import builders
from tests.conftest import Database
from tests.fakes import FrozenClock
from tests.integration.test_api_bookings import booking
from tests.mail import MailRig, kinds, links, only, page_path
from tests.smtp import CaughtMail

Client = httpx.AsyncClient
Shop = tuple[str, int]

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = date(2027, 3, 23)  # the week before the DST change: Berlin is UTC+1
WEDNESDAY = date(2027, 3, 24)
CUSTOMER = "erika@example.com"
OTHER = "max@example.com"
DEALER = "shop@store.example"
STORE_PHONE = "+49301234567"


def at(clock_time: str, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(clock_time), tzinfo=BERLIN)


async def load(db: Database, spec: StoreSpec) -> Shop:
    catalog = builders.catalog(spec)
    ids = await db.load(catalog)
    return catalog.tenant.key, ids[spec.code]


@pytest.fixture
async def shop(db: Database) -> Shop:
    """Capacity 1, one hour plus 30 minutes of buffer, request mode, 24 h reschedule cutoff."""
    return await load(db, builders.store("shop", channels=(builders.channel(buffer=30),)))


async def book(client: Client, shop: Shop, start: datetime, email: str = CUSTOMER) -> str:
    key, store = shop
    customer = {"name": email.split("@")[0].title(), "email": email, "phone": "030 1234567"}
    body = booking(key, store, start=start.isoformat(), customer=customer, locale="en")
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def page_of(mails: list[CaughtMail], reference: str, kind: str) -> str:
    """The booking page (`/dealer/<token>` or `/manage/<token>`) that a mail links to."""
    (mail,) = [
        m
        for m in mails
        if m.message["X-Bookwidget-Reference"] == reference
        and m.message["X-Bookwidget-Kind"] == kind
    ]
    pages = {
        page_path(link).split("?")[0]
        for link in links(mail)
        if "/dealer/" in link or "/manage/" in link
    }
    assert len(pages) == 1, pages
    return pages.pop()


def plain(text: str) -> str:
    """Text with the narrow and no-break spaces of formatted times made plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


def offered(page: httpx.Response) -> list[datetime]:
    """The times a reschedule page offers (its radio inputs named `start`)."""
    assert page.status_code == 200, page.text
    found = re.findall(r'type="radio" name="start" value="([^"]+)"', page.text)
    return [datetime.fromisoformat(value) for value in found]


async def reschedule_page(client: Client, page: str, day: date = TUESDAY) -> httpx.Response:
    return await client.get(page, params={"do": "reschedule", "date": day.isoformat()})


async def free_in_api(client: Client, store: int, day: date = TUESDAY) -> set[datetime]:
    """What everybody else is offered: the public slots API."""
    response = await client.get(
        f"/api/v1/locations/{store}/slots",
        params={"channel": "in_store", "from": day.isoformat(), "to": day.isoformat()},
    )
    assert response.status_code == 200, response.text
    return {datetime.fromisoformat(s["start"]) for d in response.json()["days"] for s in d["slots"]}


async def post(client: Client, page: str, **form: str) -> httpx.Response:
    return await client.post(page, data=form)


async def row(reference: str) -> dict[str, Any]:
    found: dict[str, Any] | None = (
        await Booking.select().where(Booking.reference == reference).first()
    )
    assert found is not None
    return found


async def events(reference: str) -> list[dict[str, Any]]:
    booking_row = await row(reference)
    found: list[dict[str, Any]] = (
        await BookingEvent.select()
        .where(BookingEvent.booking == booking_row["id"])
        .order_by(BookingEvent.id)
    )
    return found


# --- the dealer moves the appointment ----------------------------------------------------


async def test_a_dealers_new_time_stands_and_frees_the_old_one_for_everybody(
    client: Client, shop: Shop, mail: MailRig
) -> None:
    _, store = shop
    moved = await book(client, shop, at("10:00"))  # busy 10:00-11:30 with its buffer
    await book(client, shop, at("14:00"), email=OTHER)  # busy 14:00-15:30
    dealer = page_of(await mail.deliver(), moved, "dealer.requested")

    times = offered(await reschedule_page(client, dealer))
    others = await free_in_api(client, store)
    # Its own place does not count against it: the neighbour overlapping its buffer and the
    # time before it, which nobody else is offered, are offered to this booking.
    for own in (at("09:00"), at("09:30"), at("10:30"), at("11:00")):
        assert own in times
        assert own not in others
    # The other booking's place (with both buffers) is not offered; nor is the current time.
    for taken in (at("10:00"), at("13:00"), at("13:30"), at("14:00"), at("14:30"), at("15:00")):
        assert taken not in times
    assert at("16:00") in times

    done = await post(
        client, dealer, action="reschedule", start=at("16:00").isoformat(), message="Our fitter"
    )
    assert done.status_code == 303
    assert done.headers["location"].endswith("?done=reschedule")

    sent = await mail.deliver()
    assert kinds(sent) == [(CUSTOMER, "customer.rescheduled")]
    text = plain(only(sent, CUSTOMER, "customer.rescheduled").text or "")
    assert "Previous time: Tuesday, March 23, 2027, 10:00 AM – 11:00 AM" in text
    assert "New time: Tuesday, March 23, 2027, 4:00 PM – 5:00 PM" in text
    assert "Our fitter" in text

    repeated = await post(client, dealer, action="reschedule", start=at("16:00").isoformat())
    assert "again=1" in repeated.headers["location"]
    assert await mail.deliver() == []

    now_free = await free_in_api(client, store)
    assert at("10:00") in now_free
    assert at("16:00") not in now_free
    moved_row = await row(moved)
    assert (moved_row["status"], moved_row["start_at"]) == ("confirmed", at("16:00"))


# --- the dealer proposes, the customer answers -------------------------------------------


@pytest.fixture
async def proposing_shop(db: Database) -> Shop:
    spec = builders.store(
        "shop", channels=(builders.channel(buffer=30),), reschedule_proposals=True
    )
    return await load(db, spec)


async def propose_four_pm(client: Client, shop: Shop, mail: MailRig) -> tuple[str, str, str]:
    """Book 10:00 and have the dealer propose 16:00; returns the reference, the page the
    customer's "proposed" email links to, and the proposed start that page's forms send."""
    _, store = shop
    reference = await book(client, shop, at("10:00"))
    dealer = page_of(await mail.deliver(), reference, "dealer.requested")
    assert at("16:00") in offered(await reschedule_page(client, dealer))
    assert at("16:00") in await free_in_api(client, store)

    done = await post(client, dealer, action="reschedule", start=at("16:00").isoformat())
    assert done.status_code == 303
    shown = await client.get(done.headers["location"])
    assert "Your proposal has been sent" in shown.text

    proposal = await row(reference)
    assert (proposal["status"], proposal["start_at"]) == ("requested", at("10:00"))
    assert proposal["proposed_start_at"] == at("16:00")
    free = await free_in_api(client, store)
    assert at("16:00") not in free  # the proposed time is held for the customer
    assert at("10:00") not in free  # and the booked time is still theirs
    sent = await mail.deliver()
    assert kinds(sent) == [(CUSTOMER, "customer.proposed")]
    customer = page_of(sent, reference, "customer.proposed")
    page = await client.get(customer)
    assert 'data-testid="do-accept"' in page.text
    assert 'data-testid="do-decline_proposal"' in page.text
    (shown_start,) = set(re.findall(r'type="hidden" name="start" value="([^"]+)"', page.text))
    assert datetime.fromisoformat(shown_start) == at("16:00")
    return reference, customer, shown_start


async def test_a_customer_accepting_a_proposal_moves_the_appointment_and_tells_the_dealer(
    client: Client, proposing_shop: Shop, mail: MailRig
) -> None:
    _, store = proposing_shop
    reference, customer, shown = await propose_four_pm(client, proposing_shop, mail)

    done = await post(client, customer, action="accept", start=shown)
    assert done.status_code == 303
    assert "again" not in done.headers["location"]

    accepted = await row(reference)
    assert (accepted["status"], accepted["start_at"]) == ("confirmed", at("16:00"))
    assert accepted["proposed_start_at"] is None
    assert kinds(await mail.deliver()) == [
        (CUSTOMER, "customer.rescheduled"),
        (DEALER, "dealer.proposal_accepted"),
    ]
    free = await free_in_api(client, store)
    assert at("10:00") in free
    assert at("16:00") not in free

    twice = await post(client, customer, action="accept", start=shown)
    assert "again=1" in twice.headers["location"]
    assert await mail.deliver() == []


async def test_a_customer_declining_a_proposal_keeps_the_time_and_frees_the_proposed_one(
    client: Client, proposing_shop: Shop, mail: MailRig
) -> None:
    _, store = proposing_shop
    reference, customer, shown = await propose_four_pm(client, proposing_shop, mail)

    done = await post(client, customer, action="decline_proposal", start=shown)
    assert done.status_code == 303

    kept = await row(reference)
    assert (kept["status"], kept["start_at"]) == ("requested", at("10:00"))
    assert kept["proposed_start_at"] is None
    assert kinds(await mail.deliver()) == [(DEALER, "dealer.proposal_declined")]
    free = await free_in_api(client, store)
    assert at("16:00") in free
    assert at("10:00") not in free


# --- the customer moves or cancels -------------------------------------------------------


async def test_a_customer_may_move_a_confirmed_appointment_before_the_cutoff_and_it_is_asked_again(
    client: Client, shop: Shop, mail: MailRig, clock: FrozenClock
) -> None:
    reference = await book(client, shop, at("10:00"))
    sent = await mail.deliver()
    dealer = page_of(sent, reference, "dealer.requested")
    customer = page_of(sent, reference, "customer.requested")
    assert (await post(client, dealer, action="confirm")).status_code == 303
    await mail.deliver()
    # 25 hours before the appointment: one hour inside the 24-hour policy.
    assert at("10:00") - clock.now() == timedelta(hours=25)

    page = await reschedule_page(client, customer)
    assert at("11:00") in offered(page)  # overlaps only its own buffer
    done = await post(client, customer, action="reschedule", start=at("11:00").isoformat())
    assert done.status_code == 303

    moved = await row(reference)
    assert (moved["status"], moved["start_at"]) == ("requested", at("11:00"))
    sent = await mail.deliver()
    assert kinds(sent) == [(CUSTOMER, "customer.rescheduled"), (DEALER, "dealer.rescheduled")]
    request = only(sent, DEALER, "dealer.rescheduled")
    buttons = {link.rpartition("do=")[2] for link in links(request) if "do=" in link}
    assert {"confirm", "decline"} <= buttons

    confirm = next(link for link in links(request) if link.endswith("do=confirm"))
    again = await post(client, page_path(confirm).split("?")[0], action="confirm")
    assert again.status_code == 303
    assert (await row(reference))["status"] == "confirmed"


async def test_after_the_cutoff_the_customer_is_told_to_call_and_can_only_cancel(
    client: Client, shop: Shop, mail: MailRig, clock: FrozenClock
) -> None:
    _, store = shop
    reference = await book(client, shop, at("10:00"))
    customer = page_of(await mail.deliver(), reference, "customer.requested")
    clock.set(at("10:00") - timedelta(hours=23))
    before = await row(reference)

    page = await reschedule_page(client, customer)
    assert page.status_code == 200
    assert 'data-testid="action-reschedule"' not in page.text
    assert 'name="start"' not in page.text
    assert 'data-testid="cutoff"' in page.text
    assert "24 hours" in page.text
    assert STORE_PHONE in page.text
    assert 'data-testid="action-cancel"' in page.text

    forged = await post(client, customer, action="reschedule", start=at("16:00").isoformat())
    assert forged.status_code == 409
    assert forged.headers["content-type"].startswith("text/html")
    assert 'data-testid="page-error"' in forged.text
    assert "too close to the appointment" in forged.text
    assert STORE_PHONE in forged.text
    assert await row(reference) == before
    assert await mail.pending() == 0

    cancelled = await post(client, customer, action="cancel", reason="My car broke down")
    assert cancelled.status_code == 303
    assert "again" not in cancelled.headers["location"]
    sent = await mail.deliver()
    assert kinds(sent) == [(CUSTOMER, "customer.cancelled"), (DEALER, "dealer.cancelled")]
    assert "My car broke down" in (only(sent, DEALER, "dealer.cancelled").text or "")
    assert at("10:00") in await free_in_api(client, store)

    repeated = await post(client, customer, action="cancel", reason="My car broke down")
    assert repeated.status_code == 303
    assert "again=1" in repeated.headers["location"]
    assert await mail.deliver() == []
    assert [e["action"] for e in await events(reference)] == ["booked", "cancelled"]


# --- a time taken meanwhile ---------------------------------------------------------------


async def test_a_time_booked_by_someone_else_after_the_page_loaded_is_refused_and_nothing_changes(
    client: Client, shop: Shop, mail: MailRig
) -> None:
    reference = await book(client, shop, at("10:00"))
    dealer = page_of(await mail.deliver(), reference, "dealer.requested")
    assert at("16:00") in offered(await reschedule_page(client, dealer))
    before = await row(reference)

    await book(client, shop, at("16:00"), email=OTHER)  # meanwhile, in the widget
    await mail.deliver()
    refused = await post(client, dealer, action="reschedule", start=at("16:00").isoformat())

    assert refused.status_code == 409
    assert 'data-testid="page-error"' in refused.text
    assert "this time was just taken" in refused.text
    assert await row(reference) == before
    assert [e["action"] for e in await events(reference)] == ["booked"]
    assert await Outbox.count().where(Outbox.booking == before["id"]) == 2  # the first two
    assert await mail.deliver() == []


async def test_a_new_time_beyond_the_stores_horizon_is_refused_as_invalid_not_as_a_conflict(
    client: Client, shop: Shop, mail: MailRig
) -> None:
    reference = await book(client, shop, at("10:00"))
    dealer = page_of(await mail.deliver(), reference, "dealer.requested")
    before = await row(reference)
    beyond = at("10:00", TUESDAY + timedelta(days=70))  # the store books 60 days ahead

    refused = await post(client, dealer, action="reschedule", start=beyond.isoformat())

    assert await row(reference) == before
    assert "too far ahead" in refused.text
    assert refused.status_code == 422


# --- the audit trail ----------------------------------------------------------------------


async def test_every_change_is_in_the_audit_trail_with_who_how_and_the_old_and_new_time(
    client: Client, shop: Shop, mail: MailRig
) -> None:
    reference = await book(client, shop, at("10:00"))
    sent = await mail.deliver()
    dealer = page_of(sent, reference, "dealer.requested")
    customer = page_of(sent, reference, "customer.requested")

    steps = [
        (dealer, {"action": "confirm"}),
        (dealer, {"action": "reschedule", "start": at("16:00").isoformat()}),
        (customer, {"action": "reschedule", "start": at("11:00", WEDNESDAY).isoformat()}),
        (dealer, {"action": "confirm"}),
        (customer, {"action": "cancel", "reason": "Found another kitchen"}),
    ]
    for link_page, form in steps:
        response = await post(client, link_page, **form)
        assert response.status_code == 303, (form, response.text)

    trail = [
        (
            e["actor"],
            e["action"],
            e["via"],
            e["old_status"],
            e["new_status"],
            e["old_start_at"],
            e["new_start_at"],
        )
        for e in await events(reference)
    ]
    wednesday = at("11:00", WEDNESDAY)
    assert trail == [
        ("customer", "booked", "api", None, "requested", None, at("10:00")),
        ("dealer", "confirmed", "link", "requested", "confirmed", at("10:00"), at("10:00")),
        ("dealer", "rescheduled", "link", "confirmed", "confirmed", at("10:00"), at("16:00")),
        ("customer", "rescheduled", "link", "confirmed", "requested", at("16:00"), wednesday),
        ("dealer", "confirmed", "link", "requested", "confirmed", wednesday, wednesday),
        ("customer", "cancelled", "link", "confirmed", "cancelled", wednesday, wednesday),
    ]
    detail = (await events(reference))[-1]["detail"]
    if isinstance(detail, str):  # a JSON column comes back as text from both drivers
        detail = json.loads(detail)
    assert detail == {"reason": "Found another kitchen"}

    page = await client.get(customer)
    entries = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain(entry))).strip()
        for entry in re.findall(r'data-testid="history-entry">(.*?)</li>', page.text, re.S)
    ]
    assert len(entries) == 6, entries
    expected = [
        ("Booked by the customer", ""),
        ("Confirmed by the store", ""),
        ("Moved to another time by the store", "Tue, Mar 23 10:00 AM → Tue, Mar 23 4:00 PM"),
        ("Moved to another time by the customer", "Tue, Mar 23 4:00 PM → Wed, Mar 24 11:00 AM"),
        ("Confirmed by the store", ""),
        ("Cancelled by the customer", "Reason: Found another kitchen"),
    ]
    for entry, (what, detail) in zip(entries, expected, strict=True):
        assert entry.startswith(what), entry
        assert detail in entry, entry


# --- two dealers, one last slot -----------------------------------------------------------


async def test_two_dealers_moving_two_bookings_into_the_last_free_slot_at_once_one_wins(
    client: Client, db: Database, mail: MailRig
) -> None:
    # Open only on Tuesday 09:00-12:00, hourly, one at a time, and bookable up to Wednesday:
    # three slots in all, two of them booked, so 11:00 is the last free one.
    spec = builders.store(
        "tiny",
        email=DEALER,
        hours=builders.hours("09:00", "12:00", days=range(1, 2)),
        slot_step_minutes=60,
        horizon_days=2,
    )
    shop = await load(db, spec)
    _, store = shop
    first = await book(client, shop, at("09:00"))
    second = await book(client, shop, at("10:00"), email=OTHER)
    assert await free_in_api(client, store) == {at("11:00")}
    sent = await mail.deliver()
    pages = [page_of(sent, reference, "dealer.requested") for reference in (first, second)]
    for page in pages:
        assert offered(await reschedule_page(client, page)) == [at("11:00")]

    responses = await asyncio.gather(
        *(post(client, page, action="reschedule", start=at("11:00").isoformat()) for page in pages)
    )

    assert sorted(r.status_code for r in responses) == [303, 409]
    (loser,) = [r for r in responses if r.status_code == 409]
    assert "this time was just taken" in loser.text
    rows = {reference: await row(reference) for reference in (first, second)}
    starts = sorted(r["start_at"] for r in rows.values())
    winner = next(ref for ref, r in rows.items() if r["start_at"] == at("11:00"))
    stayed = at("10:00") if winner == first else at("09:00")
    assert starts == sorted([at("11:00"), stayed])
    assert {r["status"] for r in rows.values()} == {"requested", "confirmed"}
    assert await free_in_api(client, store) == {at("09:00") if winner == first else at("10:00")}
    assert kinds(await mail.deliver()) == [
        (CUSTOMER if winner == first else OTHER, "customer.rescheduled")
    ]
