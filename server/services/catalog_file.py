"""The catalog file: one tenant and its stores, read from TOML (and a CSV of stores) into specs.

`bookwidget load FILE` calls `read_catalog`. Nothing here touches the database, so a file is
checked completely before anything is written, and every problem is reported at once, each
naming the file, the line or table, and the store.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeGuard
from zoneinfo import ZoneInfo, available_timezones

from server.domain.model import BookingMode, Channel, Routing, WeeklyOpening
from server.services import catalog_rows as rows
from server.services.catalog_rows import ChannelSpec, ClosureSpec, Fields, SalespersonSpec, show

__all__ = [
    "Catalog",
    "CatalogError",
    "ChannelSpec",
    "ClosureSpec",
    "SalespersonSpec",
    "StoreSpec",
    "TenantSpec",
    "read_catalog",
]

Profiles = Mapping[str, Mapping[str, object]]
#: Text with a shape: the pattern it must match in full, and what to say when it does not.
_KEY = (r"pk_[a-z0-9_]{3,40}", "must be pk_ followed by 3 to 40 of a-z, 0-9 and _")
_LOCALE = ("en|de", "is not one of en, de")
_THEME = ("[a-z0-9][a-z0-9_-]{0,39}", "must be lowercase letters, digits, - and _")
_LANDING = (r"https?://[^\s/]+(/\S*)?", "is not an http:// or https:// address")
# Brand values end up in a stylesheet: only characters that cannot end a declaration.
_COLOUR = ("#[0-9a-fA-F]{6}", "must be a colour like #0b5fff")
_FONT = (r"[A-Za-z0-9 ,'-]{1,100}", "must be a font list like 'Inter', sans-serif")
_RADIUS = (r"(0|[0-9]{1,2}(\.[0-9]{1,2})?(px|rem|em))", "must be a length like 8px or 0.5rem")
_CODE = ("[a-z0-9][a-z0-9-]{1,63}", "must be 2 to 64 of a-z, 0-9 and -, not starting with -")
_COUNTRY = ("[A-Za-z]{2}", "is not a two-letter code like DE or US")
_ORIGIN = re.compile(r"(?i)https?://[^/?#\s:@]+(:[0-9]{1,5})?")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_POSTAL_PREFIX = re.compile(r"[A-Z0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class StoreSpec:
    """One store as the catalog describes it, checked and with its profile applied."""

    code: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    lat: float
    lon: float
    time_zone: str
    phone: str
    email: str
    booking_mode: BookingMode
    routing: Routing
    copy_headquarters: bool
    lead_time_minutes: int
    horizon_days: int
    slot_step_minutes: int
    channels: tuple[ChannelSpec, ...]
    hours: tuple[WeeklyOpening, ...]
    closures: tuple[ClosureSpec, ...]
    service_radius_km: float | None
    service_postal_codes: tuple[str, ...]
    salespeople: tuple[SalespersonSpec, ...]
    active: bool
    #: The email of the salesperson who receives every request (routing "salesperson");
    #: "" shares them round-robin among the store's salespeople.
    salesperson: str = ""
    #: A customer may move their appointment until this many hours before it starts.
    reschedule_cutoff_hours: int = 24
    #: A dealer's new time is a proposal the customer accepts, not a decision.
    reschedule_proposals: bool = False


@dataclass(frozen=True, slots=True)
class TenantSpec:
    """The brand: its public embed key, where it may be embedded, and its defaults."""

    key: str
    name: str
    allowed_origins: tuple[str, ...]
    default_locale: str
    default_theme: str
    headquarters_email: str
    landing_url: str | None
    #: The tenant's own look over the chosen theme (themes/README.md): "" keeps the theme's.
    brand_colour: str = ""
    brand_font: str = ""
    brand_radius: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    """What a catalog file describes: one tenant and its stores, in file order."""

    tenant: TenantSpec
    stores: tuple[StoreSpec, ...]


TENANT_KEYS = [field.name for field in dataclasses.fields(TenantSpec)]
STORE_KEYS = ["profile", *(field.name for field in dataclasses.fields(StoreSpec))]
PROFILE_KEYS = STORE_KEYS[2:]  # all but profile and code


class CatalogError(Exception):
    """A catalog that cannot be loaded; `problems` lists everything wrong with it, in order."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(dict.fromkeys(problems))  # a bad profile value is reported once
        super().__init__("\n".join(self.problems))


def read_catalog(path: Path) -> Catalog:
    """Read and check a catalog TOML file and the CSV of stores it names, if any."""
    name, data = path.name, _toml(path)
    problems: list[str] = []
    top = Fields(data, name, problems)
    top.check_keys(("tenant", "profiles", "stores", "stores_csv"))
    table = data.get("tenant")
    tenant = _tenant(Fields(table, f"{name} [tenant]", problems)) if _is_table(table) else None
    if tenant is None:
        top.problem("the [tenant] table is missing")
    profiles = _profiles(top.child("profiles", data.get("profiles", {})), name)
    listed = enumerate(top.listing("stores"), 1)
    found = [(f"{name} [[stores]] entry {number}", store) for number, store in listed]
    before = len(problems)
    if csv_name := top.text("stores_csv", default=""):
        found += _csv_rows(path.parent / csv_name, csv_name, top)
    if not found and len(problems) == before:
        top.problem("no stores; add [[stores]] tables or a stores_csv file")
    stores = _stores(found, profiles, name, problems)
    if problems or tenant is None:
        raise CatalogError(problems)
    return Catalog(tenant, stores)


def _toml(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CatalogError([f"{path.name}: cannot be read ({error.strerror})"]) from None
    except UnicodeDecodeError:
        raise CatalogError([f"{path.name}: is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as error:  # "Invalid value (at line 3, column 8)"
        at = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error))
        where = f"{path.name} line {at[2]}, column {at[3]}: {at[1]}" if at else None
        raise CatalogError([where or f"{path.name}: {error}"]) from None


def _is_table(value: object) -> TypeGuard[Mapping[str, object]]:
    return isinstance(value, Mapping)


def _stores(
    found: list[tuple[str, object]], profiles: Profiles, name: str, problems: list[str]
) -> tuple[StoreSpec, ...]:
    stores: list[StoreSpec] = []
    first_seen: dict[str, str] = {}
    for where, values in found:
        if not _is_table(values):
            problems.append(f"{where}: must be a table; write [[stores]]")
            continue
        label = rows.store_label(where, values)
        if (store := _store(Fields(values, label, problems), profiles, name)) is None:
            continue
        if store.code and (seen := first_seen.setdefault(store.code, where)) != where:
            problems.append(f'{label}: code "{store.code}" is also used at {seen}')
        stores.append(store)
    return tuple(stores)


def _tenant(fields: Fields) -> TenantSpec:
    fields.check_keys(TENANT_KEYS)
    origins = tuple(_origin(fields, value) for value in fields.listing("allowed_origins"))
    return TenantSpec(
        key=fields.matching("key", *_KEY),
        name=fields.text("name"),
        allowed_origins=origins,
        default_locale=fields.matching("default_locale", *_LOCALE, default="en"),
        default_theme=fields.matching("default_theme", *_THEME, default="default"),
        headquarters_email=fields.email("headquarters_email"),
        landing_url=fields.matching("landing_url", *_LANDING, default="") or None,
        brand_colour=fields.matching("brand_colour", *_COLOUR, default=""),
        brand_font=fields.matching("brand_font", *_FONT, default=""),
        brand_radius=fields.matching("brand_radius", *_RADIUS, default=""),
    )


def _origin(fields: Fields, value: object) -> str:
    """An origin as a browser sends it: scheme://host[:port] in lowercase, nothing after."""
    text = value if isinstance(value, str) else ""
    if re.fullmatch(r"(?i)https?://[^/?#\s]+[/?#].*", text):
        fields.bad("allowed_origins", f"{show(value)} has a path; give scheme://host[:port] only")
    elif not _ORIGIN.fullmatch(text):
        fields.bad("allowed_origins", f"{show(value)} is not scheme://host[:port]")
    return text.lower()


def _profiles(table: Fields | None, name: str) -> Profiles:
    profiles: dict[str, Mapping[str, object]] = {}
    if table is None:
        return profiles
    for profile, values in table.values.items():
        if _is_table(values):
            Fields(values, f"{name} [profiles.{profile}]", table.problems).check_keys(PROFILE_KEYS)
            profiles[profile] = values
        else:
            table.bad(profile, f"must be a table, got {show(values)}")
    return profiles


def _csv_rows(path: Path, csv_name: str, top: Fields) -> list[tuple[str, dict[str, object]]]:
    try:
        return rows.read_csv(path.read_text(encoding="utf-8-sig"), csv_name, top.problems)
    except FileNotFoundError:
        top.bad("stores_csv", f'"{csv_name}" was not found (looked for {path})')
    except (OSError, UnicodeDecodeError) as error:
        top.bad("stores_csv", f'"{csv_name}" cannot be read ({error})')
    return []


def _store(own: Fields, profiles: Profiles, name: str) -> StoreSpec | None:
    """A store's own keys over its profile's: a key the store gives replaces the profile's.

    `channels` given as a list of names (a CSV cell, say) keeps only those of the profile's.
    A store naming an unknown profile is not checked further: all else would be noise.
    """
    own.check_keys(STORE_KEYS)
    values: dict[str, object] = dict(own.values)
    origins: dict[str, str] = {}
    given = values.get("channels")
    only = given if isinstance(given, list) else None
    if only is not None:
        del values["channels"]
    if (profile_name := values.pop("profile", None)) is not None:
        profile = profiles.get(profile_name) if isinstance(profile_name, str) else None
        if profile is None:
            known = ", ".join(profiles) or "none"
            own.bad("profile", f"{show(profile_name)} is not defined (known: {known})")
            return None
        origins = dict.fromkeys(set(profile) - set(values), f"{name} [profiles.{profile_name}]")
        values = {**profile, **values}
    fields = Fields(values, own.where, own.problems, origins)
    code = fields.matching("code", *_CODE)
    zone = _zone(fields)
    channels, hours = rows.read_channels(fields, only), rows.read_hours(fields)
    radius = fields.number("service_radius_km", 1, 1000, required=False)
    postal_codes = _postal_prefixes(fields)
    at_home = any(spec.channel is Channel.AT_HOME for spec in channels)
    if at_home and not postal_codes and "service_radius_km" not in fields.values:
        fields.problem("offers at_home but has neither service_radius_km nor service_postal_codes")
    routing = fields.choice("routing", Routing, Routing.STORE)
    salespeople = rows.read_salespeople(fields)
    if routing is Routing.SALESPERSON and not salespeople:
        fields.problem('has routing "salesperson" but no salespeople')
    assigned = fields.email("salesperson") if "salesperson" in fields.values else ""
    if assigned and assigned not in {person.email for person in salespeople}:
        fields.bad("salesperson", f'"{assigned}" is not one of the store\'s salespeople')
    return StoreSpec(
        code=code,
        name=fields.text("name"),
        street=fields.text("street"),
        postal_code=fields.text("postal_code"),
        city=fields.text("city"),
        country=fields.matching(
            "country", "[A-Za-z]{2}", "is not a two-letter code like DE or US"
        ).upper(),
        lat=fields.number("lat", -90, 90) or 0.0,
        lon=fields.number("lon", -180, 180) or 0.0,
        time_zone=zone.key if zone else "",
        phone=_phone(fields),
        email=fields.email("email"),
        booking_mode=fields.choice("booking_mode", BookingMode, BookingMode.REQUEST),
        routing=routing,
        copy_headquarters=fields.flag("copy_headquarters", default=False),
        lead_time_minutes=fields.integer("lead_time_minutes", 120, minimum=0),
        horizon_days=fields.integer("horizon_days", 60, minimum=1),
        slot_step_minutes=fields.integer("slot_step_minutes", 30, minimum=5, multiple_of=5),
        channels=channels,
        hours=hours,
        closures=rows.read_closures(fields, zone),
        service_radius_km=radius,
        service_postal_codes=postal_codes,
        salespeople=salespeople,
        active=fields.flag("active", default=True),
        salesperson=assigned,
        reschedule_cutoff_hours=fields.integer("reschedule_cutoff_hours", 24, minimum=0),
        reschedule_proposals=fields.flag("reschedule_proposals", default=False),
    )


_known_zones = cache(available_timezones)


def _zone(fields: Fields) -> ZoneInfo | None:
    name = fields.text("time_zone")
    if name and name not in _known_zones():
        fields.bad("time_zone", f'"{name}" is not a known time zone')
    return ZoneInfo(name) if name in _known_zones() else None


def _phone(fields: Fields) -> str:
    """The number in E.164: spaces, dashes, dots, slashes and brackets are dropped."""
    given = fields.text("phone")
    phone = re.sub(r"[\s\-./()]", "", given)
    if given and not _PHONE.fullmatch(phone):
        fields.bad("phone", f'"{given}" is not an international number like +4930123456')
    return phone


def _postal_prefixes(fields: Fields) -> tuple[str, ...]:
    prefixes: list[str] = []
    for given in fields.listing("service_postal_codes"):
        prefix = given.strip().upper() if isinstance(given, str) else ""
        if not _POSTAL_PREFIX.fullmatch(prefix):
            fields.bad("service_postal_codes", f"{show(given)} is not a postal code prefix")
        prefixes.append(prefix)
    return tuple(prefixes)
