"""A demo partner's website, served from another origin than the Bookwidget server.

`/` embeds the widget three times (inline, popup, floating button) with one script tag each
and lists the events it receives; `?theme=dark` or `?locale=de` change all three.
`/api-client` is a partner's own form on the public API (CORS), for those who build their UI.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Annotated

from litestar import Litestar, MediaType, Response, get
from litestar.params import QueryParameter

HERE = Path(__file__).parent
THEMES = ("default", "dark", "contrast")


def partner_app(api_origin: str, key: str = "pk_demo") -> Litestar:
    page = (HERE / "partner.html").read_text(encoding="utf-8")
    api_page = (HERE / "api_client.html").read_text(encoding="utf-8")
    config = json.dumps({"api": api_origin, "key": key}).replace("<", "\\u003c")
    api_page = api_page.replace("__BOOKWIDGET_CONFIG__", config)
    files = {
        "partner.js": ((HERE / "partner.js").read_text(encoding="utf-8"), "text/javascript"),
        "api-client.js": ((HERE / "api_client.js").read_text(encoding="utf-8"), "text/javascript"),
        "partner.css": ((HERE / "partner.css").read_text(encoding="utf-8"), "text/css"),
    }

    @get("/", media_type=MediaType.HTML, sync_to_thread=False)
    def index(
        theme: Annotated[str, QueryParameter(max_length=20)] = "default",
        locale: Annotated[str, QueryParameter(max_length=8)] = "",
    ) -> str:
        chosen_locale = f' data-locale="{html.escape(locale)}"' if locale in {"en", "de"} else ""
        return (
            page.replace("__SERVER__", html.escape(api_origin))
            .replace("__KEY__", html.escape(key))
            .replace("__THEME__", theme if theme in THEMES else "default")
            .replace("__LOCALE__", chosen_locale)
        )

    @get("/api-client", media_type=MediaType.HTML, sync_to_thread=False)
    def api_client() -> str:
        return api_page

    @get("/{name:str}", sync_to_thread=False)
    def asset(name: str) -> Response[str]:
        if name not in files:
            return Response("Not found", status_code=404, media_type=MediaType.TEXT)
        text, media_type = files[name]
        return Response(text, media_type=media_type)

    return Litestar(route_handlers=[index, api_client, asset], openapi_config=None)
