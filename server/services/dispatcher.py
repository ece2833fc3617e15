"""Sending the outbox: claim due messages, render, send, settle (DESIGN §5).

Runs inside `serve` (one per process) and as `bookwidget worker`; any number may run against
one database, because each message is claimed by exactly one of them (server.adapters.outbox).
A failed send is retried after `retry_after`, twice that, four times that, ...; after the
last attempt, or at once when the mail server refuses it for good, the message is marked
failed and `bookwidget outbox` lists it. Logs name messages by id and kind, never by address.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import timedelta
from email.message import EmailMessage

import msgspec
from piccolo.engine.base import Engine

from server.adapters import outbox
from server.adapters.mailer import Mailer, MailError
from server.config import Settings
from server.domain.mail import MailFacts, MailKind
from server.services.clock import Clock
from server.services.emails import render_email
from server.services.links import FRESH_LINK_LIFETIME, appointment_ends, booking_page_url
from server.services.notifications import EMAIL

log = logging.getLogger("bookwidget.outbox")

#: Messages one claim takes. Small, so a lease covers the batch even with slow SMTP.
BATCH = 10
#: The longest wait between two attempts, however many there were.
MAX_RETRY_DELAY = timedelta(hours=6)


class Dispatcher:
    def __init__(
        self,
        *,
        engine: Engine,  # type: ignore[type-arg]
        mailer: Mailer,
        settings: Settings,
        clock: Clock,
        name: str | None = None,
    ) -> None:
        self._engine = engine
        self._mailer = mailer
        self._settings = settings
        self._clock = clock
        # Part of every claim id, which the outbox keeps in 64 characters: host names of
        # cloud machines run longer than that.
        self.name = (name or f"{socket.gethostname()[:32]}:{os.getpid()}")[:48]
        # Long enough to send a whole batch at the SMTP timeout, with room to spare.
        self._lease = timedelta(seconds=BATCH * (settings.smtp.timeout_seconds + 5))
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Look for due messages now rather than at the next poll (a change was written)."""
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Send until `stop` is set; a database or rendering error is logged, not fatal."""
        log.info("dispatcher %s started", self.name)
        while not stop.is_set():
            try:
                handled = await self.run_once()
            except Exception:
                # The database may be restarting; the messages wait in the table meanwhile.
                log.exception("dispatcher %s: a round failed; trying again shortly", self.name)
                handled = 0
            if handled < BATCH:
                await self._sleep(stop)
        log.info("dispatcher %s stopped", self.name)

    async def run_once(self) -> int:
        """Claim one batch of due messages and send them; returns how many were handled."""
        now = self._clock.now()
        claim_id = f"{self.name}:{uuid.uuid4().hex[:12]}"
        messages = await outbox.claim(
            self._engine, claim_id, now=now, lease_until=now + self._lease, limit=BATCH
        )
        for message in messages:
            await self._deliver(message, claim_id)
        return len(messages)

    async def _deliver(self, message: outbox.Message, claim_id: str) -> None:
        try:
            if message.kind != EMAIL:
                raise MailError(f"unknown message kind {message.kind!r}", permanent=True)
            await self._mailer.send(self._email(message))
        except MailError as error:
            await self._after_failure(message, claim_id, str(error), permanent=error.permanent)
        except (msgspec.ValidationError, ValueError, KeyError) as error:
            # A payload this code cannot read will not get better by waiting.
            await self._after_failure(message, claim_id, repr(error), permanent=True)
        else:
            await outbox.settle_sent(self._engine, message, claim_id, self._clock.now())
            log.info("sent message %s (%s)", message.id, message.kind)

    def _email(self, message: outbox.Message) -> EmailMessage:
        facts = msgspec.convert(message.payload, MailFacts)
        public_url = self._settings.public_url
        if facts.book_again_url.startswith("/"):
            facts = msgspec.structs.replace(facts, book_again_url=public_url + facts.book_again_url)
        ends = appointment_ends(facts.end, facts.proposed_end)
        # A fresh link is asked for because the old one expired: it must outlive the ask.
        fresh = facts.kind is MailKind.FRESH_LINK
        page_url = booking_page_url(
            public_url,
            facts.reference,
            facts.role,
            ends,
            self._settings.signing_keys,
            at_least_until=self._clock.now() + FRESH_LINK_LIFETIME if fresh else None,
        )
        return render_email(
            facts, sender=self._settings.smtp.sender, page_url=page_url, now=self._clock.now()
        )

    async def _after_failure(
        self, message: outbox.Message, claim_id: str, error: str, *, permanent: bool
    ) -> None:
        attempts = message.attempts + 1
        if permanent or attempts >= self._settings.outbox.max_attempts:
            await outbox.settle_failed(self._engine, message, claim_id, error)
            log.error(
                "message %s (%s) failed after %s attempt(s): %s; see `bookwidget outbox`",
                message.id,
                message.kind,
                attempts,
                error,
            )
            return
        due_at = self._clock.now() + retry_delay(self._settings.outbox.retry_after, attempts)
        await outbox.settle_retry(self._engine, message, claim_id, due_at=due_at, error=error)
        log.warning(
            "message %s (%s) not sent (attempt %s): %s; next try at %s",
            message.id,
            message.kind,
            attempts,
            error,
            due_at.isoformat(timespec="seconds"),
        )

    async def _sleep(self, stop: asyncio.Event) -> None:
        """Wait for the poll interval, a `wake()`, or `stop`, whichever comes first."""
        waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(
                waiters,
                timeout=self._settings.outbox.poll_every.total_seconds(),
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._wake.clear()


def retry_delay(base: timedelta, attempts: int) -> timedelta:
    """`base` after the first failure, doubling with each further one, at most 6 hours."""
    delay: timedelta = base * 2 ** (attempts - 1)
    return min(delay, MAX_RETRY_DELAY)
