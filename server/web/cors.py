"""CORS for the public API, allowing exactly the origins some tenant lists.

The widget itself calls the API from the server's own origin and needs no CORS; this serves
partners who call the API from their own pages. The allowed set is re-read every few
seconds so a newly added origin works without a restart.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "content-type, accept, accept-language"
REFRESH_SECONDS = 15.0


class AllowedOrigins:
    def __init__(self, load: Callable[[], Awaitable[set[str]]]) -> None:
        self._load = load
        self._origins: set[str] = set()
        self._loaded_at = -REFRESH_SECONDS

    async def allows(self, origin: str) -> bool:
        if time.monotonic() - self._loaded_at > REFRESH_SECONDS:
            self._origins = await self._load()
            self._loaded_at = time.monotonic()
        return origin in self._origins


def cors_middleware(origins: AllowedOrigins) -> Callable[[ASGIApp], ASGIApp]:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            origin = _header(scope, b"origin")
            allowed = origin is not None and await origins.allows(origin)
            if scope["method"] == "OPTIONS" and origin is not None:
                await _preflight(send, origin if allowed else None)
                return

            async def send_with_cors(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableScopeHeaders.from_message(message)
                    headers.add("vary", "Origin")
                    if allowed and origin is not None:
                        headers["access-control-allow-origin"] = origin
                await send(message)

            await app(scope, receive, send_with_cors)

        return middleware

    return factory


async def _preflight(send: Send, origin: str | None) -> None:
    headers: list[tuple[bytes, bytes]] = [(b"vary", b"Origin"), (b"content-length", b"0")]
    if origin is not None:
        headers += [
            (b"access-control-allow-origin", origin.encode()),
            (b"access-control-allow-methods", ALLOWED_METHODS.encode()),
            (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
            (b"access-control-max-age", b"600"),
        ]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 204,
        "headers": headers,
    }
    await send(start)
    body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
    await send(body)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
