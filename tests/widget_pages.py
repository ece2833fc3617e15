"""Driving the widget's server-rendered steps like a browser without script would.

`WidgetVisit` keeps the current step's HTML, fills its fields and presses its buttons (by
`data-testid`), posting the form exactly as a browser does: its hidden state, its fields, and
the pressed button's name and value. Tests then read what a customer would read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx


@dataclass
class Control:
    tag: str
    attrs: dict[str, str]
    text: str = ""


@dataclass
class ParsedPage(HTMLParser):
    controls: list[Control] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    step: str = ""
    action: str = ""
    _open: list[tuple[str, str]] = field(default_factory=list)  # (tag, testid) being read
    _in_control: bool = False  # inside a <button> or <textarea>, whose text is its value

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "section" and "data-step" in values:
            self.step = values["data-step"]
        if tag == "form":
            self.action = values.get("action", "")
        if tag in {"input", "button", "textarea", "select"}:
            self.controls.append(Control(tag, values))
            self._in_control = tag in {"button", "textarea"}
        if testid := values.get("data-testid"):
            self.texts.setdefault(testid, "")
            if tag not in {"input", "meta", "link", "br", "img"}:
                self._open.append((tag, testid))

    def handle_endtag(self, tag: str) -> None:
        if tag in {"button", "textarea"}:
            self._in_control = False
        if self._open and self._open[-1][0] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for _, testid in self._open:
            self.texts[testid] += data
        if self._in_control:
            self.controls[-1].text += data


class WidgetVisit:
    def __init__(self, client: httpx.AsyncClient, key: str) -> None:
        self.client = client
        self.key = key
        self.response: httpx.Response | None = None
        self.page = ParsedPage()

    async def open(self, **params: str) -> WidgetVisit:
        self._read(await self.client.get(f"/w/{self.key}", params=params))
        return self

    @property
    def step(self) -> str:
        return self.page.step

    @property
    def html(self) -> str:
        assert self.response is not None
        return self.response.text

    def text(self, testid: str) -> str:
        return " ".join(self.page.texts.get(testid, "").split())

    def has(self, testid: str) -> bool:
        return testid in self.page.texts

    def buttons(self, testid: str) -> list[Control]:
        return [
            c
            for c in self.page.controls
            if c.tag == "button" and c.attrs.get("data-testid") == testid
        ]

    def field_value(self, name: str) -> str:
        for control in self.page.controls:
            if control.attrs.get("name") == name and control.attrs.get("type") != "hidden":
                return control.text if control.tag == "textarea" else control.attrs.get("value", "")
        raise AssertionError(f"no visible field {name!r} on step {self.step!r}")

    async def press(self, testid: str, index: int = 0, **fields: str) -> WidgetVisit:
        """Fill `fields` (by name) and press the `index`-th button with `testid`."""
        pressed = self.buttons(testid)
        assert pressed, f"no button {testid!r} on step {self.step!r}: {sorted(self.page.texts)}"
        button = pressed[index]
        assert "disabled" not in button.attrs, f"button {testid!r} is disabled"
        form: dict[str, str] = {}
        for control in self.page.controls:
            name = control.attrs.get("name")
            if not name or control.tag == "button" or "disabled" in control.attrs:
                continue
            form[name] = (
                control.text if control.tag == "textarea" else control.attrs.get("value", "")
            )
        unknown = set(fields) - set(form)
        assert not unknown, f"no fields {unknown} on step {self.step!r}"
        form.update(fields)
        if button.attrs.get("name"):
            form[button.attrs["name"]] = button.attrs.get("value", "")
        self._read(await self.client.post(self.page.action, data=form))
        return self

    async def send_by_hand(self, **changes: str) -> WidgetVisit:
        """Post this step's hidden state with `changes`, as a hand-made form would."""
        form = {
            c.attrs["name"]: c.attrs.get("value", "")
            for c in self.page.controls
            if c.attrs.get("type") == "hidden"
        }
        self._read(await self.client.post(self.page.action, data=form | changes))
        return self

    def _read(self, response: httpx.Response) -> None:
        self.response = response
        self.page = ParsedPage()
        self.page.feed(response.text)

    def state(self, name: str) -> str:
        for control in self.page.controls:
            if control.attrs.get("name") == name and control.attrs.get("type") == "hidden":
                return control.attrs.get("value", "")
        return ""


def describe(visit: WidgetVisit) -> dict[str, Any]:
    """What is on screen, for assertion messages."""
    return {"step": visit.step, "texts": {k: v[:80] for k, v in visit.page.texts.items()}}
