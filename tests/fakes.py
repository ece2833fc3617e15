"""In-memory stand-ins for ports, for tests only (STYLE 3)."""

from __future__ import annotations

from datetime import datetime, timedelta


class FrozenClock:
    """A clock that stays where a test puts it."""

    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def set(self, now: datetime) -> None:
        self._now = now

    def advance(self, delta: timedelta) -> None:
        self._now += delta
