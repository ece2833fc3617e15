"""Settings are read and checked once, at start-up, with messages naming the variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from server.config import ConfigError, load_settings
from tests.conftest import TEST_KEYS


def settings_from(tmp_path: Path, **env: str) -> object:
    return load_settings(
        {"BOOKWIDGET_DATA_DIR": str(tmp_path), "BOOKWIDGET_SECRET_KEYS": TEST_KEYS} | env
    )


def test_a_hold_lasts_ten_minutes_unless_configured(tmp_path: Path) -> None:
    assert load_settings({"BOOKWIDGET_DATA_DIR": str(tmp_path)}).hold_for == timedelta(minutes=10)
    shorter = load_settings({"BOOKWIDGET_DATA_DIR": str(tmp_path), "BOOKWIDGET_HOLD_SECONDS": "3"})
    assert shorter.hold_for == timedelta(seconds=3)


@pytest.mark.parametrize("value", ["0", "-5", "ten", "3601", ""])
def test_a_hold_duration_out_of_range_names_the_variable(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigError, match="BOOKWIDGET_HOLD_SECONDS"):
        settings_from(tmp_path, BOOKWIDGET_HOLD_SECONDS=value)


def test_a_database_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        settings_from(tmp_path, DATABASE_URL="mysql://x")
