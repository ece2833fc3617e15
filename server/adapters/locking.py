"""The one place that makes "no overbooking" a database guarantee.

A booking for a store is written inside `store_write_lock(store)`: availability is
re-computed from committed rows *after* the lock is held and the insert happens before it is
released, so two writers can never both see the last free place.

- PostgreSQL: `SELECT ... FOR UPDATE` on the store's row. Every writer for the same store,
  from any process on any host, queues on that row lock; READ COMMITTED gives each following
  statement a fresh snapshot, so the second writer sees the first one's booking.
- SQLite: `BEGIN IMMEDIATE` takes the database's single write lock at the start of the
  transaction (not at the first write), which serializes writers across connections and
  processes on the same file.

A lock, not a constraint, because capacity > 1 with durations and buffers is not expressible
as a unique or exclusion constraint; the lock is held for one short transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import TransactionType

from server.adapters.database import is_postgres
from server.adapters.sqlite_pool import PooledSQLiteEngine
from server.adapters.tables import Location


@asynccontextmanager
async def store_write_lock(engine: Engine, location_id: int) -> AsyncIterator[None]:  # type: ignore[type-arg]
    if is_postgres(engine):
        async with engine.transaction():
            await Location.select(Location.id).where(Location.id == location_id).lock_rows()
            yield
    else:
        # SQLite has one writer at a time anyway: the database's write lock is the store's.
        async with write_transaction(engine):
            yield


@asynccontextmanager
async def write_transaction(engine: Engine) -> AsyncIterator[None]:  # type: ignore[type-arg]
    """A write that needs no store's lock (the outbox's claims and marks), or the SQLite half
    of `store_write_lock`."""
    if is_postgres(engine):
        async with engine.transaction():
            yield
    else:
        # Writers of this process queue here in order instead of sleeping in SQLite's busy
        # handler, whose growing back-off gave a p99 near a second under 8 concurrent
        # bookings (docs/performance.md). Other processes still meet the file lock.
        writers: AbstractAsyncContextManager[object] = (
            engine.writers if isinstance(engine, PooledSQLiteEngine) else nullcontext()
        )
        async with writers, engine.transaction(transaction_type=TransactionType.immediate):
            yield
