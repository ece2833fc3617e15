"""axe-core in every frame of a page: the partner's page and each widget's cross-origin iframe
(axe does not reach into a cross-origin frame by itself, DESIGN §10)."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from playwright.async_api import Page

AXE_SOURCE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")

#: Impacts that fail a test; "minor" and "moderate" findings are left to review.
FAILING = ("serious", "critical")


async def serious_violations(page: Page) -> list[str]:
    """Each serious or critical axe violation in any frame, as "rule (impact) in URL: targets"."""
    frames = [frame for frame in page.frames if not frame.is_detached()]
    for frame in frames:
        # Once per document: the widget swaps steps in place, so axe stays loaded.
        if not await frame.evaluate("typeof window.axe === 'object'"):
            await frame.evaluate(AXE_SOURCE)
    found: list[str] = []
    for frame in frames:
        # Each frame is scanned here, so axe must not also wait on its child frames itself.
        result: dict[str, Any] = await frame.evaluate(
            "axe.run(document, {resultTypes: ['violations'], iframes: false})"
        )
        for violation in result["violations"]:
            if violation["impact"] in FAILING:
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
                found.append(f"{violation['id']} ({violation['impact']}) in {frame.url}: {targets}")
    return found
