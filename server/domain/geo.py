"""Points on the Earth and how far apart they are, for "stores near me"."""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Mean Earth radius (IUGG), the usual choice when one sphere stands in for the ellipsoid.
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Point:
    """A latitude and longitude in decimal degrees (WGS 84)."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        # Written as `not (...)` so that NaN, which fails every comparison, is refused too.
        if not -90.0 <= self.lat <= 90.0:
            raise ValueError(f"latitude must be within -90..90, got {self.lat}")
        if not -180.0 <= self.lon <= 180.0:
            raise ValueError(f"longitude must be within -180..180, got {self.lon}")


def haversine_km(a: Point, b: Point) -> float:
    """The great-circle distance between two points, in kilometres.

    A sphere is off by at most about 0.5% from the ellipsoid, far less than the difference
    between a straight line and the road to the store.
    """
    lat_a, lat_b = math.radians(a.lat), math.radians(b.lat)
    d_lat = lat_b - lat_a
    d_lon = math.radians(b.lon - a.lon)
    h = math.sin(d_lat / 2) ** 2 + math.cos(lat_a) * math.cos(lat_b) * math.sin(d_lon / 2) ** 2
    # Rounding can push `h` a hair above 1 for antipodal points, outside asin's domain.
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def equirectangular_factors(origin: Point) -> tuple[float, float]:
    """Weights `(k_lat, k_lon)` for ranking points by closeness to `origin` in plain SQL.

    `(lat - lat0)^2 * k_lat + (lon - lon0)^2 * k_lon` is the squared distance on a flat map
    that is true to scale at `origin`: a degree of longitude spans cos(lat0) times a degree
    of latitude, hence `k_lon = cos(lat0)^2`. It needs no trigonometry in the database, so
    SQLite can evaluate it as well as PostgreSQL, and it ranks nearby points almost exactly
    as the true distance does; the error grows only with distance from `origin`, where the
    ranking matters least. It is meant for picking a short list (`ORDER BY ... LIMIT n`)
    whose members are then measured exactly with `haversine_km`.

    It does not know that longitude wraps: near the antimeridian (Fiji, Chukotka, the
    Aleutians) a point just across it looks almost 360 degrees away.
    """
    return 1.0, math.cos(math.radians(origin.lat)) ** 2


def planar_sort_key(origin: Point, point: Point) -> float:
    """The same ranking value in Python, for in-memory lists and for test fakes."""
    k_lat, k_lon = equirectangular_factors(origin)
    return (point.lat - origin.lat) ** 2 * k_lat + (point.lon - origin.lon) ** 2 * k_lon
