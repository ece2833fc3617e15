"""Sending email over SMTP with aiosmtplib (DESIGN §5).

The outbox dispatcher is the only caller. It needs to know one thing about a failure: is it
worth trying again? `MailError.permanent` answers that, so the dispatcher never looks at
aiosmtplib's exceptions itself.
"""

from __future__ import annotations

import email.message
import logging
import ssl
from email.utils import parseaddr
from typing import Protocol

import aiosmtplib

from server.config import SmtpSettings

log = logging.getLogger("bookwidget.mail")


class MailError(Exception):
    """The message was not sent. `permanent`: sending it again cannot succeed."""

    def __init__(self, message: str, *, permanent: bool, code: int | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        #: The SMTP reply code, when the server gave one.
        self.code = code


class Mailer(Protocol):
    async def send(self, message: email.message.EmailMessage) -> None:
        """Hand the message to the mail server, or raise MailError."""
        ...


class SmtpMailer:
    """One SMTP connection per message.

    The outbox sends messages one at a time, often minutes apart; a kept-open connection
    would mostly be idle, servers close idle connections, and each send would have to notice
    a dead one and reconnect anyway. Connecting per message keeps every send the same.
    """

    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        # tls_context exists for tests, which trust a self-signed certificate through it;
        # left None, aiosmtplib verifies the server's certificate against the system's CAs.
        self._settings = settings
        self._tls_context = tls_context
        self._envelope_sender = parseaddr(settings.sender)[1]

    async def send(self, message: email.message.EmailMessage) -> None:
        settings = self._settings
        if "From" not in message:  # set on the caller's message: what was sent, is kept
            message["From"] = settings.sender
        try:
            refused, _ = await aiosmtplib.send(
                message,
                sender=self._envelope_sender,
                recipients=None,  # To, Cc and Bcc; Bcc is dropped from what is sent
                hostname=settings.host,
                port=settings.port,
                username=settings.username or None,
                password=settings.password or None,
                timeout=settings.timeout_seconds,
                use_tls=settings.security == "tls",
                # False, not None: None upgrades whenever the server offers STARTTLS and then
                # insists on a valid certificate; "none" means plain, as the operator chose.
                start_tls=settings.security == "starttls",
                tls_context=self._tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = sorted({refusal.code for refusal in error.recipients})
            details = "; ".join(
                f"{refusal.recipient}: {refusal.code} {refusal.message}"
                for refusal in error.recipients
            )
            raise self._error(
                f"all recipients refused ({details})",
                permanent=all(_is_5xx(code) for code in codes),
                code=codes[-1] if codes else None,
            ) from error
        except (
            aiosmtplib.SMTPSenderRefused,
            aiosmtplib.SMTPRecipientRefused,
            aiosmtplib.SMTPDataError,
        ) as error:
            # Refusals of this message: a 5xx one stays a refusal however often it is sent.
            # Except 530, "authentication required": that is the setup again (see below).
            raise self._error(
                f"{type(error).__name__}: {error.code} {error.message}",
                permanent=_is_5xx(error.code) and error.code != 530,
                code=error.code,
            ) from error
        except aiosmtplib.SMTPResponseException as error:
            # Refusals of the connection (greeting, EHLO, AUTH): the setup is wrong, not the
            # message. Retrying lets queued mail go out once the operator has fixed it; the
            # outbox's attempt limit still ends the retries.
            raise self._error(
                f"{type(error).__name__}: {error.code} {error.message}",
                permanent=False,
                code=error.code,
            ) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            # Disconnects, timeouts (TimeoutError is an OSError), refused connections, TLS
            # failures, a missing extension: all may pass, none says anything about the message.
            raise self._error(f"{type(error).__name__}: {error}", permanent=False) from error
        except ValueError as error:
            # aiosmtplib checks addresses before it sends: one that cannot go on an SMTP
            # command line, or no recipient at all, will not get better.
            raise self._error(f"unsendable message: {error}", permanent=True) from error
        if refused:
            # Some recipients took the message; sending it again would reach them twice.
            log.warning(
                "SMTP server refused some recipients of %r: %s",
                message["Subject"],
                {address: f"{reply.code} {reply.message}" for address, reply in refused.items()},
            )

    def _error(self, text: str, *, permanent: bool, code: int | None = None) -> MailError:
        where = f"{self._settings.host}:{self._settings.port}"
        if self._settings.password:
            # A server that echoes what it was given must not put the password in our logs.
            text = text.replace(self._settings.password, "***")
        return MailError(f"sending via {where} failed: {text}", permanent=permanent, code=code)


def _is_5xx(code: int) -> bool:
    return 500 <= code <= 599
