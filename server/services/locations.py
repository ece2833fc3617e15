"""Finding stores: by text, by the customer's position, or by a typed place."""

from __future__ import annotations

from typing import Any

from server.adapters import repository
from server.adapters.repository import TenantRecord
from server.domain.geo import Point, haversine_km
from server.domain.model import Channel
from server.domain.text import search_terms
from server.schemas import AddressOut, LocationOut, LocationsOut, SearchOrigin
from server.services.errors import InvalidInput, NotFound
from server.services.places import PlaceLookup, place_of
from server.services.store_directory import StoreDirectory

MAX_RESULTS = 50


async def tenant_or_404(key: str) -> TenantRecord:
    tenant = await repository.tenant_by_key(key)
    if tenant is None:
        raise NotFound(f"No widget is registered under the key {key!r}.", code="unknown_key")
    return tenant


async def search_locations(
    *,
    key: str,
    query: str,
    lat: float | None,
    lon: float | None,
    channel: Channel | None,
    limit: int,
    gazetteer: PlaceLookup,
    directory: StoreDirectory,
) -> LocationsOut:
    """Stores matching every word of `query` (name, city, postal code; prefix, case- and
    accent-insensitive). With a position, or a query that names a place, results come nearest
    first with `distance_km`; a place no store is named after yields the stores nearest to it."""
    tenant = await tenant_or_404(key)
    origin = _point_origin(lat, lon)
    stores = await directory.index(tenant)
    terms = search_terms(query)
    if origin is None and terms:
        origin = place_of(query, stores, gazetteer)
    near = None if origin is None else Point(origin.lat, origin.lon)
    limit = max(1, min(limit, MAX_RESULTS))
    wanted = None if channel is None else channel.value
    found = stores.search(terms, channel=wanted, near=near, limit=limit)
    if not found and terms and near is not None:
        found = stores.search((), channel=wanted, near=near, limit=limit)
    locations = [location_out(store.payload, origin) for store in found]
    if origin is not None:
        # The index ranks on a flat map; the exact distance decides the final order.
        locations.sort(key=lambda loc: loc.distance_km or 0.0)
    return LocationsOut(locations=locations, origin=origin)


def location_out(row: dict[str, Any], origin: SearchOrigin | None = None) -> LocationOut:
    distance = None
    if origin is not None:
        distance = round(
            haversine_km(Point(origin.lat, origin.lon), Point(row["lat"], row["lon"])), 2
        )
    return LocationOut(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        address=AddressOut(
            street=row["street"],
            postal_code=row["postal_code"],
            city=row["city"],
            country=row["country"],
        ),
        lat=row["lat"],
        lon=row["lon"],
        time_zone=row["time_zone"],
        phone=row["phone"],
        channels=[Channel(c) for c in row["channel_list"].split()],
        booking_mode=row["booking_mode"],
        distance_km=distance,
    )


def _point_origin(lat: float | None, lon: float | None) -> SearchOrigin | None:
    if lat is None and lon is None:
        return None
    if lat is None or lon is None:
        raise InvalidInput(
            "Give both lat and lon, or neither.",
            fields={"lat" if lat is None else "lon": "Missing: lat and lon go together."},
        )
    try:
        point = Point(lat, lon)
    except ValueError as error:
        raise InvalidInput(str(error), fields={"lat": str(error)}) from error
    return SearchOrigin(lat=point.lat, lon=point.lon, label="", source="point")
