"""Choosing, binding and migrating the database engine.

The app factory calls `engine_for(settings)` once and `bind_tables(engine)`; nothing else in
the code looks up an engine, so tests can run the same code against SQLite and PostgreSQL in
one process.
"""

from __future__ import annotations

import contextlib
import io
import os

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from server.adapters.sqlite_pool import PooledSQLiteEngine
from server.adapters.tables import ALL_TABLES
from server.config import Settings


def engine_for(settings: Settings) -> Engine:  # type: ignore[type-arg]
    if settings.database_url:
        return PostgresEngine(config={"dsn": settings.database_url})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return PooledSQLiteEngine(path=str(settings.sqlite_path))


def bind_tables(engine: Engine) -> None:  # type: ignore[type-arg]
    for table in ALL_TABLES:
        table._meta.db = engine


def is_postgres(engine: Engine) -> bool:  # type: ignore[type-arg]
    return bool(engine.engine_type == "postgres")


async def open_engine(engine: Engine) -> None:  # type: ignore[type-arg]
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=2, max_size=20)


async def close_engine(engine: Engine) -> None:  # type: ignore[type-arg]
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine):
        await engine.close()


async def migrate(engine: Engine) -> None:  # type: ignore[type-arg]
    """Run every pending migration against `engine` (idempotent)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards
    from piccolo.apps.migrations.tables import Migration

    from server.adapters import piccolo_conf

    os.environ.setdefault("PICCOLO_CONF", "server.adapters.piccolo_conf")
    # Piccolo's migration runner finds its engine through the PICCOLO_CONF module; point it
    # at the engine we were given rather than whatever the environment says.
    piccolo_conf.DB = engine
    Migration._meta.db = engine
    # Piccolo narrates each migration on stdout (and miscounts them on a fresh database);
    # keep its words for the error message only.
    narration = io.StringIO()
    with contextlib.redirect_stdout(narration):
        result = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}\n{narration.getvalue()}")
