"""Which step the widget shows next, and what that step shows.

A request carries the state (`state.py`) and either a navigation target (`go`) or the step
whose form was sent (`step`), meaning "onwards". Each `_show_*` function checks what its step
needs, falls back to the earliest step that still lacks something (a stale or hand-made
form can never skip a choice), and returns a `Screen` for the templates. Services do the
work; nothing here queries the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from server.adapters import repository
from server.adapters.repository import StoreRecord, TenantRecord
from server.domain.model import Channel, Slot
from server.schemas import (
    AddressOut,
    BookingIn,
    BookingOut,
    CustomerIn,
    HomeAddress,
    LocationOut,
)
from server.services.availability import MAX_DAYS, channel_rules, free_slots_between
from server.services.bookings import booking_for_holder, create_booking
from server.services.contact import clean_contact
from server.services.errors import (
    AlreadyBooked,
    Conflict,
    InvalidInput,
    NotFound,
    ServiceError,
)
from server.services.holds import hold_time, nearest_free
from server.services.home_visits import match_address
from server.services.locations import search_locations
from server.web.context import AppContext
from server.web.widget import values
from server.web.widget.rendering import gettext
from server.web.widget.state import WidgetState

#: The step after each one, when its form is sent without a `go`.
ONWARDS = {
    "channel": "place",
    "store": "date",
    "address": "address",
    "date": "time",
    "time": "time",
    "contact": "review",
    "review": "book",
}


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
class Flow:
    tenant: TenantRecord
    ctx: AppContext
    locale: str
    now: datetime
    _offered: dict[Channel, int] | None = None

    def _(self, message: str, **values: Any) -> str:
        return gettext(self.locale, message, **values)

    async def show(self, state: WidgetState) -> Screen:
        target = state.go or ONWARDS.get(state.step, "channel")
        handlers: dict[str, Callable[[WidgetState], Awaitable[Screen]]] = {
            "channel": self._channel,
            "place": self._place,
            "store": self._store,
            "locate": self._store,
            "address": self._address,
            "date": self._date,
            "time": self._time,
            "contact": self._contact,
            "review": self._review,
            "book": self._book,
        }
        return await handlers.get(target, self._channel)(state)

    # --- channel --------------------------------------------------------------------------

    async def offered(self) -> dict[Channel, int]:
        if self._offered is None:  # asked at several steps of one request: one query
            self._offered = await repository.channels_offered(self.tenant.id)
        return self._offered

    async def _channel(self, state: WidgetState) -> Screen:
        offered = await self.offered()
        if len(offered) == 1:
            # Nothing to choose: the customer never sees this step.
            state.channel = next(iter(offered)).value
            return await self._place(_with(state, go=""))
        return Screen("channel", state, {"offered": offered})

    async def _chosen_channel(self, state: WidgetState) -> Channel | None:
        offered = await self.offered()
        try:
            channel = Channel(state.channel)
        except ValueError:
            return None
        return channel if channel in offered else None

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

    # --- where ----------------------------------------------------------------------------

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
        return await self._date(_with(state, go="", step="address"))

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

    # --- when -----------------------------------------------------------------------------

    async def _date(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        if chosen is None:
            state.location = ""
            return await self._place(_with(state, go=""))
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
        slots = await self._slots(store, channel, first, last, hold=hold or None)
        return sorted({s.start.astimezone(store.time_zone).date() for s in slots})

    async def _slots(
        self, store: StoreRecord, channel: Channel, first: date, last: date, hold: str | None
    ) -> list[Slot]:
        rules = channel_rules(store, channel)
        return await free_slots_between(store, rules, channel, first, last, self.now, hold=hold)

    async def _time(
        self, state: WidgetState, notice: str = "", alternatives: bool = False
    ) -> Screen:
        chosen = await self.store_of(state)
        day = values.day(state.date)
        if chosen is None or day is None:
            return await self._date(_with(state, go="", step=""))
        store, channel = chosen
        if state.step == "time" and not state.go and state.start:
            return await self._hold(state, store, channel)
        slots = await self._slots(store, channel, day, day, hold=state.hold or None)
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
            return await self._time(_with(state, step="", start=""))
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
                _with(state, step="", go=""),
                notice=self._("Sorry, this time was just taken. These are the nearest free ones:"),
                alternatives=True,
            )
        state.hold, state.hold_until = held.token, held.expires_at.isoformat()
        state.date = start.astimezone(store.time_zone).date().isoformat()
        return await self._contact(_with(state, step="", go=""))

    # --- who ------------------------------------------------------------------------------

    async def _contact(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        start = values.moment(state.start)
        if chosen is None or start is None:
            return await self._time(_with(state, go="", step=""))
        store, channel = chosen
        if not state.hold:  # a hand-made form that skipped picking (and so holding) a time
            return await self._time(_with(state, go="", step=""))
        if state.step == "contact" and not state.go:
            errors = self.contact_errors(state, store, channel)
            if not errors:
                return await self._review(_with(state, step="", go=""))
            return Screen("contact", state, self._when(store, channel, state), errors)
        return Screen("contact", state, self._when(store, channel, state))

    def contact_errors(
        self, state: WidgetState, store: StoreRecord, channel: Channel
    ) -> dict[str, str]:
        errors: dict[str, str] = {}
        if len(state.notes) > 1000:
            errors["notes"] = self._("Please keep the notes under 1,000 characters.")
        try:
            clean_contact(
                CustomerIn(name=state.name, email=state.email, phone=state.phone),
                store.country,
                phone_required=channel is Channel.AT_HOME,
            )
        except InvalidInput as error:
            for name in error.fields:
                field_name = name.removeprefix("customer.")
                errors[field_name] = self._field_message(field_name, state)
        return errors

    def _field_message(self, name: str, state: WidgetState) -> str:
        if name == "name":
            return self._("Please enter your name.")
        if name == "email":
            return self._("Please enter a valid email address, like name@example.com.")
        if name == "phone" and not state.phone.strip():
            return self._("A phone number is needed for a home visit.")
        return self._(
            "Please enter a valid phone number with its country code, like +49 30 1234567."
        )

    # --- review and book ------------------------------------------------------------------

    async def _review(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        if chosen is None or values.moment(state.start) is None:
            return await self._time(_with(state, go="", step=""))
        store, channel = chosen
        if self.contact_errors(state, store, channel):
            return await self._contact(_with(state, go="", step="contact"))
        return Screen("review", state, self._when(store, channel, state))

    async def _book(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        start = values.moment(state.start)
        if chosen is None or start is None:
            return await self._time(_with(state, go="", step=""))
        store, channel = chosen
        if self.contact_errors(state, store, channel):
            return await self._contact(_with(state, go="", step="contact"))
        at_home = channel is Channel.AT_HOME
        request = BookingIn(
            key=self.tenant.public_key,
            location_id=store.id,
            channel=channel,
            start=start,
            customer=CustomerIn(name=state.name, email=state.email, phone=state.phone),
            address=self._home_address(state) if at_home else None,
            notes=state.notes,
            locale=self.locale,
            source="widget",
            hold=state.hold or None,
        )
        try:
            booking = await create_booking(
                request,
                engine=self.ctx.engine,
                now=self.now,
                keys=self.ctx.settings.signing_keys,
                stores=self.ctx.stores,
                directory=self.ctx.directory,
                gazetteer=self.ctx.gazetteer,
            )
        except AlreadyBooked as done:
            # The same form again (a reload, a retry): show the booking it already made.
            booking = await booking_for_holder(
                done.reference, now=self.now, keys=self.ctx.settings.signing_keys
            )
        except (Conflict, InvalidInput) as error:
            if "start" not in error.fields:
                raise
            # The hold lapsed and someone else took the time (or it passed): offer the
            # nearest free times; name, email and notes stay in the state.
            taken = error.code == "slot_taken"
            return await self._time(
                _with(state, go="", step="", hold_until=""),
                notice=self._(
                    "Sorry, your time was taken while you were typing. Please pick another "
                    "one; your details are kept."
                )
                if taken
                else self._("This time can no longer be booked. Please pick another one."),
                alternatives=True,
            )
        return Screen("done", state, self._when(store, channel, state), booked=booking)

    # --- views ----------------------------------------------------------------------------

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


def location_out_address(store: StoreRecord) -> AddressOut:
    return AddressOut(
        street=store.street, postal_code=store.postal_code, city=store.city, country=store.country
    )


def _with(state: WidgetState, **changes: str) -> WidgetState:
    return msgspec.structs.replace(state, **changes)
