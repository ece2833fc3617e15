"""The few user-facing strings the API itself returns, in the widget's languages.

The widget's own templates are translated with gettext catalogs; these are the labels a
headless API client (or the widget config endpoint) needs.
"""

from __future__ import annotations

from server.domain.model import Channel

SUPPORTED_LOCALES = ("en", "de")

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "channel.in_store": "In store",
        "channel.online": "Online",
        "channel.at_home": "At home",
        "booking.requested": "Requested — the store will confirm shortly.",
        "booking.confirmed": "Confirmed.",
    },
    "de": {
        "channel.in_store": "Im Geschäft",
        "channel.online": "Online",
        "channel.at_home": "Bei Ihnen zu Hause",
        "booking.requested": "Angefragt — das Geschäft bestätigt in Kürze.",
        "booking.confirmed": "Bestätigt.",
    },
}


def pick_locale(requested: str | None, accept_language: str | None, default: str) -> str:
    """The explicit choice, else the first supported language the browser asks for."""
    for candidate in [requested or "", *_accepted(accept_language or "")]:
        language = candidate.split("-")[0].split("_")[0].lower()
        if language in SUPPORTED_LOCALES:
            return language
    return default if default in SUPPORTED_LOCALES else "en"


def channel_label(channel: Channel, locale: str) -> str:
    return TEXTS[locale][f"channel.{channel.value}"]


def _accepted(header: str) -> list[str]:
    weighted: list[tuple[float, str]] = []
    for part in header.split(","):
        language, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if language:
            weighted.append((quality, language))
    return [language for _, language in sorted(weighted, key=lambda w: -w[0])]
