"""What the widget remembers between steps: hidden fields of the page, never a cookie.

Every step's form carries the whole state as hidden inputs (except the fields the step
edits), so a step can be rendered from one request alone, Back never loses what was typed,
and the server keeps no session. The hold's token travels the same way (DESIGN §3).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

Short = Annotated[str, Meta(max_length=200)]
Token = Annotated[str, Meta(max_length=2000)]

#: Steps in the order a customer meets them; `store` and `address` are alternatives.
STEPS = ("channel", "store", "address", "date", "time", "contact", "review", "done")


class WidgetState(Struct, kw_only=True):
    """Everything a step may need. Strings as the form sends them; checked where used."""

    step: Short = ""  # the step whose form was sent
    go: Short = ""  # where a navigation button leads; empty: onwards from `step`
    # how the widget is embedded
    locale: Short = ""
    theme: Short = ""
    mode: Short = ""
    host: Short = ""
    wid: Short = ""
    tz: Short = ""  # the visitor's time zone, from their browser
    bw: Token = ""  # a campaign token (deep links, later)
    # the customer's choices
    channel: Short = ""
    q: Short = ""
    lat: Short = ""
    lon: Short = ""
    location: Short = ""
    street: Short = ""
    postal_code: Short = ""
    city: Short = ""
    month: Short = ""
    date: Short = ""
    start: Short = ""
    hold: Short = ""
    hold_until: Short = ""
    name: Short = ""
    email: Short = ""
    phone: Short = ""
    notes: Annotated[str, Meta(max_length=4000)] = ""


#: Fields that are part of the state (hidden inputs), not instructions for this request.
KEPT = tuple(f for f in WidgetState.__struct_fields__ if f not in {"step", "go"})


class BadState(ValueError):
    """The form could not be read (a field far too long, or not text)."""


def state_from(values: Mapping[str, str]) -> WidgetState:
    known = {k: v for k, v in values.items() if k in WidgetState.__struct_fields__}
    try:
        return msgspec.convert(known, WidgetState)
    except msgspec.ValidationError as error:
        raise BadState(str(error)) from error
