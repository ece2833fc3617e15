"""Finding stores through the public API: by text, position or place, and who visits a home."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx
import pytest

from server.domain.geo import Point, haversine_km
from server.domain.model import Channel
from server.web.app import create_app
from tests import builders
from tests.conftest import Database
from tests.fakes import FrozenClock

Client = httpx.AsyncClient

IN_STORE = builders.channel(Channel.IN_STORE)
ONLINE = builders.channel(Channel.ONLINE, duration=30)
AT_HOME = builders.channel(Channel.AT_HOME, duration=90, buffer=30)

# Real places (WGS 84), so that distances and the gazetteer agree with the map.
BRANDENBURG_GATE = Point(52.5163, 13.3777)
POTSDAM = Point(52.3989, 13.0657)
FREISING = Point(48.4035, 11.7488)

STORES = (
    builders.store(
        "muenchen",
        name="Nordlicht München",
        street="Sonnenstraße 15",
        postal_code="80331",
        city="München",
        lat=48.1372,
        lon=11.5656,
        channels=(IN_STORE, ONLINE),
    ),
    builders.store(
        "berlin-charlottenburg",
        name="Nordlicht Berlin Charlottenburg",
        street="Kurfürstendamm 212",
        postal_code="10719",
        city="Berlin",
        lat=52.5019,
        lon=13.3252,
        channels=(IN_STORE,),
    ),
    builders.store(
        "berlin-mitte",
        name="Nordlicht Berlin Mitte",
        street="Invalidenstraße 50",
        postal_code="10115",
        city="Berlin",
        lat=52.5310,
        lon=13.3847,
        channels=(IN_STORE, ONLINE),
    ),
    builders.store(
        "hamburg-altona",
        name="Nordlicht Hamburg Altona",
        street="Ottenser Hauptstraße 10",
        postal_code="22765",
        city="Hamburg",
        lat=53.5522,
        lon=9.9318,
        channels=(IN_STORE, AT_HOME),
        service_radius_km=30,
    ),
    builders.store(
        "koeln",
        name="Nordlicht Köln",
        street="Ehrenstraße 50",
        postal_code="50672",
        city="Köln",
        lat=50.9388,
        lon=6.9408,
        channels=(ONLINE,),
    ),
)


@pytest.fixture
async def tenant(db: Database) -> str:
    catalog = builders.catalog(*STORES)
    await db.load(catalog)
    return catalog.tenant.key


async def search(client: Client, key: str, **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/locations", params={"key": key, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [location["code"] for location in body["locations"]]


def assert_distances_are_true_and_ascending(body: dict[str, Any], origin: Point) -> None:
    distances = [location["distance_km"] for location in body["locations"]]
    assert distances == sorted(distances)
    for location in body["locations"]:
        true_km = haversine_km(origin, Point(location["lat"], location["lon"]))
        assert location["distance_km"] == pytest.approx(true_km, abs=1.0), location["code"]


# --- text ----------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["münch", "MUNCH", "munchen", "München", "  mÜnChEn  "])
async def test_a_name_is_found_in_any_case_with_or_without_accents_by_its_prefix(
    client: Client, tenant: str, typed: str
) -> None:
    body = await search(client, tenant, q=typed)
    assert codes(body)[0] == "muenchen"
    assert "koeln" not in codes(body)


async def test_a_word_in_the_middle_of_a_name_matches_by_its_prefix(
    client: Client, tenant: str
) -> None:
    assert codes(await search(client, tenant, q="charl")) == ["berlin-charlottenburg"]
    assert codes(await search(client, tenant, q="Altona")) == ["hamburg-altona"]


async def test_text_inside_a_word_does_not_match(client: Client, tenant: str) -> None:
    # "lottenburg" is in "Charlottenburg" but starts no word; it names no place either.
    body = await search(client, tenant, q="lottenburg")
    assert body["locations"] == []
    assert body["origin"] is None


async def test_a_query_of_two_words_must_match_both(client: Client, tenant: str) -> None:
    both_berlin = codes(await search(client, tenant, q="nordlicht berlin"))
    assert sorted(both_berlin) == ["berlin-charlottenburg", "berlin-mitte"]
    assert codes(await search(client, tenant, q="berlin charl")) == ["berlin-charlottenburg"]
    assert codes(await search(client, tenant, q="berlin köln")) == []


async def test_without_a_position_results_come_in_name_order_without_distances(
    client: Client, tenant: str
) -> None:
    body = await search(client, tenant, q="nordlicht")
    names = [location["name"] for location in body["locations"]]
    assert names == sorted(names)
    assert len(names) == len(STORES)
    assert all(location["distance_km"] is None for location in body["locations"])
    assert body["origin"] is None


async def test_a_postal_code_is_found_by_its_prefix(client: Client, tenant: str) -> None:
    assert codes(await search(client, tenant, q="101")) == ["berlin-mitte"]
    assert codes(await search(client, tenant, q="10719")) == ["berlin-charlottenburg"]


# --- filters -------------------------------------------------------------------------------


async def test_results_can_be_limited_to_stores_offering_a_channel(
    client: Client, tenant: str
) -> None:
    assert codes(await search(client, tenant, channel="at_home")) == ["hamburg-altona"]
    online = await search(client, tenant, channel="online")
    assert sorted(codes(online)) == ["berlin-mitte", "koeln", "muenchen"]
    for location in online["locations"]:
        assert "online" in location["channels"]


async def test_a_channel_filter_and_a_query_apply_together(client: Client, tenant: str) -> None:
    assert codes(await search(client, tenant, q="berlin", channel="online")) == ["berlin-mitte"]


# --- position and place ---------------------------------------------------------------------


async def test_from_a_point_the_nearest_stores_come_first_with_true_distances(
    client: Client, tenant: str
) -> None:
    origin = BRANDENBURG_GATE
    body = await search(client, tenant, lat=origin.lat, lon=origin.lon)

    assert codes(body) == [
        "berlin-mitte",  # ~1.8 km
        "berlin-charlottenburg",  # ~3.6 km
        "hamburg-altona",  # ~255 km
        "koeln",  # ~475 km
        "muenchen",  # ~505 km
    ]
    assert_distances_are_true_and_ascending(body, origin)
    assert body["origin"]["source"] == "point"
    assert (body["origin"]["lat"], body["origin"]["lon"]) == (origin.lat, origin.lon)


async def test_a_point_and_a_channel_give_the_nearest_stores_of_that_channel(
    client: Client, tenant: str
) -> None:
    body = await search(client, tenant, lat=FREISING.lat, lon=FREISING.lon, channel="online")
    assert codes(body) == ["muenchen", "koeln", "berlin-mitte"]
    assert_distances_are_true_and_ascending(body, FREISING)


async def test_a_typed_city_without_a_store_gives_the_stores_nearest_to_it(
    client: Client, tenant: str
) -> None:
    body = await search(client, tenant, q="Potsdam")

    assert body["origin"]["label"] == "Potsdam"
    assert body["origin"]["source"] == "place"
    placed = Point(body["origin"]["lat"], body["origin"]["lon"])
    assert haversine_km(placed, POTSDAM) < 5
    assert codes(body)[:2] == ["berlin-charlottenburg", "berlin-mitte"]
    assert len(body["locations"]) == len(STORES)
    assert_distances_are_true_and_ascending(body, placed)
    # Charlottenburg is some 20 km from Potsdam's centre.
    assert 15 < body["locations"][0]["distance_km"] < 25


async def test_a_postal_code_without_a_store_is_placed_by_the_stores_postal_codes(
    client: Client, tenant: str
) -> None:
    body = await search(client, tenant, q="10117")

    assert body["origin"]["source"] == "postal_code"
    assert body["origin"]["label"] == "10117"
    # The longest shared prefix, "1011", belongs to Berlin Mitte alone: that is the origin.
    assert (body["origin"]["lat"], body["origin"]["lon"]) == (52.5310, 13.3847)
    assert codes(body)[:2] == ["berlin-mitte", "berlin-charlottenburg"]
    assert body["locations"][0]["distance_km"] == 0.0
    assert_distances_are_true_and_ascending(body, Point(52.5310, 13.3847))


# --- a changed catalog ---------------------------------------------------------------------


async def test_every_process_searches_the_new_catalog_from_the_first_request_after_a_load(
    client: Client, tenant: str, db: Database, clock: FrozenClock
) -> None:
    """Each process indexes the stores in memory; a load must not leave any of them stale,
    however soon after the previous load (the clock is frozen here: same timestamps)."""
    other_process = create_app(db.settings, engine=db.engine, clock=clock)
    transport = httpx.ASGITransport(app=other_process)
    async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
        for each in (client, other):
            assert codes(await search(each, tenant, q="köln")) == ["koeln"]
            assert codes(await search(each, tenant, q="zwergenhausen")) == []

        renamed = dataclasses.replace(STORES[4], code="koeln", name="Nordlicht Zwergenhausen")
        moved = builders.catalog(*STORES[:4], renamed, key=tenant)
        closed = dataclasses.replace(STORES[0], active=False)
        await db.load(dataclasses.replace(moved, stores=(closed, *moved.stores[1:])))

        for each in (client, other):
            assert codes(await search(each, tenant, q="zwergenhausen")) == ["koeln"]
            in_cologne = await search(each, tenant, q="köln")
            assert [loc["name"] for loc in in_cologne["locations"]] == ["Nordlicht Zwergenhausen"]
            assert "muenchen" not in codes(await search(each, tenant, limit=50))


# --- bad requests --------------------------------------------------------------------------


async def test_an_unknown_key_is_404(client: Client, tenant: str) -> None:
    response = await client.get("/api/v1/locations", params={"key": "pk_nobody_here"})
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_key"
    assert "pk_nobody_here" in response.json()["detail"]


@pytest.mark.parametrize(("given", "missing"), [({"lat": 52.5}, "lon"), ({"lon": 13.4}, "lat")])
async def test_half_a_point_is_422_naming_the_missing_half(
    client: Client, tenant: str, given: dict[str, float], missing: str
) -> None:
    response = await client.get("/api/v1/locations", params={"key": tenant, **given})
    assert response.status_code == 422
    assert response.json()["error"] == "invalid_input"
    assert missing in response.json()["fields"]


@pytest.mark.parametrize("limit", [0, -1, 51, 1000])
async def test_a_limit_out_of_bounds_is_422(client: Client, tenant: str, limit: int) -> None:
    response = await client.get("/api/v1/locations", params={"key": tenant, "limit": limit})
    assert response.status_code == 422
    assert "limit" in response.json()["fields"]


@pytest.mark.parametrize(("limit", "count"), [(1, 1), (3, 3), (50, len(STORES))])
async def test_a_limit_within_bounds_caps_the_results(
    client: Client, tenant: str, limit: int, count: int
) -> None:
    body = await search(client, tenant, limit=limit, lat=POTSDAM.lat, lon=POTSDAM.lon)
    assert len(body["locations"]) == count
    assert codes(body)[0] == "berlin-charlottenburg"


# --- home visits -----------------------------------------------------------------------------


async def serving(client: Client, key: str, postal_code: str, city: str) -> httpx.Response:
    return await client.get(
        "/api/v1/locations/serving",
        params={"key": key, "postal_code": postal_code, "city": city, "street": "Hauptstr. 1"},
    )


async def test_a_home_address_is_served_by_the_store_whose_postal_area_covers_it(
    client: Client, db: Database
) -> None:
    catalog = builders.catalog(
        builders.store("berlin-mitte", channels=(AT_HOME,), service_postal_codes=("101", "104")),
        # A more specific prefix beats a shorter one, whichever store lists it.
        builders.store(
            "berlin-wedding",
            lat=52.5500,
            lon=13.3590,
            postal_code="13353",
            channels=(AT_HOME,),
            service_postal_codes=("1011", "133"),
        ),
        builders.store("berlin-shop", channels=(IN_STORE,)),
    )
    ids = await db.load(catalog)
    key = catalog.tenant.key

    mitte = await serving(client, key, "10405", "Berlin")
    assert mitte.status_code == 200, mitte.text
    assert mitte.json()["matched_by"] == "postal_code"
    assert mitte.json()["location"]["id"] == ids["berlin-mitte"]
    assert mitte.json()["distance_km"] is None

    wedding = await serving(client, key, "10115", "Berlin")
    assert wedding.json()["location"]["id"] == ids["berlin-wedding"]
    assert wedding.json()["matched_by"] == "postal_code"


async def test_a_home_address_within_a_stores_radius_is_served_by_it(
    client: Client, db: Database
) -> None:
    munich = builders.store(
        "muenchen",
        postal_code="80331",
        city="München",
        lat=48.1372,
        lon=11.5656,
        channels=(IN_STORE, AT_HOME),
        service_radius_km=40,
    )
    catalog = builders.catalog(munich)
    ids = await db.load(catalog)

    response = await serving(client, catalog.tenant.key, "85354", "Freising")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["matched_by"] == "radius"
    assert body["location"]["id"] == ids["muenchen"]
    true_km = haversine_km(FREISING, Point(munich.lat, munich.lon))
    assert body["distance_km"] == pytest.approx(true_km, abs=1.0)
    assert 25 < body["distance_km"] < 40


async def test_when_two_radii_cover_an_address_the_nearest_store_serves_it(
    client: Client, db: Database
) -> None:
    catalog = builders.catalog(
        builders.store(
            "berlin",
            postal_code="10115",
            lat=52.5310,
            lon=13.3847,
            channels=(AT_HOME,),
            service_radius_km=200,
        ),
        builders.store(
            "leipzig",
            postal_code="04109",
            city="Leipzig",
            lat=51.3397,
            lon=12.3731,
            channels=(AT_HOME,),
            service_radius_km=200,
        ),
    )
    ids = await db.load(catalog)
    key = catalog.tenant.key

    potsdam = (await serving(client, key, "14467", "Potsdam")).json()
    halle = (await serving(client, key, "06108", "Halle")).json()

    assert (potsdam["location"]["id"], potsdam["matched_by"]) == (ids["berlin"], "radius")
    assert (halle["location"]["id"], halle["matched_by"]) == (ids["leipzig"], "radius")
    assert potsdam["distance_km"] < 40
    assert halle["distance_km"] < 40


async def test_an_address_no_store_visits_is_404_not_served_with_a_human_detail(
    client: Client, db: Database
) -> None:
    catalog = builders.catalog(
        builders.store(
            "muenchen",
            postal_code="80331",
            city="München",
            lat=48.1372,
            lon=11.5656,
            channels=(IN_STORE, AT_HOME),
            service_radius_km=40,
            service_postal_codes=("803",),
        )
    )
    await db.load(catalog)

    # Augsburg is some 55 km from the store: outside its radius and its postal area.
    response = await serving(client, catalog.tenant.key, "86150", "Augsburg")

    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "not_served"
    assert "86150 Augsburg" in body["detail"]
    assert "in store or online" in body["detail"]


async def test_serving_with_an_unknown_key_is_404(client: Client, tenant: str) -> None:
    response = await serving(client, "pk_nobody_here", "10115", "Berlin")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_key"


@pytest.mark.parametrize("postal_code", ["8_331", "8%", "%%", "80\\331"])
async def test_a_postal_code_with_characters_no_postal_code_has_places_nothing(
    client: Client, db: Database, postal_code: str
) -> None:
    # Were `_` and `%` passed on to SQL LIKE, "8_331" would match the store's own 80331 and
    # place the address right at the store, inside its radius; "80\331" would be placed
    # by its prefix "80".
    munich = builders.store(
        "muenchen",
        postal_code="80331",
        city="München",
        lat=48.1372,
        lon=11.5656,
        channels=(AT_HOME,),
        service_radius_km=40,
    )
    catalog = builders.catalog(munich)
    await db.load(catalog)

    response = await serving(client, catalog.tenant.key, postal_code, "Nowhere Town")

    assert response.status_code == 404, response.text
    assert response.json()["error"] == "not_served"
