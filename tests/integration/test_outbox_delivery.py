"""Nothing lost (DESIGN §5): the outbox keeps every email until a real SMTP server took it.

SMTP down, a 451, a 550, a dispatcher killed mid-batch, two dispatchers at once, the
dispatcher inside `serve` and `bookwidget worker` as its own process: each ends with every
message in the sink, counted by (recipient, kind, booking reference).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.adapters.mailer import Mailer, SmtpMailer
from server.adapters.tables import Outbox
from server.services.dispatcher import Dispatcher
from tests import builders
from tests.conftest import TEST_KEYS, Database
from tests.fakes import FrozenClock
from tests.integration.test_api_bookings import booking
from tests.mail import MailRig, kinds
from tests.servers import ROOT, cli, running_server
from tests.smtp import CaughtMail, SmtpSink

Client = httpx.AsyncClient
Key = tuple[str, str, str]  # (recipient, "role.kind", booking reference)

CUSTOMER = "erika@example.com"
DEALER = "shop@store.example"
# Tuesday 23 March 2027 in Berlin (UTC+1): the store opens 09:00-18:00.
TUESDAY = "2027-03-23T{hour:02}:00:00+01:00"


@pytest.fixture
async def shop(db: Database) -> tuple[str, int]:
    """A request-mode store taking 20 appointments at a time (so tests book freely)."""
    catalog = builders.catalog(builders.store("shop", channels=(builders.channel(capacity=20),)))
    ids = await db.load(catalog)
    return catalog.tenant.key, ids["shop"]


async def book(client: Client, shop: tuple[str, int], hour: int = 10, n: int = 0) -> str:
    """Book the shop at `hour` on Tuesday for customer `n`; returns the reference."""
    key, store = shop
    customer = {"name": f"Customer {n}", "email": _customer(n), "phone": "030 1234567"}
    body = booking(key, store, start=TUESDAY.format(hour=hour), customer=customer, locale="en")
    response = await client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def _customer(n: int) -> str:
    return CUSTOMER if n == 0 else f"customer{n}@example.com"


async def outbox_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = await Outbox.select().order_by(Outbox.id)
    for row in rows:
        if isinstance(row["payload"], str):
            row["payload"] = json.loads(row["payload"])
    return rows


def key_of_row(row: Mapping[str, Any]) -> Key:
    payload = row["payload"]
    return (payload["to"], f"{payload['role']}.{payload['kind']}", payload["reference"])


def key_of_mail(mail: CaughtMail) -> Key:
    return (
        mail.to,
        str(mail.message["X-Bookwidget-Kind"]),
        str(mail.message["X-Bookwidget-Reference"]),
    )


def arrivals(sink: SmtpSink) -> Counter[Key]:
    return Counter(key_of_mail(mail) for mail in sink.messages)


async def queued_keys() -> set[Key]:
    return {key_of_row(row) for row in await outbox_rows()}


async def drain(dispatcher: Dispatcher, rounds: int = 20) -> int:
    """Send until nothing is due; how many were handled. Bounded, so a message that is
    never settled fails the test instead of hanging it."""
    total = 0
    for _ in range(rounds):
        handled = await dispatcher.run_once()
        if not handled:
            return total
        total += handled
    raise AssertionError(f"still sending after {rounds} rounds ({total} handled)")


async def deliver(mail: MailRig) -> list[CaughtMail]:
    """`MailRig.deliver`, bounded like `drain`: the mail that arrived meanwhile."""
    before = len(mail.sink.messages)
    await drain(mail.dispatchers[0] if mail.dispatchers else mail.dispatcher())
    return mail.sink.messages[before:]


# --- SMTP down, refusals, the attempt limit ---------------------------------------------


async def test_while_smtp_is_down_bookings_succeed_and_their_mail_waits_with_doubling_delays(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.stop()
    await book(client, shop, hour=10, n=0)
    await book(client, shop, hour=11, n=1)
    dispatcher = mail.dispatcher()
    base = mail.settings.outbox.retry_after
    assert base == timedelta(seconds=30)

    delays = []
    for attempt in (1, 2, 3):
        assert await dispatcher.run_once() == 4
        rows = await outbox_rows()
        assert {(row["status"], row["attempts"]) for row in rows} == {("pending", attempt)}
        assert all(f"{smtp_sink.port} failed" in row["last_error"] for row in rows)
        (due_at,) = {row["due_at"] for row in rows}
        delays.append(due_at - clock.now())
        # Not a second early: the rows stay put until they are due.
        clock.set(due_at - timedelta(seconds=1))
        assert await dispatcher.run_once() == 0
        clock.set(due_at)
    assert delays == [base, 2 * base, 4 * base]  # 30 s, 60 s, 120 s

    smtp_sink.start()
    assert await drain(dispatcher) == 4
    clock.advance(timedelta(hours=7))  # past any retry delay: nothing is sent again
    assert await dispatcher.run_once() == 0

    assert arrivals(smtp_sink) == Counter(await queued_keys())
    assert len(smtp_sink.messages) == 4
    rows = await outbox_rows()
    assert {(row["status"], row["attempts"]) for row in rows} == {("sent", 4)}


async def test_a_451_is_retried_after_the_delay_and_then_sent_once(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    reference = await book(client, shop)
    smtp_sink.refuse_next(1, 451)
    dispatcher = mail.dispatcher()

    assert await dispatcher.run_once() == 2
    assert len(smtp_sink.messages) == 1
    (waiting,) = [row for row in await outbox_rows() if row["status"] == "pending"]
    assert waiting["attempts"] == 1
    assert "451" in waiting["last_error"]
    assert waiting["due_at"] == clock.now() + mail.settings.outbox.retry_after

    clock.advance(mail.settings.outbox.retry_after)
    assert await dispatcher.run_once() == 1

    assert arrivals(smtp_sink) == Counter(
        {
            (CUSTOMER, "customer.requested", reference): 1,
            (DEALER, "dealer.requested", reference): 1,
        }
    )
    assert [row["status"] for row in await outbox_rows()] == ["sent", "sent"]


async def test_a_recipient_refused_with_550_is_failed_at_once_and_never_tried_again(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.refuse_recipient(CUSTOMER, 550)
    reference = await book(client, shop)
    dispatcher = mail.dispatcher()

    assert await dispatcher.run_once() == 2
    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0

    by_recipient = {row["payload"]["to"]: row for row in await outbox_rows()}
    failed = by_recipient[CUSTOMER]
    assert (failed["status"], failed["attempts"]) == ("failed", 1)
    assert "550" in failed["last_error"]
    assert by_recipient[DEALER]["status"] == "sent"
    assert arrivals(smtp_sink) == Counter({(DEALER, "dealer.requested", reference): 1})


async def test_after_the_last_allowed_attempt_a_message_is_failed(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    db: Database,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    settings = dataclasses.replace(
        mail.settings, outbox=dataclasses.replace(mail.settings.outbox, max_attempts=3)
    )
    dispatcher = Dispatcher(
        engine=db.engine,
        mailer=SmtpMailer(settings.smtp),
        settings=settings,
        clock=clock,
        name="three-tries",
    )
    smtp_sink.refuse_next(100, 451)
    await book(client, shop)

    seen = []
    for _ in range(4):
        await dispatcher.run_once()
        seen.append([(row["status"], row["attempts"]) for row in await outbox_rows()])
        clock.advance(timedelta(hours=7))  # past any retry delay

    assert seen == [
        [("pending", 1), ("pending", 1)],
        [("pending", 2), ("pending", 2)],
        [("failed", 3), ("failed", 3)],
        [("failed", 3), ("failed", 3)],  # failed is final: not tried a fourth time
    ]
    assert all("451" in row["last_error"] for row in await outbox_rows())
    assert smtp_sink.messages == []


async def test_the_outbox_command_lists_failed_mail_and_retry_sends_it(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    db: Database,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    """The real CLI, in a subprocess, on this test's database (SQLite file or PostgreSQL)."""
    reference = await book(client, shop)
    smtp_sink.refuse_next(2, 554)  # a permanent refusal: both fail at once
    await deliver(mail)
    customer_id, dealer_id = [row["id"] for row in await outbox_rows()]
    env = {
        "BOOKWIDGET_DATA_DIR": str(db.settings.data_dir),
        "BOOKWIDGET_SECRET_KEYS": TEST_KEYS,
        "DATABASE_URL": db.settings.database_url or "",
    }

    listed = await asyncio.to_thread(cli, ["outbox"], env)
    assert "0 pending, 0 sent, 2 failed" in listed.stdout
    lines = [line.split() for line in listed.stdout.splitlines() if line.startswith("  #")]
    assert [(f[0], f[1], f[4]) for f in lines] == [
        (f"#{customer_id}", "failed", reference),
        (f"#{dealer_id}", "failed", reference),
    ]
    assert "554" in listed.stdout
    assert "bookwidget outbox retry" in listed.stdout

    one = await asyncio.to_thread(cli, ["outbox", "retry", str(dealer_id)], env)
    assert "1 failed message(s) queued again" in one.stdout
    # `retry` makes them due at the wall clock's now; this test's clock must not lag it.
    clock.set(max(clock.now(), datetime.now(UTC)))
    assert kinds(await deliver(mail)) == [(DEALER, "dealer.requested")]

    still = await asyncio.to_thread(cli, ["outbox"], env)
    assert "0 pending, 1 sent, 1 failed" in still.stdout
    assert f"#{customer_id}" in still.stdout
    assert f"#{dealer_id}" not in still.stdout

    rest = await asyncio.to_thread(cli, ["outbox", "retry"], env)
    assert "1 failed message(s) queued again" in rest.stdout
    assert kinds(await deliver(mail)) == [(CUSTOMER, "customer.requested")]
    assert {(row["status"], row["attempts"]) for row in await outbox_rows()} == {("sent", 1)}
    assert Counter(arrivals(smtp_sink).values()) == {1: 2}


# --- dispatchers that die, and dispatchers that compete -----------------------------------


class DiesAfterSecondSend:
    """The real SmtpMailer, until the second message: that one is sent, then the dispatcher
    hangs before it can record it, as a process killed at that moment would."""

    def __init__(self, inner: Mailer) -> None:
        self._inner = inner
        self.sent: list[EmailMessage] = []
        self.hanging = asyncio.Event()

    async def send(self, message: EmailMessage) -> None:
        await self._inner.send(message)
        self.sent.append(message)
        if len(self.sent) == 2:
            self.hanging.set()
            await asyncio.Event().wait()  # until the task is cancelled


async def test_a_dispatcher_killed_mid_batch_loses_nothing_once_its_lease_runs_out(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    db: Database,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    for n in range(3):
        await book(client, shop, hour=10 + n, n=n)
    dying_mailer = DiesAfterSecondSend(SmtpMailer(mail.settings.smtp))
    dying = Dispatcher(
        engine=db.engine, mailer=dying_mailer, settings=mail.settings, clock=clock, name="dying"
    )
    task = asyncio.create_task(dying.run_once())
    await asyncio.wait_for(dying_mailer.hanging.wait(), timeout=10)
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    in_flight = key_of_mail(smtp_sink.messages[1])

    rows = await outbox_rows()
    assert [row["status"] for row in rows] == ["sent"] + ["pending"] * 5
    assert all(row["claimed_by"].startswith("dying:") for row in rows[1:])
    (lease_until,) = {row["claimed_until"] for row in rows[1:]}
    survivor = mail.dispatcher("survivor")
    clock.set(lease_until - timedelta(seconds=1))
    assert await survivor.run_once() == 0  # still the dead dispatcher's
    clock.set(lease_until)
    assert await drain(survivor) == 5

    arrived = arrivals(smtp_sink)
    expected = await queued_keys()
    assert set(arrived) == expected  # every message at least once
    duplicates = {key for key, count in arrived.items() if count > 1}
    # At least once: only the message sent but not yet recorded can go out twice.
    assert duplicates <= {in_flight}, duplicates
    assert sum(arrived.values()) == len(expected) + len(duplicates)
    assert {row["status"] for row in await outbox_rows()} == {"sent"}


class Counting:
    """The real SmtpMailer, counting what it sent."""

    def __init__(self, inner: Mailer) -> None:
        self._inner = inner
        self.sent = 0

    async def send(self, message: EmailMessage) -> None:
        await self._inner.send(message)
        self.sent += 1


async def test_two_dispatchers_running_at_once_send_each_of_forty_messages_once(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    db: Database,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    for n in range(20):
        await book(client, shop, hour=9 + n % 8, n=n)
    assert await mail.pending() == 40
    mailers = [Counting(SmtpMailer(mail.settings.smtp)) for _ in range(2)]
    dispatchers = [
        Dispatcher(engine=db.engine, mailer=mailer, settings=mail.settings, clock=clock, name=name)
        for mailer, name in zip(mailers, ("one", "two"), strict=True)
    ]

    async def keep_sending(dispatcher: Dispatcher) -> None:
        await start.wait()
        while await mail.pending():
            if not await dispatcher.run_once():
                await asyncio.sleep(0)  # the other one holds the rest for now

    start = asyncio.Event()
    running = asyncio.gather(*(keep_sending(dispatcher) for dispatcher in dispatchers))
    start.set()
    await asyncio.wait_for(running, 30)

    arrived = arrivals(smtp_sink)
    assert set(arrived) == await queued_keys()
    assert len(arrived) == 40
    assert set(arrived.values()) == {1}, [key for key, n in arrived.items() if n > 1]
    assert {(row["status"], row["attempts"]) for row in await outbox_rows()} == {("sent", 1)}
    assert all(mailer.sent > 0 for mailer in mailers), [m.sent for m in mailers]


# --- PostgreSQL's column lengths ----------------------------------------------------------

#: A valid address (64-character local part, 63-character labels) of 235 characters; the
#: API accepts addresses up to 254.
LONG_ADDRESS = "l" * 64 + "@" + "d" * 60 + "." + "e" * 60 + "." + "f" * 40 + ".example"
#: The dispatcher's default name is `host:pid`; EC2 names hosts like this (49 characters).
LONG_HOST = "ip-172-31-255-255.ap-southeast-2.compute.internal"


def postgres_only(db: Database) -> None:
    if db.kind != "postgres":
        pytest.skip("SQLite does not enforce VARCHAR lengths")


async def test_a_customer_with_a_long_valid_address_can_book_and_gets_the_mail(
    client: Client, shop: tuple[str, int], mail: MailRig, db: Database
) -> None:
    postgres_only(db)
    key, store = shop
    customer = {"name": "Erika Mustermann", "email": LONG_ADDRESS, "phone": "030 1234567"}
    body = booking(key, store, start=TUESDAY.format(hour=10), customer=customer, locale="en")

    response = await client.post("/api/v1/bookings", json=body)

    assert response.status_code == 201, response.text
    assert (LONG_ADDRESS, "customer.requested") in kinds(await deliver(mail))


async def test_a_dispatcher_on_a_host_with_a_long_name_still_sends(
    client: Client,
    shop: tuple[str, int],
    mail: MailRig,
    db: Database,
    clock: FrozenClock,
    smtp_sink: SmtpSink,
) -> None:
    postgres_only(db)
    reference = await book(client, shop)
    dispatcher = Dispatcher(
        engine=db.engine,
        mailer=SmtpMailer(mail.settings.smtp),
        settings=mail.settings,
        clock=clock,
        name=f"{LONG_HOST}:4194304",  # what `serve` and `worker` call themselves there
    )

    assert await dispatcher.run_once() == 2

    assert arrivals(smtp_sink) == Counter(
        {
            (CUSTOMER, "customer.requested", reference): 1,
            (DEALER, "dealer.requested", reference): 1,
        }
    )


# --- real processes: `serve` with its dispatcher, and `bookwidget worker` ----------------

PROCESS_CATALOG = """
[tenant]
key = "pk_outbox"
name = "Outbox Kitchens"
allowed_origins = ["http://127.0.0.1:9"]
default_locale = "en"
default_theme = "default"
headquarters_email = "hq@outbox.example"

[[stores]]
code = "mailroom"
name = "Mailroom Store"
street = "Hauptstraße 1"
postal_code = "10115"
city = "Berlin"
country = "DE"
lat = 52.53
lon = 13.38
time_zone = "Europe/Berlin"
phone = "+49301234567"
email = "mailroom@outbox.example"
booking_mode = "request"
routing = "store"
lead_time_minutes = 0
horizon_days = 30
slot_step_minutes = 30
hours.mon = ["00:00-23:30"]
hours.tue = ["00:00-23:30"]
hours.wed = ["00:00-23:30"]
hours.thu = ["00:00-23:30"]
hours.fri = ["00:00-23:30"]
hours.sat = ["00:00-23:30"]
hours.sun = ["00:00-23:30"]
channels.in_store = { duration = 30, capacity = 5 }
"""


@pytest.fixture
def process_env(tmp_path: Path, smtp_sink: SmtpSink) -> dict[str, str]:
    """A fresh SQLite data folder, migrated and loaded with the CLI, mailing to the sink."""
    env = {
        "BOOKWIDGET_DATA_DIR": str(tmp_path),
        "BOOKWIDGET_SECRET_KEYS": TEST_KEYS,
        "DATABASE_URL": "",
        "BOOKWIDGET_SMTP_HOST": smtp_sink.host,
        "BOOKWIDGET_SMTP_PORT": str(smtp_sink.port),
        "BOOKWIDGET_MAIL_FROM": "Outbox <bookings@outbox.example>",
    }
    catalog = tmp_path / "outbox.toml"
    catalog.write_text(PROCESS_CATALOG, encoding="utf-8")
    cli(["migrate"], env)
    cli(["load", str(catalog)], env)
    return env


def book_over_http(url: str) -> str:
    """Book the first free time of the mailroom store (real time: `serve` has no test clock)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        found = client.get("/api/v1/locations", params={"key": "pk_outbox"}).json()
        store = found["locations"][0]["id"]
        slots = client.get(f"/api/v1/locations/{store}/slots", params={"channel": "in_store"})
        start = next(slot["start"] for day in slots.json()["days"] for slot in day["slots"])
        body = {
            "key": "pk_outbox",
            "location_id": store,
            "channel": "in_store",
            "start": start,
            "customer": {"name": "Erika Mustermann", "email": CUSTOMER},
        }
        response = client.post("/api/v1/bookings", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["reference"])


def requested_mail_of(reference: str) -> Counter[Key]:
    return Counter(
        {
            (CUSTOMER, "customer.requested", reference): 1,
            ("mailroom@outbox.example", "dealer.requested", reference): 1,
        }
    )


def test_serve_sends_a_bookings_mail_with_its_in_process_dispatcher(
    process_env: dict[str, str], smtp_sink: SmtpSink
) -> None:
    with running_server(process_env | {"BOOKWIDGET_DISPATCHER": "on"}) as url:
        reference = book_over_http(url)
        smtp_sink.wait_for(lambda caught: len(caught) >= 2)
    assert arrivals(smtp_sink) == requested_mail_of(reference)


@contextmanager
def running_worker(env: Mapping[str, str]) -> Iterator[subprocess.Popen[str]]:
    """`bookwidget worker` as its own process; killed if the test leaves it running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "server", "worker"],
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_separate_worker_process_delivers_and_stops_cleanly_on_sigterm(
    process_env: dict[str, str], smtp_sink: SmtpSink
) -> None:
    with running_server(process_env | {"BOOKWIDGET_DISPATCHER": "off"}) as url:
        reference = book_over_http(url)
        # The CLI takes longer than an in-process dispatcher needs: none runs, the mail waits.
        waiting = cli(["outbox", "--status", "pending"], process_env)
        assert "2 pending, 0 sent, 0 failed" in waiting.stdout
        assert smtp_sink.messages == []

        with running_worker(process_env) as worker:
            smtp_sink.wait_for(lambda caught: len(caught) >= 2)
            worker.send_signal(signal.SIGTERM)
            output, _ = worker.communicate(timeout=15)
        assert worker.returncode == 0, output
        assert "stopped" in output
        assert "Traceback" not in output

    assert arrivals(smtp_sink) == requested_mail_of(reference)
    done = cli(["outbox", "--status", "all"], process_env)
    assert "0 pending, 2 sent, 0 failed" in done.stdout
