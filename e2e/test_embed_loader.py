"""embed.js on a partner's page, alone: a fake widget on one origin, host pages on another.

The fake widget page (`/w/{key}`) says `bw:ready` when it loads and otherwise speaks only when
a test makes it (`send(...)`), so each test decides which messages cross and waits for what the
host page shows in return.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn
from litestar import Litestar, Response, get
from litestar.enums import MediaType
from litestar.params import PathParameter
from playwright.async_api import ConsoleMessage, Frame, Locator, Page, expect

from server.web.embed import embed_js
from tests.servers import free_port

FAKE_WIDGET = """<!doctype html><title>fake widget</title>
<p data-testid="fake-widget">fake widget</p>
<script>
const query = new URLSearchParams(location.search);
const host = query.get('host');
window.received = [];
addEventListener('message', (e) => { if (e.origin === host) received.push(e.data); });
window.send = (m) => parent.postMessage({wid: query.get('wid'), ...m}, host);
send({type: 'bw:ready'});
</script>"""

# What the host page saw: bookwidget:* events (with the id of the element they came from).
RECORDER = """<script>
window.dataLayer = [];
window.seen = [];
for (const name of ['ready', 'step', 'booked']) {
  addEventListener('bookwidget:' + name, (e) =>
    seen.push({type: e.type, from: e.target.id, ...e.detail}));
}
</script>"""

# The stub partners paste (see embed.js).
QUEUE_STUB = (
    "window.Bookwidget=window.Bookwidget||"
    "function(){(Bookwidget.q=Bookwidget.q||[]).push(arguments)}"
)


def host_pages(widget: str) -> dict[str, str]:
    embed = f'<script async src="{widget}/embed.js?v=1"'
    return {
        "inline": f"""{RECORDER}<main id="book"></main>
            {embed} data-key="pk_a" data-target="#book" data-theme="dark" data-locale="de"
            data-channel="online"></script>""",
        "several": f"""{RECORDER}<div id="a"></div><div id="b"></div><div id="c"></div>
            <script>document.getElementById('c').innerHTML =
              '<script src="{widget}/embed.js" data-key="pk_c" data-target="#c"><' + '/script>';
            </script>
            {embed} data-key="pk_a" data-target="#a"></script>
            {embed} data-key="pk_b" data-target="#b"></script>""",
        "popup": f"""{RECORDER}<button id="book-button">Book</button>
            <script>{QUEUE_STUB}
            Bookwidget('open', {{channel: 'at_home', location: '42', date: '2027-03-22'}});
            </script>
            {embed} data-key="pk_a" data-mode="popup" data-target="#book-button"></script>""",
        "button": f"""{RECORDER}{embed} data-key="pk_a" data-mode="button" data-channel="online"
            data-label="Termin buchen"></script>""",
        "csp": f"""<div id="book"></div>
            {embed} data-key="pk_a" data-target="#book"></script>""",
        # Where a widget frame could be sent: another origin, posting as if it were the widget.
        "elsewhere": """<script>
            parent.postMessage({type: 'bw:resize', height: 999, wid: '1'}, '*');
            parent.postMessage({type: 'bw:booked', reference: 'EVIL', wid: '1'}, '*');
            document.title = 'sent';
            </script>""",
    }


def widget_app() -> Litestar:
    @get("/w/{key:str}", media_type=MediaType.HTML, sync_to_thread=False)
    def fake_widget() -> str:
        return FAKE_WIDGET

    return Litestar(route_handlers=[embed_js, fake_widget])


def host_app(widget: str) -> Litestar:
    pages = host_pages(widget)
    strict = f"default-src 'none'; script-src {widget}; frame-src {widget}; style-src 'self'"

    @get("/{name:str}", sync_to_thread=False)
    def host_page(name: Annotated[str, PathParameter()]) -> Response[str]:
        html = f"<!doctype html><html><head><title>{name}</title></head><body>{pages[name]}"
        headers = {"Content-Security-Policy": strict} if name == "csp" else {}
        return Response(html, media_type=MediaType.HTML, headers=headers)

    return Litestar(route_handlers=[host_page])


@contextmanager
def serving(app: Litestar) -> Iterator[str]:
    """The app on 127.0.0.1 and a free port, in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"test server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Origins:
    widget: str
    host: str


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with serving(widget_app()) as widget, serving(host_app(widget)) as host:
        yield Origins(widget, host)


class WidgetFrame:
    """One widget's iframe as the host page holds it, and the fake widget inside it."""

    def __init__(self, element: Locator) -> None:
        self.element = element

    async def inside(self) -> Frame:
        handle = await self.element.element_handle()
        frame = await handle.content_frame()
        assert frame is not None
        await frame.wait_for_function("typeof send === 'function'")
        return frame

    async def send(self, message: dict[str, Any]) -> None:
        """The widget posts `message` (its wid added) to the host page."""
        await (await self.inside()).evaluate("(m) => send(m)", message)

    async def query(self) -> dict[str, str]:
        src = await self.element.get_attribute("src")
        assert src is not None
        return {k: v[0] for k, v in parse_qs(urlsplit(src).query).items()}

    async def path(self) -> str:
        return urlsplit(await self.element.get_attribute("src") or "").path

    async def has_height(self, pixels: int) -> None:
        await expect(self.element).to_have_css("height", f"{pixels}px")


class HostPage:
    """A partner's page with embed.js on it."""

    def __init__(self, page: Page, origins: Origins) -> None:
        self.page = page
        self.origins = origins
        self.frames = page.get_by_test_id("bookwidget-frame")
        self.dialog = page.get_by_test_id("bookwidget-dialog")

    async def open(self, name: str, query: str = "") -> None:
        await self.page.goto(f"{self.origins.host}/{name}{query}")

    def widget(self, number: int = 0) -> WidgetFrame:
        return WidgetFrame(self.frames.nth(number))

    def widget_in(self, container_id: str) -> WidgetFrame:
        return WidgetFrame(self.page.locator(f"#{container_id} > iframe"))

    async def wait_for_event(self, type_: str, **fields: str) -> dict[str, Any]:
        """The first bookwidget event of this type with these fields, once it has arrived."""
        found = await self.page.wait_for_function(
            """([type, fields]) => seen.find((e) => e.type === type &&
                 Object.entries(fields).every(([k, v]) => e[k] === v))""",
            arg=[type_, fields],
        )
        event: dict[str, Any] = await found.json_value()
        return event

    async def data_layer(self) -> list[dict[str, Any]]:
        pushed: list[dict[str, Any]] = await self.page.evaluate("dataLayer")
        return pushed

    async def seen(self) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = await self.page.evaluate("seen")
        return events

    async def call(self, *args: Any) -> None:
        """What a partner's own script does: `Bookwidget(...args)`."""
        await self.page.evaluate(f"Bookwidget(...{json.dumps(args)})")

    async def close_dialog(self) -> None:
        await self.page.get_by_test_id("bookwidget-close").click()
        await expect(self.dialog).to_be_hidden()


@pytest.fixture
def host(page: Page, origins: Origins) -> HostPage:
    return HostPage(page, origins)


async def test_an_inline_widget_is_a_titled_frame_that_follows_its_content_height(
    host: HostPage,
) -> None:
    await host.open("inline", "?bw_channel=at_home&bw_location=7&bw_date=2027-03-22&bw=tok")
    widget = host.widget_in("book")
    await host.wait_for_event("bookwidget:ready")

    await expect(widget.element).to_have_attribute("title", "Termin buchen")  # data-locale="de"
    await expect(widget.element).to_have_attribute("allow", "geolocation")
    await expect(widget.element).to_have_attribute("loading", "lazy")
    await expect(widget.element).to_have_class("bookwidget-frame")
    await widget.has_height(480)
    assert await widget.path() == "/w/pk_a"
    assert await widget.query() == {
        "mode": "inline",
        "theme": "dark",
        "locale": "de",
        "channel": "at_home",  # the host URL's bw_channel beats data-channel
        "host": host.origins.host,
        "wid": "1",
        "location": "7",
        "date": "2027-03-22",
        "bw": "tok",
    }

    await widget.send({"type": "bw:resize", "height": 700})
    await widget.has_height(700)
    await widget.send({"type": "bw:resize", "height": 3})
    await widget.has_height(120)
    await widget.send({"type": "bw:resize", "height": 99999})
    await widget.has_height(5000)


async def test_widget_events_reach_the_host_page_and_its_data_layer_without_personal_data(
    host: HostPage,
) -> None:
    await host.open("inline")
    widget = host.widget()
    ready = await host.wait_for_event("bookwidget:ready")
    assert ready == {"type": "bookwidget:ready", "from": "book", "key": "pk_a", "mode": "inline"}

    await widget.send({"type": "bw:step", "step": "time", "email": "pat@example.com"})
    await widget.send(
        {
            "type": "bw:booked",
            "reference": "ABC-123",
            "channel": "online",
            "start": "2027-03-22T09:00:00+01:00",
            "status": "confirmed",
            "name": "Pat Doe",
        }
    )
    booked = await host.wait_for_event("bookwidget:booked")

    step = await host.wait_for_event("bookwidget:step")
    assert step == {"type": "bookwidget:step", "from": "book", "key": "pk_a", "mode": "inline"} | {
        "step": "time"
    }
    assert booked == {
        "type": "bookwidget:booked",
        "from": "book",
        "key": "pk_a",
        "mode": "inline",
        "reference": "ABC-123",
        "channel": "online",
        "start": "2027-03-22T09:00:00+01:00",
        "status": "confirmed",
    }
    assert [entry["event"] for entry in await host.data_layer()] == [
        "bookwidget:ready",
        "bookwidget:step",
        "bookwidget:booked",
    ]
    assert (await host.data_layer())[2] == {"event": "bookwidget:booked"} | {
        k: v for k, v in booked.items() if k not in ("type", "from")
    }


async def test_messages_from_another_origin_or_another_frame_are_ignored(host: HostPage) -> None:
    await host.open("several")
    first, second = host.widget_in("a"), host.widget_in("b")
    await host.wait_for_event("bookwidget:ready", key="pk_a")

    # The host page itself, and the first frame once sent to another origin, pose as widgets.
    await host.page.evaluate(
        "postMessage({type: 'bw:resize', height: 900, wid: '1'}, '*');"
        "postMessage({type: 'bw:booked', reference: 'EVIL', wid: '1'}, '*')"
    )
    inside_first = await first.inside()
    await inside_first.evaluate(f"location.href = '{host.origins.host}/elsewhere'")
    await inside_first.wait_for_function("document.title === 'sent'")
    # The second frame speaks from the right origin, but for itself only.
    await second.send({"type": "bw:resize", "height": 300, "wid": "1"})
    await second.send({"type": "bw:step", "step": "after"})
    await host.wait_for_event("bookwidget:step", step="after")

    await second.has_height(300)
    await first.has_height(480)
    assert not [e for e in await host.seen() if e.get("reference") == "EVIL"]


async def test_several_widgets_on_one_page_are_each_set_up_once_and_kept_apart(
    host: HostPage,
) -> None:
    await host.open("several")
    for key in ("pk_a", "pk_b", "pk_c"):
        await host.wait_for_event("bookwidget:ready", key=key)
    await expect(host.frames).to_have_count(3)

    widgets = {key: host.widget_in(key[-1]) for key in ("pk_a", "pk_b", "pk_c")}
    paths = {key: await widget.path() for key, widget in widgets.items()}
    wids = {key: (await widget.query())["wid"] for key, widget in widgets.items()}
    assert paths == {"pk_a": "/w/pk_a", "pk_b": "/w/pk_b", "pk_c": "/w/pk_c"}
    assert sorted(wids.values()) == ["1", "2", "3"]

    await widgets["pk_b"].send({"type": "bw:resize", "height": 640})
    await widgets["pk_b"].send({"type": "bw:step", "step": "store"})
    step = await host.wait_for_event("bookwidget:step")
    await widgets["pk_b"].has_height(640)
    await widgets["pk_a"].has_height(480)
    await widgets["pk_c"].has_height(480)
    assert (step["key"], step["from"]) == ("pk_b", "b")


async def test_a_call_queued_before_the_script_arrives_opens_the_popup_with_its_options(
    host: HostPage,
) -> None:
    await host.open("popup")

    await expect(host.dialog).to_be_visible()
    await host.wait_for_event("bookwidget:ready", mode="popup")
    widget = host.widget()
    query = await widget.query()
    assert (query["mode"], query["channel"], query["location"], query["date"]) == (
        "popup",
        "at_home",
        "42",
        "2027-03-22",
    )
    await expect(host.page.get_by_role("button", name="Close")).to_be_focused()

    await host.close_dialog()
    await host.page.get_by_role("button", name="Book", exact=True).click()
    await expect(host.dialog).to_be_visible()
    await host.page.keyboard.press("Escape")
    await expect(host.dialog).to_be_hidden()

    # Each re-opening reaches the same frame by message, with any new options.
    await host.call("open", {"date": "2027-04-01", "name": "not sent"})
    await expect(host.dialog).to_be_visible()
    await expect(host.frames).to_have_count(1)
    inside = await widget.inside()
    await inside.wait_for_function("received.length === 2")
    assert await inside.evaluate("received") == [
        {"type": "bw:open"},
        {"type": "bw:open", "date": "2027-04-01"},
    ]

    await widget.send({"type": "bw:close"})
    await expect(host.dialog).to_be_hidden()


async def test_the_floating_button_opens_the_widget_only_when_asked(host: HostPage) -> None:
    await host.open("button")
    button = host.page.get_by_test_id("bookwidget-button")
    await expect(button).to_have_text("Termin buchen")
    await expect(host.frames).to_have_count(0)

    await button.click()
    await expect(host.dialog).to_be_visible()
    await host.wait_for_event("bookwidget:ready", mode="button")
    await host.widget().send({"type": "bw:booked", "reference": "ABC-123"})
    await host.wait_for_event("bookwidget:booked")
    await expect(host.dialog).to_be_visible()  # the done step stays until the customer closes

    await host.close_dialog()
    await host.call("open")
    await expect(host.dialog).to_be_visible()
    await host.call("close")
    await expect(host.dialog).to_be_hidden()


async def test_a_campaign_link_opens_the_button_widget_by_itself_prefilled(host: HostPage) -> None:
    await host.open(
        "button", "?bw=signed.token&bw_channel=in_store&bw_location=7&bw_date=2027-03-22"
    )

    await expect(host.dialog).to_be_visible()
    query = await host.widget().query()
    assert {k: query[k] for k in ("mode", "bw", "channel", "location", "date")} == {
        "mode": "button",
        "bw": "signed.token",
        "channel": "in_store",
        "location": "7",
        "date": "2027-03-22",
    }


async def test_the_loader_needs_nothing_a_strict_host_csp_forbids(host: HostPage) -> None:
    problems: list[str] = []

    def note(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            problems.append(message.text)

    host.page.on("console", note)
    await host.open("csp")
    widget = host.widget_in("book")
    inside = await widget.inside()
    await expect(inside.get_by_test_id("fake-widget")).to_be_visible()

    await expect(widget.element).to_have_css("border-top-width", "0px")
    await widget.has_height(480)
    assert problems == []
