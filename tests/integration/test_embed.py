"""GET /embed.js through an app holding only that handler, and the minifier's rules."""

from __future__ import annotations

import asyncio
import gzip
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from server.web.embed import SOURCE, EmbedSourceError, embed_js, minify, served

BUDGET = 2_500  # bytes, gzipped (DESIGN §6)


@pytest.fixture
async def client() -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=Litestar(route_handlers=[embed_js])) as client:
        yield client


async def test_the_served_loader_fits_the_gzip_budget() -> None:
    size = len(gzip.compress(served().body, compresslevel=9))
    assert size <= BUDGET, f"embed.js is {size} bytes gzipped, over the {BUDGET}-byte budget"


async def test_the_loader_is_served_minified_with_cache_headers(
    client: AsyncTestClient[Litestar],
) -> None:
    response = await client.get("/embed.js")

    assert response.status_code == 200
    assert response.content == served().body
    assert len(response.content) < len(SOURCE.read_bytes())
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "access-control-allow-origin" not in response.headers
    etag = response.headers["etag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert len(etag) > 10


async def test_a_browser_holding_the_current_etag_gets_a_304(
    client: AsyncTestClient[Litestar],
) -> None:
    etag = (await client.get("/embed.js")).headers["etag"]

    for held in (etag, f"W/{etag}", f'"stale", {etag}', "*"):
        again = await client.get("/embed.js", headers={"If-None-Match": held})
        assert again.status_code == 304, held
        assert again.content == b""
        assert again.headers["etag"] == etag

    stale = await client.get("/embed.js", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200
    assert stale.content == served().body


async def test_the_served_loader_is_valid_javascript(tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH, so the served embed.js cannot be syntax-checked")
    path = tmp_path / "embed.js"
    path.write_bytes(served().body)
    process = await asyncio.create_subprocess_exec(
        node, "--check", str(path), stderr=asyncio.subprocess.PIPE
    )
    _, errors = await process.communicate()
    assert process.returncode == 0, errors.decode()


async def test_the_served_loader_keeps_its_strict_iife_and_drops_every_comment() -> None:
    text = served().body.decode()
    assert text.startswith("(function () {\n'use strict';\n")
    for leftover in ("\n//", "/*", "\n ", " \n", "\n\n"):
        assert leftover not in text, f"{leftover!r} left in the served form"


async def test_minify_drops_comment_lines_indentation_and_blank_lines() -> None:
    source = "// header\n(function () {\n  'use strict';\n\n    // why\n  run();   \n})();\n"
    assert minify(source) == "(function () {\n'use strict';\nrun();\n})();\n"


async def test_minify_drops_block_comments_on_their_own_lines() -> None:
    source = "/*\n * about\n */\na();\n  /* one line */\n/**/\nb();\n/*/\nstill a comment\n*/\n"
    assert minify(source) == "a();\nb();\n"


async def test_minify_keeps_slashes_inside_code_lines() -> None:
    source = "const u = 'https://x/y';\nconst r = /a\\/\\/b/;\nf(a // 2);\n"
    assert minify(source) == source


async def test_minify_keeps_line_breaks_so_semicolon_insertion_is_unchanged() -> None:
    assert minify("a = b\n  (c)\nreturn\n  x\n") == "a = b\n(c)\nreturn\nx\n"


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("/* note */ a();\n", "code after the end of a block comment"),
        ("/*\nnote */ a();\n", "code after the end of a block comment"),
        ("a(); /* note */\n", "a block comment must start its own line"),
        ("/*\nnever closed\n", "never closed"),
        ("const s = 'a\\\nb';\n", "a literal continues on the next line"),
        ("const t = `a\n  b`;\n", "a literal continues on the next line"),
    ],
)
async def test_minify_refuses_source_it_could_break(source: str, problem: str) -> None:
    with pytest.raises(EmbedSourceError, match=problem):
        minify(source)
