"""The middle steps: a day in the month calendar, a time, and holding it while they type."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from server.adapters.repository import StoreRecord
from server.domain.model import Channel
from server.services.availability import MAX_DAYS, free_slots_between
from server.services.errors import ServiceError
from server.services.holds import hold_time, nearest_free
from server.web.widget import values
from server.web.widget.flow_base import FlowBase, Screen, with_changes
from server.web.widget.state import WidgetState


class WhenSteps(FlowBase):
    async def _date(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        if chosen is None:
            state.location = ""
            return await self._place(with_changes(state, go=""))
        store, channel = chosen
        if state.step == "date" and not state.go and values.day(state.date):
            return await self._time(state)
        today = self.now.astimezone(store.time_zone).date()
        last_day = (self.now + store.horizon).astimezone(store.time_zone).date()
        month = values.month(state.month) or values.month(state.date[:7])
        if month is None:
            upcoming = await self._free_days(
                store, channel, today, today + timedelta(MAX_DAYS - 1), state.hold
            )
            month = (upcoming[0] if upcoming else today).replace(day=1)
        # Only months the store takes bookings in; a hand-made month=9999-12 lands on the last.
        month = min(max(month, today.replace(day=1)), last_day.replace(day=1))
        month_end = values.month_end(month)
        first, last = max(month, today), min(month_end, last_day)
        free = (
            await self._free_days(store, channel, first, last, state.hold) if first <= last else []
        )
        next_free = None
        if not free and month_end < last_day:
            after = month_end + timedelta(1)
            ahead = await self._free_days(
                store, channel, after, min(after + timedelta(MAX_DAYS - 1), last_day), state.hold
            )
            next_free = ahead[0] if ahead else None
        state.month = month.strftime("%Y-%m")
        data = {
            "store": self._store_view(store),
            "month": month,
            "free": set(free),
            "today": today,
            "previous": values.previous_month(month) if month > today.replace(day=1) else None,
            "next": month_end + timedelta(1) if month_end < last_day else None,
            "next_free": next_free,
        }
        return Screen("date", state, data)

    async def _free_days(
        self, store: StoreRecord, channel: Channel, first: date, last: date, hold: str = ""
    ) -> list[date]:
        """Local dates with a free time; the customer's own hold does not make a day full."""
        slots = await free_slots_between(store, channel, first, last, self.now, hold=hold or None)
        return sorted({s.start.astimezone(store.time_zone).date() for s in slots})

    async def _time(
        self, state: WidgetState, notice: str = "", alternatives: bool = False
    ) -> Screen:
        chosen = await self.store_of(state)
        day = values.day(state.date)
        if chosen is None or day is None:
            return await self._date(with_changes(state, go="", step=""))
        store, channel = chosen
        if state.step == "time" and not state.go and state.start:
            return await self._hold(state, store, channel)
        slots = await free_slots_between(
            store, channel, day, day, self.now, hold=state.hold or None
        )
        data: dict[str, Any] = {
            "store": self._store_view(store),
            "day": day,
            "slots": slots,
            "tz": store.time_zone,
            "zone_differs": bool(state.tz) and state.tz != store.time_zone.key,
            # Named for that day: after a DST change the zone's name changes too.
            "zone_at": datetime.combine(day, time(12), tzinfo=store.time_zone),
            "alternatives": [],
        }
        if alternatives:
            wanted = values.moment(state.start) or self.now
            data["alternatives"] = await nearest_free(store, channel, wanted, self.now)
        return Screen("time", state, data, notice=notice)

    async def _hold(self, state: WidgetState, store: StoreRecord, channel: Channel) -> Screen:
        start = values.moment(state.start)
        if start is None:
            return await self._time(with_changes(state, step="", start=""))
        try:
            held = await hold_time(
                store,
                channel,
                start,
                now=self.now,
                engine=self.ctx.engine,
                stores=self.ctx.stores,
                hold_for=self.ctx.settings.hold_for,
                replaces=state.hold or None,
            )
        except ServiceError:
            # The refusal rolled back the release of the customer's previous hold: keep its
            # token, so their next pick replaces it instead of leaving it in their way.
            return await self._time(
                with_changes(state, step="", go=""),
                notice=self._("Sorry, this time was just taken. These are the nearest free ones:"),
                alternatives=True,
            )
        state.hold, state.hold_until = held.token, held.expires_at.isoformat()
        state.date = start.astimezone(store.time_zone).date().isoformat()
        return await self._contact(with_changes(state, step="", go=""))
