"""The widget's steps, server-rendered, walked through as a customer without script would."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from server.adapters.tables import Booking, Hold
from server.domain.model import BookingMode, Channel
from tests import builders
from tests.conftest import Database
from tests.fakes import FrozenClock
from tests.widget_pages import WidgetVisit, describe

Client = httpx.AsyncClient

IN_STORE = builders.channel(Channel.IN_STORE)
ONLINE = builders.channel(Channel.ONLINE, duration=30)
AT_HOME = builders.channel(Channel.AT_HOME, duration=90)

BERLIN = builders.store(
    "berlin",
    name="Nordlicht Berlin Mitte",
    city="Berlin",
    postal_code="10115",
    channels=(IN_STORE, ONLINE, AT_HOME),
    service_postal_codes=("10",),
)
HAMBURG = builders.store(
    "hamburg",
    name="Nordlicht Hamburg",
    city="Hamburg",
    postal_code="20095",
    lat=53.55,
    lon=9.99,
    booking_mode=BookingMode.DIRECT,
    channels=(IN_STORE,),
)

ERIKA = {"name": "Erika Mustermann", "email": "erika@example.com", "phone": "+49 30 1234567"}


@pytest.fixture
async def shop(db: Database) -> str:
    catalog = builders.catalog(BERLIN, HAMBURG)
    await db.load(catalog)
    return catalog.tenant.key


async def to_contact(client: Client, key: str, day: str = "2027-03-23") -> WidgetVisit:
    """In store at Hamburg, on `day` (a Tuesday), at its first free time."""
    visit = await WidgetVisit(client, key).open()
    await visit.press("channel-in_store")
    await visit.press("search", q="Hamburg")
    await visit.press(_first_store(visit))
    await visit.press(f"day-{day}")
    await visit.press("slot")
    assert visit.step == "contact", describe(visit)
    return visit


def _first_store(visit: WidgetVisit) -> str:
    return next(
        c.attrs["data-testid"]
        for c in visit.page.controls
        if c.attrs.get("data-testid", "").startswith("store-")
    )


async def _first_free_day(visit: WidgetVisit) -> None:
    assert visit.step == "date", describe(visit)
    day = next(
        c.attrs["data-testid"]
        for c in visit.page.controls
        if c.attrs.get("data-testid", "").startswith("day-") and "disabled" not in c.attrs
    )
    await visit.press(day)
    assert visit.step == "time", describe(visit)


async def test_a_customer_books_in_store_from_a_text_search_to_the_done_step(
    client: Client, shop: str
) -> None:
    visit = await WidgetVisit(client, shop).open()
    assert visit.step == "channel"
    assert visit.text("progress") == "Step 1 of 6"

    await visit.press("channel-in_store")
    assert visit.step == "store"
    await visit.press("search", q="hamburg")
    assert visit.has("store-hamburg")
    assert not visit.has("store-berlin")
    await visit.press("store-hamburg")
    assert visit.text("chosen-store") == "Nordlicht Hamburg, Hamburg"
    await _first_free_day(visit)
    assert visit.text("chosen-day") == "Monday, March 22, 2027 · Nordlicht Hamburg"
    first_time = visit.buttons("slot")[0].text.strip()
    assert first_time == "9:00\u202fAM"  # now is 08:00 UTC, 09:00 in Berlin: no lead time
    await visit.press("slot")
    assert visit.step == "contact"
    assert "until" in visit.text("hold-note")

    await visit.press("continue", **ERIKA, notes="Island, 4 m wall")
    assert visit.step == "review", describe(visit)
    assert "Erika Mustermann" in visit.text("summary")
    assert "Monday, March 22, 2027, 9:00 AM – 10:00 AM" in visit.text("summary-when")

    await visit.press("book")
    assert visit.step == "done", describe(visit)
    assert "confirmed" in visit.text("step-heading")  # Hamburg books directly
    reference = visit.text("reference")
    row = await Booking.select().where(Booking.reference == reference).first()
    assert row is not None
    assert (row["status"], row["source"], row["notes"]) == (
        "confirmed",
        "widget",
        "Island, 4 m wall",
    )
    unused = Hold.count().where(Hold.location == row["location"], Hold.booking.is_null())
    assert await unused == 0  # the hold was used up
    assert f'"reference": "{reference}"' in visit.html.replace("&#34;", '"')


async def test_an_online_appointment_is_requested_and_says_the_store_will_confirm(
    client: Client, shop: str
) -> None:
    visit = await WidgetVisit(client, shop).open()
    await visit.press("channel-online")
    await visit.press("search", q="10115")
    await visit.press("store-berlin")
    await _first_free_day(visit)
    await visit.press("slot")
    await visit.press("continue", **ERIKA)
    await visit.press("book")
    assert visit.step == "done", describe(visit)
    assert visit.text("step-heading") == "Your request is sent"
    assert "will confirm" in visit.text("status-text")


async def test_a_home_visit_is_matched_to_the_store_serving_the_address(
    client: Client, shop: str
) -> None:
    visit = await WidgetVisit(client, shop).open()
    await visit.press("channel-at_home")
    assert visit.step == "address"
    await visit.press("continue", street="Invalidenstr. 1", postal_code="20095", city="Hamburg")
    assert visit.step == "address"
    assert "No store makes home visits" in visit.text("error-postal_code")
    assert visit.field_value("street") == "Invalidenstr. 1"  # nothing typed is lost

    await visit.press("continue", postal_code="10115", city="Berlin")
    assert visit.text("chosen-store") == "Nordlicht Berlin Mitte, Berlin"
    await _first_free_day(visit)
    await visit.press("slot")
    await visit.press("continue", **(ERIKA | {"phone": ""}))
    assert visit.step == "contact"
    assert visit.text("error-phone") == "A phone number is needed for a home visit."
    await visit.press("continue", phone="+49 30 1234567")
    await visit.press("book")
    assert visit.step == "done", describe(visit)
    row = await Booking.select().where(Booking.reference == visit.text("reference")).first()
    assert row is not None
    assert (row["channel"], row["address_city"]) == ("at_home", "Berlin")


async def test_a_tenant_with_one_channel_skips_the_channel_step(
    client: Client, db: Database
) -> None:
    catalog = builders.catalog(HAMBURG)
    await db.load(catalog)
    visit = await WidgetVisit(client, catalog.tenant.key).open()
    assert visit.step == "store"
    assert visit.text("progress") == "Step 1 of 5"
    assert not visit.has("back")


async def test_contact_errors_sit_next_to_their_fields_and_back_keeps_what_was_typed(
    client: Client, shop: str
) -> None:
    visit = await to_contact(client, shop)
    await visit.press("continue", name="", email="not-an-email", phone="12", notes="x" * 20)
    assert visit.step == "contact"
    assert visit.has("error-summary")
    for name in ("name", "email", "phone"):
        assert visit.has(f"error-{name}"), name
    assert 'aria-describedby="bw-email-error' in visit.html
    assert 'aria-invalid="true"' in visit.html

    await visit.press("continue", name="Erika", email="erika@example.com", phone="")
    assert visit.step == "review"
    await visit.press("edit-date")
    assert visit.step == "date"
    await _first_free_day(visit)
    await visit.press("slot", index=1)
    assert visit.field_value("name") == "Erika"
    assert visit.field_value("email") == "erika@example.com"
    assert visit.field_value("notes") == "x" * 20


async def test_a_held_time_is_hidden_from_others_until_the_hold_lapses(
    client: Client, shop: str, clock: FrozenClock
) -> None:
    first = await to_contact(client, shop)
    held = first.state("start")
    location = first.state("location")
    slots = (await client.get(f"/api/v1/locations/{location}/slots?channel=in_store")).json()
    starts = [slot["start"] for day in slots["days"] for slot in day["slots"]]
    assert held not in starts

    second = await to_contact(client, shop)
    assert second.state("start") != held  # the first free time for the second is the next one

    clock.advance(timedelta(minutes=11))
    third = await to_contact(client, shop)
    assert third.state("start") == held  # the first hold lapsed

    await third.press("continue", **ERIKA)
    await third.press("book")
    assert third.step == "done"

    await first.press("continue", **ERIKA, notes="keep me")
    await first.press("book")
    assert first.step == "time", describe(first)
    assert "taken" in first.text("notice")
    assert first.buttons("alternative")
    await first.press("alternative")
    assert first.step == "contact"
    assert first.field_value("notes") == "keep me"


async def test_widget_pages_may_be_framed_only_by_the_tenants_origins_and_run_no_inline_script(
    client: Client, shop: str
) -> None:
    response = await client.get(f"/w/{shop}")
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors http://partner.test" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "set-cookie" not in response.headers
    assert "<script>" not in response.text
    assert "onclick" not in response.text


async def test_a_host_that_is_not_an_allowed_origin_receives_no_messages(
    client: Client, shop: str
) -> None:
    allowed = await WidgetVisit(client, shop).open(host="http://partner.test", wid="1")
    assert 'data-host="http://partner.test"' in allowed.html
    other = await WidgetVisit(client, shop).open(host="http://evil.test", wid="1")
    assert 'data-host=""' in other.html


async def test_the_widget_speaks_german_when_asked(client: Client, shop: str) -> None:
    visit = await WidgetVisit(client, shop).open(locale="de")
    assert '<html lang="de"' in visit.html
    assert visit.text("step-heading") == "Welche Art von Termin möchten Sie?"
    assert visit.text("progress") == "Schritt 1 von 6"


async def test_a_prefilled_link_opens_at_the_day_of_the_chosen_store(
    client: Client, shop: str, db: Database
) -> None:
    visit = await WidgetVisit(client, shop).open(channel="in_store")
    await visit.press("search", q="hamburg")
    location = next(
        c.attrs["value"]
        for c in visit.page.controls
        if c.attrs.get("data-testid") == "store-hamburg"
    )
    prefilled = await WidgetVisit(client, shop).open(
        channel="in_store", location=location, date="2027-03-24"
    )
    assert prefilled.step == "time"
    assert prefilled.text("chosen-day").startswith("Wednesday, March 24, 2027")


async def test_an_unknown_key_gets_a_friendly_page_not_json(client: Client, shop: str) -> None:
    response = await client.get("/w/pk_nobody")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "not available" in response.text


async def test_a_mangled_form_starts_again_instead_of_failing(client: Client, shop: str) -> None:
    response = await client.post(f"/w/{shop}/step", data={"step": "contact", "name": "x" * 5000})
    assert response.status_code == 200
    assert 'data-step="channel"' in response.text


async def test_the_done_step_offers_a_calendar_file_for_the_booking(
    client: Client, shop: str
) -> None:
    visit = await to_contact(client, shop)
    await visit.press("continue", **ERIKA)
    await visit.press("book")
    href = visit.html.split('data-testid="ics"')[0].rsplit('href="', 1)[1].split('"')[0]
    ics = await client.get(href.replace("&amp;", "&"))
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert b"DTSTART:20270323T080000Z" in ics.content
    assert f"UID:{visit.text('reference')}@bookwidget".encode() in ics.content


async def test_without_script_a_step_answers_a_whole_page_and_with_it_only_the_step(
    client: Client, shop: str
) -> None:
    whole = await client.post(f"/w/{shop}/step", data={"step": "channel", "channel": "online"})
    bare = await client.post(
        f"/w/{shop}/step",
        data={"step": "channel", "channel": "online"},
        headers={"X-Bookwidget": "fragment"},
    )
    assert whole.text.startswith("<!doctype html>")
    assert bare.text.startswith("<section")
    assert 'data-step="store"' in bare.text


async def test_fingerprinted_assets_are_cached_for_a_year(client: Client, shop: str) -> None:
    page = (await client.get(f"/w/{shop}")).text
    script = page.split('<script src="')[1].split('"')[0]
    response = await client.get(script)
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert (await client.get("/w/assets/widget.000000000000.js")).status_code == 404


async def test_a_tenants_brand_is_a_stylesheet_linked_from_every_page(
    client: Client, db: Database
) -> None:
    catalog = builders.catalog(HAMBURG, brand_colour="#0b5fff", brand_radius="12px")
    await db.load(catalog)
    page = (await client.get(f"/w/{catalog.tenant.key}")).text
    href = page.split('rel="stylesheet" href="')[-1].split('"')[0]
    assert href.startswith(f"/w/{catalog.tenant.key}/brand.css?v=")
    css = await client.get(href)
    assert css.headers["content-type"].startswith("text/css")
    assert "--bw-brand: #0b5fff;" in css.text
    assert "--bw-brand-contrast: #ffffff;" in css.text
    plain = builders.catalog(HAMBURG)
    await db.load(plain)
    assert "brand.css" not in (await client.get(f"/w/{plain.tenant.key}")).text


async def test_the_contrast_theme_is_never_weakened_by_a_brand(
    client: Client, db: Database
) -> None:
    catalog = builders.catalog(HAMBURG, brand_colour="#ffd700")
    await db.load(catalog)
    page = (await client.get(f"/w/{catalog.tenant.key}", params={"theme": "contrast"})).text
    assert "themes-contrast." in page
    assert "brand.css" not in page


# --- what a hand-made or repeated form meets ---------------------------------------------------


async def test_the_review_form_sent_twice_makes_one_booking_and_shows_it_both_times(
    client: Client, shop: str
) -> None:
    visit = await to_contact(client, shop)
    await visit.press("continue", **(ERIKA | {"email": "twice@example.com"}))
    review = visit.page  # what a browser sends again on reload, or Back and resubmit
    await visit.press("book")
    first = visit.text("reference")
    visit.page = review
    await visit.press("book")
    assert visit.step == "done", describe(visit)
    assert visit.text("reference") == first
    assert await Booking.count().where(Booking.customer_email == "twice@example.com") == 1


async def test_a_deep_link_to_a_home_visit_asks_for_the_address_first(
    client: Client, shop: str
) -> None:
    visit = await WidgetVisit(client, shop).open(channel="in_store")
    await visit.press("search", q="10115")
    berlin = next(
        c.attrs["value"]
        for c in visit.page.controls
        if c.attrs.get("data-testid") == "store-berlin"
    )
    linked = await WidgetVisit(client, shop).open(
        channel="at_home", location=berlin, date="2027-03-23"
    )
    assert linked.step == "address", describe(linked)


@pytest.mark.parametrize(
    "form",
    [
        {"step": "store", "channel": "in_store", "location": "²"},
        {"step": "date", "channel": "in_store", "location": "1", "date": "0001-01-01"},
        {"step": "date", "channel": "in_store", "location": "1", "date": "9999-12-31"},
        {"go": "date", "channel": "in_store", "location": "1", "month": "9999-12"},
        {"go": "date", "channel": "in_store", "location": "1", "month": "0000-13"},
        {
            "step": "time",
            "channel": "in_store",
            "location": "1",
            "date": "2027-03-23",
            "start": "9999-12-31T12:00:00+00:00",
        },
        {
            "go": "review",
            "channel": "in_store",
            "location": "1",
            "start": "9999-12-31T23:59:00+00:00",
        },
        {
            "go": "book",
            "channel": "in_store",
            "location": "1",
            "start": "2027-02-30T10:00:00+01:00",
        },
        {"step": "store", "channel": "in_store", "lat": "nan", "lon": "inf"},
    ],
)
async def test_odd_values_in_a_hand_made_form_lead_to_a_step_not_an_error(
    client: Client, shop: str, form: dict[str, str]
) -> None:
    response = await client.post(f"/w/{shop}/step", data=form)
    assert response.status_code == 200, response.text[:300]
    assert 'data-step="' in response.text


async def test_a_hand_made_form_cannot_reach_the_details_without_holding_a_time(
    client: Client, shop: str
) -> None:
    visit = await to_contact(client, shop)
    await visit.send_by_hand(go="review", hold="")
    assert visit.step == "time"


async def test_a_refused_pick_leaves_the_customers_earlier_hold_theirs(
    client: Client, shop: str
) -> None:
    first = await to_contact(client, shop)
    mine = first.state("start")
    other = await to_contact(client, shop)  # holds the next time (capacity 1)
    taken = other.state("start")
    await first.press("back")
    assert first.step == "time"
    starts = [b.attrs["value"] for b in first.buttons("slot")]
    assert mine in starts  # my own hold does not hide my time from me
    assert taken not in starts
    held = first.state("hold")
    await first.send_by_hand(step="time", start=taken)
    assert "just taken" in first.text("notice")
    assert mine in [b.attrs["value"] for b in first.buttons("slot")]  # still held for me
    assert await Hold.count().where(Hold.token == held) == 1


async def test_the_calendar_file_of_a_request_is_tentative(client: Client, shop: str) -> None:
    visit = await WidgetVisit(client, shop).open()
    await visit.press("channel-online")
    await visit.press("search", q="10115")
    await visit.press("store-berlin")
    await visit.press("day-2027-03-23")
    await visit.press("slot")
    await visit.press("continue", **ERIKA)
    await visit.press("book")
    href = visit.html.split('data-testid="ics"')[0].rsplit('href="', 1)[1].split('"')[0]
    ics = await client.get(href.replace("&amp;", "&"))
    assert b"STATUS:TENTATIVE" in ics.content
