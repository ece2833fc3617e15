"""Every string the widget shows has a German translation with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[3]
KEYWORDS = {"_": None, "gettext": (2,), "N_": None}
METHODS = [
    ("server/web/widget/**.py", "python"),
    ("server/services/emails.py", "python"),
    ("server/web/links/**.py", "python"),
    ("server/domain/lifecycle.py", "python"),
    ("widget/templates/**.html", "jinja2"),
    ("widget/templates/**.txt", "jinja2"),
]
OPTIONS = {
    "widget/templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "widget/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def source_messages() -> set[str]:
    found = extract_from_dir(str(ROOT), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS)
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def german() -> dict[str, str]:
    with (ROOT / "widget/locales/de/LC_MESSAGES/messages.po").open("rb") as file:
        return {m.id: m.string for m in read_po(file) if m.id and isinstance(m.id, str)}


def test_the_extraction_finds_the_widgets_strings() -> None:
    messages = source_messages()
    assert "What kind of appointment would you like?" in messages  # a template
    assert "Please enter your name." in messages  # the flow
    assert "This page cannot be shown" in messages  # the error page
    assert "New appointment request" in messages  # an email's HTML and text twins
    assert "Appointment confirmed: %(when)s" in messages  # an email's subject


def test_every_widget_string_has_a_german_translation() -> None:
    translated = german()
    missing = sorted(m for m in source_messages() if not translated.get(m))
    assert not missing, "add these to widget/locales/de/LC_MESSAGES/messages.po: " + repr(missing)


def test_translations_keep_the_placeholders_of_their_source() -> None:
    for source, translation in german().items():
        if translation:
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(translation)), source
