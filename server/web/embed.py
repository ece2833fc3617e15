"""GET /embed.js: the loader partners put on their pages (DESIGN §6, STYLE 10).

The file lives at the repository root, outside the `server` package, so it is read from the
checkout (as the widget's assets are) and is not package data. It is served in a smaller form
made by `minify`, which removes only what cannot change the program as long as embed.js keeps
the rules written at its top. Body and ETag are computed once per process.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar import Request, Response, get

SOURCE = Path(__file__).resolve().parents[2] / "embed.js"

#: Litestar adds "; charset=utf-8" to text/ types itself.
MEDIA_TYPE = "text/javascript"
#: Short, so a fixed loader reaches every partner page within minutes; the ETag makes the
#: revalidation after that a 304.
CACHE_CONTROL = "public, max-age=300"


class EmbedSourceError(ValueError):
    """embed.js breaks a rule the minifier relies on; the message names the line."""


def minify(source: str) -> str:
    """Drop comment lines and block comments, indentation, trailing spaces and blank lines.

    Line breaks stay, so semicolon insertion is unchanged. A line that would make this unsafe
    (a block comment with code beside it, a literal continued on the next line) is refused.
    """
    kept: list[str] = []
    in_comment = False
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.strip()
        if in_comment or line.startswith("/*"):
            body = line if in_comment else line[2:]
            end = body.find("*/")
            if end not in (-1, len(body) - 2):
                raise EmbedSourceError(f"line {number}: code after the end of a block comment")
            in_comment = end == -1
            continue
        if not line or line.startswith("//"):
            continue
        if "/*" in line:
            raise EmbedSourceError(f"line {number}: a block comment must start its own line")
        if line.endswith("\\") or line.count("`") % 2:
            raise EmbedSourceError(f"line {number}: a literal continues on the next line")
        kept.append(line)
    if in_comment:
        raise EmbedSourceError("a block comment is never closed")
    return "\n".join(kept) + "\n"


@dataclass(frozen=True, slots=True)
class Served:
    body: bytes
    etag: str


@functools.cache
def served() -> Served:
    body = minify(SOURCE.read_text(encoding="utf-8")).encode()
    return Served(body, '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def _matches(if_none_match: str, etag: str) -> bool:
    # RFC 9110 compares If-None-Match weakly: W/"x" matches "x".
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags


@get("/embed.js", sync_to_thread=False, include_in_schema=False)
def embed_js(request: Request[Any, Any, Any]) -> Response[bytes]:
    current = served()
    headers = {
        "ETag": current.etag,
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    if _matches(request.headers.get("if-none-match", ""), current.etag):
        return Response(b"", status_code=304, headers=headers)
    return Response(current.body, media_type=MEDIA_TYPE, headers=headers)
