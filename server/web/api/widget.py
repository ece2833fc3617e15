from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.params import HeaderParameter, PathParameter, QueryParameter

from server.schemas import PUBLIC_KEY_PATTERN, WidgetOut
from server.services.widget import widget_config


@get("/widget/{key:str}", summary="Widget configuration: channels, language, theme, texts")
async def get_widget(
    key: Annotated[str, PathParameter(max_length=64, pattern=PUBLIC_KEY_PATTERN)],
    locale: Annotated[str | None, QueryParameter(max_length=16)] = None,
    accept_language: Annotated[
        str | None, HeaderParameter(name="accept-language", max_length=500)
    ] = None,
) -> WidgetOut:
    return await widget_config(key, locale, accept_language)
