from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from piccolo.engine.base import Engine

from server.adapters import repository
from server.adapters.database import bind_tables, close_engine, engine_for, migrate, open_engine
from server.adapters.tables import Location
from server.config import Settings, load_settings
from server.services.catalog_file import Catalog
from server.services.catalog_import import import_catalog
from server.web.app import create_app
from tests.databases import fresh_postgres_database, postgres_admin_dsn, skip_reason
from tests.fakes import FrozenClock
from tests.mail import MailRig, clear_outbox, sink_settings
from tests.smtp import SmtpSink

#: Monday 22 March 2027, 08:00 UTC (09:00 in Berlin): a quiet week before the DST change.
MONDAY_MORNING = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)

TEST_KEYS = "t1:" + "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ"


@dataclass
class Database:
    kind: str
    settings: Settings
    engine: Engine  # type: ignore[type-arg]

    async def load(self, catalog: Catalog) -> dict[str, int]:
        """Load a catalog; returns store ids by code."""
        await import_catalog(catalog, self.engine, MONDAY_MORNING)
        tenant = await repository.tenant_by_key(catalog.tenant.key)
        assert tenant is not None
        rows = await Location.select(Location.id, Location.code).where(Location.tenant == tenant.id)
        return {row["code"]: row["id"] for row in rows}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Database]:
    kind: str = request.param
    directory: Path = tmp_path_factory.mktemp(f"db-{kind}")
    env = {
        "BOOKWIDGET_DATA_DIR": str(directory),
        "BOOKWIDGET_SECRET_KEYS": TEST_KEYS,
        # Tests send the outbox themselves, with a dispatcher of their own (tests/mail.py).
        "BOOKWIDGET_DISPATCHER": "off",
    }
    if kind == "postgres":
        if postgres_admin_dsn() is None:
            pytest.skip(skip_reason())
        async with (
            fresh_postgres_database() as dsn,
            _engine(load_settings(env | {"DATABASE_URL": dsn})) as database,
        ):
            yield database
    else:
        async with _engine(load_settings(env)) as database:
            yield database


class _engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = engine_for(settings)

    async def __aenter__(self) -> Database:
        await open_engine(self.engine)
        await migrate(self.engine)
        return Database(
            kind="postgres" if self.settings.database_url else "sqlite",
            settings=self.settings,
            engine=self.engine,
        )

    async def __aexit__(self, *exc: Any) -> None:
        await close_engine(self.engine)


@pytest.fixture
async def db(database: Database) -> Database:
    bind_tables(database.engine)
    return database


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_MORNING)


@pytest.fixture
async def app(db: Database, clock: FrozenClock) -> AsyncIterator[Litestar]:
    """A fresh, started app on the test's database and clock."""
    app = create_app(db.settings, engine=db.engine, clock=clock)
    # The startup and shutdown hooks are called directly: `app.lifespan()` holds an anyio
    # task group, which cannot span a fixture's setup and teardown (different tasks).
    for hook in app.on_startup:
        await hook()
    yield app
    for hook in app.on_shutdown:
        await hook()


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app in the test's own event loop (Litestar's AsyncTestClient runs it on a portal
    thread with another loop, which an asyncpg pool cannot be shared with)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as test_client:
        yield test_client


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on a free port, for this test only."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
async def mail(db: Database, clock: FrozenClock, smtp_sink: SmtpSink) -> MailRig:
    """The test's outbox, sent by a real dispatcher over SMTP into `smtp_sink`."""
    await clear_outbox()
    return MailRig(
        sink=smtp_sink,
        settings=sink_settings(db.settings, smtp_sink),
        engine=db.engine,
        clock=clock,
    )
