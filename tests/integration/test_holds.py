"""Holds: a picked time is kept for its customer, counted like a booking, and lapses alone."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import httpx
import pytest

from server.adapters.tables import Hold
from server.domain.model import Channel
from server.services.errors import Conflict
from server.services.holds import HeldTime, hold_time
from server.services.store_cache import StoreCache
from tests import builders
from tests.conftest import MONDAY_MORNING, Database
from tests.fakes import FrozenClock

Client = httpx.AsyncClient

TUESDAY_10 = datetime.fromisoformat("2027-03-23T10:00:00+01:00")
TEN_MINUTES = timedelta(minutes=10)


@pytest.fixture
async def shop(db: Database) -> tuple[str, int]:
    catalog = builders.catalog(builders.store("shop", channels=(builders.channel(capacity=2),)))
    ids = await db.load(catalog)
    return catalog.tenant.key, ids["shop"]


async def hold(
    db: Database,
    location: int,
    start: datetime = TUESDAY_10,
    now: datetime = MONDAY_MORNING,
    replaces: str | None = None,
) -> HeldTime:
    stores = StoreCache()
    return await hold_time(
        await stores.get(location),
        Channel.IN_STORE,
        start,
        now=now,
        engine=db.engine,
        stores=stores,
        hold_for=TEN_MINUTES,
        replaces=replaces,
    )


async def starts(client: Client, location: int) -> list[str]:
    body = (
        await client.get(
            f"/api/v1/locations/{location}/slots",
            params={"channel": "in_store", "from": "2027-03-23", "to": "2027-03-23"},
        )
    ).json()
    return [slot["start"] for day in body["days"] for slot in day["slots"]]


def booking(key: str, location: int, **extra: object) -> dict[str, object]:
    return {
        "key": key,
        "location_id": location,
        "channel": "in_store",
        "start": TUESDAY_10.isoformat(),
        "customer": {"name": "Erika Mustermann", "email": "erika@example.com"},
        **extra,
    }


async def test_concurrent_holds_for_a_place_of_capacity_two_leave_exactly_two(
    db: Database, shop: tuple[str, int]
) -> None:
    _, location = shop
    outcomes = await asyncio.gather(
        *(hold(db, location) for _ in range(20)), return_exceptions=True
    )
    held = [o for o in outcomes if isinstance(o, HeldTime)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    assert (len(held), len(refused)) == (2, 18), outcomes
    assert await Hold.count().where(Hold.location == location) == 2


async def test_a_held_time_is_taken_for_everyone_else_until_it_lapses(
    client: Client, db: Database, shop: tuple[str, int], clock: FrozenClock
) -> None:
    key, location = shop
    await hold(db, location)
    await hold(db, location)  # capacity 2: both places held
    assert TUESDAY_10.isoformat() not in await starts(client, location)
    refused = await client.post("/api/v1/bookings", json=booking(key, location))
    assert refused.status_code == 409
    assert refused.json()["error"] == "slot_taken"

    clock.advance(TEN_MINUTES + timedelta(seconds=1))
    assert TUESDAY_10.isoformat() in await starts(client, location)
    assert (await client.post("/api/v1/bookings", json=booking(key, location))).status_code == 201


async def test_the_holder_books_their_held_time_and_the_hold_is_used_up(
    client: Client, db: Database, shop: tuple[str, int]
) -> None:
    key, location = shop
    mine = await hold(db, location)
    await hold(db, location)
    booked = await client.post("/api/v1/bookings", json=booking(key, location, hold=mine.token))
    assert booked.status_code == 201, booked.text
    holding = Hold.count().where(Hold.location == location, Hold.booking.is_null())
    assert await holding == 1  # the other customer's hold stays; mine is used


async def test_picking_another_time_releases_the_previous_hold(
    client: Client, db: Database, shop: tuple[str, int]
) -> None:
    _, location = shop
    first = await hold(db, location)
    await hold(db, location, start=TUESDAY_10 + timedelta(hours=1), replaces=first.token)
    rows = await Hold.select(Hold.token).where(Hold.location == location)
    assert len(rows) == 1
    assert rows[0]["token"] != first.token


async def test_lapsed_holds_are_deleted_when_the_store_takes_a_new_one(
    db: Database, shop: tuple[str, int]
) -> None:
    _, location = shop
    await hold(db, location)
    later = MONDAY_MORNING + TEN_MINUTES + timedelta(minutes=1)
    await hold(db, location, start=TUESDAY_10 + timedelta(hours=2), now=later)
    assert await Hold.count().where(Hold.location == location) == 1


async def test_a_hold_token_of_the_wrong_shape_is_refused_by_the_api(
    client: Client, shop: tuple[str, int]
) -> None:
    key, location = shop
    response = await client.post("/api/v1/bookings", json=booking(key, location, hold="x;drop"))
    assert response.status_code == 422
    assert "hold" in response.json()["fields"]


async def test_a_hold_books_once_and_a_second_booking_with_it_names_the_first(
    client: Client, db: Database, shop: tuple[str, int]
) -> None:
    key, location = shop
    mine = await hold(db, location)
    first = await client.post("/api/v1/bookings", json=booking(key, location, hold=mine.token))
    again = await client.post("/api/v1/bookings", json=booking(key, location, hold=mine.token))
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["error"] == "already_booked"
    assert first.json()["reference"] in again.json()["detail"]
