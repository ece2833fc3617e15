"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database.

PostgreSQL tests run when BOOKWIDGET_TEST_POSTGRES holds a DSN of a server we may create
databases on (CI sets it); otherwise they are skipped with that reason shown.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

POSTGRES_ENV = "BOOKWIDGET_TEST_POSTGRES"


def postgres_admin_dsn() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def skip_reason() -> str:
    return f"PostgreSQL tests need {POSTGRES_ENV}=postgresql://user@host:port/db (CI sets it)"


@asynccontextmanager
async def fresh_postgres_database() -> AsyncIterator[str]:
    """Create an empty database next to the one the admin DSN names; drop it afterwards."""
    admin = postgres_admin_dsn()
    assert admin is not None
    name = f"bookwidget_test_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    parts = urlsplit(admin)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


def sqlite_settings_env(directory: Path) -> dict[str, str]:
    return {"BOOKWIDGET_DATA_DIR": str(directory)}
