"""`bookwidget` — serve, migrate, load, demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import asyncpg
from piccolo.engine.base import Engine

from server.adapters.database import bind_tables, close_engine, engine_for, migrate, open_engine
from server.config import ConfigError, Settings, load_settings
from server.services.catalog_file import CatalogError, read_catalog
from server.services.catalog_import import ImportReport, import_catalog

T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("piccolo").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"bookwidget: configuration error: {error}", file=sys.stderr)
        return 2
    try:
        command: int = args.run(args, settings)
    except (OSError, sqlite3.Error, asyncpg.PostgresError) as error:
        # The database is missing, unreachable or not migrated: say so, without a traceback.
        print(
            f"bookwidget: {type(error).__name__}: {error}\n"
            f"  database: {_database_label(settings)}; is it reachable, and has "
            "`bookwidget migrate` been run?",
            file=sys.stderr,
        )
        return 1
    return command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bookwidget", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the production server (uvicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="server processes")
    serve.add_argument("--migrate", action="store_true", help="migrate before serving")
    serve.set_defaults(run=_serve)

    migrate = commands.add_parser("migrate", help="create or update the database schema")
    migrate.set_defaults(run=_migrate)

    load = commands.add_parser("load", help="load a tenant and its stores from a TOML file")
    load.add_argument("file", type=Path)
    load.set_defaults(run=_load)

    demo = commands.add_parser(
        "demo", help="demo: SQLite, demo stores, API on --port, partner page on another origin"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--partner-port", type=int, default=None, help="default: --port + 1")
    demo.set_defaults(run=_demo)
    return parser


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.migrate:
        _migrate(args, settings)
    uvicorn.run(
        "server.web.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # The access log would write query strings, which carry link tokens and searches.
        access_log=False,
        proxy_headers=True,
    )
    return 0


def _migrate(_: argparse.Namespace, settings: Settings) -> int:
    asyncio.run(_with_engine(settings, migrate))
    print(f"bookwidget: database is up to date ({_database_label(settings)})")
    return 0


def _load(args: argparse.Namespace, settings: Settings) -> int:
    try:
        catalog = read_catalog(args.file)
    except CatalogError as error:
        print(f"bookwidget: {args.file} was not loaded; fix these and load again:", file=sys.stderr)
        for problem in error.problems:
            print(f"  {problem}", file=sys.stderr)
        return 2

    async def load(engine: Engine) -> ImportReport:  # type: ignore[type-arg]
        return await import_catalog(catalog, engine, datetime.now(UTC))

    report = asyncio.run(_with_engine(settings, load))
    print(
        f"bookwidget: loaded {report.tenant_key} "
        f"({'new tenant' if report.tenant_created else 'tenant updated'}): "
        f"{report.stores_created} stores created, {report.stores_updated} updated"
    )
    return 0


async def _with_engine(
    settings: Settings,
    work: Callable[[Engine], Awaitable[T]],  # type: ignore[type-arg]
) -> T:
    """Run `work` with an open engine, and close it after: idle SQLite connections are
    threads that would otherwise keep the process from exiting."""
    engine = engine_for(settings)
    bind_tables(engine)
    await open_engine(engine)
    try:
        return await work(engine)
    finally:
        await close_engine(engine)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.demo.run import run_demo

    partner_port = args.partner_port or args.port + 1
    asyncio.run(run_demo(settings, host=args.host, port=args.port, partner_port=partner_port))
    return 0


def _database_label(settings: Settings) -> str:
    return "PostgreSQL" if settings.database_url else f"SQLite {settings.sqlite_path}"


if __name__ == "__main__":
    raise SystemExit(main())
