"""The widget as customers meet it on a partner's page (another origin): booking through each
channel and each embed mode, the events the page learns, the frame's size, holds between two
customers, the keyboard alone, and axe in every frame and theme (issue 3)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.async_api import Page, expect

from e2e.a11y import serious_violations
from e2e.conftest import Demo
from e2e.pages import Keyboard, PartnerPage, Size, Widget

REFERENCE = re.compile(r"^[A-Z0-9]{3}-[A-Z0-9]{3}$")

ERIKA = {
    "name": "Erika Mustermann",
    "email": "erika.mustermann@example.com",
    "phone": "+49 30 1234567",
    "notes": "An L-shaped kitchen, about 12 m².",
}


async def inline_widget(demo: Demo, page: Page, theme: str = "default") -> Widget:
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets(theme)
    return partner.inline_widget()


# --- 1. each channel, inline ---------------------------------------------------------------


async def test_a_customer_finds_a_store_by_text_and_requests_a_visit_inline(
    demo: Demo, page: Page
) -> None:
    widget = await inline_widget(demo, page)

    await widget.choose_channel("in_store")
    assert "Nordlicht Berlin Mitte" in await widget.search_store("Berlin")
    await widget.choose_store("Nordlicht Berlin Mitte")
    await widget.choose_first_free_day()
    await widget.choose_first_free_time()
    await widget.fill_contact(**ERIKA)
    reference = await widget.book()

    assert REFERENCE.match(reference)
    await expect(widget.heading).to_have_text("Your request is sent")
    assert ERIKA["email"] in await widget.status_text()


async def test_a_customer_gives_an_address_and_books_a_home_visit_inline(
    demo: Demo, page: Page
) -> None:
    widget = await inline_widget(demo, page)

    await widget.choose_channel("at_home")
    await widget.give_address("Unter den Linden 1", "10117", "Berlin")
    assert "Nordlicht Berlin Mitte" in await widget.chosen_store()  # it serves 10xxx
    await widget.choose_first_free_day()
    await widget.choose_first_free_time()
    await widget.fill_contact(**ERIKA)
    reference = await widget.book()

    assert REFERENCE.match(reference)
    await expect(widget.frame.get_by_test_id("summary")).to_contain_text("Unter den Linden 1")


async def test_a_customer_books_a_video_call_inline_and_it_is_confirmed_at_once(
    demo: Demo, page: Page
) -> None:
    widget = await inline_widget(demo, page)

    await widget.choose_channel("online")
    await widget.search_store("Leipzig")
    await widget.choose_store("Nordlicht Planungsstudio Leipzig")  # books directly
    await widget.choose_first_free_day()
    await widget.choose_first_free_time()
    await widget.fill_contact(ERIKA["name"], ERIKA["email"])
    reference = await widget.book()

    assert REFERENCE.match(reference)
    await expect(widget.heading).to_have_text("Your appointment is confirmed")


# --- 2. popup and floating button ----------------------------------------------------------


async def test_the_popup_books_and_closes_while_the_inline_widget_keeps_its_place(
    demo: Demo, page: Page
) -> None:
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets()
    inline = partner.inline_widget()
    await inline.choose_channel("in_store")
    await inline.search_store("Hamburg")
    await inline.choose_store("Nordlicht Hamburg Altona")

    popup = await partner.open_popup()
    await popup.is_on("store")  # the page's button asks for a video call: no channel step
    await popup.search_store("München")
    await popup.choose_store("Nordlicht München")
    await popup.choose_first_free_day()
    await popup.choose_first_free_time()
    await popup.fill_contact(ERIKA["name"], ERIKA["email"])
    reference = await popup.book()
    await popup.close_when_done()

    await inline.is_on("date")
    assert await inline.chosen_store() == "Nordlicht Hamburg Altona, Hamburg"
    await inline.choose_first_free_day()
    assert await inline.times()
    booked = await partner.events("bookwidget:booked")
    assert [(e["reference"], e["mode"], e["channel"]) for e in booked] == [
        (reference, "popup", "online")
    ]


async def test_the_floating_button_opens_a_widget_that_books_and_closes(
    demo: Demo, page: Page
) -> None:
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets()

    widget = await partner.open_floating_button()
    await widget.choose_channel("in_store")
    await widget.search_store("Boston")
    await widget.choose_store("Nordlicht Boston")
    await widget.choose_first_free_day()
    await widget.choose_first_free_time()
    await widget.fill_contact("Pat Doe", "pat@example.com", "+1 617 555 0142")
    reference = await widget.book()
    await expect(widget.frame.get_by_test_id("done-close")).to_be_visible()
    await widget.close_dialog()

    await partner.inline_widget().is_on("channel")
    booked = await partner.events("bookwidget:booked")
    assert [(e["reference"], e["mode"]) for e in booked] == [(reference, "button")]

    again = await partner.open_floating_button()
    await again.is_on("channel")  # a second booking starts afresh, not on the done step


# --- 3. what the host page learns, and the frame's size ------------------------------------


@pytest.mark.parametrize("width", [360, 1280])
async def test_the_frame_follows_its_content_and_the_page_learns_the_booking_but_not_who(
    demo: Demo, page: Page, width: int
) -> None:
    await page.set_viewport_size({"width": width, "height": 800})
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets()
    widget = partner.inline_widget()
    sizes: dict[str, Size] = {"channel": await widget.size_once_settled()}

    await widget.choose_channel("in_store")
    sizes["store"] = await widget.size_once_settled()
    await widget.search_store("Nordlicht")  # ten stores
    sizes["store, ten found"] = await widget.size_once_settled()
    await widget.search_store("Berlin Mitte")
    sizes["store, few found"] = await widget.size_once_settled()
    await widget.choose_store("Nordlicht Berlin Mitte")
    sizes["date"] = await widget.size_once_settled()
    await widget.choose_first_free_day()
    sizes["time"] = await widget.size_once_settled()
    await widget.choose_first_free_time()
    sizes["contact"] = await widget.size_once_settled()
    await widget.send_contact_with_mistakes()
    sizes["contact, with errors"] = await widget.size_once_settled()
    await widget.fill_contact(**ERIKA)
    sizes["review"] = await widget.size_once_settled()
    reference = await widget.book()
    sizes["done"] = await widget.size_once_settled()

    assert {step: size for step, size in sizes.items() if not size.fits} == {}
    heights = {step: size.frame_height for step, size in sizes.items()}
    assert heights["store, ten found"] > heights["store"], heights
    assert heights["store, few found"] < heights["store, ten found"], heights

    booked = await partner.events("bookwidget:booked")
    assert [(e["reference"], e["channel"], e["mode"]) for e in booked] == [
        (reference, "in_store", "inline")
    ]
    layer = await partner.data_layer()
    assert [e["reference"] for e in layer if e["event"] == "bookwidget:booked"] == [reference]
    told = await partner.events_text() + json.dumps(layer, ensure_ascii=False)
    for personal in ("Erika", "Mustermann", "erika.mustermann", "1234567", "L-shaped"):
        assert personal not in told


# --- 4. holds ------------------------------------------------------------------------------


async def test_a_held_time_is_hidden_from_others_and_its_holder_keeps_its_input_once_taken(
    short_holds_demo: Demo, page: Page, other_page: Page
) -> None:
    erika = await inline_widget(short_holds_demo, page)
    pat = await inline_widget(short_holds_demo, other_page)
    for widget in (erika, pat):
        await widget.choose_channel("in_store")
        await widget.search_store("Hannover")
        await widget.choose_store("Nordlicht Studio Hannover")  # one planner: one per time

    # The last time of the last free day: far from anything the real clock could take away.
    day = await erika.choose_last_free_day()
    time = await erika.choose_last_free_time()
    await pat.choose_day(day)
    assert time not in await pat.times()

    await erika.fill_contact(ERIKA["name"], ERIKA["email"], notes=ERIKA["notes"])
    await pat.wait_until_time_is_free(day, time)
    await pat.choose_time(time)
    await pat.fill_contact("Pat Doe", "pat@example.com")
    await pat.book()

    await erika.book_but_time_was_taken()
    assert "taken" in await erika.notice()
    await expect(erika.frame.get_by_test_id("alternative").first).to_be_visible()
    await erika.choose_first_alternative()
    assert await erika.contact() == {
        "name": ERIKA["name"],
        "email": ERIKA["email"],
        "phone": "",
        "notes": ERIKA["notes"],
    }


# --- 5. the keyboard alone -----------------------------------------------------------------


async def test_a_keyboard_user_books_with_tab_enter_and_arrows_and_hears_each_step(
    demo: Demo, page: Page
) -> None:
    widget = await inline_widget(demo, page)
    keys = Keyboard(page)

    async def arrives(announced: str) -> None:
        assert await widget.focused() == "bw-heading"
        assert await widget.announcement() == announced

    await keys.tab_to(widget.frame.get_by_test_id("channel-in_store"))
    async with widget.moving_to("store"):
        await keys.press("Enter")
    await arrives("Step 2 of 6: Choose a store")

    await keys.tab_to(widget.frame.get_by_test_id("field-q"))
    await keys.type("Berlin")
    async with widget.moving_to("store"):
        await keys.press("Enter")
    # The same step with results: focus stays where the search was sent from, and the
    # results are announced instead of the step.
    assert await widget.focused() == "search"
    assert await widget.announcement() == "Stores near Berlin"
    await keys.tab_to(widget.frame.get_by_test_id("store-berlin-mitte"))
    async with widget.moving_to("date"):
        await keys.press("Enter")
    await arrives("Step 3 of 6: Choose a day")

    days = widget.free_days()
    await keys.tab_to(days.first)
    await keys.press("ArrowRight")
    await expect(days.nth(1) if await days.count() > 1 else days.first).to_be_focused()
    await keys.press("ArrowLeft")
    await expect(days.first).to_be_focused()
    async with widget.moving_to("time"):
        await keys.press("Enter")
    await arrives("Step 4 of 6: Choose a time")

    await keys.tab_to(widget.frame.get_by_test_id("slot").first)
    async with widget.moving_to("contact"):
        await keys.press("Space")
    await arrives("Step 5 of 6: Your details")

    await keys.tab_to(widget.frame.get_by_test_id("continue"))
    async with widget.moving_to("contact"):
        await keys.press("Enter")  # nothing typed yet: the problems are shown
    assert await widget.focused() == "bw-name"  # the first field with a problem

    await keys.tab_to(widget.frame.get_by_test_id("field-name"))
    await keys.type(ERIKA["name"])
    await keys.press("Tab")
    await keys.type(ERIKA["email"])
    await keys.press("Tab")
    await keys.press("Tab")
    await keys.type(ERIKA["notes"])
    await keys.press("Shift+Tab")  # back to the phone, skipped on the way
    await keys.type(ERIKA["phone"])
    await keys.tab_to(widget.frame.get_by_test_id("continue"))
    async with widget.moving_to("review"):
        await keys.press("Enter")
    await arrives("Step 6 of 6: Check and book")
    await expect(widget.frame.get_by_test_id("summary")).to_contain_text(ERIKA["phone"])

    await keys.tab_to(widget.frame.get_by_test_id("book"))
    async with widget.moving_to("done"):
        await keys.press("Enter")
    await arrives("Your request is sent")
    assert REFERENCE.match(await widget.reference())


# --- 6. axe in every frame, on every step, in every theme ----------------------------------


@pytest.mark.parametrize("theme", ["default", "dark", "contrast"])
async def test_axe_finds_nothing_serious_in_any_frame_on_any_step(
    demo: Demo, page: Page, theme: str
) -> None:
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets(theme)
    widget = partner.inline_widget()
    await expect(widget.frame.locator(":root")).to_have_attribute("data-theme", theme)
    found = {"channel": await serious_violations(page)}

    await widget.choose_channel("in_store")
    await widget.search_store("Berlin")
    found["store, with results"] = await serious_violations(page)
    await widget.choose_store("Nordlicht Berlin Mitte")
    found["date"] = await serious_violations(page)
    await widget.choose_first_free_day()
    found["time"] = await serious_violations(page)
    await widget.choose_first_free_time()
    await widget.send_contact_with_mistakes()
    found["contact, with errors"] = await serious_violations(page)
    await widget.fill_contact(**ERIKA)
    found["review"] = await serious_violations(page)
    await widget.book()
    found["done"] = await serious_violations(page)
    await partner.open_popup()  # the dialog embed.js adds, and a third frame
    found["popup, open"] = await serious_violations(page)

    assert {step: problems for step, problems in found.items() if problems} == {}


async def test_a_german_page_gets_the_loaders_labels_and_the_widget_in_german(
    demo: Demo, page: Page
) -> None:
    await page.goto(f"{demo.partner}/?locale=de")
    await expect(page.get_by_test_id("bookwidget-button")).to_have_text("Termin buchen")
    frame = page.locator("#book iframe")
    await expect(frame).to_have_attribute("title", "Termin buchen")
    heading = page.frame_locator("#book iframe").get_by_test_id("step-heading")
    await expect(heading).to_have_text("Welche Art von Termin möchten Sie?")
