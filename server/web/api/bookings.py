from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import Body, PathParameter, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from server.domain.lifecycle import Action
from server.schemas import BookingActionIn, BookingIn, BookingOut
from server.services.bookings import act_with_link, booking_for_link, create_booking
from server.web.context import Context
from server.web.json_body import require_json_body


class BookingController(Controller):
    path = "/bookings"

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Book a free time (201, 409 taken, 422)",
        before_request=require_json_body,
    )
    async def create(self, ctx: Context, data: Annotated[BookingIn, Body()]) -> BookingOut:
        booking = await create_booking(
            data,
            engine=ctx.engine,
            now=ctx.clock.now(),
            keys=ctx.settings.signing_keys,
            stores=ctx.stores,
            directory=ctx.directory,
            gazetteer=ctx.gazetteer,
        )
        ctx.changes_written()
        return booking

    @get("/{reference:str}", summary="A booking, for the holder of its signed link")
    async def read(
        self,
        ctx: Context,
        reference: Annotated[str, PathParameter(max_length=16)],
        token: Annotated[str, QueryParameter(min_length=1, max_length=4096)],
    ) -> BookingOut:
        return await booking_for_link(
            reference, token, now=ctx.clock.now(), keys=ctx.settings.signing_keys
        )

    @post(
        "/{reference:str}/actions",
        status_code=200,
        summary="Confirm, decline, cancel or reschedule, for the holder of a signed link "
        "(200 the booking now, 403 bad link, 409 not possible now, 422)",
        before_request=require_json_body,
    )
    async def change(
        self,
        ctx: Context,
        reference: Annotated[str, PathParameter(max_length=16)],
        data: Annotated[BookingActionIn, Body()],
    ) -> BookingOut:
        booking = await act_with_link(
            reference,
            data.token,
            Action(data.action),
            engine=ctx.engine,
            stores=ctx.stores,
            now=ctx.clock.now(),
            keys=ctx.settings.signing_keys,
            new_start=data.start,
            reason=data.reason,
            message=data.message,
        )
        ctx.changes_written()
        return booking
