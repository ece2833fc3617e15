"""The Piccolo app: its tables and where its migrations live."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.adapters.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="bookwidget",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
