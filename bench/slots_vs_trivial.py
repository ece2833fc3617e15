"""How much slower is the slots endpoint than an endpoint that does nothing?

One server process on the demo catalog (25 stores) with some bookings already made. The
same closed-loop load (same concurrency, same duration) is put on `/healthz`, which answers
without touching the database, and on `/api/v1/locations/{id}/slots?channel=in_store` (the
server's default 14 days) over every in-store store in turn. The ratio of their requests/s
says what share of the server's capacity the slot computation and its queries leave; the
target is at least 0.5.

    .venv/bin/python -m bench.slots_vs_trivial [--database postgres] [--seconds 10]
"""

from __future__ import annotations

import argparse
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import (
    DEMO_CATALOG,
    LOAD_HEADERS,
    LoadResult,
    Request,
    bounded_seconds,
    cli,
    load_row,
    machine_line,
    measure,
    print_table,
    run_load,
    running_server,
    throwaway_database,
)
from bench.profiles import profile_phase
from bench.workload import (
    DEMO_KEY,
    booking_request,
    free_starts,
    from_list,
    round_robin,
    slots_path,
    spaced,
    store_ids,
)

TARGET_RATIO = 0.5
CHANNEL = "in_store"
SLOTS = f"GET slots ({CHANNEL}, 14 days)"


def main() -> None:
    args = _parser().parse_args()
    print(f"slots vs trivial — {args.database}, {args.workers} worker(s), {machine_line()}")
    with throwaway_database(args.database) as database:
        cli(["load", str(DEMO_CATALOG)], database)
        with running_server(database, workers=args.workers) as server:
            stores = store_ids(server.url, DEMO_KEY, CHANNEL)
            made = _seed_bookings(server.url, server.host, server.port, stores, args.bookings)
            sample = httpx.get(server.url + slots_path(stores[0], CHANNEL), timeout=30)
            count = sum(len(day["slots"]) for day in sample.json()["days"])
            print(
                f"{len(stores)} stores offer {CHANNEL}; {made} bookings made beforehand; "
                f"a slots answer holds about {count} slots in {len(sample.content):,} bytes; "
                f"{args.connections} connections, {args.seconds:g} s per endpoint "
                f"after {args.warmup:g} s of warm-up"
            )
            phases = {
                "GET /healthz": round_robin([Request("GET", "/healthz")]),
                SLOTS: round_robin(Request("GET", slots_path(store, CHANNEL)) for store in stores),
            }
            # Rounds alternate the two endpoints, so that a neighbour's burst of CPU on this
            # shared machine lands on both sides of the ratio instead of skewing one round.
            rounds = [
                {
                    name: measure(
                        server,
                        requests,
                        connections=args.connections,
                        seconds=args.seconds,
                        warmup=args.warmup,
                    )
                    for name, requests in phases.items()
                }
                for _ in range(args.rounds)
            ]
            _report(rounds)
            if args.profile:
                profile_phase(
                    server,
                    phases[SLOTS],
                    connections=args.connections,
                    seconds=args.seconds,
                    output=args.profile,
                    under="LocationController.slots",
                )


def _report(rounds: list[dict[str, LoadResult]]) -> None:
    print()
    rows = [
        load_row(f"{name} (round {number})", result)
        for number, results in enumerate(rounds, 1)
        for name, result in results.items()
    ]
    print_table(LOAD_HEADERS, rows)
    ratios = []
    for results in rounds:
        trivial, slots = results.values()
        ratios.append(slots.per_second / trivial.per_second if trivial.per_second else 0.0)
        failed = sum(n for status, n in slots.statuses.items() if status != 200)
        if failed:
            print(f"warning: {failed} slot requests did not answer 200")
    ratio = statistics.median(ratios)
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    each = ", ".join(f"{r:.2f}" for r in ratios)
    print(
        f"\nslots_rps / trivial_rps per round: {each}; median {ratio:.2f} "
        f"({verdict} the target of >= {TARGET_RATIO})"
    )


def _seed_bookings(url: str, host: str, port: int, stores: list[int], count: int) -> int:
    """Book up to `count` free in-store slots of the next two weeks, spread over the stores,
    so that the slot computation has bookings to subtract."""
    today = datetime.now(UTC).date()
    per_store = -(-count // max(len(stores), 1))
    requests = []
    for store in stores:
        slots = free_starts(url, store, CHANNEL, today, today + timedelta(days=13))
        starts = spaced(slots, timedelta(minutes=30))
        step = max(1, len(starts) // per_store) if per_store else len(starts) + 1
        for start in starts[::step][:per_store]:
            requests.append(booking_request(DEMO_KEY, store, CHANNEL, start, len(requests)))
    result = run_load(host, port, from_list(requests[:count]), connections=4, seconds=60)
    return result.statuses[201]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seconds", type=bounded_seconds, default=10.0, help="per endpoint")
    parser.add_argument("--warmup", type=bounded_seconds, default=2.0, help="per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="alternating measurements")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--bookings", type=int, default=200, help="bookings made beforehand")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="afterwards, sample the server with py-spy under slots load into FILE and summarize",
    )
    return parser


if __name__ == "__main__":
    main()
