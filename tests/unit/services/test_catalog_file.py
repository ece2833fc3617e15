from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from server.domain.model import BookingMode, Channel, Routing, WeeklyOpening
from server.services.catalog_file import (
    CatalogError,
    ChannelSpec,
    StoreSpec,
    read_catalog,
)
from server.services.catalog_rows import CSV_COLUMNS

DEMO = Path(__file__).parents[3] / "server" / "demo" / "demo.toml"

TENANT = {
    "key": '"pk_test"',
    "name": '"Test Kitchens"',
    "allowed_origins": '["https://shop.example"]',
    "headquarters_email": '"hq@test.example"',
}
PROFILE = {
    "country": '"DE"',
    "time_zone": '"Europe/Berlin"',
    "hours.mon": '["09:00-13:00", "14:00-18:00"]',
    "hours.sat": '["10:00-14:00"]',
    "channels.in_store": "{ duration = 60, capacity = 2, buffer = 15 }",
    "channels.online": "{ duration = 30 }",
    "channels.at_home": "{ duration = 90, buffer = 30 }",
    "service_radius_km": "30",
}
STORE = {
    "code": '"berlin-mitte"',
    "profile": '"showroom"',
    "name": '"Berlin Mitte"',
    "street": '"Friedrichstraße 140"',
    "postal_code": '"10117"',
    "city": '"Berlin"',
    "lat": "52.52",
    "lon": "13.39",
    "phone": '"+49 30 2312 5410"',
    "email": '"mitte@test.example"',
}
ROW = {  # the code is store-1, store-2, ... by position
    "name": "Hamburg Altona",
    "street": "Ottenser Hauptstraße 10",
    "postal_code": "22765",
    "city": "Hamburg",
    "lat": "53.55",
    "lon": "9.93",
    "phone": "+494066969310",
    "email": "altona@test.example",
    "profile": "showroom",
}
AT_STORE = 'catalog.toml [[stores]] entry 1 (store "berlin-mitte")'
AT_PROFILE = "catalog.toml [profiles.showroom]"
AT_TENANT = "catalog.toml [tenant]"


def table(header: str, values: dict[str, str | None]) -> str:
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    return "\n".join([header, *lines, ""])


def catalog(
    store: dict[str, str | None] | None = None,
    profile: dict[str, str | None] | None = None,
    tenant: dict[str, str | None] | None = None,
    stores: int = 1,
    top: str = "",
) -> str:
    """A catalog TOML text: the valid one, with the given keys changed (None drops a key)."""
    parts = [top, table("[tenant]", {**TENANT, **(tenant or {})})]
    parts.append(table("[profiles.showroom]", {**PROFILE, **(profile or {})}))
    parts += [table("[[stores]]", {**STORE, **(store or {})})] * stores
    return "\n".join(parts)


def rows(*changes: dict[str, str]) -> str:
    """A stores.csv text with a header and one valid row per change set."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for number, change in enumerate(changes):
        writer.writerow({**ROW, "code": f"store-{number + 1}", **change})
    return out.getvalue()


def write(tmp_path: Path, toml: str, stores_csv: str | None = None) -> Path:
    if stores_csv is not None:
        (tmp_path / "stores.csv").write_text(stores_csv, encoding="utf-8")
        toml = f'stores_csv = "stores.csv"\n{toml}'
    path = tmp_path / "catalog.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def load_store(tmp_path: Path, **changes: str | None) -> StoreSpec:
    return read_catalog(write(tmp_path, catalog(store=changes))).stores[0]


def problems(tmp_path: Path, toml: str, stores_csv: str | None = None) -> list[str]:
    with pytest.raises(CatalogError) as caught:
        read_catalog(write(tmp_path, toml, stores_csv))
    return caught.value.problems


# --- reading ---------------------------------------------------------------------------------


def test_the_demo_catalog_loads_with_stores_across_time_zones_modes_and_channels() -> None:
    demo = read_catalog(DEMO)

    assert demo.tenant.key == "pk_demo"
    assert 23 <= len(demo.stores) <= 27
    zones = {store.time_zone for store in demo.stores}
    assert len(zones) >= 3
    assert {"Europe/Berlin", "America/New_York"} <= zones
    assert {store.booking_mode for store in demo.stores} == set(BookingMode)
    assert {store.routing for store in demo.stores} == set(Routing)
    channels = [spec for store in demo.stores for spec in store.channels]
    assert {spec.channel for spec in channels} == set(Channel)
    assert any(spec.capacity > 1 for spec in channels if spec.channel is Channel.IN_STORE)


def test_a_store_takes_what_it_does_not_give_from_its_profile(tmp_path: Path) -> None:
    store = load_store(tmp_path)

    assert store.country == "DE"
    assert store.time_zone == "Europe/Berlin"
    assert store.phone == "+493023125410"
    assert store.hours == (
        WeeklyOpening(0, time(9), time(13)),
        WeeklyOpening(0, time(14), time(18)),
        WeeklyOpening(5, time(10), time(14)),
    )
    assert store.channels == (
        ChannelSpec(Channel.IN_STORE, 60, 2, 15),
        ChannelSpec(Channel.ONLINE, 30, 1, 0),
        ChannelSpec(Channel.AT_HOME, 90, 1, 30),
    )
    assert store.service_radius_km == 30


def test_unset_rules_have_the_documented_defaults(tmp_path: Path) -> None:
    store = load_store(tmp_path)

    assert store.booking_mode is BookingMode.REQUEST
    assert store.routing is Routing.STORE
    assert (store.lead_time_minutes, store.horizon_days, store.slot_step_minutes) == (120, 60, 30)
    assert not store.copy_headquarters
    assert store.active
    assert store.closures == ()
    assert store.salespeople == ()


def test_an_inline_store_overrides_its_profile_key_by_key(tmp_path: Path) -> None:
    store = load_store(
        tmp_path,
        booking_mode='"direct"',
        channels="{ online = { duration = 45, capacity = 3 } }",
        hours='{ tue = ["22:00-02:00"] }',
        service_radius_km=None,
    )

    assert store.booking_mode is BookingMode.DIRECT
    assert store.channels == (ChannelSpec(Channel.ONLINE, 45, 3, 0),)
    assert store.hours == (WeeklyOpening(1, time(22), time(2)),)
    assert store.service_radius_km == 30  # not given by the store, so still the profile's


def test_an_inline_store_may_keep_only_some_of_its_profiles_channels(tmp_path: Path) -> None:
    store = load_store(tmp_path, channels='["online", "in_store"]')

    assert [spec.channel for spec in store.channels] == [Channel.IN_STORE, Channel.ONLINE]


def test_a_csv_row_overrides_its_profile(tmp_path: Path) -> None:
    stores_csv = rows(
        {
            "booking_mode": "direct",
            "channels": "in_store;at_home",
            "service_radius_km": "12.5",
            "service_postal_codes": "20 21;22",
            "salespeople": "Ann Lee <ann@test.example>; Bo Wu <bo@test.example>",
            "active": "false",
        }
    )
    store = read_catalog(write(tmp_path, catalog(stores=0), stores_csv)).stores[0]

    assert store.code == "store-1"
    assert store.booking_mode is BookingMode.DIRECT
    assert [spec.channel for spec in store.channels] == [Channel.IN_STORE, Channel.AT_HOME]
    assert store.service_radius_km == 12.5
    assert store.service_postal_codes == ("20", "21", "22")
    assert [(p.name, p.email) for p in store.salespeople] == [
        ("Ann Lee", "ann@test.example"),
        ("Bo Wu", "bo@test.example"),
    ]
    assert not store.active


def test_blank_csv_cells_keep_the_profiles_values(tmp_path: Path) -> None:
    store = read_catalog(write(tmp_path, catalog(stores=0), rows({}))).stores[0]

    assert store.time_zone == "Europe/Berlin"
    assert len(store.channels) == 3
    assert store.service_radius_km == 30


def test_a_store_without_a_profile_gives_every_value_itself(tmp_path: Path) -> None:
    own = {**STORE, **PROFILE, "profile": None, "service_radius_km": "12"}
    toml = catalog(stores=0) + table("[[stores]]", own)
    store = read_catalog(write(tmp_path, toml)).stores[0]

    assert (store.time_zone, store.service_radius_km, len(store.channels)) == (
        "Europe/Berlin",
        12,
        3,
    )


def test_a_csv_row_naming_an_unknown_profile_reports_only_that(tmp_path: Path) -> None:
    stores_csv = rows({"profile": "studio", "name": ""})

    assert problems(tmp_path, catalog(stores=0), stores_csv) == [
        'stores.csv line 2 (store "store-1"): profile "studio" is not defined (known: showroom)'
    ]


def test_stores_come_from_the_toml_file_first_then_the_csv_in_line_order(tmp_path: Path) -> None:
    loaded = read_catalog(write(tmp_path, catalog(), rows({}, {})))

    assert [store.code for store in loaded.stores] == ["berlin-mitte", "store-1", "store-2"]


# --- closures --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        ("Europe/Berlin", "2027-03-28", 23),
        ("Europe/Berlin", "2026-10-25", 25),
        ("America/New_York", "2027-03-14", 23),
        ("Europe/Berlin", "2027-03-27", 24),
    ],
)
def test_a_whole_day_closure_runs_from_local_midnight_to_local_midnight(
    tmp_path: Path, zone: str, day: str, hours: int
) -> None:
    store = load_store(
        tmp_path, time_zone=f'"{zone}"', closures=f'[{{ date = "{day}", reason = "Holiday" }}]'
    )

    (closure,) = store.closures
    assert closure.period.duration == timedelta(hours=hours)
    assert closure.period.start.tzinfo is UTC
    assert closure.reason == "Holiday"


def test_a_closure_in_local_times_is_stored_in_utc(tmp_path: Path) -> None:
    closures = '[{ from = "2026-12-31T14:00", to = "2027-01-02T00:00", reason = "New Year" }]'
    (closure,) = load_store(tmp_path, closures=closures).closures

    assert closure.period.start == datetime(2026, 12, 31, 13, 0, tzinfo=UTC)
    assert closure.period.end == datetime(2027, 1, 1, 23, 0, tzinfo=UTC)


def test_a_closure_to_a_date_lasts_through_that_day(tmp_path: Path) -> None:
    closures = "[{ from = 2026-12-24, to = 2026-12-26 }]"  # TOML dates, unquoted
    (closure,) = load_store(tmp_path, closures=closures).closures

    assert closure.period.start == datetime(2026, 12, 23, 23, 0, tzinfo=UTC)
    assert closure.period.end == datetime(2026, 12, 26, 23, 0, tzinfo=UTC)


def test_a_profiles_closures_are_read_in_each_stores_own_time_zone(tmp_path: Path) -> None:
    toml = catalog(profile={"closures": '[{ date = "2026-12-25" }]'}) + table(
        "[[stores]]",
        {**STORE, "code": '"new-york"', "time_zone": '"America/New_York"', "country": '"US"'},
    )
    berlin, new_york = read_catalog(write(tmp_path, toml)).stores

    assert berlin.closures[0].period.start == datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    assert new_york.closures[0].period.start == datetime(2026, 12, 25, 5, 0, tzinfo=UTC)


# --- problems: each names where, and what -----------------------------------------------------

STORE_PROBLEMS = [
    ("profile", '"showrom"', 'profile "showrom" is not defined (known: showroom)'),
    ("street", None, "street is missing"),
    ("postal_code", "10117", "postal_code must be text in quotes, got 10117"),
    ("lat", "95", "lat 95 is out of range (-90 to 90)"),
    ("lon", "-180.5", "lon -180.5 is out of range (-180 to 180)"),
    ("lat", '"north"', 'lat "north" is not a number'),
    ("time_zone", '"Europe/Berlim"', 'time_zone "Europe/Berlim" is not a known time zone'),
    ("country", '"DEU"', 'country "DEU" is not a two-letter code like DE or US'),
    ("phone", '"030 1234"', 'phone "030 1234" is not an international number like +4930123456'),
    ("email", '"mitte@test"', 'email "mitte@test" is not an email address'),
    ("email", '"mitte@@test.example"', 'email "mitte@@test.example" is not an email address'),
    ("email", '"mi tte@test.example"', 'email "mi tte@test.example" is not an email address'),
    ("booking_mode", '"instant"', 'booking_mode "instant" is not one of request, direct'),
    ("routing", '"dealer"', 'routing "dealer" is not one of headquarters, store, salesperson'),
    ("routing", '"salesperson"', 'has routing "salesperson" but no salespeople'),
    ("active", '"maybe"', 'active "maybe" is not true or false'),
    ("lead_time_minutes", "-5", "lead_time_minutes must be at least 0, got -5"),
    ("horizon_days", "1.5", "horizon_days must be a whole number, got 1.5"),
    ("slot_step_minutes", "7", "slot_step_minutes must be a multiple of 5, got 7"),
    ("service_radius_km", "0", "service_radius_km 0 is out of range (1 to 1000)"),
    ("service_postal_codes", '["10 1"]', 'service_postal_codes "10 1" is not a postal code prefix'),
    ("service_postal_codes", "[10]", "service_postal_codes 10 is not a postal code prefix"),
    ("postcode", '"10117"', 'unknown key "postcode" (did you mean "postal_code"?)'),
    ("salespeople", '[{ name = "Ann" }]', "salespeople[1].email is missing"),
    ("salespeople", '[{ name = "Ann", email = "ann@test.example", emial = "" }]',
     'unknown key "salespeople[1].emial" (did you mean "email"?)'),
    ("hours", '{ mon = ["9:00-13:00"] }', 'hours.mon "9:00-13:00" is not HH:MM-HH:MM'),
    ("hours", '{ mon = ["09:00-25:00"] }',
     'hours.mon "09:00-25:00" is not a time of day (00:00 to 24:00)'),
    ("hours", '{ mon = ["09:00-09:00"] }',
     'hours.mon "09:00-09:00" has zero length (00:00-24:00 is around the clock)'),
    ("hours", '{ mon = ["09:00-13:00", "12:00-18:00"] }',
     'hours.mon "09:00-13:00" and "12:00-18:00" overlap'),
    ("hours", '{ monday = ["09:00-13:00"] }',
     'unknown day "hours.monday" (use mon, tue, wed, thu, fri, sat, sun)'),
    ("hours", "{}", 'has no opening hours; add for example hours.mon = ["09:00-18:00"]'),
    ("channels", "{ in-store = { duration = 60 } }",
     'unknown channel "in-store" in channels (use in_store, online, at_home)'),
    ("channels", "{ online = { duration = 30, capacity = 0 } }",
     "channels.online.capacity must be at least 1, got 0"),
    ("channels", "{ online = { duration = 0 } }",
     "channels.online.duration must be at least 5, got 0"),
    ("channels", "{ online = { duration = -30 } }",
     "channels.online.duration must be at least 5, got -30"),
    ("channels", "{ online = { duration = 32 } }",
     "channels.online.duration must be a multiple of 5, got 32"),
    ("channels", "{ online = { duration = 30, buffer = -5 } }",
     "channels.online.buffer must be at least 0, got -5"),
    ("channels", "{ online = { duration = 30, capcity = 2 } }",
     'unknown key "channels.online.capcity" (did you mean "capacity"?)'),
    ("channels", "{ online = { capacity = 2 } }", "channels.online.duration is missing"),
    ("channels", "{}", "offers no channel; give at least one of in_store, online, at_home"),
    ("channels", '["online", "at_hom"]', 'channel "at_hom" is not among its profile\'s channels'),
    ("closures", '[{ date = "2026-13-01" }]',
     'closures[1].date "2026-13-01" is not YYYY-MM-DD or YYYY-MM-DDTHH:MM'),
    ("closures", '[{ from = "2026-12-27", to = "2026-12-24T10:00" }]',
     "closures[1] does not end after it starts"),
    ("closures", '[{ from = "2026-12-27" }]', "closures[1].to is missing"),
    ("closures", '[{ date = "2026-12-27", to = "2026-12-28" }]',
     "closures[1] needs either a date, or from and to"),
    ("closures", '[{ date = "2026-12-27", reson = "Holiday" }]',
     'unknown key "closures[1].reson" (did you mean "reason"?)'),
]  # fmt: skip


@pytest.mark.parametrize(("key", "value", "message"), STORE_PROBLEMS)
def test_a_bad_store_value_is_reported_at_the_store(
    tmp_path: Path, key: str, value: str | None, message: str
) -> None:
    toml = catalog(store={key: value})

    assert problems(tmp_path, toml) == [f"{AT_STORE}: {message}"]


def test_an_at_home_channel_needs_a_service_radius_or_postal_codes(tmp_path: Path) -> None:
    toml = catalog(profile={"service_radius_km": None})

    assert problems(tmp_path, toml) == [
        f"{AT_STORE}: offers at_home but has neither service_radius_km nor service_postal_codes"
    ]
    assert load_store(tmp_path, service_postal_codes='["10", "13"]').service_radius_km == 30


@pytest.mark.parametrize("code", ["Berlin-Mitte", "berlin mitte", "-mitte", "b", "a" * 65])
def test_a_store_code_is_lowercase_letters_digits_and_hyphens(tmp_path: Path, code: str) -> None:
    assert problems(tmp_path, catalog(store={"code": f'"{code}"'})) == [
        f'catalog.toml [[stores]] entry 1 (store "{code}"): code "{code}" must be 2 to 64 '
        "of a-z, 0-9 and -, not starting with -"
    ]


def test_a_bad_profile_value_is_reported_once_at_the_profile(tmp_path: Path) -> None:
    toml = catalog(profile={"hours.tue": '["10:00-1800"]'}, stores=1) + table(
        "[[stores]]", {**STORE, "code": '"berlin-wedding"'}
    )

    assert problems(tmp_path, toml) == [f'{AT_PROFILE}: hours.tue "10:00-1800" is not HH:MM-HH:MM']


def test_an_unknown_key_in_a_profile_is_reported_even_if_no_store_uses_it(
    tmp_path: Path,
) -> None:
    toml = catalog(profile={"lead_time": "60"})

    assert problems(tmp_path, toml) == [
        f'{AT_PROFILE}: unknown key "lead_time" (did you mean "lead_time_minutes"?)'
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"key": '"demo"'}, 'key "demo" must be pk_ followed by 3 to 40 of a-z, 0-9 and _'),
        ({"key": '"pk_Demo"'}, 'key "pk_Demo" must be pk_ followed by 3 to 40 of a-z, 0-9 and _'),
        ({"key": None}, "key is missing"),
        (
            {"allowed_origins": '["https://shop.example/kitchens"]'},
            'allowed_origins "https://shop.example/kitchens" has a path; give scheme://host[:port] '
            "only",
        ),
        (
            {"allowed_origins": '["https://shop.example/"]'},
            'allowed_origins "https://shop.example/" has a path; give scheme://host[:port] only',
        ),
        (
            {"allowed_origins": '["shop.example"]'},
            'allowed_origins "shop.example" is not scheme://host[:port]',
        ),
        (
            {"allowed_origins": '["https://shop.example:port"]'},
            'allowed_origins "https://shop.example:port" is not scheme://host[:port]',
        ),
        ({"default_locale": '"fr"'}, 'default_locale "fr" is not one of en, de'),
        (
            {"default_theme": '"Dark Mode"'},
            'default_theme "Dark Mode" must be lowercase letters, digits, - and _',
        ),
        (
            {"headquarters_email": '"hq.test.example"'},
            'headquarters_email "hq.test.example" is not an email address',
        ),
        (
            {"landing_url": '"www.shop.example"'},
            'landing_url "www.shop.example" is not an http:// or https:// address',
        ),
        ({"default_local": '"de"'}, 'unknown key "default_local" (did you mean "default_locale"?)'),
    ],
)
def test_a_bad_tenant_value_is_reported_at_the_tenant(
    tmp_path: Path, changes: dict[str, str | None], message: str
) -> None:
    assert problems(tmp_path, catalog(tenant=changes)) == [f"{AT_TENANT}: {message}"]


def test_the_tenant_keeps_origins_in_lowercase_and_an_optional_landing_url(tmp_path: Path) -> None:
    origins = '["HTTPS://Shop.Example", "http://127.0.0.1:8001"]'
    toml = catalog(tenant={"allowed_origins": origins, "landing_url": '"https://shop.example/k"'})
    tenant = read_catalog(write(tmp_path, toml)).tenant

    assert tenant.allowed_origins == ("https://shop.example", "http://127.0.0.1:8001")
    assert tenant.landing_url == "https://shop.example/k"
    assert (tenant.default_locale, tenant.default_theme) == ("en", "default")


def test_an_unknown_top_level_key_is_reported(tmp_path: Path) -> None:
    toml = catalog(top='store_csv = "stores.csv"')

    assert problems(tmp_path, toml) == [
        'catalog.toml: unknown key "store_csv" (did you mean "stores_csv"?)'
    ]


def test_a_catalog_without_a_tenant_or_stores_says_so(tmp_path: Path) -> None:
    assert problems(tmp_path, "") == [
        "catalog.toml: the [tenant] table is missing",
        "catalog.toml: no stores; add [[stores]] tables or a stores_csv file",
    ]


def test_a_toml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    toml = '[tenant]\nkey = "pk_test"\nname = Test Kitchens\n'

    assert problems(tmp_path, toml) == ["catalog.toml line 3, column 8: Invalid value"]


def test_a_missing_catalog_file_is_a_catalog_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as caught:
        read_catalog(tmp_path / "nowhere.toml")

    assert caught.value.problems == ["nowhere.toml: cannot be read (No such file or directory)"]


def test_a_csv_file_that_cannot_be_found_is_reported(tmp_path: Path) -> None:
    toml = catalog(top='stores_csv = "shops.csv"')

    assert problems(tmp_path, toml) == [
        f'catalog.toml: stores_csv "shops.csv" was not found (looked for {tmp_path / "shops.csv"})'
    ]


def test_a_bad_csv_cell_is_reported_with_its_line_and_store(tmp_path: Path) -> None:
    stores_csv = rows(*[{}] * 5, {"code": "hh-altona", "time_zone": "Europe/Hamburgg"})

    assert problems(tmp_path, catalog(stores=0), stores_csv) == [
        'stores.csv line 7 (store "hh-altona"): '
        'time_zone "Europe/Hamburgg" is not a known time zone'
    ]


def test_every_bad_csv_row_is_reported_at_once(tmp_path: Path) -> None:
    stores_csv = rows(
        {"lat": "north"},
        {},
        {"channels": "in_store teleport"},
        {"salespeople": "Ann Lee ann@test.example"},
    )

    assert problems(tmp_path, catalog(stores=0), stores_csv) == [
        'stores.csv line 2 (store "store-1"): lat "north" is not a number',
        'stores.csv line 4 (store "store-3"): channel "teleport" is not among its profile\'s '
        "channels",
        'stores.csv line 5 (store "store-4"): salespeople "Ann Lee ann@test.example" is not '
        '"Name <email>"',
    ]


def test_a_code_used_twice_across_toml_and_csv_is_reported(tmp_path: Path) -> None:
    stores_csv = rows({"code": "store-a"}, {"code": "berlin-mitte"}, {"code": "store-a"})

    assert problems(tmp_path, catalog(), stores_csv) == [
        'stores.csv line 3 (store "berlin-mitte"): code "berlin-mitte" is also used at '
        "catalog.toml [[stores]] entry 1",
        'stores.csv line 4 (store "store-a"): code "store-a" is also used at stores.csv line 2',
    ]


def test_an_unknown_csv_column_is_reported_once_not_per_row(tmp_path: Path) -> None:
    stores_csv = "code,name,postcode\nstore-1,Hamburg,22765\nstore-2,Kiel,24103\n"

    assert problems(tmp_path, catalog(stores=0), stores_csv) == [
        'stores.csv line 1: unknown column "postcode" (did you mean "postal_code"?)'
    ]


def test_a_csv_without_a_header_is_reported(tmp_path: Path) -> None:
    stores_csv = "store-1,Hamburg\n"

    assert problems(tmp_path, catalog(stores=0), stores_csv) == [
        "stores.csv line 1: the first line must name the columns: code,name,street,postal_code,"
        "city,country,lat,lon,time_zone,phone,email,profile,booking_mode,channels,"
        "service_radius_km,service_postal_codes,salespeople,active"
    ]


def test_a_csv_row_with_too_few_cells_is_reported(tmp_path: Path) -> None:
    stores_csv = "code,name,city\nstore-1,Hamburg\n"

    assert problems(tmp_path, catalog(stores=0), stores_csv) == [
        "stores.csv line 2: 2 cells, but the header has 3"
    ]


# --- the tenant's brand ------------------------------------------------------------------------


def test_a_tenant_may_give_its_brand_colour_font_and_radius(tmp_path: Path) -> None:
    brand = {"brand_colour": '"#0B5FFF"', "brand_font": "\"'Inter', sans-serif\""}
    tenant = read_catalog(
        write(tmp_path, catalog(tenant=brand | {"brand_radius": '"12px"'}))
    ).tenant
    assert (tenant.brand_colour, tenant.brand_font, tenant.brand_radius) == (
        "#0B5FFF",
        "'Inter', sans-serif",
        "12px",
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("brand_colour", '"red"'),
        ("brand_colour", '"#fff; } body { display: none"'),
        ("brand_font", '"Inter; background: url(x)"'),
        ("brand_radius", '"8px; color: red"'),
        ("brand_radius", '"large"'),
    ],
)
def test_brand_values_that_are_not_plain_css_values_are_refused(
    tmp_path: Path, key: str, value: str
) -> None:
    found = problems(tmp_path, catalog(tenant={key: value}))
    assert len(found) == 1
    assert key in found[0]
