"""Matching a customer's home address to the store that visits it.

A store serves an address when one of its postal-code prefixes starts the address's postal
code (the most specific prefix wins), or when the address lies within its service radius (the
nearest such store wins). Postal-code areas are checked first: a dealer who lists them has
drawn the territory by hand, which beats a circle.
"""

from __future__ import annotations

from typing import Any

from server.adapters import repository
from server.domain.geo import Point, haversine_km
from server.domain.model import Channel
from server.domain.store_index import StoreIndex, compact_postal_code
from server.schemas import HomeAddress, SearchOrigin, ServingLocationOut
from server.services.errors import NotFound
from server.services.locations import location_out, tenant_or_404
from server.services.places import PlaceLookup, place_of, postal_code_origin
from server.services.store_directory import StoreDirectory, StoreRow


async def serving_location(
    *, key: str, address: HomeAddress, gazetteer: PlaceLookup, directory: StoreDirectory
) -> ServingLocationOut:
    tenant = await tenant_or_404(key)
    match = match_address(await directory.index(tenant), address, gazetteer)
    if match is None:
        raise NotFound(
            f"No store offers home visits at {address.postal_code} {address.city} yet. "
            "You can still book an appointment in store or online.",
            code="not_served",
        )
    return match


def match_address(
    index: StoreIndex[StoreRow], address: HomeAddress, gazetteer: PlaceLookup
) -> ServingLocationOut | None:
    stores = [s.payload for s in index.stores if Channel.AT_HOME.value in s.channels]
    postal = compact_postal_code(address.postal_code)

    by_area = [(len(p), s) for s in stores for p in _prefixes(s) if postal.startswith(p)]
    if by_area:
        _, store = max(by_area, key=lambda match: match[0])
        return ServingLocationOut(
            location=location_out(store), distance_km=None, matched_by="postal_code"
        )

    point = _place_address(index, address, gazetteer)
    if point is None:
        return None
    origin = SearchOrigin(lat=point.lat, lon=point.lon, label=address.city, source="place")
    in_radius = [
        (distance, store)
        for store in stores
        if store["service_radius_km"] is not None
        and (distance := haversine_km(point, Point(store["lat"], store["lon"])))
        <= store["service_radius_km"]
    ]
    if not in_radius:
        return None
    distance, store = min(in_radius, key=lambda match: match[0])
    return ServingLocationOut(
        location=location_out(store, origin),
        distance_km=round(distance, 2),
        matched_by="radius",
    )


def _prefixes(store: dict[str, Any]) -> list[str]:
    codes = repository.json_list(store["service_postal_codes"])
    return [compact_postal_code(code) for code in codes if code.strip()]


def _place_address(
    index: StoreIndex[StoreRow], address: HomeAddress, gazetteer: PlaceLookup
) -> Point | None:
    origin = place_of(address.city, index, gazetteer)
    if origin is None:
        origin = postal_code_origin(address.postal_code, index)
    return None if origin is None else Point(origin.lat, origin.lon)
