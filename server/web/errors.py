"""Every error leaves the server in one shape: `{"error", "detail", "fields"}` (DESIGN §7).

Litestar's own errors (validation, unknown route, wrong method) and unexpected exceptions are
translated here too, so a client never has to parse two formats, and a crash shows no trace.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
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
_MISSING_FIELD = re.compile(r"Object missing required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")
#: What a request body that could not be decoded raises (see server.web.json_body).
_UNDECODABLE = (SerializationException, UnicodeDecodeError, RecursionError)


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


def validation_error(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[ErrorOut]:
    detail = str(error.detail or "Invalid request")
    if "JSON is malformed" in detail or "Malformed" in detail or "decode" in detail.lower():
        return error_response(
            HTTP_400_BAD_REQUEST, "malformed_json", "The request body is not valid JSON."
        )
    fields: dict[str, str] = {}
    for item in error.extra if isinstance(error.extra, list) else []:
        if isinstance(item, dict):
            key = str(item.get("key") or _field_from_message(str(item.get("message", ""))))
            key, message = _public_field(request, key, str(item.get("message", "invalid")))
            fields[key or "body"] = _shortened(_readable(message))
    if not fields and (missing := _MISSING_PARAMETER.search(detail)):
        fields[missing.group(2)] = f"Missing required {missing.group(1)} parameter."
    if not fields:
        fields["body"] = _shortened(_readable(detail))
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
    if status == HTTP_400_BAD_REQUEST and isinstance(error.__cause__, _UNDECODABLE):
        # Litestar wraps a body msgspec could not decode in a plain 400; say what it is.
        reason = _shortened(str(error.detail or error.__cause__))
        return error_response(
            status, "malformed_json", f"The request body is not valid JSON: {reason}"
        )
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


def _public_field(request: Request[Any, Any, Any], key: str, message: str) -> tuple[str, str]:
    """The field as the client named it, and the message about it.

    Litestar reports the handler's names: `data` for the whole body, `from_date` for the
    query parameter `from`; and msgspec reports a missing field at its parent object.
    """
    if key == "data" or key.startswith("data."):
        if message == f"'{key}'":  # a KeyError: there was no body at all
            return "body", "The request body is missing; send a JSON object."
        key = key.removeprefix("data").lstrip(".")
    if missing := _MISSING_FIELD.fullmatch(message):
        return ".".join(part for part in (key, missing.group(1)) if part), "Missing."
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    alias = getattr(getattr(parameter, "kwarg_definition", None), "name", None)
    return (alias if isinstance(alias, str) and alias else key), message


def _shortened(message: str, limit: int = 300) -> str:
    # Messages may quote the offending value; a 100 kB value need not come back in full.
    return message if len(message) <= limit else message[: limit - 1] + "…"


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
