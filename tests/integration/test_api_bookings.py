"""Booking through the public API, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from server.domain.model import BookingMode, Channel
from tests import builders
from tests.conftest import Database
from tests.fakes import FrozenClock

Client = httpx.AsyncClient

# 23 March 2027 is a Tuesday; the store opens 09:00-18:00 Berlin time (UTC+1 that week).
TUESDAY_10 = "2027-03-23T10:00:00+01:00"


def booking(
    key: str, location_id: int, start: str = TUESDAY_10, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": key,
        "location_id": location_id,
        "channel": "in_store",
        "start": start,
        "customer": {
            "name": "Erika Mustermann",
            "email": "erika@example.com",
            "phone": "030 1234567",
        },
        "notes": "Kitchen island, about 4 m wall.",
        "locale": "de",
    }
    body.update(overrides)
    return body


@pytest.fixture
async def shop(db: Database) -> tuple[str, int]:
    catalog = builders.catalog(builders.store("shop", channels=(builders.channel(capacity=2),)))
    ids = await db.load(catalog)
    return catalog.tenant.key, ids["shop"]


async def test_a_booking_is_created_with_a_reference_and_the_stores_mode(
    client: Client, shop: tuple[str, int]
) -> None:
    key, store = shop
    response = await client.post("/api/v1/bookings", json=booking(key, store))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "requested"
    assert len(body["reference"]) == 7
    assert body["reference"][3] == "-"
    assert body["start"] == TUESDAY_10
    assert body["end"] == "2027-03-23T11:00:00+01:00"
    assert body["customer"] == {
        "name": "Erika Mustermann",
        "email": "erika@example.com",
        "phone": "+49301234567",
    }
    assert body["manage_token"]


async def test_a_direct_mode_store_confirms_at_once(client: Client, db: Database) -> None:
    catalog = builders.catalog(builders.store("direct", booking_mode=BookingMode.DIRECT))
    ids = await db.load(catalog)
    response = await client.post(
        "/api/v1/bookings", json=booking(catalog.tenant.key, ids["direct"])
    )
    assert response.status_code == 201
    assert response.json()["status"] == "confirmed"


async def test_a_full_slot_is_refused_with_409_and_disappears_from_the_slots(
    client: Client, shop: tuple[str, int]
) -> None:
    key, store = shop
    first = await client.post("/api/v1/bookings", json=booking(key, store))
    second = await client.post("/api/v1/bookings", json=booking(key, store))
    third = await client.post("/api/v1/bookings", json=booking(key, store))
    assert [first.status_code, second.status_code, third.status_code] == [201, 201, 409]
    assert third.json()["error"] == "slot_taken"
    slots = await client.get(
        f"/api/v1/locations/{store}/slots",
        params={"channel": "in_store", "from": "2027-03-23", "to": "2027-03-23"},
    )
    starts = [s["start"] for s in slots.json()["days"][0]["slots"]]
    assert "2027-03-23T09:30:00+01:00" not in starts  # overlaps 10:00-11:00 twice over
    assert "2027-03-23T10:00:00+01:00" not in starts
    assert "2027-03-23T11:00:00+01:00" in starts  # touching is not overlapping


async def test_the_signed_link_shows_the_booking_and_a_tampered_one_is_refused(
    client: Client, shop: tuple[str, int]
) -> None:
    key, store = shop
    created = (await client.post("/api/v1/bookings", json=booking(key, store))).json()
    reference, token = created["reference"], created["manage_token"]

    shown = await client.get(f"/api/v1/bookings/{reference}", params={"token": token})
    assert shown.status_code == 200
    assert shown.json()["reference"] == reference
    assert shown.json()["manage_token"] is None

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    refused = await client.get(f"/api/v1/bookings/{reference}", params={"token": tampered})
    assert refused.status_code == 403
    assert refused.json()["error"] == "invalid_link"

    other = (await client.post("/api/v1/bookings", json=booking(key, store))).json()
    crossed = await client.get(f"/api/v1/bookings/{other['reference']}", params={"token": token})
    assert crossed.status_code == 403


@pytest.mark.parametrize(
    ("start", "code"),
    [
        ("2027-03-23T10:10:00+01:00", "not_a_slot"),  # off the 30-minute grid
        ("2027-03-23T17:30:00+01:00", "not_a_slot"),  # would end after closing
        ("2027-03-23T07:00:00+01:00", "not_a_slot"),  # before opening
        ("2027-03-20T10:00:00+01:00", "start_in_past"),
        ("2027-06-30T10:00:00+02:00", "start_too_far"),  # beyond the 60-day horizon
    ],
)
async def test_a_start_that_is_not_an_offered_slot_is_refused(
    client: Client, shop: tuple[str, int], start: str, code: str
) -> None:
    key, store = shop
    response = await client.post("/api/v1/bookings", json=booking(key, store, start=start))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == code
    assert "start" in response.json()["fields"]


async def test_a_start_inside_the_lead_time_is_too_soon(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    catalog = builders.catalog(builders.store("lead", lead_time_minutes=120))
    ids = await db.load(catalog)
    # The clock stands at 09:00 Berlin; with two hours' notice 10:30 is too soon, 11:00 is fine.
    soon = booking(catalog.tenant.key, ids["lead"], start="2027-03-22T10:30:00+01:00")
    fine = booking(catalog.tenant.key, ids["lead"], start="2027-03-22T11:00:00+01:00")
    assert (await client.post("/api/v1/bookings", json=soon)).json()["error"] == "start_too_soon"
    assert (await client.post("/api/v1/bookings", json=fine)).status_code == 201


async def test_a_closure_removes_its_slots(client: Client, db: Database) -> None:
    from server.domain.model import Interval
    from server.services.catalog_file import ClosureSpec

    closed = ClosureSpec(
        period=Interval(
            datetime.fromisoformat("2027-03-23T12:00:00+01:00"),
            datetime.fromisoformat("2027-03-23T14:00:00+01:00"),
        ),
        reason="Team meeting",
    )
    catalog = builders.catalog(builders.store("closed", closures=(closed,)))
    ids = await db.load(catalog)
    response = await client.get(
        f"/api/v1/locations/{ids['closed']}/slots",
        params={"channel": "in_store", "from": "2027-03-23", "to": "2027-03-23"},
    )
    starts = {s["start"][11:16] for s in response.json()["days"][0]["slots"]}
    assert {"11:00", "14:00"} <= starts
    assert not starts & {"11:30", "12:00", "12:30", "13:00", "13:30"}
    refused = await client.post(
        "/api/v1/bookings",
        json=booking(catalog.tenant.key, ids["closed"], start="2027-03-23T12:30:00+01:00"),
    )
    assert refused.json()["error"] == "not_a_slot"


async def test_a_home_visit_needs_a_served_address_and_a_phone(
    client: Client, db: Database
) -> None:
    home = builders.store(
        "home",
        channels=(builders.channel(Channel.AT_HOME, duration=90, buffer=30),),
        service_postal_codes=("101", "104"),
    )
    catalog = builders.catalog(home)
    ids = await db.load(catalog)
    key = catalog.tenant.key
    served = {"street": "Invalidenstraße 5", "postal_code": "10115", "city": "Berlin"}
    far = {"street": "Marienplatz 1", "postal_code": "80331", "city": "München"}

    missing = await client.post(
        "/api/v1/bookings", json=booking(key, ids["home"], channel="at_home")
    )
    assert missing.status_code == 422
    assert "address" in missing.json()["fields"]

    not_served = await client.post(
        "/api/v1/bookings", json=booking(key, ids["home"], channel="at_home", address=far)
    )
    assert not_served.json()["error"] == "not_served"

    no_phone = booking(key, ids["home"], channel="at_home", address=served)
    no_phone["customer"] = {"name": "Max", "email": "max@example.com"}
    refused = await client.post("/api/v1/bookings", json=no_phone)
    assert refused.json()["fields"] == {
        "customer.phone": "A phone number is needed for a home visit."
    }

    accepted = await client.post(
        "/api/v1/bookings", json=booking(key, ids["home"], channel="at_home", address=served)
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["address"]["postal_code"] == "10115"


async def test_a_store_of_another_tenant_cannot_be_booked_with_this_key(
    client: Client, db: Database, shop: tuple[str, int]
) -> None:
    other = builders.catalog(builders.store("elsewhere"))
    ids = await db.load(other)
    key, _ = shop
    response = await client.post("/api/v1/bookings", json=booking(key, ids["elsewhere"]))
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_location"


async def test_bookings_are_stored_in_utc_and_shown_in_the_stores_zone(
    client: Client, shop: tuple[str, int]
) -> None:
    key, store = shop
    # The same instant written with another offset is the same slot.
    response = await client.post(
        "/api/v1/bookings", json=booking(key, store, start="2027-03-23T09:00:00Z")
    )
    assert response.status_code == 201
    assert response.json()["start"] == TUESDAY_10
    from server.adapters.tables import Booking

    row = (
        await Booking.select(Booking.start_at)
        .where(Booking.reference == response.json()["reference"])
        .first()
    )
    assert row["start_at"] == datetime.fromisoformat("2027-03-23T09:00:00+00:00")
    assert row["start_at"].utcoffset() == timedelta(0)
