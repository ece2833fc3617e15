"""Pictures of each step for the docs: `docs/screenshots/<theme>-<width>-<step>.png`.

They rewrite files in the repository, so they run only when asked:

    BOOKWIDGET_SCREENSHOTS=1 .venv/bin/pytest e2e/test_screenshots.py

Each picture is the widget's iframe alone (no page around it), once it fits its content.
"""

from __future__ import annotations

import os

import pytest
from playwright.async_api import Page

from e2e.conftest import Demo
from e2e.pages import PartnerPage, Widget
from tests.servers import ROOT

SHOTS = ROOT / "docs" / "screenshots"

pytestmark = pytest.mark.skipif(
    os.environ.get("BOOKWIDGET_SCREENSHOTS") != "1",
    reason="screenshots rewrite docs/screenshots/: set BOOKWIDGET_SCREENSHOTS=1 to take them",
)

VIEWPORTS = {1280: {"width": 1280, "height": 900}, 360: {"width": 360, "height": 800}}


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("theme", ["default", "dark"])
async def test_each_step_is_photographed(demo: Demo, page: Page, theme: str, width: int) -> None:
    await page.set_viewport_size(VIEWPORTS[width])
    partner = PartnerPage(page, demo.partner)
    await partner.open_widgets(theme)
    widget = partner.inline_widget()
    # The page's floating button sits over the widget on a narrow screen; it is the
    # partner's page, not the widget, so it stays out of the pictures.
    await page.get_by_test_id("bookwidget-button").evaluate("b => b.style.visibility = 'hidden'")

    async def photograph(step: str) -> None:
        await settle(widget)
        path = SHOTS / f"{theme}-{width}-{step}.png"
        await widget.element.screenshot(path=path, animations="disabled", caret="hide")

    SHOTS.mkdir(parents=True, exist_ok=True)
    await photograph("channel")
    await widget.choose_channel("in_store")
    await widget.search_store("Berlin")
    await photograph("store")
    await widget.choose_store("Nordlicht Berlin Mitte")
    await photograph("date")
    await widget.choose_first_free_day()
    await photograph("time")
    await widget.choose_first_free_time()
    await widget.type_contact("Erika Mustermann", "erika@example.com", "+49 30 1234567")
    await photograph("contact")
    await widget.fill_contact("Erika Mustermann", "erika@example.com", "+49 30 1234567")
    await photograph("review")
    await widget.book()
    await photograph("done")


async def settle(widget: Widget) -> None:
    """The frame fits its content; no focus ring or hover from the last action shows."""
    await widget.frame.locator(":root").evaluate("() => document.activeElement.blur()")
    await widget.page.mouse.move(0, 0)
    size = await widget.size_once_settled()
    assert size.fits, size
