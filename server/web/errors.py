"""Every error leaves the server in one shape: `{"error", "detail", "fields"}` (DESIGN §7).

Litestar's own errors (validation, unknown route, wrong method) and unexpected exceptions are
translated here too, so a client never has to parse two formats, and a crash shows no trace.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_500_INTERNAL_SERVER_ERROR,
)

from server.schemas import ErrorOut
from server.services.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError

log = logging.getLogger("bookwidget.errors")

STATUS_OF: dict[type[ServiceError], int] = {
    NotFound: HTTP_404_NOT_FOUND,
    InvalidInput: HTTP_422_UNPROCESSABLE_ENTITY,
    Conflict: HTTP_409_CONFLICT,
    Forbidden: HTTP_403_FORBIDDEN,
}

CODE_OF_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}

# msgspec reports where a value went wrong as `$.customer.email` or `$[0]`.
_PATH = re.compile(r"`\$\.?([^`]*)`")


def error_response(
    status: int, code: str, detail: str, fields: dict[str, str] | None = None
) -> Response[ErrorOut]:
    return Response(
        ErrorOut(error=code, detail=detail, fields=fields or {}),
        status_code=status,
        media_type="application/json",
    )


def service_error(_: Request[Any, Any, Any], error: ServiceError) -> Response[ErrorOut]:
    status = next(
        (code for kind, code in STATUS_OF.items() if isinstance(error, kind)),
        HTTP_400_BAD_REQUEST,
    )
    return error_response(status, error.code, error.detail, error.fields)


def validation_error(_: Request[Any, Any, Any], error: ValidationException) -> Response[ErrorOut]:
    detail = str(error.detail or "Invalid request")
    if "JSON is malformed" in detail or "Malformed" in detail or "decode" in detail.lower():
        return error_response(
            HTTP_400_BAD_REQUEST, "malformed_json", "The request body is not valid JSON."
        )
    fields: dict[str, str] = {}
    for item in error.extra if isinstance(error.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or _field_from_message(str(item.get("message", ""))))
            fields[key or "body"] = _readable(str(item.get("message", "invalid")))
    if not fields:
        fields["body"] = _readable(detail)
    return error_response(
        HTTP_422_UNPROCESSABLE_ENTITY,
        "invalid_input",
        "Some values are missing or not valid.",
        fields,
    )


def http_error(_: Request[Any, Any, Any], error: HTTPException) -> Response[ErrorOut]:
    status = error.status_code
    if status >= 500:
        log.error("server error %s: %s", status, error.detail)
        return error_response(status, "server_error", "Something went wrong on our side.")
    code = CODE_OF_STATUS.get(status, "bad_request")
    detail = str(error.detail) if error.detail else code.replace("_", " ").capitalize()
    response = error_response(status, code, detail)
    if error.headers:
        response.headers.update(error.headers)
    return response


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[ErrorOut]:
    # Log the type and route only: the message of an arbitrary exception may carry personal
    # data from the request, and logs must not.
    log.exception("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
    return error_response(
        HTTP_500_INTERNAL_SERVER_ERROR, "server_error", "Something went wrong on our side."
    )


def _field_from_message(message: str) -> str:
    match = _PATH.search(message)
    return match.group(1) if match else ""


def _readable(message: str) -> str:
    return _PATH.sub(lambda m: f"`{m.group(1) or 'body'}`", message).replace(" - at ", " at ")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    ServiceError: service_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
