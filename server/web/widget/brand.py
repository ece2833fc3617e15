"""A tenant's own colour, font and corner radius, as a stylesheet over its theme.

Only the four variables of the contract in themes/README.md are set. The text colour on the
brand colour is chosen here (black or white, whichever contrasts more), so a tenant's colour
can never make its own buttons unreadable.
"""

from __future__ import annotations

from collections.abc import Iterable


def brand_stylesheet(brand: Iterable[tuple[str, str]]) -> str:
    """`:root { --bw-brand: …; … }` for the values given (already checked at import)."""
    values = dict(brand)
    declarations = []
    if colour := values.get("colour"):
        declarations += [f"--bw-brand: {colour};", f"--bw-brand-contrast: {text_on(colour)};"]
    if font := values.get("font"):
        declarations.append(f"--bw-font: {font};")
    if radius := values.get("radius"):
        declarations.append(f"--bw-radius: {radius};")
    return ":root {\n  " + "\n  ".join(declarations) + "\n}\n"


def text_on(colour: str) -> str:
    """#000000 or #ffffff, whichever has the higher WCAG contrast ratio on `colour`."""
    background = luminance(colour)
    on_black = (background + 0.05) / 0.05
    on_white = 1.05 / (background + 0.05)
    return "#000000" if on_black >= on_white else "#ffffff"


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
