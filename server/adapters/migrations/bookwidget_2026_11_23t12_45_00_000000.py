from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import JSON
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-23T12:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tenant brand"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="bookwidget", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Tenant",
        tablename="tenant",
        column_name="brand",
        db_column_name="brand",
        column_class_name="JSON",
        column_class=JSON,
        params={
            "default": "{}",
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
