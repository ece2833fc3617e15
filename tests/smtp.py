"""A real SMTP server for tests (aiosmtpd, DESIGN §9): it catches what is sent to it, can
refuse on request, can be stopped and started again on the same port, and can speak TLS with
a certificate made for the occasion.

aiosmtpd's Controller serves from its own thread and event loop, so a test's own loop stays
free to send and to wait (`await_for`) while the sink receives.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.servers import free_port

HOST = "127.0.0.1"


@dataclass(frozen=True)
class CaughtMail:
    """One message as the sink received it: the envelope, and the message parsed back."""

    sender: str
    recipients: tuple[str, ...]
    message: EmailMessage
    #: The user name the client logged in as, None when it did not.
    login: str | None = None
    #: Whether the message came over TLS (from the start, or after STARTTLS).
    encrypted: bool = False

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    @property
    def to(self) -> str:
        return str(self.message["To"] or "")

    @property
    def text(self) -> str | None:
        return _body(self.message, "plain")

    @property
    def html(self) -> str | None:
        return _body(self.message, "html")

    @property
    def attachments(self) -> list[tuple[str, str, bytes]]:
        """(filename, content type, content) of each part the message marks as attached."""
        return [
            (part.get_filename() or "", part.get_content_type(), _payload(part))
            for part in self.message.iter_attachments()
            if isinstance(part, EmailMessage)
        ]


Security = Literal["none", "starttls", "tls"]


class SmtpSink:
    """An SMTP server on 127.0.0.1 and a port of its own, kept across stop() and start().

    `security` "starttls" offers STARTTLS and, unless `starttls_required` is False, refuses
    MAIL without it; "tls" speaks TLS from the first byte.
    Either way the certificate is self-signed for 127.0.0.1: `client_tls_context()` trusts it.
    With `credentials`, MAIL is refused until the client has logged in with them.
    """

    def __init__(
        self,
        *,
        security: Security = "none",
        starttls_required: bool = True,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = HOST
        # Picked once, so a restarted sink is found where the client was told to look.
        self.port = free_port()
        self.security = security
        self.starttls_required = starttls_required
        self.credentials = credentials
        self._certificate_pem = b""
        self._server_tls: ssl.SSLContext | None = None
        if security != "none":
            self._certificate_pem, self._server_tls = _self_signed_for(HOST)
        self._lock = threading.Lock()
        self._caught: list[CaughtMail] = []
        self._refusals_left = 0
        self._refusal = ""
        self._refused_recipients: dict[str, str] = {}
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        assert self._controller is None, "the sink is already running"
        # A new Controller each time: a stopped one has closed its event loop for good.
        controller = Controller(
            self,  # the handler: see the handle_* hooks below
            hostname=self.host,
            port=self.port,
            server_hostname="smtp-sink.test",  # not socket.getfqdn(), which may ask DNS
            ssl_context=self._server_tls if self.security == "tls" else None,
            tls_context=self._server_tls if self.security == "starttls" else None,
            require_starttls=self.security == "starttls" and self.starttls_required,
            authenticator=self._authenticate if self.credentials else None,
            # aiosmtpd counts only STARTTLS as encryption, so "tls" must allow AUTH without it.
            auth_require_tls=self.security == "starttls",
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def client_tls_context(self) -> ssl.SSLContext:
        """A client context that verifies the sink's certificate (and nothing else)."""
        assert self._certificate_pem, "this sink has no TLS"
        return ssl.create_default_context(cadata=self._certificate_pem.decode("ascii"))

    def refuse_next(self, count: int, code: int = 451) -> None:
        """Answer DATA of the next `count` messages with `code` (4xx: try later, 5xx: never)."""
        reason = "4.3.0 try again later" if code < 500 else "5.7.1 message refused"
        with self._lock:
            self._refusals_left = count
            self._refusal = f"{code} {reason}"

    def refuse_recipient(self, address: str, code: int = 550) -> None:
        """Answer RCPT TO for `address` with `code` from now on."""
        reason = "4.2.1 mailbox busy" if code < 500 else "5.1.1 no such user"
        with self._lock:
            self._refused_recipients[address.lower()] = f"{code} {reason}"

    @property
    def messages(self) -> list[CaughtMail]:
        with self._lock:
            return list(self._caught)

    def clear(self) -> None:
        with self._lock:
            self._caught.clear()

    def wait_for(
        self, predicate: Callable[[list[CaughtMail]], bool], timeout: float = 10.0
    ) -> list[CaughtMail]:
        """Poll until `predicate(messages)` holds; returns the messages."""
        deadline = time.monotonic() + timeout
        while not predicate(caught := self.messages):
            if time.monotonic() > deadline:
                raise AssertionError(self._timed_out(caught, timeout))
            time.sleep(0.02)
        return caught

    async def await_for(
        self,
        predicate: Callable[[list[CaughtMail]], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - wait_for's signature, for async tests
    ) -> list[CaughtMail]:
        """`wait_for` for tests that run in an event loop: the loop keeps running meanwhile."""
        deadline = time.monotonic() + timeout
        while not predicate(caught := self.messages):
            if time.monotonic() > deadline:
                raise AssertionError(self._timed_out(caught, timeout))
            await asyncio.sleep(0.02)
        return caught

    def _timed_out(self, caught: list[CaughtMail], timeout: float) -> str:
        subjects = [mail.subject for mail in caught]
        return f"the SMTP sink did not get the expected mail in {timeout} s; caught {subjects}"

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        # handled=False makes aiosmtpd answer a refusal with 535; with its default (True) it
        # answers nothing and the client waits for a reply until it times out.
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = data.login.decode()
        ok = (login, data.password.decode()) == self.credentials
        return AuthResult(success=ok, handled=False, auth_data=login if ok else None)

    # aiosmtpd's hooks, called in the sink's thread; each answers with an SMTP reply line.

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.credentials and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        with self._lock:
            refusal = self._refused_recipients.get(address.lower())
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            if self._refusals_left > 0:
                self._refusals_left -= 1
                return self._refusal
        content = envelope.content
        assert isinstance(content, bytes)
        # SMTP carries lines ending in CRLF; the parser keeps them in bodies, a mail client
        # would not. Binary parts are base64 on the wire, so this touches no content.
        content = content.replace(b"\r\n", b"\n")
        message = BytesParser(_class=EmailMessage, policy=default).parsebytes(content)
        assert isinstance(message, EmailMessage)
        transport = server.transport
        mail = CaughtMail(
            sender=envelope.mail_from or "",
            recipients=tuple(envelope.rcpt_tos),
            message=message,
            login=session.auth_data if isinstance(session.auth_data, str) else None,
            encrypted=transport is not None and transport.get_extra_info("ssl_object") is not None,
        )
        with self._lock:
            self._caught.append(mail)
        return "250 2.0.0 caught"


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return str(part.get_content())


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _self_signed_for(host: str) -> tuple[bytes, ssl.SSLContext]:
    """A certificate for `host`, as PEM, and a server context holding it and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    # load_cert_chain reads only files; they are not needed once loaded.
    with tempfile.TemporaryDirectory() as directory:
        certificate_file, key_file = Path(directory, "cert.pem"), Path(directory, "key.pem")
        certificate_file.write_bytes(certificate_pem)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(certificate_file, key_file)
    return certificate_pem, context
