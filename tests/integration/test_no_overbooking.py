"""Fifty customers race for one slot of capacity 2: exactly two win.

Real server processes (started through the CLI), real concurrent HTTP requests, on SQLite
and on PostgreSQL, with one server process and with two processes sharing the database.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_KEYS
from tests.databases import fresh_postgres_database, postgres_admin_dsn, skip_reason
from tests.servers import cli, running_server

RACERS = 50
CAPACITY = 2

CATALOG = """
[tenant]
key = "pk_race"
name = "Race Kitchens"
allowed_origins = ["http://127.0.0.1:9"]
default_locale = "en"
default_theme = "default"
headquarters_email = "hq@race.example"

[[stores]]
code = "race"
name = "Race Store"
street = "Hauptstraße 1"
postal_code = "10115"
city = "Berlin"
country = "DE"
lat = 52.53
lon = 13.38
time_zone = "Europe/Berlin"
phone = "+49301234567"
email = "race@race.example"
booking_mode = "request"
routing = "store"
lead_time_minutes = 60
horizon_days = 30
slot_step_minutes = 30
hours.mon = ["08:00-20:00"]
hours.tue = ["08:00-20:00"]
hours.wed = ["08:00-20:00"]
hours.thu = ["08:00-20:00"]
hours.fri = ["08:00-20:00"]
hours.sat = ["08:00-20:00"]
hours.sun = ["08:00-20:00"]
channels.in_store = { duration = 60, capacity = 2, buffer = 10 }
"""


@pytest.fixture(params=["sqlite", "postgres"])
async def prepared_env(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[dict[str, str]]:
    """Environment of a migrated database holding the race store, loaded with the CLI."""
    env = {"BOOKWIDGET_DATA_DIR": str(tmp_path), "BOOKWIDGET_SECRET_KEYS": TEST_KEYS}
    catalog = tmp_path / "race.toml"
    catalog.write_text(CATALOG)
    if request.param == "postgres":
        if postgres_admin_dsn() is None:
            pytest.skip(skip_reason())
        async with fresh_postgres_database() as dsn:
            env["DATABASE_URL"] = dsn
            await asyncio.to_thread(cli, ["migrate"], env)
            await asyncio.to_thread(cli, ["load", str(catalog)], env)
            yield env
    else:
        await asyncio.to_thread(cli, ["migrate"], env)
        await asyncio.to_thread(cli, ["load", str(catalog)], env)
        yield env


@pytest.mark.parametrize("processes", [1, 2])
async def test_fifty_concurrent_bookings_for_a_slot_of_capacity_two_give_exactly_two(
    prepared_env: dict[str, str], processes: int
) -> None:
    with ExitStack() as stack:
        urls = [stack.enter_context(running_server(prepared_env)) for _ in range(processes)]
        statuses, store_id, start = await _race(urls)
        assert Counter(statuses) == {201: CAPACITY, 409: RACERS - CAPACITY}, Counter(statuses)

        # The slot is gone for everybody, and the database holds exactly two bookings in it.
        async with httpx.AsyncClient(base_url=urls[-1]) as client:
            slots = (
                await client.get(
                    f"/api/v1/locations/{store_id}/slots", params={"channel": "in_store"}
                )
            ).json()
        offered = [s["start"] for day in slots["days"] for s in day["slots"]]
        assert start not in offered
    assert await _active_bookings_at(prepared_env, start) == CAPACITY


async def _race(urls: list[str]) -> tuple[list[int], int, str]:
    limits = httpx.Limits(max_connections=RACERS)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        found = (await client.get(f"{urls[0]}/api/v1/locations", params={"key": "pk_race"})).json()
        store_id = found["locations"][0]["id"]
        slots = (
            await client.get(
                f"{urls[0]}/api/v1/locations/{store_id}/slots", params={"channel": "in_store"}
            )
        ).json()
        start = next(s["start"] for day in slots["days"] for s in day["slots"])
        ready = asyncio.Event()

        async def book(n: int) -> int:
            await ready.wait()
            response = await client.post(
                f"{urls[n % len(urls)]}/api/v1/bookings", json=_body(store_id, start, n)
            )
            assert response.status_code in {201, 409}, response.text
            return response.status_code

        tasks = [asyncio.create_task(book(n)) for n in range(RACERS)]
        await asyncio.sleep(0)
        ready.set()
        return list(await asyncio.gather(*tasks)), store_id, start


def _body(store_id: int, start: str, n: int) -> dict[str, Any]:
    return {
        "key": "pk_race",
        "location_id": store_id,
        "channel": "in_store",
        "start": start,
        "customer": {"name": f"Racer {n}", "email": f"racer{n}@example.com"},
    }


async def _active_bookings_at(env: dict[str, str], start: str) -> int:
    """Count straight from the database, not through the API under test."""
    from datetime import datetime

    moment = datetime.fromisoformat(start)
    if "DATABASE_URL" in env:
        import asyncpg

        connection = await asyncpg.connect(env["DATABASE_URL"])
        try:
            return int(
                await connection.fetchval(
                    "SELECT count(*) FROM booking WHERE start_at = $1"
                    " AND status IN ('requested', 'confirmed')",
                    moment,
                )
            )
        finally:
            await connection.close()
    import sqlite3

    with sqlite3.connect(Path(env["BOOKWIDGET_DATA_DIR"]) / "bookwidget.sqlite") as connection:
        rows = connection.execute(
            "SELECT start_at FROM booking WHERE status IN ('requested', 'confirmed')"
        ).fetchall()
    return sum(1 for (value,) in rows if datetime.fromisoformat(value) == moment)
