"""The demo mailbox: real mail in over SMTP, read back through its pages and its JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from html.parser import HTMLParser

import aiosmtplib
import httpx
import pytest
from aiosmtpd.smtp import Envelope

from server.demo.mailbox import KEPT, Mailbox, mailbox_app
from tests.servers import free_port

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
MAIL_HTML = (
    "<!doctype html><html><head><title>x</title></head><body>"
    '<p style="color: #0a5">Your appointment is confirmed.</p>'
    '<a href="http://127.0.0.1:8000/b/NK-7Q2?token=a&amp;b">Manage it</a>'
    "<script>alert('mail')</script></body></html>"
)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    mailbox = Mailbox(free_port())
    mailbox.start()
    yield mailbox
    mailbox.stop()


@pytest.fixture
async def client(mailbox: Mailbox) -> AsyncIterator[httpx.AsyncClient]:
    # Litestar's ASGI types are narrower than the ones httpx declares.
    transport = httpx.ASGITransport(app=mailbox_app(mailbox))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://mailbox.test") as client:
        yield client


async def send(mailbox: Mailbox, subject: str = "Appointment confirmed") -> None:
    message = EmailMessage()
    message["From"] = "Nordlicht <bookings@nordlicht.example>"
    message["To"] = "Ada Lovelace <ada@example.org>"
    message["Subject"] = subject
    message.set_content("Your appointment is confirmed.\nManage it: http://127.0.0.1:8000/b/x\n")
    message.add_alternative(MAIL_HTML, subtype="html")
    message.add_attachment(ICS, maintype="text", subtype="calendar", filename="invite.ics")
    await aiosmtplib.send(message, hostname=mailbox.host, port=mailbox.port, start_tls=False)


class Iframes(HTMLParser):
    """The attributes of each <iframe> of a page, unescaped as a browser reads them."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.found.append(dict(attrs))


async def test_an_empty_mailbox_says_so(client: httpx.AsyncClient) -> None:
    page = await client.get("/")

    assert page.status_code == 200
    assert 'data-testid="mailbox-empty"' in page.text
    assert (await client.get("/api/messages")).json() == []


async def test_caught_mail_is_listed_newest_first(
    mailbox: Mailbox, client: httpx.AsyncClient
) -> None:
    await send(mailbox, "First")
    await send(mailbox, "Second")

    page = await client.get("/")
    listed = (await client.get("/api/messages")).json()

    assert page.text.count('data-testid="mail-row"') == 2
    assert page.text.index("Second") < page.text.index("First")
    assert [(m["subject"], m["to"]) for m in listed] == [
        ("Second", "Ada Lovelace <ada@example.org>"),
        ("First", "Ada Lovelace <ada@example.org>"),
    ]
    assert f'href="/messages/{listed[0]["id"]}" data-testid="mail-link"' in page.text
    assert listed[0]["received"].endswith("Z")


async def test_a_message_page_shows_the_html_in_a_sandbox_without_scripts(
    mailbox: Mailbox, client: httpx.AsyncClient
) -> None:
    await send(mailbox)
    [summary] = (await client.get("/api/messages")).json()

    page = await client.get(f"/messages/{summary['id']}")

    assert page.status_code == 200
    [frame] = Iframes(page.text).found
    assert frame["data-testid"] == "mail-html"
    sandbox = (frame["sandbox"] or "").split()
    assert "allow-popups" in sandbox
    assert "allow-scripts" not in sandbox
    assert "allow-same-origin" not in sandbox
    shown = (frame["srcdoc"] or "").rstrip("\n")  # set_content ends the part with a newline
    assert shown == MAIL_HTML.replace("<head>", '<head><base target="_blank">')
    # The mail's script is text inside an attribute, never a tag of the page.
    assert "<script" not in page.text
    assert "&lt;script&gt;alert(&#x27;mail&#x27;)&lt;/script&gt;" in page.text
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "Your appointment is confirmed.\nManage it:" in page.text
    assert "Ada Lovelace &lt;ada@example.org&gt;" in page.text


async def test_an_attachment_downloads_as_it_was_sent(
    mailbox: Mailbox, client: httpx.AsyncClient
) -> None:
    await send(mailbox)
    [summary] = (await client.get("/api/messages")).json()
    page = await client.get(f"/messages/{summary['id']}")
    assert f'href="/messages/{summary["id"]}/attachments/1"' in page.text

    download = await client.get(f"/messages/{summary['id']}/attachments/1")

    assert download.status_code == 200
    assert download.content == ICS
    assert download.headers["content-type"].startswith("text/calendar")
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''invite.ics"
    assert (await client.get(f"/messages/{summary['id']}/attachments/2")).status_code == 404


async def test_an_unknown_message_is_not_found(client: httpx.AsyncClient) -> None:
    assert (await client.get("/messages/999")).status_code == 404


async def test_the_mailbox_keeps_only_the_newest_messages(mailbox: Mailbox) -> None:
    for n in range(KEPT + 1):
        message = EmailMessage()
        message["Subject"] = f"Message {n}"
        message.set_content("...")
        mailbox.keep(Envelope(), message)

    kept = mailbox.messages()

    assert len(kept) == KEPT
    assert kept[0].subject == f"Message {KEPT}"
    assert kept[-1].subject == "Message 1"
