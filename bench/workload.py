"""Requests the benchmarks send, and the setup calls they make first (stores, free slots).

Setup goes through the public API with httpx, like a widget would; the measured load is
built here as `Request`s for `bench.loadgen`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import httpx

from bench.common import Request

DEMO_KEY = "pk_demo"


def store_ids(url: str, key: str, channel: str | None = None) -> list[int]:
    """Ids of up to 50 active stores of a tenant (offering `channel`, when given)."""
    params = {"key": key, "limit": "50"} | ({"channel": channel} if channel else {})
    response = httpx.get(f"{url}/api/v1/locations", params=params, timeout=30)
    response.raise_for_status()
    return [location["id"] for location in response.json()["locations"]]


def free_starts(
    url: str, location_id: int, channel: str, first: date, last: date
) -> list[tuple[datetime, datetime]]:
    """The free slots (start, end) of a store from local date `first` to `last`."""
    params = {"channel": channel, "from": first.isoformat(), "to": last.isoformat()}
    response = httpx.get(f"{url}/api/v1/locations/{location_id}/slots", params=params, timeout=30)
    if response.status_code == 422:  # the store does not offer this channel
        return []
    response.raise_for_status()
    return [
        (datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"]))
        for day in response.json()["days"]
        for slot in day["slots"]
    ]


def spaced(slots: Iterable[tuple[datetime, datetime]], gap: timedelta) -> list[datetime]:
    """Starts at least the slot length plus `gap` apart, so booking one never makes the
    next one full (a buffer after an appointment blocks the slots it overlaps)."""
    chosen: list[datetime] = []
    free_from: datetime | None = None
    for start, end in sorted(slots):
        if free_from is None or start >= free_from:
            chosen.append(start)
            free_from = end + gap
    return chosen


def booking_request(key: str, location_id: int, channel: str, start: datetime, n: int) -> Request:
    body = {
        "key": key,
        "location_id": location_id,
        "channel": channel,
        "start": start.isoformat(),
        "customer": {"name": f"Bench Customer {n}", "email": f"bench{n}@example.com"},
        "source": "api",
    }
    return Request("POST", "/api/v1/bookings/", json.dumps(body).encode())


def from_list(requests: Iterable[Request]) -> Callable[[], Request | None]:
    """Hands out each request once, then None (the load generator then stops)."""
    remaining: Iterator[Request] = iter(requests)
    return lambda: next(remaining, None)


def round_robin(requests: Iterable[Request]) -> Callable[[], Request]:
    """Hands out the requests in turn, for as long as asked."""
    cycle = itertools.cycle(list(requests))
    return lambda: next(cycle)


def slots_path(location_id: int, channel: str, days: int | None = None) -> str:
    """The slots of the next `days` local days; None asks for the server's default (14)."""
    query = {"channel": channel}
    if days is not None:
        today = datetime.now(UTC).date()
        query |= {"from": today.isoformat(), "to": (today + timedelta(days - 1)).isoformat()}
    return f"/api/v1/locations/{location_id}/slots?{urlencode(query)}"
