"""Constraints and indexes Piccolo's column API cannot express: composite uniqueness and the
composite index the availability query reads (bookings of one store ordered by start)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "composite unique constraints and indexes"

STATEMENTS = (
    "CREATE UNIQUE INDEX location_tenant_code_unique ON location (tenant, code)",
    "CREATE UNIQUE INDEX location_channel_unique ON location_channel (location, channel)",
    "CREATE INDEX booking_location_start ON booking (location, start_at)",
)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="bookwidget", description=DESCRIPTION)

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        for statement in STATEMENTS:
            await engine.run_ddl(statement)

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        for name in ("location_tenant_code_unique", "location_channel_unique",
                     "booking_location_start"):
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create)
    manager.add_raw_backwards(drop)
    return manager
