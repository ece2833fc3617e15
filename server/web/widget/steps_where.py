"""The first steps: what kind of appointment, and where (a store, or the customer's home)."""

from __future__ import annotations

from typing import Any

from server.domain.model import Channel
from server.services.errors import InvalidInput
from server.services.home_visits import match_address
from server.services.locations import search_locations
from server.web.widget import values
from server.web.widget.flow_base import FlowBase, Screen, with_changes
from server.web.widget.state import WidgetState


class WhereSteps(FlowBase):
    async def _channel(self, state: WidgetState) -> Screen:
        offered = await self.offered()
        if len(offered) == 1:
            # Nothing to choose: the customer never sees this step.
            state.channel = next(iter(offered)).value
            return await self._place(with_changes(state, go=""))
        return Screen("channel", state, {"offered": offered})

    async def _place(self, state: WidgetState) -> Screen:
        channel = await self._chosen_channel(state)
        if channel is None:
            return await self._channel_choice(state)
        if channel is Channel.AT_HOME:
            return await self._address(state)
        return await self._store(state)

    async def _channel_choice(self, state: WidgetState) -> Screen:
        offered = await self.offered()
        if len(offered) == 1:
            return await self._channel(state)
        return Screen("channel", state, {"offered": offered})

    async def _store(self, state: WidgetState) -> Screen:
        channel = await self._chosen_channel(state)
        if channel is None or channel is Channel.AT_HOME:
            return await self._place(state)
        if state.step == "store" and not state.go and state.location:
            # A store was picked from the results: onwards to the date.
            return await self._date(state)
        data: dict[str, Any] = {"results": None, "origin": None}
        errors: dict[str, str] = {}
        if state.go == "locate":  # the browser's position replaces what was typed
            state.q = ""
        elif state.q.strip():  # a typed place replaces an earlier position
            state.lat = state.lon = ""
        lat, lon = values.number(state.lat), values.number(state.lon)
        if state.q.strip() or (lat is not None and lon is not None):
            try:
                found = await search_locations(
                    key=self.tenant.public_key,
                    query=state.q,
                    lat=lat,
                    lon=lon,
                    channel=channel,
                    limit=10,
                    gazetteer=self.ctx.gazetteer,
                    directory=self.ctx.directory,
                )
            except InvalidInput:
                errors["q"] = self._("Your position could not be used; search by name instead.")
            else:
                data["results"] = found.locations
                data["origin"] = found.origin
        state.location = ""
        return Screen("store", state, data, errors)

    async def _address(self, state: WidgetState) -> Screen:
        channel = await self._chosen_channel(state)
        if channel is not Channel.AT_HOME:
            return await self._place(state)
        if state.step != "address" or state.go:
            return Screen("address", state)
        errors = {
            name: self._("Please fill in this field.")
            for name in ("street", "postal_code", "city")
            if len(getattr(state, name).strip()) < (2 if name == "postal_code" else 1)
        }
        if errors:
            return Screen("address", state, errors=errors)
        index = await self.ctx.directory.index(self.tenant)
        served = match_address(index, self._home_address(state), self.ctx.gazetteer)
        if served is None:
            message = self._(
                "No store makes home visits at this address yet. You can still book an "
                "appointment in a store or online."
            )
            return Screen("address", state, {"not_served": True}, {"postal_code": message})
        state.location = str(served.location.id)
        return await self._date(with_changes(state, go="", step="address"))
