"""End-to-end fixtures: the real `bookwidget demo` (API on one origin, partner page on
another) and Debian's Chromium driven by Playwright's async API.

Run in their own pytest process (`pytest e2e`), apart from `tests/` (DESIGN §10).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.servers import ROOT, free_port

CHROMIUM = os.environ.get("BOOKWIDGET_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium reaches for Google's services, which this network refuses.
#: A step answers in well under a second; waiting Playwright's default 30 s only slows failures.
ACTION_TIMEOUT_MS = 10_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Demo:
    api: str
    partner: str
    data_dir: Path
    #: The demo's mailbox page: what its SMTP sink caught.
    mailbox: str = ""


#: How long a picked time stays held in `short_holds_demo` (ten minutes in `demo`): long
#: enough for a second customer to look at the day once, short enough to watch it lapse.
SHORT_HOLD_SECONDS = 5


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    with running_demo(tmp_path_factory.mktemp("demo")) as started:
        yield started


@pytest.fixture(scope="session")
def short_holds_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A second demo, with its own database, whose holds lapse after SHORT_HOLD_SECONDS: the
    server runs on the real clock, so a test cannot wait ten minutes for one."""
    data_dir = tmp_path_factory.mktemp("short-holds-demo")
    with running_demo(data_dir, BOOKWIDGET_HOLD_SECONDS=str(SHORT_HOLD_SECONDS)) as started:
        yield started


@contextmanager
def running_demo(data_dir: Path, **env: str) -> Iterator[Demo]:
    """`bookwidget demo` on free ports, with its data in `data_dir` and `env` added."""
    api_port, partner_port, mailbox_port, smtp_port = (free_port() for _ in range(4))
    log = (data_dir / "demo.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server",
            "demo",
            "--port",
            str(api_port),
            "--partner-port",
            str(partner_port),
            "--mailbox-port",
            str(mailbox_port),
            "--smtp-port",
            str(smtp_port),
        ],
        env={**os.environ, "BOOKWIDGET_DATA_DIR": str(data_dir), **env},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    demo = Demo(
        f"http://127.0.0.1:{api_port}",
        f"http://127.0.0.1:{partner_port}",
        data_dir,
        mailbox=f"http://127.0.0.1:{mailbox_port}",
    )
    try:
        _wait_for(f"{demo.api}/healthz", process, data_dir / "demo.log")
        _wait_for(demo.partner, process, data_dir / "demo.log")
        _wait_for(demo.mailbox, process, data_dir / "demo.log")
        yield demo
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once per session)
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    opened = await context.new_page()
    yield opened
    await context.close()


@pytest.fixture
async def other_page(browser: Browser) -> AsyncIterator[Page]:
    """A second visitor: a browser context of its own, sharing nothing with `page`."""
    context = await browser.new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    opened = await context.new_page()
    yield opened
    await context.close()


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(encoding="utf-8")[-2000:]
            raise RuntimeError(f"bookwidget demo exited with {process.returncode}:\n{said}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")
