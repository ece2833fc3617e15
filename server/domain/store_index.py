"""One tenant's stores, indexed in memory for searches that take microseconds, not milliseconds.

A search box asks on every keystroke, so store search must be fast at 10,000 stores. In SQL
every kind of it scans: `LIKE '% term%'` cannot use a B-tree, neither can a distance
expression in `ORDER BY`, and the tenant's countries need a `DISTINCT` over all its stores.
A catalog changes a few times a day at most, so each server process keeps this index per
tenant and rebuilds it when the tenant's catalog version moves (see
`server.services.store_directory`). It answers:

- word prefixes: every folded word of every store in one sorted list, searched by bisection;
- nearest first: a grid of cells, visited in rings around the origin until no unvisited cell
  can hold a store nearer than the ones found;
- where a postal code is: the stores' compact postal codes sorted, with running sums of their
  coordinates, so the centre of all stores sharing a prefix costs two bisections.

It ranks by the same flat-map distance the SQL did (`server.domain.geo.planar_sort_key`), so
callers measure the short list exactly afterwards, as before.
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, groupby, islice
from typing import Generic, TypeVar

from server.domain.geo import Point, equirectangular_factors

T = TypeVar("T")

#: Grid cell edge, in degrees. Half a degree is 55 km north to south: a city's stores share a
#: few cells, and a search across a sparse network crosses a few hundred rings at most.
CELL_DEGREES = 0.5

#: Near a position, a term in more than one store in this many is checked store by store on
#: a walk outwards from it, instead of ranking all its stores (`StoreIndex.search`).
COMMON_SHARE = 8

#: Shortest prefix that still says something about where a postal code is (a German region).
MIN_POSTAL_PREFIX = 2

# Sorts after every character a postal code or a folded word can hold.
_AFTER_EVERYTHING = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class IndexedStore(Generic[T]):
    """What the index needs of a store, and the caller's own record of it as `payload`."""

    id: int
    name: str
    #: Folded words of the name, city and postal code (`server.domain.text.search_document`).
    words: tuple[str, ...]
    point: Point
    country: str
    channels: frozenset[str]
    payload: T
    postal_code: str = ""


def compact_postal_code(text: str) -> str:
    """A postal code as compared: upper case, without spaces ("sw1a 1aa" -> "SW1A1AA")."""
    return "".join(text.split()).upper()


class StoreIndex(Generic[T]):
    def __init__(self, stores: Iterable[IndexedStore[T]]) -> None:
        # Positions in this list are the stores' handles below; name order makes a list of
        # positions sorted by name for free.
        self.stores: list[IndexedStore[T]] = sorted(stores, key=lambda s: (s.name, s.id))
        self.countries: tuple[str, ...] = tuple(sorted({s.country for s in self.stores} - {""}))
        self.channels: frozenset[str] = frozenset().union(*(s.channels for s in self.stores))

        owners: dict[str, list[int]] = {}
        for pos, s in enumerate(self.stores):
            for word in set(s.words):
                owners.setdefault(word, []).append(pos)  # ascending: stores in name order
        self._words = sorted(owners)
        self._word_owners = [owners[word] for word in self._words]
        # Stores per run of words, so a prefix's share of the stores costs two bisections.
        self._owner_counts = [0, *accumulate(len(owners[word]) for word in self._words)]

        postal = sorted(
            (code, pos)
            for pos, s in enumerate(self.stores)
            if (code := compact_postal_code(s.postal_code))
        )
        self._postal_codes = [code for code, _ in postal]
        self._lat_sums = [0.0, *accumulate(self.stores[pos].point.lat for _, pos in postal)]
        self._lon_sums = [0.0, *accumulate(self.stores[pos].point.lon for _, pos in postal)]

        self._grid: dict[tuple[int, int], list[int]] = {}
        for pos, s in enumerate(self.stores):
            self._grid.setdefault(_cell(s.point), []).append(pos)
        rows = [i for i, _ in self._grid] or [0]
        cols = [j for _, j in self._grid] or [0]
        self._bounds = (min(rows), max(rows), min(cols), max(cols))

    def __len__(self) -> int:
        return len(self.stores)

    def search(
        self,
        terms: Sequence[str] = (),
        *,
        channel: str | None = None,
        near: Point | None = None,
        limit: int = 20,
    ) -> list[IndexedStore[T]]:
        """Stores with a word starting with each of `terms` (folded) and offering `channel`,
        the `limit` nearest to `near` by flat-map distance, or the first by name without it.

        The rarest term leads: its stores come from the word list, in name order, and only
        they are checked against the other terms. Near a position, a term most stores share
        (the brand every name starts with) is better served by walking the grid outwards and
        checking each store on the way until no nearer one can follow.
        """
        if limit < 1 or (channel is not None and channel not in self.channels):
            return []
        leader, others = self._leading_term(terms)

        def accept(pos: int, terms: Sequence[str] = others) -> bool:
            store = self.stores[pos]
            if channel is not None and channel not in store.channels:
                return False
            return all(any(w.startswith(term) for w in store.words) for term in terms)

        if near is None:
            found = list(islice(filter(accept, self._in_name_order(leader)), limit))
        elif leader is None or self._store_count(leader) > len(self.stores) // COMMON_SHARE:
            found = self._nearest(near, lambda pos: accept(pos, terms), limit)
        else:
            distance = _planar_distance(near)
            found = heapq.nsmallest(
                limit,
                filter(accept, self._in_name_order(leader)),
                key=lambda pos: distance(self.stores[pos].point),
            )
        return [self.stores[pos] for pos in found]

    def postal_code_centre(self, postal_code: str) -> Point | None:
        """The centre of the stores sharing the longest prefix (of at least two characters)
        with `postal_code`, or None when not even its first two characters match a store."""
        code = compact_postal_code(postal_code)
        for length in range(len(code), MIN_POSTAL_PREFIX - 1, -1):
            first, end = self._prefix_range(self._postal_codes, code[:length])
            if end > first:
                count = end - first
                return Point(
                    (self._lat_sums[end] - self._lat_sums[first]) / count,
                    (self._lon_sums[end] - self._lon_sums[first]) / count,
                )
        return None

    def _leading_term(self, terms: Sequence[str]) -> tuple[str | None, list[str]]:
        """The term with the fewest stores (None without terms), and the others."""
        if not terms:
            return None, []
        leader, *others = sorted(terms, key=self._store_count)
        return leader, others

    def _store_count(self, term: str) -> int:
        """How many stores have a word starting with `term` (once per word they have)."""
        first, end = self._prefix_range(self._words, term)
        return self._owner_counts[end] - self._owner_counts[first]

    def _in_name_order(self, term: str | None) -> Iterator[int]:
        """Positions of the stores with a word starting with `term` (all stores for None),
        ascending, that is in name order, each once; lazily, so a search stops early."""
        if term is None:
            return iter(range(len(self.stores)))
        first, end = self._prefix_range(self._words, term)
        if end - first == 1:
            return iter(self._word_owners[first])
        merged = heapq.merge(*self._word_owners[first:end])
        return (pos for pos, _ in groupby(merged))

    def _nearest(self, origin: Point, accept: Callable[[int], bool], limit: int) -> list[int]:
        distance = _planar_distance(origin)
        _, k_lon = equirectangular_factors(origin)
        # After ring r, every unvisited store is at least r cells away in latitude or in
        # longitude, so at least this far (squared, in the flat-map metric) per ring:
        ring_step = CELL_DEGREES * min(1.0, math.sqrt(k_lon))
        best: list[tuple[float, int]] = []  # a max-heap by distance (negated) of `limit`
        centre = _cell(origin)
        for ring in range(self._rings_to_cover(centre) + 1):
            for cell in self._ring_cells(centre, ring):
                for pos in self._grid.get(cell, ()):
                    if not accept(pos):
                        continue
                    entry = (-distance(self.stores[pos].point), pos)
                    if len(best) < limit:
                        heapq.heappush(best, entry)
                    elif entry > best[0]:
                        heapq.heapreplace(best, entry)
            if len(best) == limit and -best[0][0] <= (ring * ring_step) ** 2:
                break
        return [pos for _, pos in sorted(best, key=lambda entry: (-entry[0], entry[1]))]

    def _rings_to_cover(self, centre: tuple[int, int]) -> int:
        i_low, i_high, j_low, j_high = self._bounds
        i, j = centre
        return max(i - i_low, i_high - i, j - j_low, j_high - j, 0)

    def _ring_cells(self, centre: tuple[int, int], ring: int) -> Iterator[tuple[int, int]]:
        """The cells `ring` steps from `centre` (a square's outline), within the grid's bounds."""
        i_low, i_high, j_low, j_high = self._bounds
        i, j = centre
        if ring == 0:
            yield centre
            return
        for row in (i - ring, i + ring):
            if i_low <= row <= i_high:
                for col in range(max(j - ring, j_low), min(j + ring, j_high) + 1):
                    yield (row, col)
        for col in (j - ring, j + ring):
            if j_low <= col <= j_high:
                for row in range(max(i - ring + 1, i_low), min(i + ring - 1, i_high) + 1):
                    yield (row, col)

    @staticmethod
    def _prefix_range(keys: list[str], prefix: str) -> tuple[int, int]:
        return bisect_left(keys, prefix), bisect_left(keys, prefix + _AFTER_EVERYTHING)


def _cell(point: Point) -> tuple[int, int]:
    return math.floor(point.lat / CELL_DEGREES), math.floor(point.lon / CELL_DEGREES)


def _planar_distance(origin: Point) -> Callable[[Point], float]:
    k_lat, k_lon = equirectangular_factors(origin)

    def distance(point: Point) -> float:
        return (point.lat - origin.lat) ** 2 * k_lat + (point.lon - origin.lon) ** 2 * k_lon

    return distance
