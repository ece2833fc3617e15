"""A real mail path for integration tests: the app's outbox, a real dispatcher, SMTP to a sink.

`MailRig.deliver()` runs dispatcher rounds until nothing is due, the way `serve` would in the
background, so a test decides when mail goes out and sees exactly what arrived.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from server.adapters.mailer import SmtpMailer
from server.adapters.tables import Outbox
from server.config import Settings, SmtpSettings
from server.services.clock import Clock
from server.services.dispatcher import Dispatcher
from tests.smtp import CaughtMail, SmtpSink

SENDER = "Nordlicht <bookings@nordlicht.example>"
_LINK = re.compile(r'href="([^"]+)"')


def sink_settings(settings: Settings, sink: SmtpSink) -> Settings:
    smtp = SmtpSettings(host=sink.host, port=sink.port, sender=SENDER, timeout_seconds=5)
    return dataclasses.replace(settings, smtp=smtp)


@dataclass
class MailRig:
    sink: SmtpSink
    settings: Settings
    engine: Any
    clock: Clock
    dispatchers: list[Dispatcher] = field(default_factory=list)

    def dispatcher(self, name: str = "test") -> Dispatcher:
        made = Dispatcher(
            engine=self.engine,
            mailer=SmtpMailer(self.settings.smtp),
            settings=self.settings,
            clock=self.clock,
            name=name,
        )
        self.dispatchers.append(made)
        return made

    async def deliver(self) -> list[CaughtMail]:
        """Send everything due now; returns the mail the sink caught meanwhile."""
        before = len(self.sink.messages)
        dispatcher = self.dispatchers[0] if self.dispatchers else self.dispatcher()
        while await dispatcher.run_once():
            pass
        return self.sink.messages[before:]

    async def pending(self) -> int:
        return int(await Outbox.count().where(Outbox.status == "pending"))


async def clear_outbox() -> None:
    """The session's database is shared: messages of earlier tests are not this test's."""
    await Outbox.delete(force=True)


def links(mail: CaughtMail) -> list[str]:
    """Every link in a mail's HTML part, unescaped."""
    return [href.replace("&amp;", "&") for href in _LINK.findall(mail.html or "")]


def page_path(url: str) -> str:
    """`/manage/<token>?do=...` of an absolute link: what a test client requests."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def only(mails: list[CaughtMail], to: str, kind: str) -> CaughtMail:
    found = [m for m in mails if m.to == to and m.message["X-Bookwidget-Kind"] == kind]
    assert len(found) == 1, [(m.to, m.message["X-Bookwidget-Kind"]) for m in mails]
    return found[0]


def kinds(mails: list[CaughtMail]) -> list[tuple[str, str]]:
    return sorted((m.to, str(m.message["X-Bookwidget-Kind"])) for m in mails)


def each(mails: list[CaughtMail]) -> Iterator[tuple[CaughtMail, str]]:
    for mail in mails:
        for link in links(mail):
            yield mail, link
