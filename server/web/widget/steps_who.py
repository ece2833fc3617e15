"""The last steps: the customer's details, the review, and the booking itself."""

from __future__ import annotations

from server.adapters.repository import StoreRecord
from server.domain.model import Channel
from server.schemas import BookingIn, CustomerIn
from server.services.bookings import booking_for_holder, create_booking
from server.services.contact import clean_contact
from server.services.errors import AlreadyBooked, Conflict, InvalidInput
from server.web.widget import values
from server.web.widget.flow_base import FlowBase, Screen, with_changes
from server.web.widget.state import WidgetState


class WhoSteps(FlowBase):
    async def _contact(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        start = values.moment(state.start)
        if chosen is None or start is None:
            return await self._time(with_changes(state, go="", step=""))
        store, channel = chosen
        if not state.hold:  # a hand-made form that skipped picking (and so holding) a time
            return await self._time(with_changes(state, go="", step=""))
        if state.step == "contact" and not state.go:
            errors = self.contact_errors(state, store, channel)
            if not errors:
                return await self._review(with_changes(state, step="", go=""))
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

    async def _review(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        if chosen is None or values.moment(state.start) is None:
            return await self._time(with_changes(state, go="", step=""))
        store, channel = chosen
        if self.contact_errors(state, store, channel):
            return await self._contact(with_changes(state, go="", step="contact"))
        return Screen("review", state, self._when(store, channel, state))

    async def _book(self, state: WidgetState) -> Screen:
        chosen = await self.store_of(state)
        start = values.moment(state.start)
        if chosen is None or start is None:
            return await self._time(with_changes(state, go="", step=""))
        store, channel = chosen
        if self.contact_errors(state, store, channel):
            return await self._contact(with_changes(state, go="", step="contact"))
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
            self.ctx.changes_written()
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
                with_changes(state, go="", step="", hold_until=""),
                notice=self._(
                    "Sorry, your time was taken while you were typing. Please pick another "
                    "one; your details are kept."
                )
                if taken
                else self._("This time can no longer be booked. Please pick another one."),
                alternatives=True,
            )
        return Screen("done", state, self._when(store, channel, state), booked=booking)
