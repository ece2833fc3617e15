"""How long until the embedded widget can be used, against a plain iframe of the same page.

Two host pages on their own origin, served by this script, each load the widget's first
step from a real server (`bookwidget serve`, SQLite, demo catalog):

- `embed`: the partner's one script tag, `<script async src=".../embed.js" data-key=...>`,
  which creates the iframe;
- `iframe`: a static `<iframe src=".../w/pk_demo?...">` of the same page and size, what a
  partner could write without a loader.

Each page records `performance.now()` when the widget says it is interactive (its script
ran and posted `bw:ready` to the host). Every load is in a fresh browser context (an empty
cache, as for a first visit), alternating the two pages. The budget: the embed at most
1.5 times the plain iframe (the ratio of medians).

    .venv/bin/python -m bench.embed_interactive [--rounds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import re
import statistics
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from bench.common import (
    DEMO_CATALOG,
    cli,
    free_port,
    machine_line,
    print_table,
    running_server,
    throwaway_database,
)

TARGET_RATIO = 1.5
CHROMIUM = "/usr/bin/chromium"

EMBED_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>embed</title></head>
<body><div id="book"></div>
<script>
document.addEventListener("bookwidget:ready", function () {{
  window.interactiveAt = performance.now();
}});
</script>
<script async src="{server}/embed.js" data-key="pk_demo" data-mode="inline" data-target="#book"
        data-locale="en"></script>
</body></html>"""

IFRAME_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>iframe</title></head>
<body><div id="book">
<iframe title="Book an appointment" style="width:100%;border:0;height:480px"
        src="{server}/w/pk_demo?mode=inline&amp;locale=en&amp;host={host}&amp;wid=1"></iframe>
</div>
<script>
window.addEventListener("message", function (event) {{
  if (event.origin === "{server}" && event.data && event.data.type === "bw:ready") {{
    window.interactiveAt = window.interactiveAt || performance.now();
  }}
}});
</script>
</body></html>"""


def main() -> None:
    args = _parser().parse_args()
    print(f"embed interactive — {machine_line()}")
    host_port = free_port()
    host = f"http://127.0.0.1:{host_port}"
    with tempfile.TemporaryDirectory(prefix="bookwidget-bench-catalog-") as folder:
        catalog = _catalog_allowing(host, Path(folder))
        with throwaway_database("sqlite") as database:
            cli(["load", str(catalog)], database)
            with running_server(database, workers=1) as server:
                embed = httpx.get(f"{server.url}/embed.js", timeout=10).content
                print(
                    f"embed.js: {len(embed):,} bytes served, "
                    f"{len(gzip.compress(embed, 9)):,} bytes gzipped"
                )
                pages = {
                    "/embed": EMBED_PAGE.format(server=server.url),
                    "/iframe": IFRAME_PAGE.format(server=server.url, host=host),
                }
                with _host_pages(host_port, pages):
                    times = asyncio.run(_measure(host, args.rounds))
    rows = []
    for name, values in times.items():
        ordered = sorted(values)
        rows.append([name, len(values), statistics.median(values), ordered[0], ordered[-1]])
    print_table(("host page", "loads", "median ms", "min ms", "max ms"), rows)
    ratio = statistics.median(times["embed"]) / statistics.median(times["iframe"])
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"\nembed / plain iframe = {ratio:.2f} ({verdict} the target of <= {TARGET_RATIO})")


async def _measure(host: str, rounds: int) -> dict[str, list[float]]:
    from playwright.async_api import async_playwright

    times: dict[str, list[float]] = {"embed": [], "iframe": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for _ in range(max(1, min(rounds, 200))):
                for name in times:
                    context = await browser.new_context(viewport={"width": 1280, "height": 900})
                    page = await context.new_page()
                    await page.goto(f"{host}/{name}")
                    handle = await page.wait_for_function("window.interactiveAt", timeout=15000)
                    times[name].append(float(await handle.json_value()))
                    await context.close()
        finally:
            await browser.close()
    return times


def _catalog_allowing(origin: str, folder: Path) -> Path:
    """The demo catalog, allowed to be embedded by this run's host origin."""
    text = DEMO_CATALOG.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^allowed_origins = .*$", f'allowed_origins = ["{origin}"]', text)
    (folder / "demo.toml").write_text(text, encoding="utf-8")
    csv = DEMO_CATALOG.with_name("stores.csv")
    (folder / "stores.csv").write_text(csv.read_text(encoding="utf-8"), encoding="utf-8")
    return folder / "demo.toml"


@contextmanager
def _host_pages(port: int, pages: dict[str, str]) -> Iterator[None]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="loads of each page")
    return parser


if __name__ == "__main__":
    main()
