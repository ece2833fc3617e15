"""A short-lived per-process cache of store rules (hours, channels, zone).

The slots endpoint is the hottest read; a store's rules change rarely, its bookings and
closures often. So rules are cached for a few seconds and bookings and closures are always
read fresh. A booking never trusts the cache: it reloads the rules under the store's lock.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from server.adapters import repository
from server.adapters.repository import StoreRecord
from server.services.errors import NotFound


class StoreCache:
    def __init__(
        self, ttl_seconds: float = 10.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[int, tuple[float, StoreRecord | None]] = {}

    async def get(self, location_id: int, *, fresh: bool = False) -> StoreRecord:
        """The store's rules, or NotFound for an unknown or inactive store."""
        now = self._monotonic()
        entry = None if fresh else self._entries.get(location_id)
        if entry is None or now - entry[0] > self._ttl:
            entry = (now, await repository.load_store(location_id))
            self._entries[location_id] = entry
        store = entry[1]
        if store is None or not store.active:
            raise NotFound(f"There is no store with id {location_id}.", code="unknown_location")
        return store

    def forget(self, location_id: int | None = None) -> None:
        if location_id is None:
            self._entries.clear()
        else:
            self._entries.pop(location_id, None)
