"""Page objects: tests say what a person does, these know where to click (STYLE 12)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from playwright.async_api import Locator, Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeoutError


class PartnerPage:
    """The demo partner's site (another origin than the widget's): its home page embeds the
    widget three times; `/api-client` books through the public API instead."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    async def open(self) -> None:
        await self.page.goto(self.url + "/api-client")

    async def search(self, query: str) -> None:
        await self.page.get_by_label("City, postal code or store name").fill(query)
        async with self.page.expect_response(lambda r: "/api/v1/locations?" in r.url):
            await self.page.get_by_role("button", name="Search").click()

    async def store_names(self) -> list[str]:
        return await self.page.get_by_test_id("store").all_inner_texts()

    async def choose_store(self, name: str) -> None:
        async with self.page.expect_response(lambda r: "/slots?" in r.url):
            await self.page.get_by_test_id("store").filter(has_text=name).click()

    async def choose_first_free_time(self) -> str:
        slot = self.page.get_by_test_id("slot").first
        await expect(slot).to_be_visible()
        time = await slot.inner_text()
        await slot.click()
        return time

    async def book_as(self, name: str, email: str, phone: str = "") -> str:
        await self.page.get_by_label("Name", exact=True).fill(name)
        await self.page.get_by_label("Email", exact=True).fill(email)
        await self.page.get_by_label("Phone", exact=True).fill(phone)
        async with self.page.expect_response(lambda r: r.url.endswith("/api/v1/bookings")):
            await self.page.get_by_role("button", name="Book").click()
        reference = self.page.get_by_test_id("reference")
        await expect(reference).to_be_visible()
        return (await reference.inner_text()).removeprefix("Reference ").strip()

    # --- the partner's home page: three widgets from one script tag each ------------------

    async def open_widgets(self, theme: str = "default") -> None:
        """The page with the inline, popup and floating-button widgets, in one theme."""
        await self.page.goto(f"{self.url}/?theme={theme}")
        await expect(self.inline_widget().heading).to_be_visible()

    def inline_widget(self) -> Widget:
        host = self.page.get_by_test_id("inline-host")
        return Widget(self.page, host.get_by_test_id("bookwidget-frame"))

    async def open_popup(self) -> Widget:
        """What the page's own "Book a video consultation" button opens."""
        await self.page.get_by_test_id("open-popup").click()
        return await self._dialog_widget("popup")

    async def open_floating_button(self) -> Widget:
        await self.page.get_by_test_id("bookwidget-button").click()
        return await self._dialog_widget("button")

    async def _dialog_widget(self, mode: str) -> Widget:
        # Each dialog widget's frame says its mode in its address (embed.js sets `mode=`).
        frame = self.page.locator(f'[data-testid="bookwidget-frame"][src*="mode={mode}"]')
        widget = Widget(self.page, frame)
        await expect(widget.dialog).to_be_visible()
        await expect(widget.heading).to_be_visible()
        return widget

    async def events(self, name: str) -> list[dict[str, Any]]:
        """The details of each `name` event the page received, as its own script lists them."""
        items = self.page.get_by_test_id("event").and_(self.page.locator(f'[data-event="{name}"]'))
        return [json.loads(text.removeprefix(name)) for text in await items.all_inner_texts()]

    async def events_text(self) -> str:
        return await self.page.get_by_test_id("events").inner_text()

    async def data_layer(self) -> list[dict[str, Any]]:
        pushed: list[dict[str, Any]] = await self.page.evaluate("window.dataLayer")
        return pushed


@dataclass(frozen=True)
class Size:
    """A widget's iframe against the page inside it, in CSS pixels."""

    frame_height: float  # the iframe element on the host page
    content_height: float  # the widget's document, as tall as its content
    scroll_height: int
    client_height: int
    scroll_width: int
    client_width: int

    @property
    def fits(self) -> bool:
        return (
            abs(self.frame_height - self.content_height) <= 2
            and self.scroll_height <= self.client_height
            and self.scroll_width <= self.client_width
        )


# Inside the widget's document: sized to its content and nothing to scroll, either way.
_FITS = """() => {
  const html = document.documentElement;
  return Math.abs(innerHeight - html.getBoundingClientRect().height) <= 2
    && html.scrollHeight <= html.clientHeight && html.scrollWidth <= html.clientWidth;
}"""

_MEASURE = """() => {
  const html = document.documentElement;
  return {content_height: html.getBoundingClientRect().height,
          scroll_height: html.scrollHeight, client_height: html.clientHeight,
          scroll_width: html.scrollWidth, client_width: html.clientWidth};
}"""


class Widget:
    """One booking widget: its iframe on the partner's page, and the steps inside it.

    Each action that sends a step waits for the step that answers it to be in place.
    """

    def __init__(self, page: Page, element: Locator) -> None:
        self.page = page
        self.element = element
        self.frame = element.content_frame
        self.dialog = page.get_by_test_id("bookwidget-dialog").filter(has=element)
        self.heading = self.frame.get_by_test_id("step-heading")
        self._step = self.frame.locator("#bw-step")

    # --- where the customer is ------------------------------------------------------------

    async def step(self) -> str:
        return await self._step.get_attribute("data-step") or ""

    async def is_on(self, step: str) -> None:
        await expect(self._step).to_have_attribute("data-step", step)

    async def announcement(self) -> str:
        """What the live region last said (read out by a screen reader, not shown)."""
        return (await self.frame.get_by_test_id("live").text_content() or "").strip()

    async def chosen_store(self) -> str:
        return await self.frame.get_by_test_id("chosen-store").inner_text()

    async def focused(self) -> str:
        """The id, else the data-testid, of what has the keyboard focus inside the widget."""
        return str(
            await self.frame.locator(":root").evaluate(
                """() => { const e = document.hasFocus() && document.activeElement;
                  return e ? e.id || e.getAttribute('data-testid') || e.tagName : ''; }"""
            )
        )

    @asynccontextmanager
    async def moving_to(self, step: str) -> AsyncIterator[None]:
        """Waits, after the block, for a new step `step` to replace the one shown before it
        (the same step again counts, as after a search or a form with errors)."""
        await self._step.evaluate("s => s.setAttribute('data-e2e-left', '')")
        yield
        fresh = self.frame.locator(f'#bw-step[data-step="{step}"]:not([data-e2e-left])')
        await expect(fresh).to_be_visible()

    async def _press(self, button: Locator, then: str) -> None:
        async with self.moving_to(then):
            await button.click()

    # --- the steps ------------------------------------------------------------------------

    async def choose_channel(self, channel: str) -> None:
        """`in_store`, `online` or `at_home`."""
        then = "address" if channel == "at_home" else "store"
        await self._press(self.frame.get_by_test_id(f"channel-{channel}"), then)

    async def search_store(self, query: str) -> list[str]:
        await self.frame.get_by_test_id("field-q").fill(query)
        await self._press(self.frame.get_by_test_id("search"), "store")
        return await self.store_names()

    async def store_names(self) -> list[str]:
        """The stores found, by name (each result's first line; address and distance follow)."""
        results = await self.frame.get_by_test_id("results").get_by_role("button").all_inner_texts()
        return [text.strip().splitlines()[0] for text in results]

    async def choose_store(self, name: str) -> None:
        store = self.frame.get_by_test_id("results").get_by_role("button").filter(has_text=name)
        await self._press(store, "date")

    async def give_address(self, street: str, postal_code: str, city: str) -> None:
        await self.frame.get_by_test_id("field-street").fill(street)
        await self.frame.get_by_test_id("field-postal_code").fill(postal_code)
        await self.frame.get_by_test_id("field-city").fill(city)
        await self._press(self.frame.get_by_test_id("continue"), "date")

    def free_days(self) -> Locator:
        return self.frame.get_by_test_id("calendar").locator("button:enabled")

    async def choose_first_free_day(self) -> str:
        return await self._choose_day(self.free_days().first)

    async def choose_last_free_day(self) -> str:
        return await self._choose_day(self.free_days().last)

    async def choose_day(self, day: str) -> None:
        await self._choose_day(self.frame.get_by_test_id(f"day-{day}"))

    async def _choose_day(self, button: Locator) -> str:
        day = (await button.get_attribute("data-testid") or "").removeprefix("day-")
        await self._press(button, "time")
        return day

    async def times(self) -> list[str]:
        return await self.frame.get_by_test_id("slot").all_inner_texts()

    async def choose_first_free_time(self) -> str:
        return await self._choose_time(self.frame.get_by_test_id("slot").first)

    async def choose_last_free_time(self) -> str:
        return await self._choose_time(self.frame.get_by_test_id("slot").last)

    async def choose_time(self, time: str) -> None:
        await self._choose_time(self.frame.get_by_test_id("slot").filter(has_text=time))

    async def choose_first_alternative(self) -> str:
        return await self._choose_time(self.frame.get_by_test_id("alternative").first)

    async def _choose_time(self, button: Locator) -> str:
        time = await button.inner_text()
        await self._press(button, "contact")
        return time

    async def wait_until_time_is_free(self, day: str, time: str, timeout_s: float = 15) -> None:
        """Look at `day` again and again (Back, the day) until `time` is offered."""
        slot = self.frame.get_by_test_id("slot").filter(has_text=time)
        deadline = asyncio.get_running_loop().time() + timeout_s
        while not await slot.count():
            assert asyncio.get_running_loop().time() < deadline, f"{time} never came free"
            await self.back("date")
            await self.choose_day(day)

    async def fill_contact(
        self, name: str = "", email: str = "", phone: str = "", notes: str = ""
    ) -> None:
        """Types the details and sends them: onwards to the review."""
        await self.type_contact(name, email, phone, notes)
        await self._press(self.frame.get_by_test_id("continue"), "review")

    async def type_contact(self, name: str, email: str, phone: str = "", notes: str = "") -> None:
        for field, value in (("name", name), ("email", email), ("phone", phone), ("notes", notes)):
            await self.frame.get_by_test_id(f"field-{field}").fill(value)

    async def send_contact_with_mistakes(self) -> None:
        """Sends the details as they are, expecting them refused with messages."""
        await self._press(self.frame.get_by_test_id("continue"), "contact")
        await expect(self.frame.get_by_test_id("error-summary")).to_be_visible()

    async def contact(self) -> dict[str, str]:
        """What the contact form holds."""
        return {
            field: await self.frame.get_by_test_id(f"field-{field}").input_value()
            for field in ("name", "email", "phone", "notes")
        }

    async def book(self) -> str:
        """Books from the review and returns the reference."""
        await self._press(self.frame.get_by_test_id("book"), "done")
        return await self.reference()

    async def book_but_time_was_taken(self) -> None:
        await self._press(self.frame.get_by_test_id("book"), "time")

    async def reference(self) -> str:
        return await self.frame.get_by_test_id("reference").inner_text()

    async def status_text(self) -> str:
        return await self.frame.get_by_test_id("status-text").inner_text()

    async def notice(self) -> str:
        return await self.frame.get_by_test_id("notice").inner_text()

    async def back(self, to: str) -> None:
        await self._press(self.frame.get_by_test_id("back"), to)

    async def close_when_done(self) -> None:
        await self.frame.get_by_test_id("done-close").click()
        await expect(self.dialog).to_be_hidden()

    async def close_dialog(self) -> None:
        await self.dialog.get_by_test_id("bookwidget-close").click()
        await expect(self.dialog).to_be_hidden()

    # --- how it sits on the page ----------------------------------------------------------

    async def size_once_settled(self, timeout_ms: float = 5000) -> Size:
        """The sizes once the iframe fits its content, or as they are when `timeout_ms` ran
        out (the caller asserts `fits`, and sees the numbers if not)."""
        handle = await self.element.element_handle()
        inside = await handle.content_frame()
        assert inside is not None
        with contextlib.suppress(PlaywrightTimeoutError):
            await inside.wait_for_function(_FITS, timeout=timeout_ms)
        measured: dict[str, Any] = await inside.evaluate(_MEASURE)
        height = await self.element.evaluate("e => e.getBoundingClientRect().height")
        return Size(frame_height=height, **measured)


class Keyboard:
    """A customer with a keyboard and no mouse."""

    def __init__(self, page: Page) -> None:
        self.page = page

    async def press(self, key: str) -> None:
        await self.page.keyboard.press(key)

    async def type(self, text: str) -> None:
        await self.page.keyboard.type(text)

    async def tab_to(self, target: Locator, limit: int = 40) -> None:
        """Presses Tab until `target` has the focus, as someone looking for it would."""
        for _ in range(limit):
            await self.press("Tab")
            if await target.evaluate("e => document.hasFocus() && document.activeElement === e"):
                return
        raise AssertionError(f"{limit} presses of Tab never reached {target}")
