"""`bookwidget migrate` and `bookwidget load`, run as a user runs them: in a subprocess."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import TEST_KEYS
from tests.databases import fresh_postgres_database, postgres_admin_dsn, skip_reason
from tests.servers import ROOT, cli, run_cli

DEMO = ROOT / "server" / "demo" / "demo.toml"
DEMO_STORES = 25

BAD_TOML = """\
stores_csv = "stores.csv"

[tenant]
key = "pk_cli_bad"
name = "Bad Kitchens"
allowed_origins = ["https://bad.example"]
headquarters_email = "hq@bad.example"

[profiles.shop]
country = "DE"
time_zone = "Europe/Berlin"
hours.mon = ["10:00-18:00"]
channels.in_store = { duration = 60, capacity = 1 }
"""

# Lines 3, 5 and 6 are wrong (a latitude in words, an unknown zone, a short phone number);
# lines 2 and 4 are fine, and must not be loaded either.
BAD_CSV = """\
code,name,street,postal_code,city,lat,lon,time_zone,phone,email,profile
good-one,Good One,Hauptstr. 1,10115,Berlin,52.53,13.38,,+493012345601,one@bad.example,shop
bad-lat,Bad Latitude,Hauptstr. 2,10115,Berlin,north,13.38,,+493012345602,lat@bad.example,shop
good-two,Good Two,Hauptstr. 3,10115,Berlin,52.53,13.38,,+493012345603,two@bad.example,shop
bad-zone,Bad Zone,Hauptstr. 4,10115,Berlin,52.53,13.38,Mars/Olympus,+493012345604,z@bad.example,shop
bad-phone,Bad Phone,Hauptstr. 5,10115,Berlin,52.53,13.38,,12345,phone@bad.example,shop
"""


run = run_cli


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    """A fresh, migrated SQLite data folder (DATABASE_URL cleared, should the shell set it)."""
    env = {"BOOKWIDGET_DATA_DIR": str(tmp_path), "BOOKWIDGET_SECRET_KEYS": TEST_KEYS}
    env["DATABASE_URL"] = ""
    migrated = cli(["migrate"], env)
    assert "database is up to date" in migrated.stdout
    return env


def sqlite_stores(env: Mapping[str, str]) -> list[tuple[int, str, str]]:
    """(id, tenant key, code) of every store, in id order."""
    path = Path(env["BOOKWIDGET_DATA_DIR"]) / "bookwidget.sqlite"
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT location.id, tenant.public_key, location.code FROM location "
            "JOIN tenant ON tenant.id = location.tenant ORDER BY location.id"
        ).fetchall()
    return [(int(i), str(key), str(code)) for i, key, code in rows]


def sqlite_tenants(env: Mapping[str, str]) -> list[str]:
    path = Path(env["BOOKWIDGET_DATA_DIR"]) / "bookwidget.sqlite"
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT public_key FROM tenant ORDER BY id").fetchall()
    return [str(key) for (key,) in rows]


def created_and_updated(output: str) -> tuple[int, int]:
    found = re.search(r"(\d+) stores created, (\d+) updated", output)
    assert found, output
    return int(found.group(1)), int(found.group(2))


def test_loading_the_demo_catalog_creates_its_25_stores(sqlite_env: dict[str, str]) -> None:
    loaded = cli(["load", str(DEMO)], sqlite_env)

    assert "pk_demo" in loaded.stdout
    assert "new tenant" in loaded.stdout
    assert created_and_updated(loaded.stdout) == (DEMO_STORES, 0)
    assert len(sqlite_stores(sqlite_env)) == DEMO_STORES
    assert sqlite_tenants(sqlite_env) == ["pk_demo"]


def test_loading_the_same_catalog_again_updates_and_creates_nothing(
    sqlite_env: dict[str, str],
) -> None:
    cli(["load", str(DEMO)], sqlite_env)
    before = sqlite_stores(sqlite_env)

    again = cli(["load", str(DEMO)], sqlite_env)

    assert "tenant updated" in again.stdout
    assert created_and_updated(again.stdout) == (0, DEMO_STORES)
    assert sqlite_stores(sqlite_env) == before  # same rows, same ids
    assert sqlite_tenants(sqlite_env) == ["pk_demo"]


def test_a_catalog_with_three_bad_csv_rows_names_each_and_loads_nothing(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    cli(["load", str(DEMO)], sqlite_env)
    before = sqlite_stores(sqlite_env)
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "catalog.toml").write_text(BAD_TOML, encoding="utf-8")
    (folder / "stores.csv").write_text(BAD_CSV, encoding="utf-8")

    result = run(["load", str(folder / "catalog.toml")], sqlite_env)

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  ")]
    assert len(problems) == 3, result.stderr
    assert problems[0].startswith('stores.csv line 3 (store "bad-lat")')
    assert "lat" in problems[0]
    assert problems[1].startswith('stores.csv line 5 (store "bad-zone")')
    assert "Mars/Olympus" in problems[1]
    assert problems[2].startswith('stores.csv line 6 (store "bad-phone")')
    assert "phone" in problems[2]
    assert "was not loaded" in result.stderr
    assert "created" not in result.stdout
    assert sqlite_stores(sqlite_env) == before
    assert sqlite_tenants(sqlite_env) == ["pk_demo"]


def test_loading_a_missing_file_is_a_clear_error_with_exit_code_2(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-catalog.toml"

    result = run(["load", str(missing)], sqlite_env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "no-such-catalog.toml" in result.stderr
    assert "cannot be read" in result.stderr
    assert sqlite_stores(sqlite_env) == []


def test_a_toml_syntax_error_is_reported_with_its_line(
    sqlite_env: dict[str, str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('[tenant]\nkey = "pk_broken"\nname = \n', encoding="utf-8")

    result = run(["load", str(broken)], sqlite_env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "broken.toml line 3" in result.stderr
    assert sqlite_tenants(sqlite_env) == []


@pytest.mark.postgres
@pytest.mark.skipif(postgres_admin_dsn() is None, reason=skip_reason())
async def test_loading_the_demo_twice_into_postgresql_is_idempotent(tmp_path: Path) -> None:
    async with fresh_postgres_database() as dsn:
        env = {
            "BOOKWIDGET_DATA_DIR": str(tmp_path),
            "BOOKWIDGET_SECRET_KEYS": TEST_KEYS,
            "DATABASE_URL": dsn,
        }
        migrated = await asyncio.to_thread(cli, ["migrate"], env)
        assert "PostgreSQL" in migrated.stdout
        first = await asyncio.to_thread(cli, ["load", str(DEMO)], env)
        before = await postgres_stores(dsn)
        second = await asyncio.to_thread(cli, ["load", str(DEMO)], env)
        after = await postgres_stores(dsn)

    assert created_and_updated(first.stdout) == (DEMO_STORES, 0)
    assert created_and_updated(second.stdout) == (0, DEMO_STORES)
    assert len(before) == DEMO_STORES
    assert after == before
    assert not (tmp_path / "bookwidget.sqlite").exists()


async def postgres_stores(dsn: str) -> list[tuple[int, str]]:
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch("SELECT id, code FROM location ORDER BY id")
    finally:
        await connection.close()
    return [(int(row["id"]), str(row["code"])) for row in rows]


def test_loading_before_migrating_says_what_to_do_instead_of_a_traceback(tmp_path: Path) -> None:
    env = {
        "BOOKWIDGET_DATA_DIR": str(tmp_path),
        "BOOKWIDGET_SECRET_KEYS": TEST_KEYS,
        "DATABASE_URL": "",
    }
    result = run(["load", str(ROOT / "server" / "demo" / "demo.toml")], env)
    assert result.returncode == 1
    assert "bookwidget migrate" in result.stderr
    assert "Traceback" not in result.stderr
