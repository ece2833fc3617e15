"""`bookwidget demo`: migrate, load the demo tenant, serve the API, a partner page and a
mailbox.

The partner page is served on a second port, i.e. a different origin, because that is how
partners use Bookwidget: their page, our server. The server's mail goes to a local SMTP sink
whose mailbox page shows each message with working links, so one person can play customer
and dealer.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from server.adapters.database import bind_tables, close_engine, engine_for, migrate
from server.config import Settings, SmtpSettings
from server.demo.mailbox import Mailbox, mailbox_app
from server.demo.partner import partner_app
from server.services.catalog_file import Catalog, read_catalog
from server.services.catalog_import import import_catalog
from server.web.app import create_app

DEMO_CATALOG = Path(__file__).parent / "demo.toml"
DEMO_SENDER = "Nordlicht Termine <termine@nordlicht.example>"


def demo_catalog(partner_origins: tuple[str, ...]) -> Catalog:
    """The bundled demo tenant, allowed to be embedded by this run's partner origin."""
    catalog = read_catalog(DEMO_CATALOG)
    origins = tuple(dict.fromkeys((*catalog.tenant.allowed_origins, *partner_origins)))
    tenant = dataclasses.replace(catalog.tenant, allowed_origins=origins)
    return dataclasses.replace(catalog, tenant=tenant)


async def run_demo(
    settings: Settings,
    *,
    host: str,
    port: int,
    partner_port: int,
    mailbox_port: int,
    smtp_port: int,
) -> None:
    mailbox = Mailbox(smtp_port)
    mailbox.start()
    settings = dataclasses.replace(
        settings,
        public_url=f"http://{host}:{port}",
        smtp=SmtpSettings(host=mailbox.host, port=smtp_port, sender=DEMO_SENDER),
    )
    engine = engine_for(settings)
    bind_tables(engine)
    await migrate(engine)
    partner_origins = (f"http://{host}:{partner_port}", f"http://localhost:{partner_port}")
    report = await import_catalog(demo_catalog(partner_origins), engine, datetime.now(UTC))
    api_origin = f"http://{host}:{port}"
    servers = [
        _QuietServer(
            uvicorn.Config(
                create_app(settings, engine=engine),
                host=host,
                port=port,
                access_log=False,
                log_level="warning",
            )
        ),
        _QuietServer(
            uvicorn.Config(
                partner_app(api_origin),
                host=host,
                port=partner_port,
                access_log=False,
                log_level="warning",
            )
        ),
        _QuietServer(
            uvicorn.Config(
                mailbox_app(mailbox),
                host=host,
                port=mailbox_port,
                access_log=False,
                log_level="warning",
            )
        ),
    ]
    loop = asyncio.get_running_loop()

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)
    database = "PostgreSQL" if settings.database_url else str(settings.sqlite_path)
    print(
        f"\nBookwidget demo — {report.stores_created + report.stores_updated} demo stores "
        f"(key {report.tenant_key}), database {database}\n"
        f"  API           {api_origin}/api/v1/widget/{report.tenant_key}\n"
        f"  API docs      {api_origin}/api/docs\n"
        f"  partner page  http://{host}:{partner_port}/\n"
        f"  mailbox       http://{host}:{mailbox_port}/  (SMTP on {host}:{smtp_port})\n"
        "Press Ctrl+C to stop.\n",
        flush=True,
    )
    try:
        await asyncio.gather(*(server.serve() for server in servers))
    finally:
        await close_engine(engine)
        mailbox.stop()


class _QuietServer(uvicorn.Server):
    """Two uvicorn servers share one loop here; signals are handled once, above."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield
