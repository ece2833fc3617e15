"""What every step of the widget's flow shares: the request's context, the chosen store
and channel, and the pieces of a step's view (see `flow.py` for how steps follow each other).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from server.adapters import repository
from server.adapters.repository import StoreRecord, TenantRecord
from server.domain.model import Channel
from server.schemas import AddressOut, BookingOut, HomeAddress, LocationOut
from server.services.errors import NotFound
from server.services.home_visits import match_address
from server.web.context import AppContext
from server.web.widget import values
from server.web.widget.rendering import gettext
from server.web.widget.state import WidgetState


@dataclass
class Screen:
    """One step, ready for its template (`steps/<step>.html`)."""

    step: str
    state: WidgetState
    data: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    booked: BookingOut | None = None


@dataclass
class FlowBase(ABC):
    tenant: TenantRecord
    ctx: AppContext
    locale: str
    now: datetime
    _offered: dict[Channel, int] | None = None

    def _(self, message: str, **values: Any) -> str:
        return gettext(self.locale, message, **values)

    async def offered(self) -> dict[Channel, int]:
        if self._offered is None:  # asked at several steps of one request: one query
            self._offered = await repository.channels_offered(self.tenant.id)
        return self._offered

    async def _chosen_channel(self, state: WidgetState) -> Channel | None:
        offered = await self.offered()
        try:
            channel = Channel(state.channel)
        except ValueError:
            return None
        return channel if channel in offered else None

    def _home_address(self, state: WidgetState) -> HomeAddress:
        return HomeAddress(
            street=state.street.strip(),
            postal_code=state.postal_code.strip(),
            city=state.city.strip(),
        )

    async def store_of(self, state: WidgetState) -> tuple[StoreRecord, Channel] | None:
        """The chosen store and channel, if both are valid together."""
        channel = await self._chosen_channel(state)
        location = values.integer(state.location)
        if channel is None or location is None:
            return None
        try:
            store = await self.ctx.stores.get(location)
        except NotFound:
            return None
        if store.tenant_id != self.tenant.id or channel not in store.channels:
            return None
        if channel is Channel.AT_HOME and not await self._visits(store, state):
            return None  # a home visit needs an address this store serves (a deep link has none)
        return store, channel

    async def _visits(self, store: StoreRecord, state: WidgetState) -> bool:
        if not all(len(getattr(state, f).strip()) >= 1 for f in ("street", "postal_code", "city")):
            return False
        index = await self.ctx.directory.index(self.tenant)
        served = match_address(index, self._home_address(state), self.ctx.gazetteer)
        return served is not None and served.location.id == store.id

    def _store_view(self, store: StoreRecord) -> LocationOut:
        return LocationOut(
            id=store.id,
            code=store.code,
            name=store.name,
            address=location_out_address(store),
            lat=store.lat,
            lon=store.lon,
            time_zone=store.time_zone.key,
            phone=store.phone,
            channels=list(store.channels),
            booking_mode=store.booking_mode.value,
        )

    def _when(self, store: StoreRecord, channel: Channel, state: WidgetState) -> dict[str, Any]:
        start = values.moment(state.start)
        assert start is not None
        rules = store.channels[channel]
        return {
            "store": self._store_view(store),
            "channel": channel,
            "start": start,
            "end": start + rules.duration,
            "tz": store.time_zone,
            "hold_until": values.moment(state.hold_until),
        }

    # The steps, each defined by one of the mixins in steps_*.py and called by the others.

    @abstractmethod
    async def _channel(self, state: WidgetState) -> Screen: ...

    @abstractmethod
    async def _place(self, state: WidgetState) -> Screen: ...

    @abstractmethod
    async def _address(self, state: WidgetState) -> Screen: ...

    @abstractmethod
    async def _date(self, state: WidgetState) -> Screen: ...

    @abstractmethod
    async def _time(
        self, state: WidgetState, notice: str = "", alternatives: bool = False
    ) -> Screen: ...

    @abstractmethod
    async def _contact(self, state: WidgetState) -> Screen: ...

    @abstractmethod
    async def _review(self, state: WidgetState) -> Screen: ...


def location_out_address(store: StoreRecord) -> AddressOut:
    return AddressOut(
        street=store.street, postal_code=store.postal_code, city=store.city, country=store.country
    )


def with_changes(state: WidgetState, **changes: str) -> WidgetState:
    return msgspec.structs.replace(state, **changes)
