"""Settings, read once from the environment at start-up and checked there (STYLE 7).

- DATABASE_URL: `postgresql://user@host:port/db`; unset means a SQLite file in the data folder.
- BOOKWIDGET_DATA_DIR: where the SQLite file and generated keys live (default `./data`).
- BOOKWIDGET_SECRET_KEYS: `kid:base64secret,...`; the first key signs links, all verify.
  Unset: a key is generated once and kept in the data folder.
- BOOKWIDGET_PUBLIC_URL: the server's public origin, for links in email.
- BOOKWIDGET_HOLD_SECONDS: how long a time picked in the widget stays held for the customer
  (default 600, ten minutes; tests shorten it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from server.domain.tokens import SigningKey, format_keys, generate_key, parse_keys


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    data_dir: Path
    signing_keys: tuple[SigningKey, ...]
    public_url: str
    hold_for: timedelta = timedelta(minutes=10)

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "bookwidget.sqlite"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    data_dir = Path(env.get("BOOKWIDGET_DATA_DIR", "data")).resolve()
    database_url = env.get("DATABASE_URL") or None
    if database_url is not None and urlsplit(database_url).scheme not in {
        "postgres",
        "postgresql",
    }:
        raise ConfigError(
            f"DATABASE_URL must be a postgresql:// URL (or unset for SQLite), got "
            f"{urlsplit(database_url).scheme or 'no scheme'}://"
        )
    public_url = env.get("BOOKWIDGET_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
    if urlsplit(public_url).scheme not in {"http", "https"}:
        raise ConfigError("BOOKWIDGET_PUBLIC_URL must start with http:// or https://")
    return Settings(
        database_url=database_url,
        data_dir=data_dir,
        signing_keys=_signing_keys(env.get("BOOKWIDGET_SECRET_KEYS"), data_dir),
        public_url=public_url,
        hold_for=_hold_for(env.get("BOOKWIDGET_HOLD_SECONDS", "600")),
    )


def _hold_for(text: str) -> timedelta:
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if not 1 <= seconds <= 3600:
        raise ConfigError(
            f"BOOKWIDGET_HOLD_SECONDS must be a whole number from 1 to 3600, got {text!r}"
        )
    return timedelta(seconds=seconds)


def _signing_keys(spec: str | None, data_dir: Path) -> tuple[SigningKey, ...]:
    """Keys from the environment, else a key generated on first run and kept on disk.

    Keeping the generated key means links in emails survive a restart of the demo; a
    production deployment with several hosts sets BOOKWIDGET_SECRET_KEYS on all of them.
    """
    if spec:
        try:
            return parse_keys(spec)
        except ValueError as error:
            raise ConfigError(f"BOOKWIDGET_SECRET_KEYS: {error}") from error
    key_file = data_dir / "secret_keys"
    if key_file.exists():
        try:
            return parse_keys(key_file.read_text().strip())
        except ValueError as error:
            raise ConfigError(f"{key_file}: {error}") from error
    data_dir.mkdir(parents=True, exist_ok=True)
    keys = (generate_key("k1"),)
    key_file.write_text(format_keys(keys) + "\n")
    key_file.chmod(0o600)
    return keys
