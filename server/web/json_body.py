"""The API takes one kind of request body, JSON; it is checked before a handler's parameters
are decoded from it."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, HTTPException, SerializationException
from litestar.status_codes import HTTP_415_UNSUPPORTED_MEDIA_TYPE


async def require_json_body(request: Request[Any, Any, Any]) -> None:
    """Refuse a body not declared as JSON (415) and one that cannot be decoded (400).

    Insisting on the JSON content type also keeps other origins' pages from posting a
    booking as a "simple" text/plain or form request, which skips the CORS preflight.
    Decoding here catches what Litestar's own decoding lets escape as a 500: bytes that
    are not UTF-8 (msgspec raises UnicodeDecodeError for them, not DecodeError) and nesting
    deep enough to exhaust the stack. The decoded value is cached on the request, so the
    body is still parsed only once. `server.web.errors` answers both as `malformed_json`.
    """
    media_type, _ = request.content_type
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise HTTPException(
            status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            detail="Send the body as JSON, with the header Content-Type: application/json.",
        )
    try:
        await request.json()
    except SerializationException as error:
        raise ClientException(str(error)) from error
    except UnicodeDecodeError as error:
        raise ClientException("it is not UTF-8 text") from error
    except RecursionError as error:
        raise ClientException("it is nested too deeply") from error
