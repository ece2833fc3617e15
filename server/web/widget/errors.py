"""Errors inside the iframe are a friendly page in the customer's language, never JSON."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException

from server.services.errors import NotFound, ServiceError
from server.services.texts import pick_locale
from server.web.widget.assets import Assets
from server.web.widget.headers import widget_headers
from server.web.widget.rendering import gettext, render

log = logging.getLogger("bookwidget.widget")


def N_(message: str) -> str:  # gettext's name for "translate later"
    """Marks a message for extraction; `error_page` translates it."""
    return message


@cache
def shared_assets() -> Assets:
    """One table of fingerprinted assets per process (files are read once)."""
    return Assets()


def error_page(
    request: Request[Any, Any, Any], status: int, title: str, detail: str
) -> Response[str]:
    locale = pick_locale(None, request.headers.get("accept-language"), "en")
    html = render(
        locale,
        "error.html",
        {
            "locale": locale,
            "title": gettext(locale, title),
            "detail": gettext(locale, detail),
            "asset": shared_assets().url,
        },
    )
    # An error page may be framed by anyone: it shows nothing of a tenant.
    headers = widget_headers([]) | {
        "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src data:"
    }
    return Response(html, status_code=status, media_type=MediaType.HTML, headers=headers)


def service_error(request: Request[Any, Any, Any], error: ServiceError) -> Response[str]:
    if isinstance(error, NotFound):
        return error_page(
            request,
            404,
            N_("This booking widget is not available"),
            N_("The link or the website's embed code may be out of date."),
        )
    return error_page(request, 400, N_("This page cannot be shown"), N_("Please start again."))


def http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[str]:
    if error.status_code >= 500:
        log.error("server error %s on %s", error.status_code, request.url.path)
        return unexpected_error(request, error)
    return error_page(
        request, error.status_code, N_("This page cannot be shown"), N_("Please start again.")
    )


def unexpected_error(request: Request[Any, Any, Any], error: Exception) -> Response[str]:
    log.exception("unhandled %s on %s %s", type(error).__name__, request.method, request.url.path)
    return error_page(
        request,
        500,
        N_("Something went wrong on our side"),
        N_("Please try again in a moment."),
    )


WIDGET_EXCEPTION_HANDLERS: dict[Any, Any] = {
    ServiceError: service_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
