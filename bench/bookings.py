"""How many bookings per second the server accepts, on SQLite and on PostgreSQL.

The demo catalog (25 stores) is loaded; the free in-store and online slots of the next 60
days are read from the slots endpoint, thinned so that no two chosen slots of a store
overlap (with their buffer), and shuffled. Then `--connections` clients POST them to
`/api/v1/bookings/` as fast as they are answered for `--seconds`. Every POST asks for a
different free slot, so each should get 201; a 409 means a slot was refused as taken.

    .venv/bin/python -m bench.bookings [--database sqlite|postgres|both] [--seconds 10]
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
    running_server,
    throwaway_database,
)
from bench.profiles import profile_phase
from bench.workload import DEMO_KEY, booking_request, free_starts, from_list, spaced, store_ids

CHANNELS = ("in_store", "online")
#: Longest buffer after an appointment in the demo catalog, with room to spare.
GAP = timedelta(minutes=60)
#: Furthest ahead the demo stores take bookings (their horizon), in days.
DAYS = 60


def main() -> None:
    args = _parser().parse_args()
    print(
        f"bookings — {args.connections} connections, {args.seconds:g} s, "
        f"{args.workers} worker(s), {machine_line()}"
    )
    results: dict[str, LoadResult] = {}
    for kind in ("sqlite", "postgres") if args.database == "both" else (args.database,):
        results[kind] = run(kind, args)
    print()
    print_table(LOAD_HEADERS, [load_row(f"POST booking, {k}", r) for k, r in results.items()])
    for kind, result in results.items():
        print(
            f"{kind}: {result.per_second_of(201):,.0f} bookings/s (201), "
            f"{result.statuses[409]} refused as taken (409), "
            f"{result.count - result.statuses[201] - result.statuses[409]} other answers"
        )


def run(kind: str, args: argparse.Namespace) -> LoadResult:
    with throwaway_database(kind) as database:
        cli(["load", str(DEMO_CATALOG)], database)
        with running_server(database, workers=args.workers) as server:
            requests = free_slot_bookings(server.url, args.seed)
            print(f"{kind}: {len(requests):,} distinct free slots to book")
            remaining = from_list(requests)
            result = measure(
                server,
                remaining,
                connections=args.connections,
                seconds=args.seconds,
                warmup=args.warmup,
            )
            if args.profile:  # on slots not booked yet
                profile_phase(
                    server,
                    remaining,
                    connections=args.connections,
                    seconds=args.seconds,
                    output=args.profile.with_name(f"{args.profile.stem}-{kind}.txt"),
                    under="BookingController.create",
                )
            return result


def free_slot_bookings(url: str, seed: int) -> list[Request]:
    """One booking request per chosen free slot, over every store and channel, shuffled."""
    today = datetime.now(UTC).date()
    last = today + timedelta(days=DAYS - 1)
    requests: list[Request] = []
    for store in store_ids(url, DEMO_KEY):
        for channel in CHANNELS:
            for start in spaced(free_starts(url, store, channel, today, last), GAP):
                requests.append(booking_request(DEMO_KEY, store, channel, start, len(requests)))
    random.Random(seed).shuffle(requests)
    return requests


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--seconds", type=bounded_seconds, default=10.0)
    parser.add_argument("--warmup", type=bounded_seconds, default=1.0)
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--seed", type=int, default=1, help="order of the slots")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="afterwards, sample the server with py-spy under booking load into FILE-DATABASE.txt",
    )
    return parser


if __name__ == "__main__":
    main()
