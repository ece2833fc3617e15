"""Readable construction of tenants and stores for tests."""

from __future__ import annotations

import dataclasses
import secrets
from datetime import time
from typing import Any

from server.domain.model import BookingMode, Channel, Routing, WeeklyOpening
from server.services.catalog_file import Catalog, ChannelSpec, StoreSpec, TenantSpec
from server.services.catalog_rows import SalespersonSpec

WEEKDAYS = range(7)


def hours(
    opens: str = "09:00", closes: str = "18:00", days: range = WEEKDAYS
) -> tuple[WeeklyOpening, ...]:
    return tuple(
        WeeklyOpening(weekday=d, opens=time.fromisoformat(opens), closes=time.fromisoformat(closes))
        for d in days
    )


def channel(
    kind: Channel = Channel.IN_STORE, duration: int = 60, capacity: int = 1, buffer: int = 0
) -> ChannelSpec:
    return ChannelSpec(
        channel=kind, duration_minutes=duration, capacity=capacity, buffer_minutes=buffer
    )


def store(code: str = "main", **overrides: Any) -> StoreSpec:
    values: dict[str, Any] = {
        "code": code,
        "name": f"Store {code}",
        "street": "Hauptstraße 1",
        "postal_code": "10115",
        "city": "Berlin",
        "country": "DE",
        "lat": 52.532,
        "lon": 13.384,
        "time_zone": "Europe/Berlin",
        "phone": "+49301234567",
        "email": f"{code}@store.example",
        "booking_mode": BookingMode.REQUEST,
        "routing": Routing.STORE,
        "copy_headquarters": False,
        "lead_time_minutes": 0,
        "horizon_days": 60,
        "slot_step_minutes": 30,
        "channels": (channel(),),
        "hours": hours(),
        "closures": (),
        "service_radius_km": None,
        "service_postal_codes": (),
        "salespeople": (),
        "active": True,
    }
    values.update(overrides)
    return StoreSpec(**values)


def catalog(*stores: StoreSpec, key: str | None = None, **tenant: Any) -> Catalog:
    spec = TenantSpec(
        key=key or f"pk_test_{secrets.token_hex(5)}",
        name="Test Kitchens",
        allowed_origins=("http://partner.test",),
        default_locale="en",
        default_theme="default",
        headquarters_email="hq@test.example",
        landing_url=None,
    )
    return Catalog(tenant=dataclasses.replace(spec, **tenant), stores=stores or (store(),))


def salesperson(name: str, email: str) -> SalespersonSpec:
    return SalespersonSpec(name=name, email=email)
