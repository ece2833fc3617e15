"""How long the server takes to search 10,000 stores, per kind of query.

Loads generated stores (`bench.generate_stores`, tenant `pk_bench`) and sends
`GET /api/v1/locations` one request at a time: city names, postal code prefixes, store-name
prefixes, and positions (lat/lon). The target is a server time of at most 5 ms at the median.

Server time: when the server sends a timing header (Server-Timing `dur=`, X-Process-Time or
X-Response-Time), its values are reported. Otherwise it is estimated: end-to-end latency at
concurrency 1 minus the median latency of `/healthz` measured the same way (the fixed cost of
HTTP, the framework and the client); the output says which one it reports.

    .venv/bin/python -m bench.search [--database sqlite|postgres|both] [--requests 300]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bench.common import (
    LoadResult,
    Request,
    bounded_seconds,
    cli,
    machine_line,
    measure,
    percentile,
    print_table,
    running_server,
    throwaway_database,
)
from bench.generate_stores import KEY, generate, write_catalog
from bench.profiles import profile_phase
from bench.workload import round_robin

TARGET_P50_MS = 5.0
HEADERS = ("query", "requests", "e2e p50 ms", "e2e p99 ms", "server p50", "server p99")
HEADERS += ("results", "statuses")
TIMING_HEADERS = ("server-timing", "x-process-time", "x-response-time")


def main() -> None:
    args = _parser().parse_args()
    rows = generate(args.stores, args.seed)
    queries = search_queries(rows, random.Random(args.seed))
    kinds = ", ".join(f"{len(q)} {kind}" for kind, q in queries.items())
    print(f"search — {args.stores:,} stores, {machine_line()}")
    print(f"queries: {kinds}; {args.requests} requests per kind at concurrency 1")
    with tempfile.TemporaryDirectory(prefix="bookwidget-bench-catalog-") as folder:
        catalog = write_catalog(Path(folder), rows)
        for kind in ("sqlite", "postgres") if args.database == "both" else (args.database,):
            run(kind, catalog, queries, args)


def run(kind: str, catalog: Path, queries: dict[str, list[str]], args: argparse.Namespace) -> None:
    with throwaway_database(kind) as database:
        print(f"\n== {kind}: {cli(['load', str(catalog)], database).strip()}")
        with running_server(database, workers=1) as server:
            header = _timing_header(server.url + queries["city name"][0])
            every = [Request("GET", path) for paths in queries.values() for path in paths]
            measure(server, round_robin(every), connections=1, seconds=args.warmup, warmup=0)
            phases: dict[str, Callable[[], Request | None]] = {"/healthz": _healthz()}
            for name, paths in queries.items():
                phases[name] = round_robin(Request("GET", path) for path in paths)
            results = {
                name: measure(
                    server,
                    requests,
                    connections=1,
                    seconds=args.seconds,
                    warmup=0,
                    max_requests=args.requests,
                    keep_bodies=True,
                    header=header.encode() if header else None,
                )
                for name, requests in phases.items()
            }
            _report(results, header)
            if args.profile:
                profile_phase(
                    server,
                    round_robin(every),
                    connections=2,
                    seconds=min(args.seconds, 15),
                    output=args.profile.with_name(f"{args.profile.stem}-{kind}.txt"),
                    under="LocationController.search",
                )


def search_queries(rows: list[dict[str, str]], rng: random.Random) -> dict[str, list[str]]:
    """Query paths per kind, drawn from the stores so that most of them find something."""
    cities = [row["city"] for row in rng.sample(rows, 40)]
    coded = [row["postal_code"] for row in rows if row["country"] in {"DE", "US", "FR"}]
    postal = [code[: rng.choice((2, 3, 5))] for code in rng.sample(coded, 40)]
    names = [_name_prefix(row["name"], rng) for row in rng.sample(rows, 30)]
    names += ["Nordbench", "nordbench studio", "Outlet", "design cent", "Planung"]
    points = [
        (float(row["lat"]) + rng.uniform(-0.5, 0.5), float(row["lon"]) + rng.uniform(-0.5, 0.5))
        for row in rng.sample(rows, 40)
    ]
    return {
        "city name": [_path({"q": city}) for city in cities],
        "postal prefix": [_path({"q": code}) for code in postal],
        "name prefix": [_path({"q": name}) for name in names],
        "lat/lon": [_path({"lat": f"{lat:.4f}", "lon": f"{lon:.4f}"}) for lat, lon in points],
    }


def _name_prefix(name: str, rng: random.Random) -> str:
    """What someone types before the list shows their store: words, the last one cut short."""
    words = name.split()[: rng.choice((2, 3))]
    return " ".join([*words[:-1], words[-1][: max(3, len(words[-1]) // 2)]])


def _path(query: dict[str, str]) -> str:
    return f"/api/v1/locations?{urlencode({'key': KEY, **query})}"


def _healthz() -> Callable[[], Request]:
    return round_robin([Request("GET", "/healthz")])


def _timing_header(url: str) -> str | None:
    headers = httpx.get(url, timeout=30).headers
    return next((name for name in TIMING_HEADERS if name in headers), None)


def _server_ms(value: bytes) -> float:
    """Milliseconds from `Server-Timing: app;dur=1.23` (ms) or a bare number (seconds
    when below 10 and without a unit, else ms)."""
    text = value.decode("latin-1")
    if match := re.search(r"dur=([0-9.]+)", text):
        return float(match[1])
    number = float(re.sub(r"[^0-9.]", "", text) or "nan")
    return number * 1000 if number < 10 and "ms" not in text else number


def _report(results: dict[str, LoadResult], header: str | None) -> None:
    fixed = results["/healthz"].percentile_ms(50)
    rows: list[list[object]] = []
    searches: list[float] = []
    for name, result in results.items():
        if header and name != "/healthz":
            server = sorted(_server_ms(value) for value in result.header_values)
        else:
            server = sorted(max(0.0, 1000 * lat - fixed) for lat in result.latencies)
        if name != "/healthz":
            searches += server
        found = [] if name == "/healthz" else [_found(b) for s, b in result.bodies if s == 200]
        rows.append(
            [
                name,
                result.count,
                result.percentile_ms(50),
                result.percentile_ms(99),
                "-" if name == "/healthz" else percentile(server, 50),
                "-" if name == "/healthz" else percentile(server, 99),
                sum(found) / len(found) if found else "-",
                " ".join(f"{s}:{n}" for s, n in sorted(result.statuses.items())),
            ]
        )
    how = (
        f"the server's own {header} header"
        if header
        else f"end-to-end latency minus the /healthz p50 of {fixed:.2f} ms (no timing header)"
    )
    print(f"server time = {how}")
    print_table(HEADERS, rows)
    searches.sort()
    overall = percentile(searches, 50)
    verdict = "meets" if overall <= TARGET_P50_MS else "MISSES"
    print(
        f"all searches: server p50 {overall:.2f} ms, p99 {percentile(searches, 99):.2f} ms "
        f"({verdict} the target p50 <= {TARGET_P50_MS:g} ms)"
    )


def _found(body: bytes) -> int:
    return len(json.loads(body)["locations"])


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=300, help="per kind of query")
    parser.add_argument(
        "--seconds", type=bounded_seconds, default=20.0, help="at most, per kind of query"
    )
    parser.add_argument("--warmup", type=bounded_seconds, default=2.0)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="afterwards, sample the server with py-spy under search load into FILE-DATABASE.txt",
    )
    return parser


if __name__ == "__main__":
    main()
