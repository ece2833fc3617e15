"""What every step template receives: the state, the screen, and formatting bound to the
customer's language and the store's time zone."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal

from server.adapters.repository import TenantRecord
from server.domain.model import Channel
from server.services.texts import channel_label
from server.web.widget import formatting
from server.web.widget.assets import Assets
from server.web.widget.flow import Screen
from server.web.widget.state import KEPT

UTC_ZONE = ZoneInfo("UTC")


def step_context(
    screen: Screen,
    tenant: TenantRecord,
    locale: str,
    assets: Assets,
    offered: dict[Channel, int],
) -> dict[str, Any]:
    state = screen.state
    tz: ZoneInfo = screen.data.get("tz") or UTC_ZONE
    booked = screen.booked
    return {
        "s": state,
        "kept": [(name, getattr(state, name)) for name in KEPT],
        "screen": screen,
        "tenant": tenant,
        "locale": locale,
        "theme": state.theme,
        "host": state.host,
        "action": f"/w/{tenant.public_key}/step",
        "asset": assets.url,
        # The contrast theme is for people who need it: a brand colour must not weaken it.
        "brand_css": (
            f"/w/{tenant.public_key}/brand.css?v={tenant.catalog_version}"
            if tenant.brand and state.theme != "contrast"
            else None
        ),
        "progress": progress(state.channel, offered),
        # The customer's own booking page (server.web.links), and its always-current .ics.
        "manage_url": f"/manage/{booked.manage_token}" if booked is not None else "",
        "ics_url": f"/manage/{booked.manage_token}/calendar.ics" if booked is not None else "",
        "channel_label": lambda channel: channel_label(channel, locale),
        "long_day": lambda day: formatting.long_day(day, locale),
        "short_day": lambda day: formatting.short_day(day, locale),
        "clock_time": lambda moment: formatting.clock_time(moment, tz, locale),
        "zone_name": lambda moment: formatting.zone_name(tz, moment, locale),
        "month_title": lambda month: formatting.month_title(month.year, month.month, locale),
        "weeks": lambda month: formatting.month_weeks(month.year, month.month, locale),
        "weekdays": formatting.weekday_headers(locale),
        "format_km": lambda km: format_decimal(round(km, 1), format="#,##0.0", locale=locale),
    }


def progress(channel: str, offered: dict[Channel, int]) -> list[str]:
    """The steps the customer walks through, in order, for the progress line."""
    where = "address" if channel == Channel.AT_HOME.value else "store"
    first = ["channel"] if len(offered) > 1 else []
    return [*first, where, "date", "time", "contact", "review"]
