"""The demo's mailbox (server/demo/mailbox.py) as the person reading the mail sees it: wait
for a message, open it, follow its buttons, download its attachments.

Waiting polls the mailbox's JSON list briefly; the booking server's dispatcher sends within
about a second of the change, so a message that takes longer is a failure worth seeing.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
from playwright.async_api import FrameLocator, Locator, Page, expect

#: Between two looks at the mailbox's list: short, so a test waits no longer than the mail.
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Mail:
    """One caught message, as the mailbox lists it."""

    id: int
    to: str
    subject: str


class Mailbox:
    """The mailbox at `url`; messages open in `page`."""

    def __init__(self, page: Page, url: str) -> None:
        self.page = page
        self.url = url

    async def messages(self) -> list[Mail]:
        """Everything caught so far, newest first."""
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            return await _listed(client)

    async def matching(self, to: str | Iterable[str], subject: str | re.Pattern[str]) -> list[Mail]:
        """What has come so far to one of the addresses `to` with a subject matching
        `subject` (a regex, searched), oldest first."""
        return _matching(await self.messages(), to, subject)

    async def wait_for(
        self, to: str | Iterable[str], subject: str | re.Pattern[str], timeout_s: float = 10
    ) -> Mail:
        """The first message to one of the addresses `to` with a subject matching `subject`,
        once it has arrived."""
        to = to if isinstance(to, str) else tuple(to)  # read again on every look
        deadline = asyncio.get_running_loop().time() + timeout_s
        async with httpx.AsyncClient(base_url=self.url, timeout=5) as client:
            while True:
                caught = await _listed(client)
                found = _matching(caught, to, subject)
                if found:
                    return found[0]
                if asyncio.get_running_loop().time() > deadline:
                    seen = "\n".join(f"  {m.to}: {m.subject}" for m in caught) or "  (nothing)"
                    raise AssertionError(
                        f"no mail to {to!r} matching {subject!r} within {timeout_s} s; "
                        f"the mailbox holds:\n{seen}"
                    )
                await asyncio.sleep(POLL_SECONDS)

    async def open(self, mail: Mail) -> OpenMail:
        """Shows `mail` on its page in the mailbox, as a person clicking it would."""
        await self.page.goto(f"{self.url}/messages/{mail.id}")
        opened = OpenMail(self.page, mail)
        await expect(opened.frame.locator("body")).not_to_be_empty()
        return opened

    async def wait_and_open(
        self, to: str | Iterable[str], subject: str | re.Pattern[str], timeout_s: float = 10
    ) -> OpenMail:
        return await self.open(await self.wait_for(to, subject, timeout_s))


class OpenMail:
    """One message on the mailbox's page: its HTML in a sandboxed frame, its attachments
    listed below it."""

    def __init__(self, page: Page, mail: Mail) -> None:
        self.page = page
        self.mail = mail
        self.frame: FrameLocator = page.frame_locator('[data-testid="mail-html"]')

    async def text(self) -> str:
        """The HTML part as the reader sees it."""
        return await self.frame.locator("body").inner_text()

    async def plain_text(self) -> str:
        return await self.page.get_by_test_id("mail-text").inner_text()

    def link(self, text: str | re.Pattern[str] | None = None, *, href: str = "") -> Locator:
        """A link or button of the mail, by what it says and/or a part of its address."""
        found = self.frame.locator("a")
        if text is not None:
            found = self.frame.get_by_role("link", name=text, exact=isinstance(text, str))
        if href:
            found = found.and_(self.frame.locator(f'a[href*="{href}"]'))
        return found

    async def href(self, text: str | re.Pattern[str] | None = None, *, href: str = "") -> str:
        link = self.link(text, href=href)
        await expect(link).to_have_count(1)
        return await link.get_attribute("href") or ""

    async def hrefs(self) -> list[str]:
        return [await a.get_attribute("href") or "" for a in await self.frame.locator("a").all()]

    async def follow(self, text: str | re.Pattern[str] | None = None, *, href: str = "") -> Page:
        """Clicks a link of the mail: it opens in a new tab (the mailbox puts
        `<base target="_blank">` in the mail), which is returned once loaded."""
        link = self.link(text, href=href)
        await expect(link).to_have_count(1)
        async with self.page.context.expect_page() as opening:
            await _activate(link)
        tab = await opening.value
        await tab.wait_for_load_state()
        return tab

    async def attachments(self) -> list[str]:
        """The attachments' file names."""
        return await self.page.get_by_test_id("attachment").all_inner_texts()

    async def download(self, name: str | re.Pattern[str]) -> bytes:
        """An attachment's content, downloaded through the mailbox's link to it."""
        link = self.page.get_by_test_id("attachment").filter(has_text=name)
        async with self.page.expect_download() as downloading:
            await _activate(link)
        path = await (await downloading.value).path()
        return await asyncio.to_thread(Path(path).read_bytes)


async def _activate(link: Locator) -> None:
    """Follows `link` as a keyboard user does: focus, Enter.

    Not a click: the message page is taller than the window, and when a click first scrolls
    it, Chromium at times still routes the mouse to where the mail's frame was before the
    scroll (that frame is sandboxed, so it runs in a process of its own), and the click is
    lost. The keyboard takes no detour through the screen.
    """
    await link.press("Enter")


async def _listed(client: httpx.AsyncClient) -> list[Mail]:
    response = await client.get("/api/messages")
    response.raise_for_status()
    return [Mail(m["id"], m["to"], m["subject"]) for m in response.json()]


def _matching(
    caught: list[Mail], to: str | Iterable[str], subject: str | re.Pattern[str]
) -> list[Mail]:
    wanted = [to.lower()] if isinstance(to, str) else [address.lower() for address in to]
    pattern = re.compile(subject) if isinstance(subject, str) else subject
    return [
        mail
        for mail in reversed(caught)  # the mailbox lists the newest first
        if any(address in mail.to.lower() for address in wanted) and pattern.search(mail.subject)
    ]
