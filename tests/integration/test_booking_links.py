"""Request → email → signed link → confirm → email: the dealer workflow through real SMTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from icalendar import Calendar

from server.adapters.tables import BookingEvent
from server.domain.model import Routing
from tests import builders
from tests.conftest import Database
from tests.fakes import FrozenClock
from tests.integration.test_api_bookings import booking
from tests.mail import MailRig, kinds, links, only, page_path

Client = httpx.AsyncClient
CUSTOMER = "erika@example.com"


@pytest.fixture
async def shop(db: Database) -> tuple[str, int]:
    catalog = builders.catalog(builders.store("shop", channels=(builders.channel(capacity=2),)))
    ids = await db.load(catalog)
    return catalog.tenant.key, ids["shop"]


async def book(client: Client, key: str, store: int, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/bookings", json=booking(key, store, **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_request_is_confirmed_from_the_dealers_email(
    client: Client, shop: tuple[str, int], mail: MailRig
) -> None:
    key, store = shop
    made = await book(client, key, store)
    sent = await mail.deliver()
    assert kinds(sent) == [
        ("erika@example.com", "customer.requested"),
        ("shop@store.example", "dealer.requested"),
    ]
    request = only(sent, "shop@store.example", "dealer.requested")
    confirm = next(link for link in links(request) if "do=confirm" in link)

    page = await client.get(page_path(confirm))
    assert page.status_code == 200
    assert 'value="confirm"' in page.text
    assert made["reference"] in page.text

    done = await client.post(page_path(confirm).split("?")[0], data={"action": "confirm"})
    assert done.status_code == 303
    shown = await client.get(done.headers["location"])
    assert 'data-status="confirmed"' in shown.text

    confirmed = only(await mail.deliver(), CUSTOMER, "customer.confirmed")
    (calendar,) = [a for a in confirmed.attachments if a[0].endswith(".ics")]
    event = Calendar.from_ical(calendar[2]).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{made['reference']}@bookwidget"
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CONFIRMED"


async def test_pressing_confirm_twice_changes_nothing_the_second_time(
    client: Client, shop: tuple[str, int], mail: MailRig
) -> None:
    key, store = shop
    await book(client, key, store)
    request = only(await mail.deliver(), "shop@store.example", "dealer.requested")
    page = next(page_path(link) for link in links(request) if "/dealer/" in link).split("?")[0]
    first = await client.post(page, data={"action": "confirm"})
    second = await client.post(page, data={"action": "confirm"})
    assert "again" not in first.headers["location"]
    assert "again=1" in second.headers["location"]
    assert len(await mail.deliver()) == 1


async def test_salesperson_routing_takes_turns_and_copies_headquarters(
    client: Client, db: Database, mail: MailRig, clock: FrozenClock
) -> None:
    people = (
        builders.salesperson("Anna", "anna@store.example"),
        builders.salesperson("Ben", "ben@store.example"),
    )
    catalog = builders.catalog(
        builders.store(
            "team",
            routing=Routing.SALESPERSON,
            salespeople=people,
            copy_headquarters=True,
            channels=(builders.channel(capacity=3),),
        )
    )
    ids = await db.load(catalog)
    for _ in range(3):
        await book(client, catalog.tenant.key, ids["team"])
    dealer = [m.to for m in await mail.deliver() if m.to != CUSTOMER]
    hq = catalog.tenant.headquarters_email
    assert sorted(dealer) == sorted(
        ["anna@store.example", "ben@store.example", "anna@store.example", hq, hq, hq]
    )


async def test_the_api_changes_a_booking_for_the_holder_of_its_link(
    client: Client, shop: tuple[str, int], mail: MailRig, db: Database
) -> None:
    key, store = shop
    made = await book(client, key, store)
    url = f"/api/v1/bookings/{made['reference']}/actions"
    token = made["manage_token"]

    refused = await client.post(url, json={"token": token, "action": "confirm"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "not_possible_now"

    tampered = await client.post(url, json={"token": token[:-2] + "xx", "action": "cancel"})
    assert tampered.status_code == 403

    cancelled = await client.post(url, json={"token": token, "action": "cancel", "reason": "ill"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    events = await BookingEvent.select(BookingEvent.actor, BookingEvent.via).where(
        BookingEvent.action == "cancelled", BookingEvent.booking.reference == made["reference"]
    )
    assert events == [{"actor": "customer", "via": "api"}]
    assert ("shop@store.example", "dealer.cancelled") in kinds(await mail.deliver())
