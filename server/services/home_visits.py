"""Matching a customer's home address to the store that visits it.

A store serves an address when one of its postal-code prefixes starts the address's postal
code (the most specific prefix wins), or when the address lies within its service radius (the
nearest such store wins). Postal-code areas are checked first: a dealer who lists them has
drawn the territory by hand, which beats a circle.
"""

from __future__ import annotations

from typing import Any

from server.adapters import repository
from server.adapters.repository import TenantRecord
from server.domain.geo import Point, haversine_km
from server.schemas import HomeAddress, SearchOrigin, ServingLocationOut
from server.services.errors import NotFound
from server.services.locations import location_out, tenant_or_404
from server.services.places import PlaceLookup, place_of, postal_code_origin


async def serving_location(
    *, key: str, address: HomeAddress, gazetteer: PlaceLookup
) -> ServingLocationOut:
    tenant = await tenant_or_404(key)
    match = await match_address(tenant, address, gazetteer)
    if match is None:
        raise NotFound(
            f"No store offers home visits at {address.postal_code} {address.city} yet. "
            "You can still book an appointment in store or online.",
            code="not_served",
        )
    return match


async def match_address(
    tenant: TenantRecord, address: HomeAddress, gazetteer: PlaceLookup
) -> ServingLocationOut | None:
    stores = await repository.home_service_locations(tenant.id)
    postal = normalize_postal_code(address.postal_code)

    by_area = [(len(p), s) for s in stores for p in _prefixes(s) if postal.startswith(p)]
    if by_area:
        _, store = max(by_area, key=lambda match: match[0])
        return ServingLocationOut(
            location=location_out(store), distance_km=None, matched_by="postal_code"
        )

    point = await _place_address(tenant, address, gazetteer)
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


def normalize_postal_code(text: str) -> str:
    return "".join(text.split()).upper()


def _prefixes(store: dict[str, Any]) -> list[str]:
    codes = repository.json_list(store["service_postal_codes"])
    return [normalize_postal_code(code) for code in codes if code.strip()]


async def _place_address(
    tenant: TenantRecord, address: HomeAddress, gazetteer: PlaceLookup
) -> Point | None:
    origin = await place_of(address.city, tenant, gazetteer)
    if origin is None:
        origin = await postal_code_origin(normalize_postal_code(address.postal_code), tenant.id)
    return None if origin is None else Point(origin.lat, origin.lon)
