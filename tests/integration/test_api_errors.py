"""Bad input to any endpoint gets a 4xx in the one error shape, never a 500 (DESIGN §7).

Requests in the big table go to the app as ASGI calls rather than through httpx: httpx
refuses URLs over 64 KiB and bodies that are not what they claim to be, and the point here
is what the server does with whatever a proxy lets through.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from server.domain.model import Channel
from tests import builders
from tests.conftest import Database

Client = httpx.AsyncClient

HUGE = "x" * 100_000
TUESDAY_10 = "2027-03-23T10:00:00+01:00"
#: Wrong in any typed query parameter: text, JSON-looking text, nothing, a decimal, a NUL.
NOT_A_NUMBER = ["abc", "[1]", "{}", "null", "true", "1,5", "\x00", "9" * 5000]


def assert_error_shape(response: httpx.Response) -> dict[str, Any]:
    """A client error in the one shape: `{"error": str, "detail": str, "fields": {str: str}}`."""
    assert response.status_code < 500, response.text[:500]
    assert 400 <= response.status_code < 500, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict), body
    assert set(body) == {"error", "detail", "fields"}, body
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["fields"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in body["fields"].items())
    # Nothing of the offending input is echoed back at length.
    assert len(response.content) < 5_000
    result: dict[str, Any] = body
    return result


# --- the shop every case talks to ----------------------------------------------------------


@dataclass(frozen=True)
class Shop:
    key: str
    store: int
    foreign_store: int  # a store of another tenant
    reference: str
    token: str


def booking_body(shop: Shop, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "key": shop.key,
        "location_id": shop.store,
        "channel": "in_store",
        "start": TUESDAY_10,
        "customer": {"name": "Erika Mustermann", "email": "erika@example.com", "phone": ""},
        "notes": "",
        "locale": "de",
        "source": "widget",
    }
    return body | overrides


@pytest.fixture
async def shop(db: Database, client: Client) -> Shop:
    home = builders.channel(Channel.AT_HOME, duration=90)
    catalog = builders.catalog(
        builders.store(
            "shop",
            channels=(builders.channel(capacity=5), home),
            service_postal_codes=("101",),
        )
    )
    ids = await db.load(catalog)
    foreign = await db.load(builders.catalog(builders.store("foreign")))
    partial = Shop(catalog.tenant.key, ids["shop"], foreign["foreign"], "", "")
    created = await client.post("/api/v1/bookings", json=booking_body(partial))
    assert created.status_code == 201, created.text
    return replace(
        partial, reference=created.json()["reference"], token=created.json()["manage_token"]
    )


# --- requests as data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    #: The query string exactly as it arrives, instead of `query` encoded.
    raw_query: bytes | None = None


def json_call(path: str, data: Any) -> Call:
    return Call(
        "POST", path, {}, json.dumps(data).encode(), (("content-type", "application/json"),)
    )


ENDPOINTS: dict[str, Callable[[Shop], Call]] = {
    "widget": lambda s: Call("GET", f"/api/v1/widget/{s.key}", {"locale": "de"}),
    "locations": lambda s: Call(
        "GET",
        "/api/v1/locations",
        {"key": s.key, "q": "berlin", "lat": "52.5", "lon": "13.4", "channel": "in_store"}
        | {"limit": "5"},
    ),
    "serving": lambda s: Call(
        "GET",
        "/api/v1/locations/serving",
        {"key": s.key, "postal_code": "10115", "city": "Berlin", "street": "Invalidenstr. 5"}
        | {"country": "DE"},
    ),
    "slots": lambda s: Call(
        "GET",
        f"/api/v1/locations/{s.store}/slots",
        {"channel": "in_store", "from": "2027-03-23", "to": "2027-03-24"},
    ),
    "book": lambda s: json_call("/api/v1/bookings", booking_body(s)),
    "booking": lambda s: Call("GET", f"/api/v1/bookings/{s.reference}", {"token": s.token}),
}

Change = Callable[[Call, Shop], Call]


def query(name: str, value: str | None) -> Change:
    """Set (or, with None, remove) one query parameter."""

    def change(call: Call, _: Shop) -> Call:
        params = dict(call.query)
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
        return replace(call, query=params)

    return change


def path(template: str) -> Change:
    """Another path; `{key}`, `{store}`, `{foreign}` and `{reference}` are the shop's."""

    def change(call: Call, shop: Shop) -> Call:
        values = {"key": shop.key, "store": shop.store, "foreign": shop.foreign_store}
        return replace(call, path=template.format(**values, reference=shop.reference))

    return change


_REMOVE = object()


def field(dotted: str, value: Any = _REMOVE) -> Change:
    """Set (or remove) one field of the JSON body, e.g. `customer.email`."""

    def change(call: Call, shop: Shop) -> Call:
        data = copy.deepcopy(json.loads(call.body))
        *parents, last = dotted.split(".")
        target = data
        for parent in parents:
            target = target[parent]
        if value is _REMOVE:
            target.pop(last, None)
        else:
            target[last] = value(shop) if callable(value) else value
        return replace(call, body=json.dumps(data).encode())

    return change


def body(raw: bytes, content_type: str | None = "application/json") -> Change:
    def change(call: Call, _: Shop) -> Call:
        headers = (("content-type", content_type),) if content_type else ()
        return replace(call, body=raw, headers=headers)

    return change


def both(*changes: Change) -> Change:
    def change(call: Call, shop: Shop) -> Call:
        for one in changes:
            call = one(call, shop)
        return call

    return change


def header(name: str, value: str | None) -> Change:
    """Set (or, with None, remove) one request header."""

    def change(call: Call, _: Shop) -> Call:
        kept = tuple((k, v) for k, v in call.headers if k != name)
        return replace(call, headers=kept if value is None else (*kept, (name, value)))

    return change


async def send(app: Litestar, call: Call) -> httpx.Response:
    """Hand `call` to the app as one ASGI HTTP request and collect its response."""
    raw_query = urlencode(call.query).encode() if call.raw_query is None else call.raw_query
    headers = [(b"host", b"testserver")]
    headers += [(k.lower().encode(), v.encode("latin-1")) for k, v in call.headers]
    if call.body:
        headers.append((b"content-length", str(len(call.body)).encode()))
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": call.method,
        "scheme": "http",
        "path": call.path,
        "raw_path": call.path.encode(),
        "query_string": raw_query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    received = False
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:
            return {"type": "http.disconnect"}
        received = True
        return {"type": "http.request", "body": call.body, "more_body": False}

    async def send_message(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send_message)
    return httpx.Response(
        start["status"],
        headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]],
        content=b"".join(chunks),
    )


# --- the table -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    endpoint: str
    change: Change
    status: int | None = None  # None: any 4xx
    error: str | None = None
    field: str | None = None


def cases() -> list[Any]:
    table: dict[str, Case] = {}

    def add(
        name: str,
        endpoint: str,
        change: Change,
        status: int | None = None,
        error: str | None = None,
        field_name: str | None = None,
    ) -> None:
        table[f"{endpoint}-{name}"] = Case(endpoint, change, status, error, field_name)

    # Every endpoint: huge text in every string parameter and an unknown or absurd identity.
    add("huge-key", "widget", path("/api/v1/widget/" + HUGE), 422, "invalid_input", "key")
    add("unknown-key", "widget", path("/api/v1/widget/pk_nobody_here"), 404, "unknown_key")
    add("nul-key", "widget", path("/api/v1/widget/pk_\x00"), 422, "invalid_input", "key")
    add("not-a-key", "widget", path("/api/v1/widget/demo"), 422, "invalid_input", "key")
    add("huge-locale", "widget", query("locale", HUGE), 422, "invalid_input", "locale")
    language = header("accept-language", HUGE)
    add("huge-language", "widget", language, 422, "invalid_input", "accept-language")

    add("no-key", "locations", query("key", None), 422, "invalid_input", "key")
    add("empty-key", "locations", query("key", ""), 422, "invalid_input", "key")
    add("unknown-key", "locations", query("key", "pk_nobody_here"), 404, "unknown_key")
    add("nul-key", "locations", query("key", "pk_\x00"), 422, "invalid_input", "key")
    for name in ("key", "q", "lat", "lon", "channel", "limit"):
        add(f"huge-{name}", "locations", query(name, HUGE), 422, "invalid_input", name)
    for number in ("lat", "lon", "limit"):
        for i, wrong in enumerate(NOT_A_NUMBER):
            add(f"{number}-not-a-number-{i}", "locations", query(number, wrong), 422, None, number)
    add("lat-out-of-range", "locations", query("lat", "90.5"), 422, "invalid_input", "lat")
    add("lon-out-of-range", "locations", query("lon", "-180.5"), 422, "invalid_input", "lon")
    add("lat-nan", "locations", query("lat", "nan"), 422, "invalid_input", "lat")
    add("lon-infinite", "locations", query("lon", "1e999"), 422, "invalid_input", "lon")
    add("lat-without-lon", "locations", query("lon", None), 422, "invalid_input", "lon")
    add("limit-huge", "locations", query("limit", str(2**40)), 422, "invalid_input", "limit")
    add("limit-negative", "locations", query("limit", "-5"), 422, "invalid_input", "limit")
    add("channel-unknown", "locations", query("channel", "carrier_pigeon"), 422, None, "channel")
    add("channel-number", "locations", query("channel", "1"), 422, None, "channel")

    for name in ("key", "postal_code", "city", "street", "country"):
        add(f"huge-{name}", "serving", query(name, HUGE), 422, "invalid_input", name)
    for name in ("key", "postal_code", "city"):
        add(f"no-{name}", "serving", query(name, None), 422, "invalid_input", name)
    add("unknown-key", "serving", query("key", "pk_nobody_here"), 404, "unknown_key")
    add("nul-key", "serving", query("key", "pk_\x00"), 422, "invalid_input", "key")
    add("short-postal-code", "serving", query("postal_code", "1"), 422, None, "postal_code")
    add("country-of-three", "serving", query("country", "DEU"), 422, None, "country")
    # An address nobody serves, with characters a database may refuse, is simply not served.
    for i, odd in enumerate(["9\x00", "9%", "9_", "\\9", "%%", "__"]):
        add(f"odd-postal-code-{i}", "serving", query("postal_code", odd), 404, "not_served")
    nowhere = both(query("postal_code", "99999"), query("city", "Ber\x00lin"))
    add("nul-city", "serving", nowhere, 404, "not_served")

    slots = "/api/v1/locations/{}/slots"
    add("unknown-store", "slots", path(slots.format(2**31 - 1)), 404, "unknown_location")
    add("foreign-store-is-fine", "slots", path(slots.format("{foreign}")), 200)
    add("huge-id", "slots", path(slots.format(2**40)), 422, "invalid_input", "location_id")
    add("negative-id", "slots", path(slots.format(-1)), 422, "invalid_input", "location_id")
    add("zero-id", "slots", path(slots.format(0)), 422, "invalid_input", "location_id")
    add("text-id", "slots", path(slots.format("abc")), 404, "not_found")
    add("huge-text-id", "slots", path(slots.format(HUGE)), 404, "not_found")
    add("decimal-id", "slots", path(slots.format("1.5")), 404, "not_found")
    add("no-channel", "slots", query("channel", None), 422, "invalid_input", "channel")
    add("huge-channel", "slots", query("channel", HUGE), 422, "invalid_input", "channel")
    add("channel-not-offered", "slots", query("channel", "online"), 422, "channel_not_offered")
    for name in ("from", "to"):
        weird = ["23.03.2027", "2027/03/23", "2027-3-23", "2027-02-30", "1", "[]", "none"]
        weird += [HUGE, "2027-03-23T10:00:00", "2027-03-23\x00", "２０２７-03-23"]
        for i, wrong in enumerate(weird):
            add(f"{name}-weird-{i}", "slots", query(name, wrong), 422, "invalid_input", name)
    add("to-before-from", "slots", query("to", "2027-03-22"), 422, "invalid_input", "to")
    add("too-long", "slots", query("to", "2027-06-30"), 422, "invalid_input", "to")
    add("year-one", "slots", query("from", "0001-01-01"), 422, "invalid_input", "from")
    add("year-9999", "slots", query("from", "9999-12-31"), 422, "invalid_input", "from")
    only_from = both(query("from", "9999-12-31"), query("to", None))
    add("year-9999-for-14-days", "slots", only_from, 422, "invalid_input", "from")

    booking = "/api/v1/bookings/{}"
    add("huge-reference", "booking", path(booking.format(HUGE)), 422, None, "reference")
    add("unknown-reference", "booking", path(booking.format("AAA-AAA")), 403, "invalid_link")
    add("odd-reference", "booking", path(booking.format("..%2F..")), 403, "invalid_link")
    add("nul-reference", "booking", path(booking.format("A\x00A")), 403, "invalid_link")
    add("no-token", "booking", query("token", None), 422, "invalid_input", "token")
    add("empty-token", "booking", query("token", ""), 422, "invalid_input", "token")
    add("huge-token", "booking", query("token", HUGE), 422, "invalid_input", "token")
    for i, wrong in enumerate(["x", "x.y", "null", "\x00.\x00", "é.é", "a" * 4000 + ".b"]):
        add(f"bad-token-{i}", "booking", query("token", wrong), 403, "invalid_link")

    # POST /bookings: wrong types in every field, huge text, impossible values.
    wrong_types: dict[str, list[Any]] = {
        "key": [123, None, [], {}, True],
        "location_id": ["abc", 1.5, None, [], {}, True],
        "channel": [1, None, [], {}, "carrier_pigeon"],
        "start": [None, [], {}, True],
        "customer": [None, "Erika", [], 1],
        "customer.name": [1, None, [], {}],
        "customer.email": [1, None, [], {}],
        "customer.phone": [1, None, [], {}],
        "notes": [1, None, [], {}],
        "locale": [1, None, [], {}, "klingon", "d"],
        "source": [1, None, "mail"],
        "address": ["Berlin", 1, [], {}],
    }
    for name, values in wrong_types.items():
        for i, wrong in enumerate(values):
            add(f"{name}-wrong-{i}", "book", field(name, wrong), 422, "invalid_input", name)
    for name in ("key", "channel", "start", "customer.name", "customer.email", "customer.phone"):
        add(f"huge-{name}", "book", field(name, HUGE), 422, "invalid_input", name)
    for name in ("notes", "locale", "source"):
        add(f"huge-{name}", "book", field(name, HUGE), 422, "invalid_input", name)
    for name in ("key", "location_id", "channel", "start", "customer", "customer.email"):
        add(f"missing-{name}", "book", field(name), 422, "invalid_input", name)
    add("unknown-key", "book", field("key", "pk_nobody_here"), 404, "unknown_key")
    add("unknown-store", "book", field("location_id", 2**31 - 1), 404, "unknown_location")
    add(
        "foreign-store",
        "book",
        field("location_id", lambda s: s.foreign_store),
        404,
        "unknown_location",
    )
    add("huge-id", "book", field("location_id", 2**40), 422, "invalid_input", "location_id")
    add("huger-id", "book", field("location_id", 10**30), 422, "invalid_input", "location_id")
    add("negative-id", "book", field("location_id", -1), 422, "invalid_input", "location_id")
    add("zero-id", "book", field("location_id", 0), 422, "invalid_input", "location_id")
    off_grid = "2027-03-23T10:10:00+01:00"
    add("start-not-a-slot", "book", field("start", off_grid), 422, "not_a_slot", "start")
    add("start-at-night", "book", field("start", "2027-03-23T03:00:00+01:00"), 422, "not_a_slot")
    past = "2027-03-20T10:00:00+01:00"
    add("start-in-past", "book", field("start", past), 422, "start_in_past", "start")
    naive = "2027-03-23T10:00:00"
    add("start-naive", "book", field("start", naive), 422, "invalid_input", "start")
    weird_starts = ["23/03/2027 10:00", "2027-03-23", "10:00", "2027-03-23 10:00 CET"]
    weird_starts += ["tomorrow", "2027-03-23T25:00:00+01:00", "2027-03-23T10:00:00+25:00"]
    for i, weird in enumerate([*weird_starts, "0000-01-01T00:00:00Z"]):
        add(f"start-weird-{i}", "book", field("start", weird), 422, "invalid_input", "start")
    for i, far in enumerate(["9999-12-31T23:59:59-23:59", "9999-12-31T23:00:00Z"]):
        add(f"start-year-9999-{i}", "book", field("start", far), 422, "start_too_far", "start")
    for i, early in enumerate(["0001-01-01T00:00:00+23:59", "0001-01-01T00:00:00Z"]):
        add(f"start-year-one-{i}", "book", field("start", early), 422, "start_in_past", "start")
    crlf = "Erika\r\nBcc: everyone@example.com"
    add("name-crlf", "book", field("customer.name", crlf), 422, "invalid_input", "customer.name")
    add("name-nul", "book", field("customer.name", "Eri\x00ka"), 422, None, "customer.name")
    add("name-blank", "book", field("customer.name", "   "), 422, None, "customer.name")
    add("name-empty", "book", field("customer.name", ""), 422, None, "customer.name")
    for i, email in enumerate(["erika", "erika@", "@example.com", "erika@@example.com"]):
        add(f"email-invalid-{i}", "book", field("customer.email", email), 422, None)
    add("email-crlf", "book", field("customer.email", "e@x.com\r\nBcc: a@b.c"), 422)
    for i, phone in enumerate(["12", "call me", "+49 30", "+999 1234567", "0\x00"]):
        key = "customer.phone"
        add(f"phone-invalid-{i}", "book", field(key, phone), 422, "invalid_input", key)
    add("notes-1001", "book", field("notes", "n" * 1001), 422, "invalid_input", "notes")
    add("extra-field", "book", field("discount", 100), 422, "invalid_input")
    add("extra-customer-field", "book", field("customer.vip", True), 422, "invalid_input")
    served = {"street": "Invalidenstr. 5", "postal_code": "10115", "city": "Berlin"}
    at_home = field("channel", "at_home")
    add("home-without-address", "book", at_home, 422)
    for name in ("street", "postal_code", "city"):
        for i, odd in enumerate(["x\x00y", "x\r\ny"]):

            def home_with(call: Call, s: Shop, name: str = name, odd: str = odd) -> Call:
                address = {**served, name: odd}
                call = at_home(call, s)
                call = field("customer.phone", "+49301234567")(call, s)
                return field("address", address)(call, s)

            add(f"home-{name}-control-{i}", "book", home_with, 422, None, f"address.{name}")

    # POST /bookings: bodies that are not a booking at all.
    add("malformed-json", "book", body(b'{"key":'), 400, "malformed_json")
    add("not-json", "book", body(b"key=pk_x&location_id=1"), 400, "malformed_json")
    add("empty-body", "book", body(b""), 422, "invalid_input", "body")
    add("json-array", "book", body(b"[1, 2, 3]"), 422, "invalid_input", "body")
    add("json-null", "book", body(b"null"), 422, "invalid_input", "body")
    add("json-string", "book", body(b'"booking"'), 422, "invalid_input", "body")
    add("json-number", "book", body(b"42"), 422, "invalid_input", "body")
    add("deeply-nested", "book", body(b"[" * 100_000 + b"]" * 100_000), 400, "malformed_json")
    add("huge-body", "book", body(b'{"notes": "' + HUGE.encode() * 10 + b'"}'), None)
    add("not-utf8", "book", body(b'{"key": "pk_\xff\xfe"}'), 400, "malformed_json")
    add("latin1", "book", body('{"notes": "Küche"}'.encode("latin-1")), 400, "malformed_json")
    add("lone-surrogate", "book", body(b'{"key": "\\ud800"}'), 400, "malformed_json")
    # A valid booking, but not said to be JSON: refused, so a cross-origin page cannot post
    # one as a "simple" request that skips the CORS preflight.
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        add(f"type-{kind.replace('/', '-')}", "book", header("content-type", kind), 415)
    add("no-type", "book", header("content-type", None), 415)
    add("xml-type", "book", body(b"<booking/>", "application/xml"), 415)

    # Valid requests as a control: each table row differs from one of these in one thing.
    for name in ENDPOINTS:
        add("valid", name, lambda call, _: call, 201 if name == "book" else 200)

    return [pytest.param(case, id=case_id) for case_id, case in table.items()]


@pytest.mark.parametrize("case", cases())
async def test_bad_input_gets_a_4xx_in_the_error_shape_and_never_a_500(
    app: Litestar, shop: Shop, case: Case
) -> None:
    call = case.change(ENDPOINTS[case.endpoint](shop), shop)
    response = await send(app, call)

    if case.status is not None and case.status < 400:
        assert response.status_code == case.status, response.text[:500]
        return
    body = assert_error_shape(response)
    if case.status is not None:
        assert response.status_code == case.status, response.text[:500]
    if case.error is not None:
        assert body["error"] == case.error, body
    if case.field is not None:
        # The field itself, or a part of it (`address.street` for a bad `address`).
        named = [k for k in body["fields"] if k == case.field or k.startswith(f"{case.field}.")]
        assert named, body


# --- a few that read better on their own -----------------------------------------------------


async def test_notes_of_1000_characters_are_accepted_and_1001_refused(
    client: Client, shop: Shop
) -> None:
    accepted = await client.post("/api/v1/bookings", json=booking_body(shop, notes="n" * 1000))
    refused = await client.post("/api/v1/bookings", json=booking_body(shop, notes="n" * 1001))

    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["notes"] == "n" * 1000
    assert refused.status_code == 422
    assert list(assert_error_shape(refused)["fields"]) == ["notes"]


async def test_a_name_with_a_line_break_is_refused_and_nothing_is_booked(
    client: Client, shop: Shop
) -> None:
    customer = {"name": "Erika\r\nBcc: everyone@example.com", "email": "erika@example.com"}
    refused = await client.post("/api/v1/bookings", json=booking_body(shop, customer=customer))
    assert refused.status_code == 422
    assert "customer.name" in assert_error_shape(refused)["fields"]
    slots = await client.get(
        f"/api/v1/locations/{shop.store}/slots",
        params={"channel": "in_store", "from": "2027-03-23", "to": "2027-03-23"},
    )
    # Capacity 5 with one booking from the fixture: 10:00 is still offered.
    assert TUESDAY_10 in [s["start"] for s in slots.json()["days"][0]["slots"]]


async def test_every_contact_problem_is_named_at_once(client: Client, shop: Shop) -> None:
    customer = {"name": "Erika\nM", "email": "erika@", "phone": "12"}
    refused = await client.post("/api/v1/bookings", json=booking_body(shop, customer=customer))
    fields = assert_error_shape(refused)["fields"]
    assert set(fields) == {"customer.name", "customer.email", "customer.phone"}


async def test_an_unknown_route_is_404_in_the_error_shape(client: Client) -> None:
    for url in ("/api/v1/nothing-here", "/api/v2/bookings", "/api/v1/locations/1/slots/x"):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert assert_error_shape(response)["error"] == "not_found"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("DELETE", "/api/v1/bookings"),
        ("GET", "/api/v1/bookings"),
        ("PUT", "/api/v1/bookings/AAA-AAA"),
        ("POST", "/api/v1/locations"),
        ("PATCH", "/api/v1/widget/pk_demo"),
    ],
)
async def test_a_wrong_method_is_405_in_the_error_shape(
    client: Client, method: str, url: str
) -> None:
    response = await client.request(method, url)
    assert response.status_code == 405
    assert assert_error_shape(response)["error"] == "method_not_allowed"


async def test_the_openapi_document_lists_the_five_public_paths(client: Client) -> None:
    response = await client.get("/api/docs/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert {
        "/api/v1/widget/{key}",
        "/api/v1/locations",
        "/api/v1/locations/{location_id}/slots",
        "/api/v1/bookings",
        "/api/v1/bookings/{reference}",
    } <= set(paths)
    assert "post" in paths["/api/v1/bookings"]
    # The slots handler sends cached JSON bytes; the document must still say what they are.
    slots = paths["/api/v1/locations/{location_id}/slots"]["get"]["responses"]["200"]
    assert slots["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SlotsOut"
    }


# --- properties ------------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
BOOKING_FIELDS = [
    "key",
    "location_id",
    "channel",
    "start",
    "customer",
    "customer.name",
    "customer.email",
    "customer.phone",
    "notes",
    "locale",
    "source",
    "address",
]
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


async def assert_never_a_server_error(app: Litestar, call: Call) -> None:
    response = await send(app, call)
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        assert_error_shape(response)


@PROPERTY
@given(data=JSON)
async def test_any_json_posted_as_a_booking_is_never_a_server_error(
    app: Litestar, shop: Shop, data: Any
) -> None:
    await assert_never_a_server_error(app, json_call("/api/v1/bookings", data))


@PROPERTY
@given(name=st.sampled_from(BOOKING_FIELDS), value=JSON, at_home=st.booleans())
async def test_a_booking_with_any_one_field_replaced_is_never_a_server_error(
    app: Litestar, shop: Shop, name: str, value: Any, at_home: bool
) -> None:
    data = booking_body(shop)
    if at_home:
        data |= {"channel": "at_home", "address": {"street": "Invalidenstr. 5"}}
        data["address"] |= {"postal_code": "10115", "city": "Berlin"}
        data["customer"]["phone"] = "+49301234567"
    call = field(name, value)(json_call("/api/v1/bookings", data), shop)
    await assert_never_a_server_error(app, call)


QUERY_TEXT = st.text(max_size=50)
QUERY_NAMES = st.sampled_from(["key", "q", "lat", "lon", "channel", "limit", "x"])


@PROPERTY
@given(params=st.dictionaries(QUERY_NAMES, QUERY_TEXT, max_size=6), keep_key=st.booleans())
async def test_any_query_string_for_locations_is_never_a_server_error(
    app: Litestar, shop: Shop, params: dict[str, str], keep_key: bool
) -> None:
    if keep_key:
        params["key"] = shop.key
    await assert_never_a_server_error(app, Call("GET", "/api/v1/locations", params))


@PROPERTY
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
async def test_any_raw_query_string_for_locations_is_never_a_server_error(
    app: Litestar, shop: Shop, raw: bytes
) -> None:
    raw_query = b"key=" + shop.key.encode() + b"&" + raw
    await assert_never_a_server_error(
        app, Call("GET", "/api/v1/locations", {}, raw_query=raw_query)
    )
