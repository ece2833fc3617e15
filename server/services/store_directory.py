"""Each tenant's active stores, indexed in this process for search (`server.domain.store_index`).

Fresh by construction: a search reads the tenant's row anyway (one lookup by a unique key),
and with it `catalog_version`, which every write to the tenant's stores raises in its own
transaction (`repository.raise_catalog_version`). An index built for another version is
rebuilt before it answers, so every process serves the new catalog from the first request
after the write commits; there is no time-to-live to wait out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.adapters import repository
from server.adapters.repository import TenantRecord
from server.domain.geo import Point
from server.domain.store_index import IndexedStore, StoreIndex

#: A store as `repository.indexable_locations` reads it; answers are built from it.
StoreRow = dict[str, Any]

#: Indexes kept per process; the least recently built goes first beyond this.
MAX_TENANTS = 256


class StoreDirectory:
    def __init__(self, max_tenants: int = MAX_TENANTS) -> None:
        self._max_tenants = max_tenants
        self._indexes: dict[int, tuple[int, StoreIndex[StoreRow]]] = {}
        self._builders: dict[int, asyncio.Lock] = {}

    async def index(self, tenant: TenantRecord) -> StoreIndex[StoreRow]:
        cached = self._indexes.get(tenant.id)
        if cached is not None and cached[0] == tenant.catalog_version:
            return cached[1]
        # One build per tenant at a time: a burst of searches after an import waits for the
        # first request's build instead of each loading every store again.
        async with self._builders.setdefault(tenant.id, asyncio.Lock()):
            cached = self._indexes.get(tenant.id)
            if cached is not None and cached[0] == tenant.catalog_version:
                return cached[1]
            rows = await repository.indexable_locations(tenant.id)
            index = StoreIndex(indexed_store(row) for row in rows)
            self._indexes.pop(tenant.id, None)
            if len(self._indexes) >= self._max_tenants:
                del self._indexes[next(iter(self._indexes))]
            self._indexes[tenant.id] = (tenant.catalog_version, index)
            return index


def indexed_store(row: StoreRow) -> IndexedStore[StoreRow]:
    return IndexedStore(
        id=row["id"],
        name=row["name"],
        words=tuple(row["search_text"].split()),
        point=Point(row["lat"], row["lon"]),
        country=row["country"],
        channels=frozenset(row["channel_list"].split()),
        postal_code=row["postal_code"],
        payload=row,
    )
