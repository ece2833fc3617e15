"""Jinja environments for the widget, one per language, with Babel's translations.

The catalogs are `widget/locales/<lang>/LC_MESSAGES/messages.po`, read with Babel at start-up
(no compile step: a `.po` file is the one artefact to edit and review). English is the
source language: its environment translates nothing.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from server.services.texts import SUPPORTED_LOCALES

WIDGET_DIR = Path(__file__).resolve().parents[3] / "widget"
TEMPLATES = WIDGET_DIR / "templates"
LOCALES = WIDGET_DIR / "locales"


@cache
def translations(locale: str) -> NullTranslations:
    po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as file:
        catalog = read_po(file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@cache
def environment(locale: str) -> jinja2.Environment:
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale!r}")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(locale), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(locale: str, template: str, context: dict[str, Any]) -> str:
    return environment(locale).get_template(template).render(context)


def gettext(locale: str, message: str, **values: Any) -> str:
    """A translated message outside a template (field errors composed in Python)."""
    text = translations(locale).gettext(message)
    return text % values if values else text
