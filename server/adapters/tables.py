"""Piccolo tables. Times are `Timestamptz` and always written in UTC (see DESIGN §8).

Rows never leave the service layer: services turn them into domain objects or msgspec
Structs, so a column rename stays inside `server/adapters` and `server/services`.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Serial,
    SmallInt,
    Text,
    Time,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class Tenant(Table):
    """A website owner / brand: one embed key, its stores, its allowed origins."""

    id = Serial(primary_key=True)
    public_key = Varchar(length=64, unique=True, index=True)
    name = Varchar(length=200)
    allowed_origins = JSON(default=[])
    default_locale = Varchar(length=8, default="en")
    default_theme = Varchar(length=32, default="default")
    headquarters_email = Varchar(length=254, default="")
    landing_url = Text(null=True, default=None)
    # Raised in the same transaction as every change to the tenant's stores: each server
    # process compares it with the version of its in-memory store index and rebuilds a stale
    # one (server.services.store_directory). A counter, not `updated_at`, because two imports
    # within one clock tick must still differ.
    catalog_version = Integer(default=0)
    # The tenant's colour, font and corner radius over its theme: {"colour", "font", "radius"}.
    brand = JSON(default={})
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Location(Table, tablename="location"):
    """A store. Its booking rules live here and in `LocationChannel`/`OpeningHours`."""

    id = Serial(primary_key=True)
    tenant = ForeignKey(references=Tenant, index=True)
    code = Varchar(length=64)
    name = Varchar(length=200)
    street = Varchar(length=200, default="")
    postal_code = Varchar(length=20, default="", index=True)
    city = Varchar(length=120, default="")
    country = Varchar(length=2, default="")
    lat = DoublePrecision()
    lon = DoublePrecision()
    time_zone = Varchar(length=64)
    phone = Varchar(length=32, default="")
    email = Varchar(length=254, default="")
    # Folded words of name, city and postal code with a leading and trailing space, so a
    # `LIKE '% term%'` finds word prefixes case- and accent-insensitively on both databases.
    search_text = Text(default="")
    # Channels offered, space separated with surrounding spaces (" in_store online "): lets
    # the search filter by channel without a join.
    channel_list = Varchar(length=64, default="")
    booking_mode = Varchar(length=16, default="request")
    routing = Varchar(length=16, default="store")
    copy_headquarters = Boolean(default=False)
    lead_time_minutes = Integer(default=120)
    horizon_days = Integer(default=60)
    slot_step_minutes = Integer(default=30)
    service_radius_km = DoublePrecision(null=True, default=None)
    service_postal_codes = JSON(default=[])
    # Routing "salesperson": this one receives every request; "" shares them round-robin.
    assigned_salesperson = Varchar(length=254, default="")
    # A customer may move their appointment until this many hours before its start.
    reschedule_cutoff_hours = Integer(default=24)
    # A dealer's new time is a proposal for the customer to accept, not a decision.
    reschedule_proposals = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class LocationChannel(Table, tablename="location_channel"):
    id = Serial(primary_key=True)
    location = ForeignKey(references=Location, index=True)
    channel = Varchar(length=16)
    duration_minutes = Integer()
    capacity = Integer(default=1)
    buffer_minutes = Integer(default=0)


class OpeningHours(Table, tablename="opening_hours"):
    """One interval of a weekly schedule in the store's local wall time (0 = Monday)."""

    id = Serial(primary_key=True)
    location = ForeignKey(references=Location, index=True)
    weekday = SmallInt()
    opens = Time()
    closes = Time()


class Closure(Table):
    """Time a store takes no appointments: holidays, blocked afternoons (UTC bounds)."""

    id = Serial(primary_key=True)
    location = ForeignKey(references=Location, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    reason = Varchar(length=200, default="")
    # "catalog" rows come from `bookwidget load` and are replaced by the next load; time a
    # dealer blocks by hand ("dealer") survives reloads.
    source = Varchar(length=16, default="catalog")


class Salesperson(Table):
    id = Serial(primary_key=True)
    location = ForeignKey(references=Location, index=True)
    name = Varchar(length=200)
    email = Varchar(length=254)
    active = Boolean(default=True)


class Booking(Table):
    id = Serial(primary_key=True)
    reference = Varchar(length=8, unique=True, index=True)
    tenant = ForeignKey(references=Tenant, index=True)
    location = ForeignKey(references=Location, index=True)
    channel = Varchar(length=16)
    start_at = Timestamptz(index=True)
    end_at = Timestamptz()
    # end + the channel's buffer at booking time: the capacity check reads this, so a later
    # change of buffer does not retroactively overbook existing appointments.
    busy_until = Timestamptz()
    status = Varchar(length=16, index=True)
    version = Integer(default=1)
    customer_name = Varchar(length=200)
    customer_email = Varchar(length=254)
    customer_phone = Varchar(length=32, default="")
    address_street = Varchar(length=200, default="")
    address_postal_code = Varchar(length=20, default="")
    address_city = Varchar(length=120, default="")
    notes = Text(default="")
    locale = Varchar(length=8, default="en")
    source = Varchar(length=16, default="api")
    # Who answers this booking when the store routes to salespeople. The FK cascades (Piccolo's
    # default), so salespeople are never deleted: a reload deactivates those it no longer lists.
    salesperson = ForeignKey(references=Salesperson, null=True, default=None)
    # A time the dealer proposed and the customer has not answered yet; it holds capacity
    # like the booked time until it is accepted or declined.
    proposed_start_at = Timestamptz(null=True, default=None)
    proposed_end_at = Timestamptz(null=True, default=None)
    proposed_busy_until = Timestamptz(null=True, default=None)
    utm_source = Varchar(length=100, default="")
    utm_medium = Varchar(length=100, default="")
    utm_campaign = Varchar(length=100, default="")
    utm_content = Varchar(length=100, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Hold(Table):
    """A time a customer picked in the widget, kept for them while they type (DESIGN §3).

    It holds capacity exactly like an active booking until `expires_at`, and is written
    under the same store lock; its token travels in the widget's page, never in a cookie.
    """

    id = Serial(primary_key=True)
    token = Varchar(length=43, unique=True, index=True)
    location = ForeignKey(references=Location, index=True)
    channel = Varchar(length=16)
    start_at = Timestamptz()
    busy_until = Timestamptz()
    expires_at = Timestamptz(index=True)
    created_at = Timestamptz()
    # The booking that used this hold: it then holds nothing, and the same form sent again
    # (a reload, a retry) finds the booking instead of making a second one.
    booking = ForeignKey(references=Booking, null=True, default=None)


class BookingEvent(Table, tablename="booking_event"):
    """The audit trail: who did what to a booking, when, through which screen or link."""

    id = Serial(primary_key=True)
    booking = ForeignKey(references=Booking, index=True)
    at = Timestamptz()
    actor = Varchar(length=16)
    action = Varchar(length=32)
    via = Varchar(length=32, default="")
    old_status = Varchar(length=16, null=True, default=None)
    new_status = Varchar(length=16, null=True, default=None)
    old_start_at = Timestamptz(null=True, default=None)
    new_start_at = Timestamptz(null=True, default=None)
    detail = JSON(default={})


class Outbox(Table):
    """Messages written in the same transaction as the change that caused them (DESIGN §5).

    `dedupe_key` is unique so one event can never queue the same message twice; a dispatcher
    claims rows by setting `claimed_by`/`claimed_until` and only ever sends claimed rows.
    """

    id = Serial(primary_key=True)
    kind = Varchar(length=32)
    dedupe_key = Varchar(length=200, unique=True)
    booking = ForeignKey(references=Booking, null=True, default=None, index=True)
    payload = JSON(default={})
    status = Varchar(length=16, default="pending", index=True)
    due_at = Timestamptz(index=True)
    attempts = Integer(default=0)
    last_error = Text(default="")
    claimed_by = Varchar(length=64, null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


ALL_TABLES: tuple[type[Table], ...] = (
    Tenant,
    Location,
    LocationChannel,
    OpeningHours,
    Closure,
    Salesperson,
    Booking,
    BookingEvent,
    Hold,
    Outbox,
)

__all__ = [
    "ALL_TABLES",
    "Booking",
    "BookingEvent",
    "Closure",
    "Hold",
    "Location",
    "LocationChannel",
    "OpeningHours",
    "Outbox",
    "Salesperson",
    "Tenant",
]
