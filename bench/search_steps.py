"""Where a search's time goes: each step of `GET /api/v1/locations`, timed in-process.

    .venv/bin/python -m bench.search_steps [--database sqlite|postgres] [--stores 10000]

`bench.search` measures whole requests; this loads the same generated stores and calls the
server's own service and repository functions one at a time, with no HTTP in between, so
that each step can be weighed on its own: the one database round trip a search makes (the
tenant's row), the in-memory index (`server.domain.store_index`), and the index's build,
which each process pays once per catalog change.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import cli, machine_line, percentile, print_table, throwaway_database
from bench.generate_stores import KEY, generate, write_catalog

CALLS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--stores", type=int, default=10_000)
    args = parser.parse_args()
    rows = generate(args.stores, seed=1)
    print(f"search steps — {args.database}, {args.stores:,} stores, {machine_line()}")
    with (
        tempfile.TemporaryDirectory(prefix="bookwidget-bench-catalog-") as folder,
        throwaway_database(args.database) as database,
    ):
        cli(["load", str(write_catalog(Path(folder), rows))], database)
        german = next(row for row in rows if row["country"] == "DE")
        # A code no store has, sharing three digits with one: the lookup shortens it step by
        # step until some store's code starts the same way.
        postal_code = german["postal_code"][:3] + "99"
        asyncio.run(_time_steps(database.env, postal_code))


async def _time_steps(env: Any, postal_code: str) -> None:
    # The server's modules are imported here, not at the top: the benchmarks otherwise
    # only talk to the server over HTTP.
    from server.adapters import repository
    from server.adapters.database import bind_tables, close_engine, engine_for, open_engine
    from server.adapters.gazetteer import Gazetteer
    from server.config import load_settings
    from server.domain.geo import Point
    from server.domain.store_index import StoreIndex
    from server.services.locations import search_locations
    from server.services.places import place_of
    from server.services.store_directory import StoreDirectory, indexed_store

    engine = engine_for(load_settings(env))
    bind_tables(engine)
    await open_engine(engine)
    gazetteer = Gazetteer()
    await asyncio.to_thread(gazetteer.lookup, "warm-up")
    directory = StoreDirectory()
    try:
        tenant = await repository.tenant_by_key(KEY)
        assert tenant is not None
        index = await directory.index(tenant)
        berlin = Point(52.52, 13.40)

        async def build_index() -> None:
            rows = await repository.indexable_locations(tenant.id)
            StoreIndex(indexed_store(row) for row in rows)

        async def run(step: Callable[[], object]) -> None:
            step()

        async def service(q: str = "", lat: float | None = None) -> None:
            await search_locations(
                key=KEY,
                query=q,
                lat=lat,
                lon=None if lat is None else 13.4,
                channel=None,
                limit=20,
                gazetteer=gazetteer,
                directory=directory,
            )

        steps: dict[str, Callable[[], Awaitable[object]]] = {
            "tenant_by_key (one row by its key)": lambda: repository.tenant_by_key(KEY),
            "build the index (once per catalog change)": build_index,
            "gazetteer: place of 'Berlin'": lambda: run(
                lambda: gazetteer.lookup("Berlin", index.countries)
            ),
            f"place_of {postal_code!r} (postal prefixes)": lambda: run(
                lambda: place_of(postal_code, index, gazetteer)
            ),
            "index: 'berlin', nearest first": lambda: run(
                lambda: index.search(["berlin"], near=berlin)
            ),
            "index: 'nordbench', by name": lambda: run(lambda: index.search(["nordbench"])),
            "index: 'n' (a first keystroke), by name": lambda: run(lambda: index.search(["n"])),
            "index: no words, nearest first": lambda: run(lambda: index.search(near=berlin)),
            "whole service: q='Berlin'": lambda: service("Berlin"),
            f"whole service: q={postal_code!r}": lambda: service(postal_code),
            "whole service: lat/lon": lambda: service(lat=52.5),
        }
        table = []
        for name, step in steps.items():
            ordered = sorted([await _seconds(step) for _ in range(CALLS)])
            table.append([name, 1000 * percentile(ordered, 50), 1000 * percentile(ordered, 99)])
    finally:
        await close_engine(engine)
    print(f"\neach step called {CALLS} times in a row, in-process (no HTTP)")
    print_table(("step", "p50 ms", "p99 ms"), table)


async def _seconds(step: Callable[[], Awaitable[object]]) -> float:
    started = time.perf_counter()
    await step()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
