"""The outbox table's queries: queue, claim, and settle messages (DESIGN §5).

Delivery is at least once, and in practice exactly once:
- `queue` runs inside the transaction of the change that causes the message, so a booking
  and its emails are committed together or not at all. A unique `dedupe_key` makes queueing
  the same message twice a no-op.
- `claim` marks due rows as taken by one dispatcher until a lease runs out, with a single
  conditional UPDATE: of two dispatchers racing for a row exactly one sees its condition
  still true (PostgreSQL re-checks it after the row lock; SQLite has one writer at a time).
- `settle_*` only touch rows still claimed by the caller's claim, so a dispatcher whose lease
  ran out cannot mark a row another dispatcher has taken over.
A dispatcher that dies between sending and settling leaves its rows claimed; they are sent
again when the lease runs out. That is the one way a message can go out twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.custom_types import Combinable
from piccolo.engine.base import Engine
from piccolo.query.functions.aggregate import Count

from server.adapters.locking import write_transaction
from server.adapters.tables import Outbox

PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class MessageRow:
    """A message as `bookwidget outbox` lists it."""

    id: int
    kind: str
    status: str
    attempts: int
    due_at: datetime
    created_at: datetime
    sent_at: datetime | None
    last_error: str
    reference: str | None


async def queue(
    kind: str,
    dedupe_key: str,
    payload: dict[str, Any],
    *,
    booking_id: int | None,
    now: datetime,
    due_at: datetime | None = None,
) -> None:
    """Add a message, in the caller's transaction; a second one with the same key is dropped."""
    row = Outbox(
        kind=kind,
        dedupe_key=dedupe_key,
        booking=booking_id,
        payload=payload,
        status=PENDING,
        due_at=due_at or now,
        created_at=now,
    )
    await Outbox.insert(row).on_conflict(target=Outbox.dedupe_key, action="DO NOTHING")


async def queued_since(booking_id: int, key_prefix: str, since: datetime) -> bool:
    """Whether a message of this booking whose key starts with `key_prefix` was queued
    after `since` (whatever became of it)."""
    # LIKE's wildcards would widen the match; the keys this is asked about have none.
    if "%" in key_prefix or "_" in key_prefix:
        raise ValueError(f"a key prefix without LIKE wildcards, not {key_prefix!r}")
    return bool(
        await Outbox.exists().where(
            Outbox.booking == booking_id,
            Outbox.dedupe_key.like(key_prefix + "%"),
            Outbox.created_at > since,
        )
    )


async def claim(
    engine: Engine,  # type: ignore[type-arg]
    claim_id: str,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
) -> list[Message]:
    """Take up to `limit` due messages for `claim_id` until `lease_until`; oldest due first."""
    free = (Outbox.claimed_until.is_null()) | (Outbox.claimed_until <= now)
    due = (Outbox.status == PENDING) & (Outbox.due_at <= now) & free
    candidates = await Outbox.select(Outbox.id).where(due).order_by(Outbox.due_at).limit(limit)
    if not candidates:
        return []
    async with write_transaction(engine):
        rows = (
            await Outbox.update({Outbox.claimed_by: claim_id, Outbox.claimed_until: lease_until})
            .where(Outbox.id.is_in([row["id"] for row in candidates]), due)
            .returning(Outbox.id, Outbox.kind, Outbox.payload, Outbox.attempts)
        )
    return sorted(
        (
            Message(
                id=row["id"],
                kind=row["kind"],
                payload=_json(row["payload"]),
                attempts=row["attempts"],
            )
            for row in rows
        ),
        key=lambda message: message.id,
    )


async def settle_sent(
    engine: Engine,  # type: ignore[type-arg]
    message: Message,
    claim_id: str,
    now: datetime,
) -> None:
    await _settle(
        engine,
        message,
        claim_id,
        {Outbox.status: SENT, Outbox.sent_at: now, Outbox.attempts: message.attempts + 1},
    )


async def settle_retry(
    engine: Engine,  # type: ignore[type-arg]
    message: Message,
    claim_id: str,
    *,
    due_at: datetime,
    error: str,
) -> None:
    await _settle(
        engine,
        message,
        claim_id,
        {
            Outbox.due_at: due_at,
            Outbox.attempts: message.attempts + 1,
            Outbox.last_error: error[:2000],
        },
    )


async def settle_failed(
    engine: Engine,  # type: ignore[type-arg]
    message: Message,
    claim_id: str,
    error: str,
) -> None:
    await _settle(
        engine,
        message,
        claim_id,
        {Outbox.status: FAILED, Outbox.attempts: message.attempts + 1, Outbox.last_error: error},
    )


async def _settle(
    engine: Engine,  # type: ignore[type-arg]
    message: Message,
    claim_id: str,
    values: dict[Any, Any],
) -> None:
    values |= {Outbox.claimed_by: None, Outbox.claimed_until: None}
    async with write_transaction(engine):
        await Outbox.update(values).where(Outbox.id == message.id, Outbox.claimed_by == claim_id)


async def listing(statuses: Sequence[str], limit: int = 200) -> list[MessageRow]:
    rows = (
        await Outbox.select(
            Outbox.id,
            Outbox.kind,
            Outbox.status,
            Outbox.attempts,
            Outbox.due_at,
            Outbox.created_at,
            Outbox.sent_at,
            Outbox.last_error,
            Outbox.booking.reference,
        )
        .where(Outbox.status.is_in(list(statuses)))
        .order_by(Outbox.id)
        .limit(limit)
    )
    return [
        MessageRow(
            id=row["id"],
            kind=row["kind"],
            status=row["status"],
            attempts=row["attempts"],
            due_at=row["due_at"],
            created_at=row["created_at"],
            sent_at=row["sent_at"],
            last_error=row["last_error"],
            reference=row["booking.reference"],
        )
        for row in rows
    ]


async def retry_failed(
    engine: Engine,  # type: ignore[type-arg]
    ids: Sequence[int] | None,
    now: datetime,
) -> int:
    """Queue failed messages again (`ids`, or all when None), with fresh attempts."""
    condition: Combinable = Outbox.status == FAILED
    if ids is not None:
        condition = condition & Outbox.id.is_in(list(ids))
    async with write_transaction(engine):
        rows = (
            await Outbox.update({Outbox.status: PENDING, Outbox.due_at: now, Outbox.attempts: 0})
            .where(condition)
            .returning(Outbox.id)
        )
    return len(rows)


async def counts() -> dict[str, int]:
    rows = await Outbox.select(Outbox.status, Count(Outbox.id, alias="n")).group_by(Outbox.status)
    return {row["status"]: row["n"] for row in rows}


def _json(value: Any) -> dict[str, Any]:
    # Piccolo returns JSON columns as text on SQLite and, with asyncpg, on PostgreSQL.
    if isinstance(value, str):
        decoded: dict[str, Any] = json.loads(value)
        return decoded
    return dict(value)
