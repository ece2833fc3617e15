"""A Piccolo SQLite engine that reuses its connections.

Piccolo's stock `SQLiteEngine` opens a new aiosqlite connection (and so a new thread) for
every query and runs `PRAGMA foreign_keys` before each statement. That costs about a
millisecond a query, more than the query itself. This engine keeps idle connections in a
small pool, configures each one once (WAL journal, busy timeout, foreign keys), and hands one
connection to a transaction for its whole life.

aiosqlite connections are not tied to an event loop (each runs its own thread and answers
on the loop of whoever awaits), so the pool survives `asyncio.run` being called twice.

The pool never blocks: when no idle connection is left a new one is opened, so a transaction
waiting for SQLite's write lock can never starve a read that the same request needs.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

#: How long a writer waits for SQLite's write lock before giving up (milliseconds). Long
#: enough for a burst of 50 concurrent bookings, short enough to surface a stuck writer.
BUSY_TIMEOUT_MS = 30_000


class PooledSQLiteEngine(SQLiteEngine):
    def __init__(self, path: str, idle_connections: int = 8, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=BUSY_TIMEOUT_MS / 1000, **kwargs)
        self._idle: list[aiosqlite.Connection] = []
        self._max_idle = idle_connections
        #: This process's booking writers queue here before `BEGIN IMMEDIATE` (see
        #: `server.adapters.locking`); one per engine, so each event loop's app has its own.
        self.writers = asyncio.Lock()

    async def acquire(self) -> aiosqlite.Connection:
        if self._idle:
            return self._idle.pop()
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        for pragma in (
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = NORMAL",
            f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
            "PRAGMA foreign_keys = ON",
        ):
            await connection.execute(pragma)
        return connection

    async def release(self, connection: aiosqlite.Connection) -> None:
        if len(self._idle) < self._max_idle and connection.in_transaction is False:
            self._idle.append(connection)
        else:
            await connection.close()

    async def close(self) -> None:
        """Close idle connections (on application shutdown)."""
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def get_connection(self) -> aiosqlite.Connection:
        return await self.acquire()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> list[dict[str, Any]]:
        connection = await self.acquire()
        try:
            async with connection.execute(query, args or []) as cursor:
                rows: list[dict[str, Any]] = list(await cursor.fetchall())  # type: ignore[arg-type]
            return rows
        finally:
            await self.release(connection)

    async def _run_in_existing_connection(
        self,
        connection: aiosqlite.Connection,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: type[Table] | None = None,
    ) -> list[dict[str, Any]]:
        async with connection.execute(query, args or []) as cursor:
            rows: list[dict[str, Any]] = list(await cursor.fetchall())  # type: ignore[arg-type]
        return rows

    def transaction(
        self,
        transaction_type: TransactionType = TransactionType.deferred,
        allow_nested: bool = True,
    ) -> SQLiteTransaction:
        return PooledSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )


class PooledSQLiteTransaction(SQLiteTransaction):
    """A transaction that borrows a pooled connection and gives it back afterwards."""

    engine: PooledSQLiteEngine

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()  # type: ignore[no-untyped-call]
            elif not self._committed and not self._rolled_back:
                await self.commit()  # type: ignore[no-untyped-call]
        finally:
            await self.engine.release(self.connection)
            self.engine.current_transaction.reset(self.context)
        return exception is None
