"""What the widget needs to start: the tenant's name, channels, language and theme."""

from __future__ import annotations

from server.adapters import repository
from server.schemas import ChannelOut, WidgetOut
from server.services.locations import tenant_or_404
from server.services.texts import SUPPORTED_LOCALES, TEXTS, channel_label, pick_locale


async def widget_config(key: str, locale: str | None, accept_language: str | None) -> WidgetOut:
    tenant = await tenant_or_404(key)
    language = pick_locale(locale, accept_language, tenant.default_locale)
    offered = await repository.channels_offered(tenant.id)
    return WidgetOut(
        key=tenant.public_key,
        name=tenant.name,
        locale=language,
        locales=list(SUPPORTED_LOCALES),
        theme=tenant.default_theme,
        channels=[
            ChannelOut(channel=c, label=channel_label(c, language), duration_minutes=minutes)
            for c, minutes in offered.items()
        ],
        texts=TEXTS[language],
    )
