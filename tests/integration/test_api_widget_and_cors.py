"""The widget's configuration endpoint, and CORS for partners calling the API from their pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from server.domain.model import Channel
from tests import builders
from tests.conftest import Database

Client = httpx.AsyncClient

PARTNER = "https://kitchens.example"
STRANGER = "https://stranger.example"


@pytest.fixture
async def key(db: Database) -> str:
    """A tenant whose active stores offer in-store and online appointments; only a closed
    store would have visited homes."""
    catalog = builders.catalog(
        builders.store("a", channels=(builders.channel(Channel.IN_STORE, duration=60),)),
        builders.store(
            "b",
            channels=(
                builders.channel(Channel.IN_STORE, duration=45),
                builders.channel(Channel.ONLINE, duration=30),
            ),
        ),
        builders.store(
            "closed",
            active=False,
            channels=(builders.channel(Channel.AT_HOME, duration=90),),
            service_radius_km=30,
        ),
        allowed_origins=(PARTNER,),
    )
    await db.load(catalog)
    return catalog.tenant.key


async def widget(client: Client, key: str, **kwargs: Any) -> dict[str, Any]:
    response = await client.get(f"/api/v1/widget/{key}", **kwargs)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- the widget's configuration --------------------------------------------------------------


async def test_the_widget_lists_the_channels_of_active_stores_with_their_shortest_duration(
    client: Client, key: str
) -> None:
    body = await widget(client, key)

    assert body["key"] == key
    assert body["name"] == "Test Kitchens"
    assert body["channels"] == [
        {"channel": "in_store", "label": "In store", "duration_minutes": 45},
        {"channel": "online", "label": "Online", "duration_minutes": 30},
    ]
    assert "at_home" not in {channel["channel"] for channel in body["channels"]}


async def test_without_a_language_the_widget_speaks_the_tenants_default(
    client: Client, db: Database
) -> None:
    english = builders.catalog()
    german = builders.catalog(default_locale="de")
    await db.load(english)
    await db.load(german)

    assert (await widget(client, english.tenant.key))["locale"] == "en"
    assert (await widget(client, german.tenant.key))["locale"] == "de"


@pytest.mark.parametrize(
    "ask",
    [
        {"params": {"locale": "de"}},
        {"params": {"locale": "de-AT"}},
        {"headers": {"accept-language": "de-DE,de;q=0.9"}},
        {"headers": {"accept-language": "fr-FR,de;q=0.8,en;q=0.5"}},
        {"params": {"locale": "fr"}, "headers": {"accept-language": "de-DE,de;q=0.9"}},
    ],
    ids=["query", "query-region", "header", "header-second-choice", "unsupported-query"],
)
async def test_labels_and_texts_come_in_the_language_asked_for(
    client: Client, key: str, ask: dict[str, Any]
) -> None:
    body = await widget(client, key, **ask)

    assert body["locale"] == "de"
    labels = {channel["channel"]: channel["label"] for channel in body["channels"]}
    assert labels == {"in_store": "Im Geschäft", "online": "Online"}
    assert body["texts"]["booking.confirmed"] == "Bestätigt."
    assert body["locales"] == ["en", "de"]


async def test_an_explicit_locale_beats_the_browsers_languages(client: Client, key: str) -> None:
    body = await widget(
        client, key, params={"locale": "en"}, headers={"accept-language": "de-DE,de;q=0.9"}
    )
    assert body["locale"] == "en"
    assert body["channels"][0]["label"] == "In store"


async def test_a_widget_with_an_unknown_key_is_404(client: Client, key: str) -> None:
    response = await client.get("/api/v1/widget/pk_nobody_here")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_key"


# --- CORS ------------------------------------------------------------------------------------


async def test_an_allowed_origin_is_echoed_with_vary_origin(client: Client, key: str) -> None:
    response = await client.get(f"/api/v1/widget/{key}", headers={"origin": PARTNER})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PARTNER
    assert "Origin" in response.headers.get_list("vary")
    assert "access-control-allow-credentials" not in response.headers


async def test_the_builders_default_origin_is_allowed_too(client: Client, db: Database) -> None:
    catalog = builders.catalog()
    await db.load(catalog)
    response = await client.get(
        "/api/v1/locations",
        params={"key": catalog.tenant.key},
        headers={"origin": "http://partner.test"},
    )
    assert response.headers["access-control-allow-origin"] == "http://partner.test"


@pytest.mark.parametrize(
    "origin",
    [STRANGER, "https://kitchens.example.evil.test", "http://kitchens.example", "null", "*"],
)
async def test_a_foreign_origin_gets_no_allow_header(client: Client, key: str, origin: str) -> None:
    response = await client.get(f"/api/v1/widget/{key}", headers={"origin": origin})

    assert response.status_code == 200  # the answer is given; the browser will not show it
    assert "access-control-allow-origin" not in response.headers
    assert "Origin" in response.headers.get_list("vary")


async def test_an_error_for_an_allowed_origin_carries_the_allow_header(
    client: Client, key: str
) -> None:
    # A partner's page must be able to read why its request failed.
    response = await client.get(
        "/api/v1/locations", params={"key": key, "lat": "1"}, headers={"origin": PARTNER}
    )
    assert response.status_code == 422
    assert response.headers["access-control-allow-origin"] == PARTNER


async def test_a_preflight_from_an_allowed_origin_is_204_with_methods_and_headers(
    client: Client, key: str
) -> None:
    response = await client.options(
        "/api/v1/bookings",
        headers={
            "origin": PARTNER,
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type",
        },
    )

    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["access-control-allow-origin"] == PARTNER
    methods = {m.strip() for m in response.headers["access-control-allow-methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "content-type" in {h.strip() for h in allowed.split(",")}
    assert int(response.headers["access-control-max-age"]) > 0
    assert "Origin" in response.headers.get_list("vary")


async def test_a_preflight_from_a_foreign_origin_gets_no_allow_headers(
    client: Client, key: str
) -> None:
    response = await client.options(
        "/api/v1/bookings",
        headers={"origin": STRANGER, "access-control-request-method": "POST"},
    )

    assert response.status_code == 204
    for name in (
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
    ):
        assert name not in response.headers


async def test_a_request_without_an_origin_gets_no_cors_headers(client: Client, key: str) -> None:
    response = await client.get(f"/api/v1/widget/{key}")
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
