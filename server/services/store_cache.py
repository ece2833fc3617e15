"""Short-lived per-process caches for the hottest read, the slots endpoint.

- A store's rules (hours, channels, zone) change rarely: cached for a few seconds.
- A computed slots answer is kept, encoded as JSON, for one second, keyed by store, channel,
  dates and the current second. Without it a slots request costs 20-25 times a trivial request (two
  queries plus the computation, see docs/performance.md); with it a burst of customers
  looking at the same store shares one computation.

Neither can cause an overbooking: a booking never trusts them. It reloads the rules and
re-checks availability from committed rows under the store's lock, and the process that
wrote it drops that store's cached answers at once. Another process may show a taken slot
for at most a second; booking it then gets the friendly 409.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import NamedTuple

from server.adapters import repository
from server.adapters.repository import StoreRecord
from server.domain.model import Channel
from server.services.errors import NotFound

ANSWER_SECONDS = 1.0
MAX_ANSWERS = 4096


class SlotsKey(NamedTuple):
    """One slots answer: the store, channel and local dates asked for, in one second."""

    location_id: int
    channel: Channel
    first: date
    last: date
    second: int


class StoreCache:
    def __init__(
        self, ttl_seconds: float = 10.0, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl_seconds
        self._monotonic = monotonic
        self._entries: dict[int, tuple[float, StoreRecord | None]] = {}
        self._answers: dict[SlotsKey, tuple[float, bytes]] = {}

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

    def answer(self, key: SlotsKey) -> bytes | None:
        """A slots answer (JSON) computed less than ANSWER_SECONDS ago, else None."""
        entry = self._answers.get(key)
        if entry is None or self._monotonic() - entry[0] > ANSWER_SECONDS:
            return None
        return entry[1]

    def remember(self, key: SlotsKey, answer: bytes) -> None:
        if len(self._answers) >= MAX_ANSWERS:
            # Keys carry the current second, so old ones are never asked for again.
            self._answers.clear()
        self._answers[key] = (self._monotonic(), answer)

    def forget_answers(self, location_id: int) -> None:
        """Drop cached slots of one store, after a booking."""
        for key in [key for key in self._answers if key.location_id == location_id]:
            del self._answers[key]

    def forget(self, location_id: int | None = None) -> None:
        if location_id is None:
            self._entries.clear()
        else:
            self._entries.pop(location_id, None)
