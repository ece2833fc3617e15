"""What every benchmark needs: a throw-away database, a real server process, and printing.

A benchmark runs `bookwidget migrate`, `load` and `serve` through the CLI exactly as an operator
would, on 127.0.0.1 and a free port, against a SQLite file in a temporary folder or a fresh
PostgreSQL database named `bookwidget_bench_*` that is dropped afterwards. The load generator
lives in `bench.loadgen`; `measure` runs it against a server.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

# Re-exported: a benchmark imports everything it needs from here.
from bench.loadgen import MAX_REQUESTS
from bench.loadgen import LoadResult as LoadResult
from bench.loadgen import Request as Request
from bench.loadgen import percentile as percentile
from bench.loadgen import run_load as run_load

ROOT = Path(__file__).resolve().parent.parent
DEMO_CATALOG = ROOT / "server" / "demo" / "demo.toml"
#: Where `--database postgres` may create and drop `bookwidget_bench_*` databases.
POSTGRES_ENV = "BOOKWIDGET_BENCH_POSTGRES"
POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
#: No benchmark phase may run longer than this, whatever its arguments say.
MAX_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class Database:
    """The environment a `bookwidget` command needs to reach one throw-away database."""

    kind: str  # "sqlite" or "postgres"
    env: Mapping[str, str]
    data_dir: Path


@contextmanager
def throwaway_database(kind: str) -> Iterator[Database]:
    """A migrated, empty database of `kind`, removed when the block ends."""
    data_dir = Path(tempfile.mkdtemp(prefix="bookwidget-bench-"))
    env = {"BOOKWIDGET_DATA_DIR": str(data_dir), "DATABASE_URL": ""}
    try:
        if kind == "sqlite":
            database = Database(kind, env, data_dir)
            cli(["migrate"], database)
            yield database
        elif kind == "postgres":
            with _postgres_database() as dsn:
                database = Database(kind, {**env, "DATABASE_URL": dsn}, data_dir)
                cli(["migrate"], database)
                yield database
        else:
            raise ValueError(f"unknown database kind {kind!r}; use sqlite or postgres")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextmanager
def _postgres_database() -> Iterator[str]:
    import asyncpg

    admin = os.environ.get(POSTGRES_ENV) or POSTGRES_DEFAULT
    name = f"bookwidget_bench_{secrets.token_hex(4)}"

    async def run(statement: str) -> None:
        connection = await asyncpg.connect(admin, timeout=10)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as error:
        raise SystemExit(
            f"bench: cannot create a PostgreSQL database through {admin} ({error}); "
            f"set {POSTGRES_ENV}=postgresql://user@host:port/db"
        ) from error
    try:
        yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cli(args: Sequence[str], database: Database) -> str:
    """Run `bookwidget ARGS` against `database`; its output, or exit with it on failure."""
    result = subprocess.run(
        [sys.executable, "-m", "server", *args],
        env={**os.environ, **database.env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"bookwidget {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Server:
    url: str
    host: str
    port: int
    pid: int
    log: Path


@contextmanager
def running_server(database: Database, *, workers: int = 1) -> Iterator[Server]:
    """`bookwidget serve` on 127.0.0.1 and a free port, once /healthz answers; stopped after."""
    port = free_port()
    log_path = database.data_dir / f"server-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "server",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            env={**os.environ, **database.env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", "127.0.0.1", port, process.pid, log_path)
    try:
        _wait_until_healthy(server, process)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_healthy(server: Server, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"bench: the server exited with {process.returncode}:\n{server.log.read_text()}"
            )
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench: the server at {server.url} did not become healthy")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and all its descendants (uvicorn workers), from
    /proc; 0.0 where /proc is not available."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        child = int(entry.name)
        parents[child] = int(fields[1])
        times[child] = (int(fields[11]) + int(fields[12])) / ticks
    tree = {pid}
    grew = True
    while grew:
        grew = False
        for child, parent in parents.items():
            if parent in tree and child not in tree:
                tree.add(child)
                grew = True
    return sum(times.get(member, 0.0) for member in tree)


def machine_busy_seconds() -> float:
    """CPU seconds all cores have spent on anything but idling and waiting for I/O."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def machine_line() -> str:
    """When and on what the figures were taken: they mean little without it."""
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, "
        f"load average before the run {load[0]:.2f}, Python {sys.version.split()[0]}"
    )


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A compact table: text left-aligned, numbers right-aligned."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if right else v.ljust(w)
            for v, w, right in zip(values, widths, numeric, strict=True)
        ).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in cells:
        print(line(row))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def bounded_seconds(text: str) -> float:
    """An argparse type: a positive duration of at most MAX_SECONDS."""
    seconds = float(text)
    if not 0 < seconds <= MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most {MAX_SECONDS:.0f}")
    return seconds


def measure(
    server: Server,
    next_request: Callable[[], Request | None],
    *,
    connections: int,
    seconds: float,
    warmup: float = 1.0,
    max_requests: int = MAX_REQUESTS,
    keep_bodies: bool = False,
    header: bytes | None = None,
) -> LoadResult:
    """A warm-up phase whose figures are dropped, then the measured phase, with the CPU the
    server's processes used during it."""
    if warmup > 0:
        run_load(server.host, server.port, next_request, connections=connections, seconds=warmup)
    before, machine_before = cpu_seconds(server.pid), machine_busy_seconds()
    result = run_load(
        server.host,
        server.port,
        next_request,
        connections=connections,
        seconds=seconds,
        max_requests=max_requests,
        keep_bodies=keep_bodies,
        header=header,
    )
    result.server_cpu = cpu_seconds(server.pid) - before
    machine = machine_busy_seconds() - machine_before
    result.other_cpu = max(0.0, machine - result.server_cpu - result.client_cpu)
    return result


LOAD_HEADERS = (
    "what",
    "requests",
    "req/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "statuses",
    "server CPU",
    "CPU ms/req",
    "client CPU",
    "other CPU",
)


def load_row(name: str, result: LoadResult) -> list[object]:
    """One row under LOAD_HEADERS. CPU is a share of one core; `CPU ms/req` is the server's
    CPU time per answered request, the cost that decides throughput once a core is busy.
    `other CPU` is what the rest of the machine used meanwhile: kernel network work, and
    other programs, which make the figures unreliable when they are large."""
    statuses = " ".join(f"{status or 'none'}:{n}" for status, n in sorted(result.statuses.items()))
    return [
        name,
        result.count,
        result.per_second,
        result.percentile_ms(50),
        result.percentile_ms(90),
        result.percentile_ms(99),
        max(result.latencies, default=0.0) * 1000,
        statuses,
        _share(result.server_cpu, result.elapsed),
        1000 * result.server_cpu / result.count if result.count else 0.0,
        _share(result.client_cpu, result.elapsed),
        _share(result.other_cpu, result.elapsed),
    ]


def _share(cpu_seconds: float, elapsed: float) -> str:
    return f"{100 * cpu_seconds / elapsed:.0f}%" if elapsed else "-"
