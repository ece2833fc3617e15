import math

import pytest

from server.domain.geo import (
    EARTH_RADIUS_KM,
    Point,
    equirectangular_factors,
    haversine_km,
    planar_sort_key,
)

BERLIN = Point(52.5200, 13.4050)
MUNICH = Point(48.1351, 11.5820)
NEW_YORK = Point(40.7128, -74.0060)
BOSTON = Point(42.3601, -71.0589)


def test_berlin_to_munich_is_about_504_km() -> None:
    assert haversine_km(BERLIN, MUNICH) == pytest.approx(504, abs=1)


def test_new_york_to_boston_is_about_306_km() -> None:
    assert haversine_km(NEW_YORK, BOSTON) == pytest.approx(306, abs=1)


def test_distance_is_symmetric_and_zero_to_itself() -> None:
    assert haversine_km(BERLIN, MUNICH) == haversine_km(MUNICH, BERLIN)
    assert haversine_km(BERLIN, BERLIN) == 0


def test_distance_takes_the_short_way_across_the_antimeridian() -> None:
    fiji_east, fiji_west = Point(-17.0, 179.5), Point(-17.0, -179.5)
    one_degree_here = EARTH_RADIUS_KM * math.radians(1) * math.cos(math.radians(17))

    assert haversine_km(fiji_east, fiji_west) == pytest.approx(one_degree_here, rel=1e-3)


def test_antipodes_are_half_the_circumference_apart() -> None:
    assert haversine_km(Point(0, 0), Point(0, 180)) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert haversine_km(Point(90, 0), Point(-90, 0)) == pytest.approx(math.pi * EARTH_RADIUS_KM)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(90.1, 0), (-91, 0), (0, 180.5), (0, -181), (math.nan, 0), (0, math.nan), (math.inf, 0)],
)
def test_a_point_off_the_globe_is_refused(lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="must be within"):
        Point(lat, lon)


def test_the_poles_and_the_antimeridian_are_on_the_globe() -> None:
    assert Point(90, 180) == Point(90.0, 180.0)
    assert Point(-90, -180).lat == -90


def test_a_degree_of_longitude_weighs_less_away_from_the_equator() -> None:
    assert equirectangular_factors(Point(0, 0)) == (1.0, 1.0)
    k_lat, k_lon = equirectangular_factors(Point(60, 10))
    assert k_lat == 1.0
    assert k_lon == pytest.approx(0.25)


def test_the_planar_key_ranks_nearby_cities_as_the_true_distance_does() -> None:
    origin = Point(51.3397, 12.3731)  # Leipzig
    cities = [
        BERLIN,
        MUNICH,
        Point(51.0504, 13.7373),  # Dresden
        Point(50.9848, 11.0299),  # Erfurt
        Point(52.1205, 11.6276),  # Magdeburg
        Point(50.8278, 12.9214),  # Chemnitz
        Point(51.4818, 11.9697),  # Halle
        Point(50.1109, 8.6821),  # Frankfurt
        Point(53.5511, 9.9937),  # Hamburg
    ]

    by_key = sorted(cities, key=lambda city: planar_sort_key(origin, city))
    by_distance = sorted(cities, key=lambda city: haversine_km(origin, city))

    assert by_key == by_distance


def test_ignoring_latitude_would_rank_wrongly_where_the_weight_matters() -> None:
    origin = Point(60.0, 10.0)
    north, east = Point(60.9, 10.0), Point(60.0, 11.5)  # 100 km north, 83 km east

    assert haversine_km(origin, east) < haversine_km(origin, north)
    assert planar_sort_key(origin, east) < planar_sort_key(origin, north)
