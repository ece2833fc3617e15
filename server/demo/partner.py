"""A demo partner's website, served from another origin than the Bookwidget server.

It books through the public API from the browser (CORS: the demo tenant lists this origin),
which is what a partner building its own booking UI does.
"""

from __future__ import annotations

import json
from pathlib import Path

from litestar import Litestar, MediaType, Response, get

HERE = Path(__file__).parent


def partner_app(api_origin: str, key: str = "pk_demo") -> Litestar:
    page = (HERE / "partner.html").read_text(encoding="utf-8")
    script = (HERE / "partner.js").read_text(encoding="utf-8")
    config = json.dumps({"api": api_origin, "key": key})
    html = page.replace("__BOOKWIDGET_CONFIG__", config.replace("<", "\\u003c"))

    @get("/", media_type=MediaType.HTML, sync_to_thread=False)
    def index() -> str:
        return html

    @get("/partner.js", sync_to_thread=False)
    def partner_js() -> Response[str]:
        return Response(script, media_type="text/javascript")

    return Litestar(route_handlers=[index, partner_js], openapi_config=None)
