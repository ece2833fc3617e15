"""Reads and writes of tenants, stores and bookings, as domain objects.

The only module besides the catalog import that builds queries; services call these
functions and never see a Piccolo row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from server.adapters.tables import (
    Booking,
    BookingEvent,
    Closure,
    Hold,
    Location,
    LocationChannel,
    OpeningHours,
    Salesperson,
    Tenant,
)
from server.domain.model import (
    ACTIVE_STATUSES,
    BookingMode,
    Channel,
    ChannelRules,
    Interval,
    StoreSchedule,
    WeeklyOpening,
)


@dataclass(frozen=True, slots=True)
class TenantRecord:
    id: int
    public_key: str
    name: str
    allowed_origins: tuple[str, ...]
    default_locale: str
    default_theme: str
    #: Raised with every change to the tenant's stores (see `raise_catalog_version`).
    catalog_version: int
    #: The tenant's own colour, font and radius over its theme, as (name, value) pairs.
    brand: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class StoreRecord:
    id: int
    tenant_id: int
    code: str
    name: str
    street: str
    postal_code: str
    city: str
    country: str
    lat: float
    lon: float
    time_zone: ZoneInfo
    phone: str
    email: str
    booking_mode: BookingMode
    channels: dict[Channel, ChannelRules]
    weekly: tuple[WeeklyOpening, ...]
    lead_time: timedelta
    horizon: timedelta
    slot_step: timedelta
    service_radius_km: float | None
    service_postal_codes: tuple[str, ...]
    active: bool

    def schedule(self, closures: Sequence[Interval] = ()) -> StoreSchedule:
        return StoreSchedule(
            time_zone=self.time_zone,
            weekly=self.weekly,
            closures=tuple(closures),
            lead_time=self.lead_time,
            horizon=self.horizon,
            slot_step=self.slot_step,
        )


# --- tenants ----------------------------------------------------------------------------


async def tenant_by_key(public_key: str) -> TenantRecord | None:
    row = (
        await Tenant.select(
            Tenant.id,
            Tenant.public_key,
            Tenant.name,
            Tenant.allowed_origins,
            Tenant.default_locale,
            Tenant.default_theme,
            Tenant.catalog_version,
            Tenant.brand,
        )
        .where(Tenant.public_key == public_key)
        .first()
    )
    if row is None:
        return None
    return TenantRecord(
        id=row["id"],
        public_key=row["public_key"],
        name=row["name"],
        allowed_origins=tuple(json_list(row["allowed_origins"])),
        default_locale=row["default_locale"],
        default_theme=row["default_theme"],
        catalog_version=row["catalog_version"],
        brand=tuple(sorted(json_object(row["brand"]).items())),
    )


async def raise_catalog_version(tenant_id: int) -> None:
    """Tell every server process that the tenant's stores changed; call it in the writing
    transaction, so no process sees the new version before the new rows."""
    await Tenant.update({Tenant.catalog_version: Tenant.catalog_version + 1}).where(
        Tenant.id == tenant_id
    )


async def all_allowed_origins() -> set[str]:
    rows = await Tenant.select(Tenant.allowed_origins)
    return {origin for row in rows for origin in json_list(row["allowed_origins"])}


async def channels_offered(tenant_id: int) -> dict[Channel, int]:
    """Each channel some active store of the tenant offers, with its shortest duration."""
    rows = await LocationChannel.select(
        LocationChannel.channel, LocationChannel.duration_minutes
    ).where(
        LocationChannel.location.tenant == tenant_id,
        LocationChannel.location.active == True,  # noqa: E712 (a SQL expression)
    )
    offered: dict[Channel, int] = {}
    for row in rows:
        channel = Channel(row["channel"])
        offered[channel] = min(offered.get(channel, 10**6), row["duration_minutes"])
    return {channel: offered[channel] for channel in Channel if channel in offered}


# --- stores -----------------------------------------------------------------------------

LOCATION_COLUMNS = (
    Location.id,
    Location.tenant,
    Location.code,
    Location.name,
    Location.street,
    Location.postal_code,
    Location.city,
    Location.country,
    Location.lat,
    Location.lon,
    Location.time_zone,
    Location.phone,
    Location.channel_list,
    Location.booking_mode,
)


async def load_store(location_id: int) -> StoreRecord | None:
    row = await Location.select().where(Location.id == location_id).first()
    if row is None:
        return None
    channels = await LocationChannel.select().where(LocationChannel.location == location_id)
    hours = await OpeningHours.select().where(OpeningHours.location == location_id)
    return StoreRecord(
        id=row["id"],
        tenant_id=row["tenant"],
        code=row["code"],
        name=row["name"],
        street=row["street"],
        postal_code=row["postal_code"],
        city=row["city"],
        country=row["country"],
        lat=row["lat"],
        lon=row["lon"],
        time_zone=ZoneInfo(row["time_zone"]),
        phone=row["phone"],
        email=row["email"],
        booking_mode=BookingMode(row["booking_mode"]),
        channels={
            Channel(c["channel"]): ChannelRules(
                duration=timedelta(minutes=c["duration_minutes"]),
                capacity=c["capacity"],
                buffer=timedelta(minutes=c["buffer_minutes"]),
            )
            for c in channels
        },
        weekly=tuple(
            WeeklyOpening(weekday=h["weekday"], opens=h["opens"], closes=h["closes"])
            for h in sorted(hours, key=lambda h: (h["weekday"], h["opens"]))
        ),
        lead_time=timedelta(minutes=row["lead_time_minutes"]),
        horizon=timedelta(days=row["horizon_days"]),
        slot_step=timedelta(minutes=row["slot_step_minutes"]),
        service_radius_km=row["service_radius_km"],
        service_postal_codes=tuple(json_list(row["service_postal_codes"])),
        active=row["active"],
    )


async def indexable_locations(tenant_id: int) -> list[dict[str, Any]]:
    """Every active store of a tenant, with what its search index and its answers need."""
    return list(
        await Location.select(
            *LOCATION_COLUMNS,
            Location.search_text,
            Location.service_radius_km,
            Location.service_postal_codes,
        ).where(Location.tenant == tenant_id, Location.active.eq(True))
    )


async def location_row(location_id: int) -> dict[str, Any] | None:
    """Every column of a store: its public face and its rules for routing and changes."""
    row: dict[str, Any] | None = await Location.select().where(Location.id == location_id).first()
    return row


# --- time a store is not free -----------------------------------------------------------


async def closures_overlapping(location_id: int, window: Interval) -> list[Interval]:
    rows = await Closure.select(Closure.starts_at, Closure.ends_at).where(
        Closure.location == location_id,
        Closure.starts_at < window.end,
        Closure.ends_at > window.start,
    )
    return [Interval(r["starts_at"], r["ends_at"]) for r in rows]


async def busy_overlapping(
    location_id: int,
    channel: Channel,
    window: Interval,
    now: datetime,
    *,
    except_hold: str | None = None,
    except_booking: int | None = None,
) -> list[Interval]:
    """What active bookings, their proposed new times, and unexpired holds of one channel
    occupy (appointment plus buffer) in `window`. `except_hold` leaves out the asking
    customer's own hold; `except_booking` the booking being moved (its old place is free
    to it, and its pending proposal is about to be replaced)."""
    active = (
        (Booking.location == location_id)
        & (Booking.channel == channel.value)
        & Booking.status.is_in([s.value for s in ACTIVE_STATUSES])
    )
    if except_booking is not None:
        active &= Booking.id != except_booking
    bookings = await Booking.select(Booking.start_at, Booking.busy_until).where(
        active, Booking.start_at < window.end, Booking.busy_until > window.start
    )
    proposals = await Booking.select(
        Booking.proposed_start_at.as_alias("start_at"),
        Booking.proposed_busy_until.as_alias("busy_until"),
    ).where(
        active,
        Booking.proposed_start_at.is_not_null(),
        Booking.proposed_start_at < window.end,
        Booking.proposed_busy_until > window.start,
    )
    holds = Hold.select(Hold.start_at, Hold.busy_until).where(
        Hold.location == location_id,
        Hold.channel == channel.value,
        Hold.booking.is_null(),
        Hold.expires_at > now,
        Hold.start_at < window.end,
        Hold.busy_until > window.start,
    )
    if except_hold is not None:
        holds = holds.where(Hold.token != except_hold)
    rows = [*bookings, *proposals, *await holds]
    return [Interval(r["start_at"], r["busy_until"]) for r in rows]


# --- holds ------------------------------------------------------------------------------


async def insert_hold(values: dict[str, Any]) -> None:
    await Hold.insert(Hold(**values))


async def booking_made_with_hold(token: str) -> str | None:
    """The reference of the booking that used this hold, if one did."""
    row = (
        await Hold.select(Hold.booking.reference)
        .where(Hold.token == token, Hold.booking.is_not_null())
        .first()
    )
    return None if row is None else str(row["booking.reference"])


async def mark_hold_used(token: str, booking_id: int) -> None:
    await Hold.update({Hold.booking: booking_id}).where(Hold.token == token)


async def delete_hold(token: str) -> None:
    await Hold.delete().where(Hold.token == token)


async def delete_expired_holds(location_id: int, now: datetime) -> None:
    await Hold.delete().where(Hold.location == location_id, Hold.expires_at <= now)


# --- bookings ---------------------------------------------------------------------------


async def reference_exists(reference: str) -> bool:
    return bool(await Booking.exists().where(Booking.reference == reference))


async def insert_booking(values: dict[str, Any], event: dict[str, Any]) -> int:
    """Insert a booking and its first audit event; returns the booking id."""
    rows = await Booking.insert(Booking(**values)).returning(Booking.id)
    booking_id = int(rows[0]["id"])
    await BookingEvent.insert(BookingEvent(booking=booking_id, **event))
    return booking_id


async def booking_by_reference(reference: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = (
        await Booking.select().where(Booking.reference == reference).first()
    )
    return row


async def update_booking(booking_id: int, version: int, values: dict[Any, Any]) -> bool:
    """Write `values` and raise the version, if the booking is still at `version`."""
    rows = (
        await Booking.update({**values, Booking.version: version + 1})
        .where(Booking.id == booking_id, Booking.version == version)
        .returning(Booking.id)
    )
    return bool(rows)


async def insert_event(booking_id: int, event: dict[str, Any]) -> None:
    await BookingEvent.insert(BookingEvent(booking=booking_id, **event))


async def events_of(booking_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await BookingEvent.select()
        .where(BookingEvent.booking == booking_id)
        .order_by(BookingEvent.at)
        .order_by(BookingEvent.id)
    )
    for row in rows:
        row["detail"] = json_object(row["detail"])
    return rows


async def tenant_row(tenant_id: int) -> dict[str, Any]:
    row: dict[str, Any] | None = await Tenant.select().where(Tenant.id == tenant_id).first()
    assert row is not None
    return row


# --- salespeople ------------------------------------------------------------------------


async def active_salespeople(location_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Salesperson.select(Salesperson.id, Salesperson.name, Salesperson.email)
        .where(Salesperson.location == location_id, Salesperson.active.eq(True))
        .order_by(Salesperson.id)
    )
    return rows


async def last_assigned_salesperson(location_id: int) -> int | None:
    """The salesperson of the store's latest booking that has one (round-robin's cursor)."""
    row = (
        await Booking.select(Booking.salesperson)
        .where(Booking.location == location_id, Booking.salesperson.is_not_null())
        .order_by(Booking.id, ascending=False)
        .first()
    )
    return None if row is None else int(row["salesperson"])


async def salesperson_email(salesperson_id: int) -> str | None:
    row = (
        await Salesperson.select(Salesperson.email).where(Salesperson.id == salesperson_id).first()
    )
    return None if row is None else str(row["email"])


def json_object(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return {str(k): str(v) for k, v in (value or {}).items()}


def json_list(value: Any) -> list[str]:
    # Piccolo returns JSON columns as text on some engines and as lists on others.
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return [str(v) for v in value or []]
