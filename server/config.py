"""Settings, read once from the environment at start-up and checked there (STYLE 7).

- DATABASE_URL: `postgresql://user@host:port/db`; unset means a SQLite file in the data folder.
- BOOKWIDGET_DATA_DIR: where the SQLite file and generated keys live (default `./data`).
- BOOKWIDGET_SECRET_KEYS: `kid:base64secret,...`; the first key signs links, all verify.
  Unset: a key is generated once and kept in the data folder.
- BOOKWIDGET_PUBLIC_URL: the server's public origin, for links in email.
- BOOKWIDGET_HOLD_SECONDS: how long a time picked in the widget stays held for the customer
  (default 600, ten minutes; tests shorten it).
- Email (DESIGN §5): BOOKWIDGET_SMTP_HOST (default 127.0.0.1), BOOKWIDGET_SMTP_PORT (default
  25, 587 with STARTTLS, 465 with TLS), BOOKWIDGET_SMTP_SECURITY (`none`, `starttls` or
  `tls`), BOOKWIDGET_SMTP_USER and BOOKWIDGET_SMTP_PASSWORD (both or neither),
  BOOKWIDGET_MAIL_FROM (the sender, e.g. `Nordlicht <bookings@nordlicht.example>`).
- BOOKWIDGET_DISPATCHER: `on` (default) sends the outbox from inside `serve`; `off` leaves it
  to `bookwidget worker` processes.
- BOOKWIDGET_OUTBOX_ATTEMPTS (default 8) and BOOKWIDGET_OUTBOX_RETRY_SECONDS (default 30):
  a message that fails is retried after 30 s, 60 s, 120 s, ... and marked failed after the
  last attempt.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from server.domain.tokens import SigningKey, format_keys, generate_key, parse_keys


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable."""


SmtpSecurity = Literal["none", "starttls", "tls"]
DEFAULT_SENDER = "Bookwidget <bookings@localhost>"
_DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    security: SmtpSecurity = "none"
    username: str = ""
    # Kept out of the repr so the password never turns up in a log line or a traceback.
    password: str = field(default="", repr=False)
    sender: str = DEFAULT_SENDER
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    #: Send from inside the server process (False: only `bookwidget worker` sends).
    in_process: bool = True
    max_attempts: int = 8
    retry_after: timedelta = timedelta(seconds=30)
    #: How often an idle dispatcher looks for due messages.
    poll_every: timedelta = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    data_dir: Path
    signing_keys: tuple[SigningKey, ...]
    public_url: str
    hold_for: timedelta = timedelta(minutes=10)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    outbox: OutboxSettings = field(default_factory=OutboxSettings)

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
        smtp=_smtp(env),
        outbox=_outbox(env),
    )


def _smtp(env: Mapping[str, str]) -> SmtpSettings:
    security = env.get("BOOKWIDGET_SMTP_SECURITY", "none").lower()
    if security not in _DEFAULT_PORTS:
        raise ConfigError(
            f"BOOKWIDGET_SMTP_SECURITY must be none, starttls or tls, got {security!r}"
        )
    port = _whole_number(
        env, "BOOKWIDGET_SMTP_PORT", str(_DEFAULT_PORTS[security]), minimum=1, maximum=65535
    )
    username = env.get("BOOKWIDGET_SMTP_USER", "")
    password = env.get("BOOKWIDGET_SMTP_PASSWORD", "")
    if bool(username) != bool(password):
        raise ConfigError("BOOKWIDGET_SMTP_USER and BOOKWIDGET_SMTP_PASSWORD go together")
    sender = env.get("BOOKWIDGET_MAIL_FROM", DEFAULT_SENDER)
    _, address = parseaddr(sender)
    try:
        Address(addr_spec=address)
    except (ValueError, IndexError):
        address = ""
    if "@" not in address or any(c in sender for c in "\r\n"):
        raise ConfigError(
            f"BOOKWIDGET_MAIL_FROM must be an address like 'Shop <bookings@shop.example>', "
            f"got {sender!r}"
        )
    return SmtpSettings(
        host=env.get("BOOKWIDGET_SMTP_HOST", "127.0.0.1"),
        port=port,
        security=security,  # type: ignore[arg-type]
        username=username,
        password=password,
        sender=sender,
    )


def _outbox(env: Mapping[str, str]) -> OutboxSettings:
    mode = env.get("BOOKWIDGET_DISPATCHER", "on").lower()
    if mode not in {"on", "off"}:
        raise ConfigError(f"BOOKWIDGET_DISPATCHER must be on or off, got {mode!r}")
    attempts = _whole_number(env, "BOOKWIDGET_OUTBOX_ATTEMPTS", "8", minimum=1, maximum=50)
    retry = _whole_number(env, "BOOKWIDGET_OUTBOX_RETRY_SECONDS", "30", minimum=1, maximum=86400)
    return OutboxSettings(
        in_process=mode == "on", max_attempts=attempts, retry_after=timedelta(seconds=retry)
    )


def _whole_number(
    env: Mapping[str, str], name: str, default: str, *, minimum: int, maximum: int
) -> int:
    text = env.get(name, default)
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise ConfigError(
            f"{name} must be a whole number from {minimum} to {maximum}, got {text!r}"
        )
    return value


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
