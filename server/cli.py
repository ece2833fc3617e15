"""`bookwidget` — serve, migrate, load, worker, outbox, demo."""

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

    worker = commands.add_parser(
        "worker", help="send the outbox's messages (any number may run, on any host)"
    )
    worker.set_defaults(run=_worker)

    box = commands.add_parser("outbox", help="list failed or pending messages; retry failed ones")
    box.add_argument(
        "--status",
        choices=["failed", "pending", "sent", "all"],
        default="failed",
        help="which messages to list (default: failed)",
    )
    box_commands = box.add_subparsers(metavar="ACTION")
    retry = box_commands.add_parser("retry", help="queue failed messages again")
    retry.add_argument("ids", type=int, nargs="*", help="message ids (default: every failed one)")
    retry.set_defaults(run=_outbox_retry)
    box.set_defaults(run=_outbox_list)

    demo = commands.add_parser(
        "demo", help="demo: SQLite, demo stores, API on --port, partner page on another origin"
    )
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--partner-port", type=int, default=None, help="default: --port + 1")
    demo.add_argument("--mailbox-port", type=int, default=None, help="default: --port + 2")
    demo.add_argument("--smtp-port", type=int, default=None, help="default: --port + 25")
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


def _worker(_: argparse.Namespace, settings: Settings) -> int:
    """Run a dispatcher until SIGINT or SIGTERM; the message in hand is finished first."""
    import signal

    from server.adapters.mailer import SmtpMailer
    from server.services.clock import SystemClock
    from server.services.dispatcher import Dispatcher

    async def work(engine: Engine) -> None:  # type: ignore[type-arg]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        dispatcher = Dispatcher(
            engine=engine, mailer=SmtpMailer(settings.smtp), settings=settings, clock=SystemClock()
        )
        print(
            f"bookwidget: worker {dispatcher.name} sending mail via {settings.smtp.host}:"
            f"{settings.smtp.port}; Ctrl+C stops it",
            flush=True,
        )
        await dispatcher.run(stop)

    asyncio.run(_with_engine(settings, work))
    return 0


def _outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    from server.adapters import outbox

    statuses = ["pending", "failed", "sent"] if args.status == "all" else [args.status]

    async def listing(_: Engine) -> tuple[list[outbox.MessageRow], dict[str, int]]:  # type: ignore[type-arg]
        return await outbox.listing(statuses), await outbox.counts()

    rows, counts = asyncio.run(_with_engine(settings, listing))
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("pending", "sent", "failed"))
    print(f"bookwidget: outbox: {summary}")
    for row in rows:
        when = (row.sent_at or row.due_at).strftime("%Y-%m-%d %H:%M:%S")
        print(
            f"  #{row.id:<6} {row.status:<7} {row.kind:<6} booking {row.reference or '-':<8} "
            f"attempts {row.attempts:<2} {when}  {row.last_error[:80]}"
        )
    if args.status == "failed" and rows:
        print("retry them with: bookwidget outbox retry [ID ...]")
    return 0


def _outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    from server.adapters import outbox

    async def retry(engine: Engine) -> int:  # type: ignore[type-arg]
        return await outbox.retry_failed(engine, args.ids or None, datetime.now(UTC))

    count = asyncio.run(_with_engine(settings, retry))
    print(f"bookwidget: {count} failed message(s) queued again")
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.demo.run import run_demo

    asyncio.run(
        run_demo(
            settings,
            host=args.host,
            port=args.port,
            partner_port=args.partner_port or args.port + 1,
            mailbox_port=args.mailbox_port or args.port + 2,
            smtp_port=args.smtp_port or args.port + 25,
        )
    )
    return 0


def _database_label(settings: Settings) -> str:
    return "PostgreSQL" if settings.database_url else f"SQLite {settings.sqlite_path}"


if __name__ == "__main__":
    raise SystemExit(main())
