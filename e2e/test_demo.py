"""The demo as a newcomer meets it: one command, then the API and the partner page work."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Page

from e2e.conftest import Demo
from e2e.pages import PartnerPage

REFERENCE = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$")


def test_the_demo_api_answers_search_slots_and_booking(demo: Demo) -> None:
    with httpx.Client(base_url=demo.api, timeout=10) as api:
        widget = api.get("/api/v1/widget/pk_demo").json()
        assert {c["channel"] for c in widget["channels"]} == {"in_store", "online", "at_home"}

        stores = api.get("/api/v1/locations", params={"key": "pk_demo", "q": "Boston"}).json()
        store = stores["locations"][0]
        assert store["address"]["city"] == "Boston"

        slots = api.get(
            f"/api/v1/locations/{store['id']}/slots", params={"channel": "in_store"}
        ).json()
        start = next(s["start"] for day in slots["days"] for s in day["slots"])
        booked = api.post(
            "/api/v1/bookings",
            json={
                "key": "pk_demo",
                "location_id": store["id"],
                "channel": "in_store",
                "start": start,
                "customer": {
                    "name": "Pat Doe",
                    "email": "pat@example.com",
                    "phone": "+1 617 555 0142",
                },
            },
        )
        assert booked.status_code == 201, booked.text
        assert REFERENCE.match(booked.json()["reference"])

        shown = api.get(
            f"/api/v1/bookings/{booked.json()['reference']}",
            params={"token": booked.json()["manage_token"]},
        )
        assert shown.json()["start"] == start


async def test_a_customer_books_from_the_partner_page_on_another_origin(
    demo: Demo, page: Page
) -> None:
    partner = PartnerPage(page, demo.partner)
    await partner.open()
    await partner.search("München")
    assert "Nordlicht München" in await partner.store_names()

    await partner.choose_store("Nordlicht München")
    await partner.choose_first_free_time()
    reference = await partner.book_as("Erika Mustermann", "erika@example.com", "+49 89 1234567")
    assert REFERENCE.match(reference)

    async with httpx.AsyncClient(base_url=demo.api) as api:
        found = (
            await api.get("/api/v1/locations", params={"key": "pk_demo", "q": "München"})
        ).json()
        assert found["locations"][0]["name"] == "Nordlicht München"
