"""Free slots through the public API: shape, ranges, errors, and both daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from typing import Any

import httpx
import pytest

from server.domain.model import Channel
from server.services.catalog_file import StoreSpec
from tests import builders
from tests.conftest import Database
from tests.fakes import FrozenClock

Client = httpx.AsyncClient

HOURLY = builders.channel(Channel.IN_STORE, duration=60)
NINE_TO_FIVE_STARTS = [f"{hour:02}:00" for hour in range(9, 18)]  # 09:00 .. 17:00


def berlin(code: str = "berlin", **overrides: Any) -> StoreSpec:
    return builders.store(code, **overrides)


def new_york(code: str = "new-york", **overrides: Any) -> StoreSpec:
    values: dict[str, Any] = {
        "name": "Nordlicht New York",
        "street": "245 W 17th St",
        "postal_code": "10011",
        "city": "New York",
        "country": "US",
        "lat": 40.7410,
        "lon": -73.9990,
        "time_zone": "America/New_York",
        "phone": "+12125550123",
    }
    return builders.store(code, **(values | overrides))


async def load_one(db: Database, spec: StoreSpec) -> int:
    return (await db.load(builders.catalog(spec)))[spec.code]


async def get_slots(client: Client, location: int, **params: str) -> httpx.Response:
    return await client.get(
        f"/api/v1/locations/{location}/slots", params={"channel": "in_store", **params}
    )


async def slots_of(client: Client, location: int, **params: str) -> dict[str, Any]:
    response = await get_slots(client, location, **params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def starts_by_day(body: dict[str, Any]) -> dict[str, list[str]]:
    return {day["date"]: [slot["start"] for slot in day["slots"]] for day in body["days"]}


def all_starts(body: dict[str, Any]) -> list[datetime]:
    return [datetime.fromisoformat(s["start"]) for day in body["days"] for s in day["slots"]]


# --- shape and range -----------------------------------------------------------------------


async def test_every_date_of_the_range_is_listed_with_slots_in_the_stores_offset(
    client: Client, db: Database
) -> None:
    store = await load_one(db, berlin(channels=(HOURLY,), slot_step_minutes=60))

    body = await slots_of(client, store, **{"from": "2027-03-23", "to": "2027-03-26"})

    assert body["location_id"] == store
    assert body["channel"] == "in_store"
    assert body["time_zone"] == "Europe/Berlin"
    assert (body["from"], body["to"]) == ("2027-03-23", "2027-03-26")
    assert [day["date"] for day in body["days"]] == [
        "2027-03-23",
        "2027-03-24",
        "2027-03-25",
        "2027-03-26",
    ]
    for day in body["days"]:
        assert [s["start"] for s in day["slots"]] == [
            f"{day['date']}T{hour}:00+01:00" for hour in NINE_TO_FIVE_STARTS
        ]
        for slot in day["slots"]:
            start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
            assert end - start == timedelta(hours=1)
            assert end.utcoffset() == timedelta(hours=1)


async def test_a_closed_day_is_listed_with_no_slots(client: Client, db: Database) -> None:
    weekdays_only = builders.hours(days=range(5))
    store = await load_one(db, berlin(hours=weekdays_only))

    days = starts_by_day(
        await slots_of(client, store, **{"from": "2027-03-26", "to": "2027-03-29"})
    )

    assert list(days) == ["2027-03-26", "2027-03-27", "2027-03-28", "2027-03-29"]
    assert days["2027-03-27"] == days["2027-03-28"] == []  # Saturday and Sunday
    assert days["2027-03-26"]
    assert days["2027-03-29"]


async def test_by_default_fourteen_days_from_the_stores_own_today_are_listed(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    ids = await db.load(builders.catalog(berlin(), new_york()))
    # 23:30 UTC on Monday is already Tuesday in Berlin and still Monday evening in New York.
    clock.set(datetime(2027, 3, 22, 23, 30, tzinfo=UTC))

    in_berlin = await slots_of(client, ids["berlin"])
    in_new_york = await slots_of(client, ids["new-york"])

    assert (in_berlin["from"], in_berlin["to"]) == ("2027-03-23", "2027-04-05")
    assert len(in_berlin["days"]) == 14
    assert (in_new_york["from"], in_new_york["to"]) == ("2027-03-22", "2027-04-04")
    assert len(in_new_york["days"]) == 14
    # Monday evening in New York is after closing: its first day has nothing left.
    assert in_new_york["days"][0]["slots"] == []
    assert in_new_york["days"][1]["slots"][0]["start"] == "2027-03-23T09:00:00-04:00"


async def test_only_a_from_date_gives_fourteen_days_from_it(client: Client, db: Database) -> None:
    store = await load_one(db, berlin())
    body = await slots_of(client, store, **{"from": "2027-04-10"})
    assert (body["from"], body["to"]) == ("2027-04-10", "2027-04-23")


async def test_past_slots_of_today_are_not_offered(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    store = await load_one(db, berlin(channels=(HOURLY,), slot_step_minutes=60))
    clock.set(datetime.fromisoformat("2027-03-23T12:10:00+01:00"))

    days = starts_by_day(
        await slots_of(client, store, **{"from": "2027-03-23", "to": "2027-03-23"})
    )

    assert [s[11:16] for s in days["2027-03-23"]] == ["13:00", "14:00", "15:00", "16:00", "17:00"]


async def test_sixty_two_days_may_be_asked_for_and_not_one_more(
    client: Client, db: Database
) -> None:
    store = await load_one(db, berlin())
    first = date(2027, 4, 1)

    longest = await get_slots(
        client, store, **{"from": str(first), "to": str(first + timedelta(days=61))}
    )
    too_long = await get_slots(
        client, store, **{"from": str(first), "to": str(first + timedelta(days=62))}
    )

    assert longest.status_code == 200
    assert len(longest.json()["days"]) == 62
    assert too_long.status_code == 422
    assert too_long.json()["error"] == "invalid_input"
    assert "to" in too_long.json()["fields"]


async def test_a_range_ending_before_it_starts_is_422(client: Client, db: Database) -> None:
    store = await load_one(db, berlin())
    response = await get_slots(client, store, **{"from": "2027-03-25", "to": "2027-03-24"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"to": "Must not be before `from`."}


async def test_a_channel_the_store_does_not_offer_is_422_channel_not_offered(
    client: Client, db: Database
) -> None:
    store = await load_one(db, berlin())
    response = await client.get(f"/api/v1/locations/{store}/slots", params={"channel": "online"})
    assert response.status_code == 422
    assert response.json()["error"] == "channel_not_offered"
    assert "in_store" in response.json()["fields"]["channel"]


async def test_an_unknown_channel_name_is_422(client: Client, db: Database) -> None:
    store = await load_one(db, berlin())
    response = await client.get(f"/api/v1/locations/{store}/slots", params={"channel": "drive"})
    assert response.status_code == 422
    assert "channel" in response.json()["fields"]


async def test_an_unknown_or_inactive_location_is_404(client: Client, db: Database) -> None:
    ids = await db.load(builders.catalog(berlin(), berlin("closed-down", active=False)))
    for location in (2**31 - 1, ids["closed-down"]):
        response = await get_slots(client, location)
        assert response.status_code == 404, location
        assert response.json()["error"] == "unknown_location"


@pytest.mark.parametrize("bad", ["2027-13-01", "01.04.2027", "2027-04-31", "tomorrow", "2027-4-1"])
async def test_a_date_that_is_not_an_iso_date_is_422_naming_the_parameter(
    client: Client, db: Database, bad: str
) -> None:
    store = await load_one(db, berlin())
    for name in ("from", "to"):
        response = await get_slots(client, store, **{name: bad})
        assert response.status_code == 422, response.text
        body = response.json()
        assert set(body) == {"error", "detail", "fields"}
        assert body["error"] == "invalid_input"
        assert list(body["fields"]) == [name]


# --- daylight saving time ------------------------------------------------------------------


async def test_in_berlin_the_spring_change_keeps_the_wall_clock_slots_and_moves_the_offset(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    store = await load_one(db, berlin(channels=(HOURLY,), slot_step_minutes=60))
    clock.set(datetime(2027, 3, 24, 12, 0, tzinfo=UTC))

    days = starts_by_day(
        await slots_of(client, store, **{"from": "2027-03-27", "to": "2027-03-28"})
    )

    assert days["2027-03-27"] == [f"2027-03-27T{h}:00+01:00" for h in NINE_TO_FIVE_STARTS]
    assert days["2027-03-28"] == [f"2027-03-28T{h}:00+02:00" for h in NINE_TO_FIVE_STARTS]


async def test_in_berlin_the_autumn_change_keeps_the_wall_clock_slots_and_moves_the_offset(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    store = await load_one(db, berlin(channels=(HOURLY,), slot_step_minutes=60))
    clock.set(datetime(2027, 10, 27, 12, 0, tzinfo=UTC))

    days = starts_by_day(
        await slots_of(client, store, **{"from": "2027-10-30", "to": "2027-10-31"})
    )

    assert days["2027-10-30"] == [f"2027-10-30T{h}:00+02:00" for h in NINE_TO_FIVE_STARTS]
    assert days["2027-10-31"] == [f"2027-10-31T{h}:00+01:00" for h in NINE_TO_FIVE_STARTS]


@pytest.mark.parametrize(
    ("now", "before", "after", "offsets"),
    [
        (datetime(2027, 3, 10, 12, tzinfo=UTC), "2027-03-13", "2027-03-14", ("-05:00", "-04:00")),
        (datetime(2027, 11, 3, 12, tzinfo=UTC), "2027-11-06", "2027-11-07", ("-04:00", "-05:00")),
    ],
    ids=["spring-forward", "fall-back"],
)
async def test_in_new_york_both_changes_keep_the_wall_clock_slots_and_move_the_offset(
    client: Client,
    db: Database,
    clock: FrozenClock,
    now: datetime,
    before: str,
    after: str,
    offsets: tuple[str, str],
) -> None:
    store = await load_one(db, new_york(channels=(HOURLY,), slot_step_minutes=60))
    clock.set(now)

    days = starts_by_day(await slots_of(client, store, **{"from": before, "to": after}))

    assert days[before] == [f"{before}T{h}:00{offsets[0]}" for h in NINE_TO_FIVE_STARTS]
    assert days[after] == [f"{after}T{h}:00{offsets[1]}" for h in NINE_TO_FIVE_STARTS]


def night_starts(body: dict[str, Any], opens: str, closes: str) -> list[str]:
    """Slot starts from `opens` (inclusive) to `closes` (exclusive), as the API wrote them."""
    low, high = datetime.fromisoformat(opens), datetime.fromisoformat(closes)
    return [
        s["start"]
        for day in body["days"]
        for s in day["slots"]
        if low <= datetime.fromisoformat(s["start"]) < high
    ]


async def test_a_night_opening_has_one_real_hour_less_when_clocks_go_forward(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    night = berlin(channels=(HOURLY,), slot_step_minutes=60, hours=builders.hours("22:00", "06:00"))
    store = await load_one(db, night)
    clock.set(datetime(2027, 3, 24, 12, 0, tzinfo=UTC))
    body = await slots_of(client, store, **{"from": "2027-03-26", "to": "2027-03-28"})

    before = night_starts(body, "2027-03-26T22:00+01:00", "2027-03-27T06:00+01:00")
    change = night_starts(body, "2027-03-27T22:00+01:00", "2027-03-28T06:00+02:00")

    assert len(before) == 8
    assert change == [
        "2027-03-27T22:00:00+01:00",
        "2027-03-27T23:00:00+01:00",
        "2027-03-28T00:00:00+01:00",
        "2027-03-28T01:00:00+01:00",
        # 02:00 does not exist that night: 01:59:59 +01:00 is followed by 03:00 +02:00.
        "2027-03-28T03:00:00+02:00",
        "2027-03-28T04:00:00+02:00",
        "2027-03-28T05:00:00+02:00",
    ]
    starts = [datetime.fromisoformat(s) for s in change]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))


async def test_a_night_opening_has_one_real_hour_more_when_clocks_go_back(
    client: Client, db: Database, clock: FrozenClock
) -> None:
    night = berlin(channels=(HOURLY,), slot_step_minutes=60, hours=builders.hours("22:00", "06:00"))
    store = await load_one(db, night)
    clock.set(datetime(2027, 10, 27, 12, 0, tzinfo=UTC))
    body = await slots_of(client, store, **{"from": "2027-10-29", "to": "2027-10-31"})

    before = night_starts(body, "2027-10-29T22:00+02:00", "2027-10-30T06:00+02:00")
    change = night_starts(body, "2027-10-30T22:00+02:00", "2027-10-31T06:00+01:00")

    assert len(before) == 8
    assert change == [
        "2027-10-30T22:00:00+02:00",
        "2027-10-30T23:00:00+02:00",
        "2027-10-31T00:00:00+02:00",
        "2027-10-31T01:00:00+02:00",
        "2027-10-31T02:00:00+02:00",  # the first 02:00 ...
        "2027-10-31T02:00:00+01:00",  # ... and the second, an hour later
        "2027-10-31T03:00:00+01:00",
        "2027-10-31T04:00:00+01:00",
        "2027-10-31T05:00:00+01:00",
    ]
    starts = [datetime.fromisoformat(s) for s in change]
    assert all(b - a == timedelta(hours=1) for a, b in pairwise(starts))
    assert len(set(starts)) == len(starts)


# --- bookings take slots away --------------------------------------------------------------


def booking(key: str, location: int, start: str) -> dict[str, Any]:
    return {
        "key": key,
        "location_id": location,
        "channel": "in_store",
        "start": start,
        "customer": {"name": "Erika Mustermann", "email": "erika@example.com"},
    }


async def test_a_booking_in_a_slot_of_capacity_one_removes_it(client: Client, db: Database) -> None:
    catalog = builders.catalog(berlin(channels=(HOURLY,), slot_step_minutes=60))
    store = (await db.load(catalog))["berlin"]
    day = {"from": "2027-03-23", "to": "2027-03-23"}
    before = starts_by_day(await slots_of(client, store, **day))["2027-03-23"]

    booked = await client.post(
        "/api/v1/bookings", json=booking(catalog.tenant.key, store, "2027-03-23T14:00:00+01:00")
    )
    assert booked.status_code == 201, booked.text
    after = starts_by_day(await slots_of(client, store, **day))["2027-03-23"]

    assert "2027-03-23T14:00:00+01:00" in before
    assert after == [s for s in before if s != "2027-03-23T14:00:00+01:00"]


async def test_a_channels_buffer_removes_the_slot_that_follows_a_booking(
    client: Client, db: Database
) -> None:
    buffered = builders.channel(Channel.IN_STORE, duration=60, buffer=15)
    catalog = builders.catalog(berlin(channels=(buffered,), slot_step_minutes=30))
    store = (await db.load(catalog))["berlin"]
    day = {"from": "2027-03-23", "to": "2027-03-23"}

    booked = await client.post(
        "/api/v1/bookings", json=booking(catalog.tenant.key, store, "2027-03-23T10:00:00+01:00")
    )
    assert booked.status_code == 201, booked.text
    starts = {s[11:16] for s in starts_by_day(await slots_of(client, store, **day))["2027-03-23"]}

    # 10:00-11:00 keeps the store busy until 11:15. A slot needs its own buffer free too, so
    # 09:00 (09:00-10:15) collides as well, while 08:xx is before opening anyway.
    assert not starts & {"09:00", "09:30", "10:00", "10:30", "11:00"}
    assert {"11:30", "12:00"} <= starts
