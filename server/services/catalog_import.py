"""Writing a parsed catalog (tenant + stores) to the database, idempotently.

A store is identified by its tenant and `code`. Loading the same file twice changes nothing;
loading an edited file updates the stores it names and leaves others alone. Hours, channels
and catalog closures of a loaded store are replaced as a whole, because the file is their
source of truth; time a dealer blocked by hand is kept. Salespeople the file no longer lists
are deactivated rather than deleted, because bookings refer to them. All in one transaction: a
load either happens completely or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from piccolo.columns import Column
from piccolo.engine.base import Engine
from piccolo.table import Table

from server.adapters import repository
from server.adapters.tables import (
    Closure,
    Location,
    LocationChannel,
    OpeningHours,
    Salesperson,
    Tenant,
)
from server.domain.text import search_document
from server.services.catalog_file import Catalog, StoreSpec, TenantSpec

#: Rows per INSERT: stays far below SQLite's limit of bound parameters per statement.
CHUNK = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ImportReport:
    tenant_key: str
    tenant_created: bool
    stores_created: int
    stores_updated: int


async def import_catalog(
    catalog: Catalog,
    engine: Engine,  # type: ignore[type-arg]
    now: datetime,
) -> ImportReport:
    async with engine.transaction():
        tenant_id, tenant_created = await _upsert_tenant(catalog.tenant, now)
        existing = {
            row["code"]: row["id"]
            for row in await Location.select(Location.id, Location.code).where(
                Location.tenant == tenant_id
            )
        }
        ids: dict[str, int] = {}
        created = 0
        for spec in catalog.stores:
            values = _location_values(spec, tenant_id, now)
            if spec.code in existing:
                del values["created_at"]
                await Location.update(values).where(Location.id == existing[spec.code])
                ids[spec.code] = existing[spec.code]
            else:
                rows = await Location.insert(
                    Location(**{str(k): v for k, v in values.items()})
                ).returning(Location.id)
                ids[spec.code] = rows[0]["id"]
                created += 1
        await _replace_children(catalog.stores, ids)
        await repository.raise_catalog_version(tenant_id)
    return ImportReport(
        tenant_key=catalog.tenant.key,
        tenant_created=tenant_created,
        stores_created=created,
        stores_updated=len(catalog.stores) - created,
    )


async def _upsert_tenant(spec: TenantSpec, now: datetime) -> tuple[int, bool]:
    values: dict[Column | str, Any] = {
        "name": spec.name,
        "allowed_origins": list(spec.allowed_origins),
        "default_locale": spec.default_locale,
        "default_theme": spec.default_theme,
        "headquarters_email": spec.headquarters_email,
        "landing_url": spec.landing_url,
        "brand": {
            name: value
            for name, value in (
                ("colour", spec.brand_colour),
                ("font", spec.brand_font),
                ("radius", spec.brand_radius),
            )
            if value
        },
        "updated_at": now,
    }
    row = await Tenant.select(Tenant.id).where(Tenant.public_key == spec.key).first()
    if row is not None:
        await Tenant.update(values).where(Tenant.id == row["id"])
        return int(row["id"]), False
    tenant = Tenant(public_key=spec.key, created_at=now, **{str(k): v for k, v in values.items()})
    rows = await Tenant.insert(tenant).returning(Tenant.id)
    return int(rows[0]["id"]), True


def _location_values(spec: StoreSpec, tenant_id: int, now: datetime) -> dict[Column | str, Any]:
    return {
        "tenant": tenant_id,
        "code": spec.code,
        "name": spec.name,
        "street": spec.street,
        "postal_code": spec.postal_code,
        "city": spec.city,
        "country": spec.country,
        "lat": spec.lat,
        "lon": spec.lon,
        "time_zone": spec.time_zone,
        "phone": spec.phone,
        "email": spec.email,
        "search_text": search_document(spec.name, spec.city, spec.postal_code),
        "channel_list": " " + " ".join(c.channel.value for c in spec.channels) + " ",
        "booking_mode": spec.booking_mode.value,
        "routing": spec.routing.value,
        "copy_headquarters": spec.copy_headquarters,
        "lead_time_minutes": spec.lead_time_minutes,
        "horizon_days": spec.horizon_days,
        "slot_step_minutes": spec.slot_step_minutes,
        "service_radius_km": spec.service_radius_km,
        "service_postal_codes": list(spec.service_postal_codes),
        "assigned_salesperson": spec.salesperson,
        "reschedule_cutoff_hours": spec.reschedule_cutoff_hours,
        "reschedule_proposals": spec.reschedule_proposals,
        "active": spec.active,
        "created_at": now,
        "updated_at": now,
    }


async def _replace_children(stores: Sequence[StoreSpec], ids: dict[str, int]) -> None:
    location_ids = list(ids.values())
    for chunk in map(list, _chunks(location_ids)):
        await LocationChannel.delete().where(LocationChannel.location.is_in(chunk))
        await OpeningHours.delete().where(OpeningHours.location.is_in(chunk))
        await Closure.delete().where(Closure.location.is_in(chunk), Closure.source == "catalog")
        # Deactivated, never deleted: bookings refer to their salesperson.
        await Salesperson.update({Salesperson.active: False}).where(
            Salesperson.location.is_in(chunk)
        )
    known = await _salespeople_by_store(location_ids)

    channels: list[Table] = []
    hours: list[Table] = []
    closures: list[Table] = []
    salespeople: list[Table] = []
    for spec in stores:
        location = ids[spec.code]
        channels += [
            LocationChannel(
                location=location,
                channel=c.channel.value,
                duration_minutes=c.duration_minutes,
                capacity=c.capacity,
                buffer_minutes=c.buffer_minutes,
            )
            for c in spec.channels
        ]
        hours += [
            OpeningHours(location=location, weekday=h.weekday, opens=h.opens, closes=h.closes)
            for h in spec.hours
        ]
        closures += [
            Closure(
                location=location,
                starts_at=c.period.start,
                ends_at=c.period.end,
                reason=c.reason,
                source="catalog",
            )
            for c in spec.closures
        ]
        for person in spec.salespeople:
            if (found := known.get((location, person.email.lower()))) is not None:
                await Salesperson.update(
                    {Salesperson.name: person.name, Salesperson.active: True}
                ).where(Salesperson.id == found)
            else:
                salespeople.append(
                    Salesperson(location=location, name=person.name, email=person.email)
                )
    for table, rows in (
        (LocationChannel, channels),
        (OpeningHours, hours),
        (Closure, closures),
        (Salesperson, salespeople),
    ):
        for rows_chunk in _chunks(rows):
            await table.insert(*rows_chunk)  # type: ignore[arg-type]


async def _salespeople_by_store(location_ids: Sequence[int]) -> dict[tuple[int, str], int]:
    found: dict[tuple[int, str], int] = {}
    for chunk in map(list, _chunks(location_ids)):
        rows = await Salesperson.select(
            Salesperson.id, Salesperson.location, Salesperson.email
        ).where(Salesperson.location.is_in(chunk))
        found |= {(row["location"], row["email"].lower()): row["id"] for row in rows}
    return found


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]
