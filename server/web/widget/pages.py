"""The widget's routes: the page the iframe opens, each step, the brand stylesheet, assets.

`GET /w/{key}` renders the first step (prefilled from the embed's parameters) inside the
page shell. `POST /w/{key}/step` takes a step's form and answers with the next step: the
bare step when `widget.js` asks (`X-Bookwidget: fragment`), a whole page otherwise, so the
widget still works, step by step, without script.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.params import HeaderParameter, PathParameter

from server.adapters.repository import TenantRecord
from server.schemas import PUBLIC_KEY_PATTERN
from server.services.errors import ServiceError
from server.services.locations import tenant_or_404
from server.services.texts import pick_locale
from server.web.context import Context
from server.web.widget.assets import CACHE_FOREVER, THEMES
from server.web.widget.brand import brand_stylesheet
from server.web.widget.errors import WIDGET_EXCEPTION_HANDLERS
from server.web.widget.flow import Flow, Screen
from server.web.widget.headers import widget_headers
from server.web.widget.rendering import gettext, render
from server.web.widget.state import BadState, WidgetState, state_from
from server.web.widget.view import step_context

Key = Annotated[str, PathParameter(max_length=64, pattern=PUBLIC_KEY_PATTERN)]
AcceptLanguage = Annotated[str | None, HeaderParameter(name="accept-language", max_length=500)]

#: Query parameters of `GET /w/{key}` (set by embed.js) that seed the state.
PAGE_PARAMETERS = (
    *("mode", "theme", "locale", "host", "wid", "tz", "bw"),
    *("channel", "location", "date"),
)


class WidgetController(Controller):
    path = "/w"
    include_in_schema = False
    exception_handlers = WIDGET_EXCEPTION_HANDLERS

    @get("/{key:str}")
    async def page(
        self,
        ctx: Context,
        request: Request[Any, Any, Any],
        key: Key,
        accept_language: AcceptLanguage = None,
    ) -> Response[str]:
        tenant = await tenant_or_404(key)
        values = {name: request.query_params.get(name, "") for name in PAGE_PARAMETERS}
        state = _state_or_default(values)
        state.go = _first_step(state)
        return await _answer(ctx, tenant, state, accept_language, fragment=False)

    @post("/{key:str}/step", status_code=200)
    async def step(
        self,
        ctx: Context,
        request: Request[Any, Any, Any],
        key: Key,
        accept_language: AcceptLanguage = None,
        fragment: Annotated[str | None, HeaderParameter(name="x-bookwidget")] = None,
    ) -> Response[str]:
        tenant = await tenant_or_404(key)
        form = await request.form()
        values = {name: str(form.get(name, "")) for name in form}
        try:
            state = state_from(values)
        except BadState:
            state = _state_or_default({n: values.get(n, "") for n in PAGE_PARAMETERS})
            state.go = "channel"
        return await _answer(ctx, tenant, state, accept_language, fragment=fragment == "fragment")

    @get("/{key:str}/brand.css")
    async def brand(self, key: Key) -> Response[str]:
        tenant = await tenant_or_404(key)
        return Response(
            brand_stylesheet(tenant.brand),
            media_type="text/css",
            # The page links it with `?v=<catalog version>`, so a new version is a new URL.
            headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @get("/assets/{name:str}")
    async def asset(
        self, ctx: Context, name: Annotated[str, PathParameter(max_length=80)]
    ) -> Response[bytes]:
        found = ctx.assets.find(name)
        if found is None:
            return Response(b"", status_code=404, media_type=MediaType.TEXT)
        return Response(
            found.body,
            media_type=found.media_type,
            headers={"Cache-Control": CACHE_FOREVER, "X-Content-Type-Options": "nosniff"},
        )


async def _answer(
    ctx: Context,
    tenant: TenantRecord,
    state: WidgetState,
    accept_language: str | None,
    *,
    fragment: bool,
) -> Response[str]:
    locale = pick_locale(state.locale, accept_language, tenant.default_locale)
    state.locale = locale
    state.theme = state.theme if state.theme in THEMES else _theme(tenant)
    state.host = state.host if state.host in tenant.allowed_origins else ""
    flow = Flow(tenant=tenant, ctx=ctx, locale=locale, now=ctx.clock.now())
    try:
        screen = await flow.show(state)
    except ServiceError:
        # Something the customer cannot fix by editing this step (the store closed, say):
        # start again at the first step rather than show an error with no way on.
        state.go, state.step = "channel", ""
        screen = await flow.show(state)
        screen.notice = gettext(locale, "Something changed meanwhile. Please choose again.")
    context = step_context(screen, tenant, locale, ctx.assets, await flow.offered())
    context["booked_json"] = _booked_json(screen)
    template = f"steps/{screen.step}.html" if fragment else "page.html"
    return Response(
        render(locale, template, context),
        media_type=MediaType.HTML,
        headers=widget_headers(tenant.allowed_origins),
    )


def _booked_json(screen: Screen) -> str:
    booked = screen.booked
    if booked is None:
        return ""
    # What the host page learns of a booking: never a name, email or phone (DESIGN §6).
    return json.dumps(
        {
            "reference": booked.reference,
            "channel": booked.channel.value,
            "start": booked.start.isoformat(),
            "status": booked.status,
        }
    )


def _state_or_default(values: dict[str, str]) -> WidgetState:
    try:
        return state_from(values)
    except BadState:
        return WidgetState()


def _first_step(state: WidgetState) -> str:
    """Where a prefilled widget opens: the time, the date, the store, or the beginning."""
    if state.location and state.date:
        return "time"
    if state.location:
        return "date"
    return "place" if state.channel else "channel"


def _theme(tenant: TenantRecord) -> str:
    return tenant.default_theme if tenant.default_theme in THEMES else "default"
