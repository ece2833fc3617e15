"""The tenant's catalog version, which tells server processes that their store index is stale."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant.catalog_version"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="bookwidget", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="catalog_version",
        db_column_name="catalog_version",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 0,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
