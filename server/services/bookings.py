"""Making a booking, and reading one back through its signed link."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.engine.base import Engine

from server.adapters import repository
from server.adapters.locking import store_write_lock
from server.adapters.repository import StoreRecord
from server.domain.availability import StartCheck, busy_interval
from server.domain.lifecycle import Action, Side
from server.domain.mail import MailKind
from server.domain.model import BookingMode, BookingStatus, Channel
from server.domain.reference import new_reference, normalize_reference
from server.domain.store_index import StoreIndex
from server.domain.tokens import Claims, SigningKey, TokenError
from server.schemas import BookingIn, BookingOut, CustomerOut, HomeAddress
from server.services.availability import MAX_YEAR, MIN_YEAR, channel_rules
from server.services.contact import check_address, clean_contact, clean_notes
from server.services.errors import AlreadyBooked, Forbidden, InvalidInput, NotFound
from server.services.home_visits import match_address
from server.services.lifecycle import act
from server.services.links import booking_token, verify_booking_token
from server.services.locations import location_out, tenant_or_404
from server.services.notifications import pick_salesperson, queue_change_mail
from server.services.places import PlaceLookup
from server.services.start_checks import ensure_free, refusal
from server.services.store_cache import StoreCache
from server.services.store_directory import StoreDirectory, StoreRow


async def create_booking(
    data: BookingIn,
    *,
    engine: Engine,  # type: ignore[type-arg]
    now: datetime,
    keys: Sequence[SigningKey],
    stores: StoreCache,
    directory: StoreDirectory,
    gazetteer: PlaceLookup,
) -> BookingOut:
    """Book `data.start` if, at the moment of writing, it is still free.

    Everything that does not depend on other bookings is checked first, outside the lock;
    availability itself is decided again inside `store_write_lock`, from committed rows.
    """
    tenant = await tenant_or_404(data.key)
    store = await stores.get(data.location_id, fresh=True)
    if store.tenant_id != tenant.id:
        raise NotFound(f"There is no store with id {data.location_id}.", code="unknown_location")
    rules = channel_rules(store, data.channel)
    at_home = data.channel is Channel.AT_HOME
    customer = clean_contact(data.customer, store.country, phone_required=at_home)
    if at_home:
        served_by = await directory.index(tenant)
        _require_served_address(data.address, store, served_by, gazetteer)
    start = _aware(data.start, now)

    async with store_write_lock(engine, store.id):
        if data.hold is not None and (made := await repository.booking_made_with_hold(data.hold)):
            raise AlreadyBooked(made)
        # The customer's own hold (the time they picked in the widget) does not stand in
        # their way; it is used up by this booking. Another hold or booking does.
        await ensure_free(store, data.channel, start, now, except_hold=data.hold)
        reference = await _unused_reference()
        end = start + rules.duration
        status = (
            BookingStatus.CONFIRMED
            if store.booking_mode is BookingMode.DIRECT
            else BookingStatus.REQUESTED
        )
        location = await _location_row(store.id)
        row = _booking_row(data, tenant.id, store, reference, start, end, status, customer, now)
        row |= {
            "busy_until": busy_interval(start, rules).end,
            "salesperson": await pick_salesperson(location),
        }
        booking_id = await repository.insert_booking(
            row,
            {
                "at": now,
                "actor": "customer",
                "action": "booked",
                "via": data.source,
                "new_status": status.value,
                "new_start_at": start,
            },
        )
        if data.hold is not None:
            await repository.mark_hold_used(data.hold, booking_id)
        # In the booking's transaction: both are committed, or neither.
        kind = MailKind.CONFIRMED if status is BookingStatus.CONFIRMED else MailKind.REQUESTED
        written = await repository.booking_by_reference(reference)
        assert written is not None
        await queue_change_mail(
            written,
            location,
            customer=kind,
            dealer=kind,
            now=now,
            by="customer",
        )

    # This process's cached slots of the store are stale now; other processes' expire in 1 s.
    stores.forget_answers(store.id)
    token = booking_token(reference, "customer", end, keys)
    return BookingOut(
        reference=reference,
        status=status.value,
        channel=data.channel,
        start=start.astimezone(store.time_zone),
        end=end.astimezone(store.time_zone),
        time_zone=store.time_zone.key,
        location=location_out(location),
        customer=customer,
        notes=clean_notes(data.notes),
        locale=data.locale.lower()[:2],
        address=data.address if at_home else None,
        manage_token=token,
    )


async def booking_for_holder(
    reference: str, *, now: datetime, keys: Sequence[SigningKey]
) -> BookingOut:
    """A booking its own customer made a moment ago (they sent the form twice), with a fresh
    link, as the first answer had it. Only for a reference the server found itself."""
    booking = await _booking_out(reference)
    booking.manage_token = booking_token(reference, "customer", booking.end, keys)
    return booking


async def act_with_link(
    reference: str,
    token: str,
    action: Action,
    *,
    engine: Engine,  # type: ignore[type-arg]
    stores: StoreCache,
    now: datetime,
    keys: Sequence[SigningKey],
    new_start: datetime | None,
    reason: str,
    message: str,
) -> BookingOut:
    """A change through the API by the holder of a signed link, as that link's side."""
    claims = _link_claims(reference, token, now=now, keys=keys)
    if action is Action.RESCHEDULE and (new_start is None or new_start.tzinfo is None):
        detail = "Give the new start with its UTC offset, e.g. 2027-03-28T10:00:00+02:00."
        raise InvalidInput(detail, fields={"start": detail})
    await act(
        claims.subject,
        Side(claims.role),
        action,
        via="api",
        engine=engine,
        stores=stores,
        now=now,
        new_start=new_start if action is not Action.CANCEL else None,
        reason=reason.strip(),
        message=message.strip(),
    )
    return await _booking_out(claims.subject)


async def booking_for_link(
    reference: str, token: str, *, now: datetime, keys: Sequence[SigningKey]
) -> BookingOut:
    """The booking as it is now, for whoever holds a valid signed link to it."""
    return await _booking_out(_link_claims(reference, token, now=now, keys=keys).subject)


def _link_claims(
    reference: str, token: str, *, now: datetime, keys: Sequence[SigningKey]
) -> Claims:
    canonical = normalize_reference(reference)
    try:
        claims = verify_booking_token(token, keys, now)
    except TokenError as error:
        raise Forbidden(
            f"This link cannot be used: {error} Ask the store or use the newest email about "
            "this appointment for a fresh link.",
            code="invalid_link",
        ) from error
    if canonical is None or claims.subject != canonical:
        raise Forbidden("This link belongs to another booking.", code="invalid_link")
    return claims


async def _booking_out(reference: str) -> BookingOut:
    row = await repository.booking_by_reference(reference)
    if row is None:
        raise NotFound(f"There is no booking {reference}.", code="unknown_booking")
    location = await _location_row(row["location"])
    tz = ZoneInfo(location["time_zone"])
    address = None
    if row["address_postal_code"]:
        address = HomeAddress(
            street=row["address_street"],
            postal_code=row["address_postal_code"],
            city=row["address_city"],
        )
    return BookingOut(
        reference=row["reference"],
        status=row["status"],
        channel=Channel(row["channel"]),
        start=row["start_at"].astimezone(tz),
        end=row["end_at"].astimezone(tz),
        time_zone=tz.key,
        location=location_out(location),
        customer=CustomerOut(
            name=row["customer_name"], email=row["customer_email"], phone=row["customer_phone"]
        ),
        notes=row["notes"],
        locale=row["locale"],
        address=address,
    )


def _aware(start: datetime, now: datetime) -> datetime:
    if start.tzinfo is None:
        message = "Give the start with its UTC offset, e.g. 2027-03-28T10:00:00+02:00."
        raise InvalidInput(message, fields={"start": message})
    # Arithmetic around the start (UTC, its local day's window, its end) would overflow
    # datetime's years 1..9999 near either end; such a start is past or far off anyway.
    if not MIN_YEAR <= start.year <= MAX_YEAR:
        raise refusal(StartCheck.PAST if start.year < now.year else StartCheck.TOO_FAR)
    return start


def _require_served_address(
    address: HomeAddress | None,
    store: StoreRecord,
    stores: StoreIndex[StoreRow],
    gazetteer: PlaceLookup,
) -> None:
    if address is None:
        message = "A home visit needs the address to visit."
        raise InvalidInput(message, fields={"address": message})
    check_address(address)
    match = match_address(stores, address, gazetteer)
    if match is None or match.location.id != store.id:
        raise InvalidInput(
            "This store does not make home visits at that address.",
            code="not_served",
            fields={"address": "Not in this store's service area."},
        )


async def _unused_reference() -> str:
    # 25^6 ≈ 244 million references: a collision is rare, but a retry costs nothing.
    while True:
        reference = new_reference()
        if not await repository.reference_exists(reference):
            return reference


async def _location_row(location_id: int) -> dict[str, Any]:
    row = await repository.location_row(location_id)
    assert row is not None
    return row


def _booking_row(
    data: BookingIn,
    tenant_id: int,
    store: StoreRecord,
    reference: str,
    start: datetime,
    end: datetime,
    status: BookingStatus,
    customer: CustomerOut,
    now: datetime,
) -> dict[str, Any]:
    address = data.address if data.channel is Channel.AT_HOME else None
    return {
        "reference": reference,
        "tenant": tenant_id,
        "location": store.id,
        "channel": data.channel.value,
        "start_at": start.astimezone(now.tzinfo),
        "end_at": end.astimezone(now.tzinfo),
        "status": status.value,
        "customer_name": customer.name,
        "customer_email": customer.email,
        "customer_phone": customer.phone,
        "address_street": address.street if address else "",
        "address_postal_code": address.postal_code if address else "",
        "address_city": address.city if address else "",
        "notes": clean_notes(data.notes),
        "locale": data.locale.lower()[:2],
        "source": data.source,
        "created_at": now,
        "updated_at": now,
    }
