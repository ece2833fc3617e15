"""SmtpMailer against a real SMTP server (tests/smtp.py): what arrives, and how each kind of
failure is reported to the outbox (try again, or give up)."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from server.adapters.mailer import MailError, SmtpMailer
from server.config import SmtpSettings
from tests.smtp import SmtpSink

SENDER = "Nordlicht Küchen <bookings@nordlicht.example>"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


def settings_for(sink: SmtpSink, **changes: object) -> SmtpSettings:
    settings = SmtpSettings(host=sink.host, port=sink.port, sender=SENDER, timeout_seconds=5)
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


def confirmation(to: str = "Ada Lovelace <ada@example.org>") -> EmailMessage:
    message = EmailMessage()
    message["To"] = to
    message["Subject"] = "Ihr Termin am 22. März ist bestätigt"
    message.set_content("Bis bald.")
    return message


async def send_expecting_error(mailer: SmtpMailer, message: EmailMessage) -> MailError:
    with pytest.raises(MailError) as caught:
        await mailer.send(message)
    return caught.value


async def test_a_message_arrives_with_its_headers_and_the_configured_sender(
    sink: SmtpSink,
) -> None:
    message = confirmation()
    message["Bcc"] = "dealer@nordlicht.example"

    await SmtpMailer(settings_for(sink)).send(message)

    [mail] = sink.messages
    assert mail.sender == "bookings@nordlicht.example"
    assert mail.recipients == ("ada@example.org", "dealer@nordlicht.example")
    assert mail.message["From"] == SENDER
    assert mail.to == "Ada Lovelace <ada@example.org>"
    assert mail.subject == "Ihr Termin am 22. März ist bestätigt"
    assert mail.text == "Bis bald.\n"
    assert "Bcc" not in mail.message
    assert mail.login is None
    assert not mail.encrypted


async def test_a_from_header_the_message_brings_is_kept(sink: SmtpSink) -> None:
    message = confirmation()
    message["From"] = "Filiale Hamburg <hamburg@nordlicht.example>"

    await SmtpMailer(settings_for(sink)).send(message)

    [mail] = sink.messages
    assert mail.message["From"] == "Filiale Hamburg <hamburg@nordlicht.example>"
    assert mail.sender == "bookings@nordlicht.example"


async def test_security_none_stays_plain_when_the_server_offers_starttls() -> None:
    # Had the mailer upgraded, it would have refused the sink's self-signed certificate.
    with SmtpSink(security="starttls", starttls_required=False) as sink:
        await SmtpMailer(settings_for(sink)).send(confirmation())

        [mail] = sink.messages
        assert not mail.encrypted


async def test_the_mailer_logs_in_when_a_username_is_set() -> None:
    with SmtpSink(credentials=("mailer", PASSWORD)) as sink:
        settings = settings_for(sink, username="mailer", password=PASSWORD)

        await SmtpMailer(settings).send(confirmation())

        [mail] = sink.messages
        assert mail.login == "mailer"


async def test_a_server_asking_for_a_login_the_settings_lack_is_a_temporary_failure() -> None:
    with SmtpSink(credentials=("mailer", PASSWORD)) as sink:
        error = await send_expecting_error(SmtpMailer(settings_for(sink)), confirmation())

    assert not error.permanent
    assert error.code == 530


async def test_a_wrong_password_is_a_temporary_failure_and_never_shown() -> None:
    with SmtpSink(credentials=("mailer", "another one")) as sink:
        settings = settings_for(sink, username="mailer", password=PASSWORD)
        error = await send_expecting_error(SmtpMailer(settings), confirmation())

    assert not error.permanent
    assert error.code == 535
    assert PASSWORD not in str(error)
    assert PASSWORD not in repr(error)
    assert PASSWORD not in repr(settings)


async def test_starttls_upgrades_before_logging_in() -> None:
    # This sink refuses MAIL before STARTTLS and AUTH before encryption.
    with SmtpSink(security="starttls", credentials=("mailer", PASSWORD)) as sink:
        settings = settings_for(sink, security="starttls", username="mailer", password=PASSWORD)

        await SmtpMailer(settings, tls_context=sink.client_tls_context()).send(confirmation())

        [mail] = sink.messages
        assert mail.encrypted
        assert mail.login == "mailer"


async def test_tls_speaks_tls_from_the_first_byte() -> None:
    with SmtpSink(security="tls", credentials=("mailer", PASSWORD)) as sink:
        settings = settings_for(sink, security="tls", username="mailer", password=PASSWORD)

        await SmtpMailer(settings, tls_context=sink.client_tls_context()).send(confirmation())

        [mail] = sink.messages
        assert mail.encrypted
        assert mail.login == "mailer"


@pytest.mark.parametrize("security", ["tls", "starttls"])
async def test_by_default_a_certificate_nobody_vouches_for_is_refused(security: str) -> None:
    with SmtpSink(security=security) as sink:  # type: ignore[arg-type]
        mailer = SmtpMailer(settings_for(sink, security=security))
        error = await send_expecting_error(mailer, confirmation())

        assert not error.permanent
        assert sink.messages == []


async def test_a_recipient_refused_for_good_is_a_permanent_failure(sink: SmtpSink) -> None:
    sink.refuse_recipient("ada@example.org", code=550)

    error = await send_expecting_error(SmtpMailer(settings_for(sink)), confirmation())

    assert error.permanent
    assert error.code == 550
    assert "ada@example.org" in str(error)


async def test_recipients_refused_for_now_and_for_good_are_tried_again(sink: SmtpSink) -> None:
    sink.refuse_recipient("ada@example.org", code=550)
    sink.refuse_recipient("dealer@nordlicht.example", code=450)
    message = confirmation(to="ada@example.org, dealer@nordlicht.example")

    error = await send_expecting_error(SmtpMailer(settings_for(sink)), message)

    assert not error.permanent


async def test_when_some_recipients_take_the_message_it_counts_as_sent(
    sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    sink.refuse_recipient("gone@example.org", code=550)
    message = confirmation(to="ada@example.org, gone@example.org")

    with caplog.at_level(logging.WARNING, logger="bookwidget.mail"):
        await SmtpMailer(settings_for(sink)).send(message)

    [mail] = sink.messages
    assert mail.recipients == ("ada@example.org",)
    assert "gone@example.org" in caplog.text


async def test_a_try_again_later_reply_is_a_temporary_failure_and_the_retry_arrives(
    sink: SmtpSink,
) -> None:
    mailer = SmtpMailer(settings_for(sink))
    sink.refuse_next(1, code=451)

    error = await send_expecting_error(mailer, confirmation())
    await mailer.send(confirmation())

    assert not error.permanent
    assert error.code == 451
    assert len(sink.messages) == 1


async def test_a_message_refused_for_good_is_a_permanent_failure(sink: SmtpSink) -> None:
    sink.refuse_next(1, code=554)

    error = await send_expecting_error(SmtpMailer(settings_for(sink)), confirmation())

    assert error.permanent
    assert error.code == 554


async def test_a_server_that_is_down_is_a_temporary_failure_until_it_is_back(
    sink: SmtpSink,
) -> None:
    mailer = SmtpMailer(settings_for(sink))
    sink.stop()

    error = await send_expecting_error(mailer, confirmation())
    sink.start()
    await mailer.send(confirmation())

    assert not error.permanent
    assert error.code is None
    assert f"{sink.host}:{sink.port}" in str(error)
    assert len(sink.messages) == 1


async def test_a_server_that_never_answers_is_a_temporary_failure_after_the_timeout() -> None:
    # Connections complete in the listen backlog, but no greeting ever comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings = SmtpSettings(
            host="127.0.0.1", port=silent.getsockname()[1], sender=SENDER, timeout_seconds=0.2
        )
        error = await send_expecting_error(SmtpMailer(settings), confirmation())

    assert not error.permanent


async def test_a_message_without_recipients_is_a_permanent_failure(sink: SmtpSink) -> None:
    message = EmailMessage()
    message["Subject"] = "Nobody"
    message.set_content("...")

    error = await send_expecting_error(SmtpMailer(settings_for(sink)), message)

    assert error.permanent
    assert sink.messages == []
