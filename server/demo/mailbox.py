"""The demo's mail catcher (DESIGN §5): a local SMTP server keeping what it receives in
memory, and a small site listing it, so a newcomer can open the mail the booking server
sent and click the links in it. Nothing leaves the machine; nothing survives a restart.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from html import escape
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from litestar import Litestar, MediaType, Response, get
from litestar.params import FromPath
from msgspec import Struct

HOST = "127.0.0.1"
KEPT = 500
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)

_SECURITY_HEADERS = {
    # The mail's HTML is shown in a srcdoc frame, which lives under this same policy: its
    # inline styles need 'unsafe-inline', its images may come from the booking server. No
    # script runs anywhere: none is allowed, and the frame's sandbox has no allow-scripts.
    "Content-Security-Policy": "; ".join(
        (
            "default-src 'none'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: http: https:",
            "form-action 'none'",
            "frame-ancestors 'none'",
        )
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: .4rem; text-align: left; }
dt { font-weight: bold; } dd { margin: 0 0 .4rem; }
iframe { border: 1px solid #ccc; height: 70vh; width: 100%; }
pre { background: #f4f4f4; padding: .8rem; white-space: pre-wrap; }
/* Token links are long unbroken words: let them wrap on a phone. */
pre, td, dd { overflow-wrap: anywhere; }
.muted { color: #555; }
"""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CaughtMessage:
    id: int
    received: datetime
    sender: str
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...]


class MessageSummary(Struct, frozen=True):
    id: int
    to: str
    subject: str
    received: datetime


class Mailbox:
    """An SMTP server on 127.0.0.1:`port` keeping the newest 500 messages it receives."""

    def __init__(self, port: int) -> None:
        self.host = HOST
        self.port = port
        self._lock = threading.Lock()
        self._messages: deque[CaughtMessage] = deque(maxlen=KEPT)
        self._ids = itertools.count(1)
        self._controller: Controller | None = None

    def start(self) -> None:
        # The Controller serves from a thread of its own, beside the demo's event loop.
        self._controller = Controller(
            _Catcher(self), hostname=self.host, port=self.port, server_hostname="localhost"
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def messages(self) -> list[CaughtMessage]:
        """Newest first."""
        with self._lock:
            return list(self._messages)

    def message(self, message_id: int) -> CaughtMessage | None:
        return next((m for m in self.messages() if m.id == message_id), None)

    def keep(self, envelope: Envelope, message: EmailMessage) -> None:
        with self._lock:
            self._messages.appendleft(
                CaughtMessage(
                    id=next(self._ids),
                    received=datetime.now(UTC),
                    sender=str(message["From"] or envelope.mail_from or ""),
                    to=str(message["To"] or ", ".join(envelope.rcpt_tos)),
                    subject=str(message["Subject"] or ""),
                    text=_body(message, "plain"),
                    html=_body(message, "html"),
                    attachments=tuple(
                        Attachment(
                            part.get_filename() or f"attachment-{n}",
                            part.get_content_type(),
                            _payload(part),
                        )
                        for n, part in enumerate(message.iter_attachments(), start=1)
                        if isinstance(part, EmailMessage)
                    ),
                )
            )


class _Catcher:
    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        assert isinstance(content, bytes)
        # SMTP's CRLF line ends would otherwise stay in the bodies shown.
        parser = BytesParser(_class=EmailMessage, policy=default)
        message = parser.parsebytes(content.replace(b"\r\n", b"\n"))
        assert isinstance(message, EmailMessage)
        self._mailbox.keep(envelope, message)
        return "250 2.0.0 caught by the demo mailbox"


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return ""
    return str(part.get_content())


def _payload(part: EmailMessage) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def mailbox_app(mailbox: Mailbox) -> Litestar:
    @get("/", sync_to_thread=False)
    def index() -> Response[str]:
        return _html("Demo mailbox", _list_page(mailbox))

    @get("/messages/{message_id:int}", sync_to_thread=False)
    def message_page(message_id: FromPath[int]) -> Response[str]:
        message = mailbox.message(message_id)
        if message is None:
            gone = "The mailbox keeps the newest 500 messages, in memory only: this one is gone."
            return _html("Not found", f"<h1>Not found</h1>\n<p>{gone}</p>", status_code=404)
        return _html(message.subject or "(no subject)", _message_page(message))

    @get("/messages/{message_id:int}/attachments/{number:int}", sync_to_thread=False)
    def attachment(message_id: FromPath[int], number: FromPath[int]) -> Response[bytes]:
        message = mailbox.message(message_id)
        if message is None or not 1 <= number <= len(message.attachments):
            return Response(b"Not found", status_code=404, media_type=MediaType.TEXT)
        file = message.attachments[number - 1]
        return Response(
            file.content,
            media_type=file.content_type,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file.filename)}",
                # Should a browser render it anyway (an HTML attachment), it runs nothing.
                "Content-Security-Policy": "sandbox",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @get("/api/messages", sync_to_thread=False)
    def api_messages() -> list[MessageSummary]:
        return [MessageSummary(m.id, m.to, m.subject, m.received) for m in mailbox.messages()]

    @get("/mailbox.css", sync_to_thread=False)
    def stylesheet() -> Response[str]:
        return Response(_STYLE, media_type="text/css", headers=_SECURITY_HEADERS)

    return Litestar(
        route_handlers=[index, message_page, attachment, api_messages, stylesheet],
        openapi_config=None,
    )


def _html(title: str, main: str, *, status_code: int = 200) -> Response[str]:
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><link rel="stylesheet" href="/mailbox.css">
<title>{escape(title)} — Bookwidget demo mailbox</title></head>
<body><main>
{main}
</main></body>
</html>
"""
    return Response(
        page, status_code=status_code, media_type=MediaType.HTML, headers=_SECURITY_HEADERS
    )


def _list_page(mailbox: Mailbox) -> str:
    messages = mailbox.messages()
    intro = (
        f'<h1>Demo mailbox</h1>\n<p class="muted">The demo\'s local SMTP sink on '
        f"{mailbox.host}:{mailbox.port}: every email the booking server sends lands here, "
        f'and nothing leaves this machine. <a href="/" data-testid="refresh">Refresh</a></p>'
    )
    if not messages:
        return (
            f'{intro}\n<p data-testid="mailbox-empty">No mail yet. Book an appointment in the '
            "demo, and the emails it sends appear here.</p>"
        )
    rows = "\n".join(
        f'<tr data-testid="mail-row" data-id="{m.id}">'
        f"<td>{escape(m.to)}</td>"
        f'<td><a href="/messages/{m.id}" data-testid="mail-link">'
        f"{escape(m.subject or '(no subject)')}</a></td>"
        f"<td>{_time(m.received)}</td></tr>"
        for m in messages
    )
    return (
        f'{intro}\n<table data-testid="mail-list">\n<caption>{len(messages)} messages, '
        f'newest first</caption>\n<thead><tr><th scope="col">To</th><th scope="col">Subject'
        f'</th><th scope="col">Received</th></tr></thead>\n<tbody>\n{rows}\n</tbody>\n</table>'
    )


def _message_page(message: CaughtMessage) -> str:
    frame = escape(_links_in_new_tabs(message.html), quote=True)
    html_part = (
        '<iframe title="The email as HTML" data-testid="mail-html" sandbox="allow-popups '
        'allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation" '
        f'srcdoc="{frame}"></iframe>'
        if message.html
        else "<p>This email has no HTML part.</p>"
    )
    files = "\n".join(
        f'<li><a href="/messages/{message.id}/attachments/{n}" data-testid="attachment" '
        f'download="{escape(file.filename)}">{escape(file.filename)}</a> '
        f"({escape(file.content_type)}, {len(file.content)} bytes)</li>"
        for n, file in enumerate(message.attachments, start=1)
    )
    return f"""<p><a href="/" data-testid="back">All messages</a></p>
<h1 data-testid="mail-subject">{escape(message.subject or "(no subject)")}</h1>
<dl>
<dt>From</dt><dd data-testid="mail-from">{escape(message.sender)}</dd>
<dt>To</dt><dd data-testid="mail-to">{escape(message.to)}</dd>
<dt>Received</dt><dd>{_time(message.received)}</dd>
</dl>
<h2>HTML</h2>
{html_part}
<h2>Plain text</h2>
<pre data-testid="mail-text">{escape(message.text) or "This email has no plain-text part."}</pre>
<h2>Attachments</h2>
{f"<ul>{files}</ul>" if files else "<p>None.</p>"}"""


def _links_in_new_tabs(html: str) -> str:
    """The mail's HTML with `<base target="_blank">` in its head.

    A link then opens in a new tab (unsandboxed, by allow-popups-to-escape-sandbox) rather
    than inside the frame, where the booking server's pages may refuse to be framed. In the
    head, not in front of everything: before a doctype it would put the page in quirks mode.
    """
    base = '<base target="_blank">'
    head = _HEAD.search(html)
    if head is None:
        return base + html
    return html[: head.end()] + base + html[head.end() :]


def _time(moment: datetime) -> str:
    local = moment.astimezone()  # the demo runs on the reader's own machine
    return f'<time datetime="{moment.isoformat()}">{local:%Y-%m-%d %H:%M:%S}</time>'
