from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, MediaType, Response, get
from litestar.openapi import ResponseSpec
from litestar.params import PathParameter, QueryParameter

from server.domain.model import Channel
from server.schemas import (
    PUBLIC_KEY_PATTERN,
    HomeAddress,
    LocationsOut,
    ServingLocationOut,
    SlotsOut,
)
from server.services.availability import slots_json
from server.services.home_visits import serving_location
from server.services.locations import search_locations
from server.web.context import Context

Key = Annotated[str, QueryParameter(min_length=1, max_length=64, pattern=PUBLIC_KEY_PATTERN)]


class LocationController(Controller):
    path = "/locations"

    @get("/", summary="Search stores by text, position or place")
    async def search(
        self,
        ctx: Context,
        key: Key,
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
        lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
        channel: Annotated[Channel | None, QueryParameter()] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=50)] = 20,
    ) -> LocationsOut:
        return await search_locations(
            key=key,
            query=q,
            lat=lat,
            lon=lon,
            channel=channel,
            limit=limit,
            gazetteer=ctx.gazetteer,
            directory=ctx.directory,
        )

    @get("/serving", summary="The store that makes home visits at an address")
    async def serving(
        self,
        ctx: Context,
        key: Key,
        postal_code: Annotated[str, QueryParameter(min_length=2, max_length=20)],
        city: Annotated[str, QueryParameter(min_length=1, max_length=120)],
        street: Annotated[str, QueryParameter(max_length=200)] = "",
        country: Annotated[str, QueryParameter(max_length=2)] = "",
    ) -> ServingLocationOut:
        address = HomeAddress(
            street=street or "-", postal_code=postal_code, city=city, country=country
        )
        return await serving_location(
            key=key, address=address, gazetteer=ctx.gazetteer, directory=ctx.directory
        )

    @get(
        "/{location_id:int}/slots",
        summary="Free appointment times per local day",
        # The handler sends the answer already encoded (it is cached that way); this tells
        # the OpenAPI document what those bytes are.
        responses={200: ResponseSpec(SlotsOut, description="Free times per local day")},
    )
    async def slots(
        self,
        ctx: Context,
        location_id: Annotated[int, PathParameter(ge=1, le=2**31 - 1)],
        channel: Annotated[Channel, QueryParameter()],
        from_date: Annotated[date | None, QueryParameter(name="from")] = None,
        to_date: Annotated[date | None, QueryParameter(name="to")] = None,
    ) -> Response[bytes]:
        answer = await slots_json(
            location_id=location_id,
            channel=channel,
            from_date=from_date,
            to_date=to_date,
            now=ctx.clock.now(),
            stores=ctx.stores,
        )
        return Response(answer, media_type=MediaType.JSON)
