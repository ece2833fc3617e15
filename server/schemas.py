"""The public API's boundary types (msgspec Structs), named for their use.

Constraints declared here are enforced when a request is decoded, before any service runs,
and they appear in the served OpenAPI document.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct, field

from server.domain.model import Channel

#: A tenant's public embed key. Query and path parameters use the same shape, so text that
#: cannot be a key (a NUL byte, which PostgreSQL refuses outright) never reaches a query.
PUBLIC_KEY_PATTERN = r"^pk_[A-Za-z0-9_]+$"
PublicKey = Annotated[str, Meta(min_length=1, max_length=64, pattern=PUBLIC_KEY_PATTERN)]
ShortText = Annotated[str, Meta(max_length=200)]
Name = Annotated[str, Meta(min_length=1, max_length=200)]
Email = Annotated[str, Meta(min_length=3, max_length=254)]
Phone = Annotated[str, Meta(max_length=40)]
Notes = Annotated[str, Meta(max_length=1000)]
HoldToken = Annotated[str, Meta(min_length=16, max_length=43, pattern=r"^[A-Za-z0-9_-]+$")]
Locale = Annotated[
    str, Meta(min_length=2, max_length=8, pattern=r"^[A-Za-z]{2}([-_][A-Za-z]{2})?$")
]


class ErrorOut(Struct):
    """Every error, from every endpoint, has this shape."""

    error: str
    detail: str
    fields: dict[str, str] = field(default_factory=dict)


# --- widget configuration -------------------------------------------------------------


class ChannelOut(Struct):
    channel: Channel
    label: str
    duration_minutes: int


class WidgetOut(Struct):
    key: str
    name: str
    locale: str
    locales: list[str]
    theme: str
    channels: list[ChannelOut]
    texts: dict[str, str]


# --- stores -----------------------------------------------------------------------------


class AddressOut(Struct):
    street: str
    postal_code: str
    city: str
    country: str


class LocationOut(Struct):
    id: int
    code: str
    name: str
    address: AddressOut
    lat: float
    lon: float
    time_zone: str
    phone: str
    channels: list[Channel]
    booking_mode: str
    distance_km: float | None = None


class SearchOrigin(Struct):
    """The point results are measured from, and how it was found."""

    lat: float
    lon: float
    label: str
    source: Literal["point", "place", "postal_code"]


class LocationsOut(Struct):
    locations: list[LocationOut]
    origin: SearchOrigin | None = None


class HomeAddress(Struct, forbid_unknown_fields=True):
    street: Annotated[str, Meta(min_length=1, max_length=200)]
    postal_code: Annotated[str, Meta(min_length=2, max_length=20)]
    city: Annotated[str, Meta(min_length=1, max_length=120)]
    country: Annotated[str, Meta(max_length=2)] = ""


class ServingLocationOut(Struct):
    """The store that serves a home address for at-home appointments."""

    location: LocationOut
    distance_km: float | None
    matched_by: Literal["postal_code", "radius"]


# --- availability -----------------------------------------------------------------------


class SlotOut(Struct):
    start: datetime
    end: datetime


class DayOut(Struct):
    date: date
    slots: list[SlotOut]


class SlotsOut(Struct):
    location_id: int
    channel: Channel
    time_zone: str
    from_date: date = field(name="from")
    to_date: date = field(name="to")
    days: list[DayOut] = field(default_factory=list)


# --- bookings ---------------------------------------------------------------------------


class CustomerIn(Struct, forbid_unknown_fields=True):
    name: Name
    email: Email
    phone: Phone = ""


class BookingIn(Struct, forbid_unknown_fields=True):
    key: PublicKey
    location_id: Annotated[int, Meta(ge=1, le=2**31 - 1)]
    channel: Channel
    start: datetime
    customer: CustomerIn
    address: HomeAddress | None = None
    notes: Notes = ""
    locale: Locale = "en"
    source: Literal["widget", "api"] = "api"
    #: The hold the widget took when the customer picked this time; used up by the booking.
    hold: HoldToken | None = None


class CustomerOut(Struct):
    name: str
    email: str
    phone: str


class BookingOut(Struct):
    reference: str
    status: str
    channel: Channel
    start: datetime
    end: datetime
    time_zone: str
    location: LocationOut
    customer: CustomerOut
    notes: str
    locale: str
    address: HomeAddress | None = None
    #: A signed link token for the customer (view / manage); only in the creation response.
    manage_token: str | None = None


class BookingActionIn(Struct, forbid_unknown_fields=True):
    """A change to a booking by the holder of its signed link; the link's role (customer or
    dealer) decides which actions are open, exactly as on the link pages."""

    token: Annotated[str, Meta(min_length=1, max_length=4096)]
    action: Literal["confirm", "decline", "cancel", "reschedule", "accept", "decline_proposal"]
    #: For `reschedule`: the new start, with its UTC offset.
    start: datetime | None = None
    reason: Notes = ""
    #: For a dealer's `reschedule`: a message to the customer.
    message: Notes = ""
