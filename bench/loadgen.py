"""A small closed-loop HTTP/1.1 load generator on raw asyncio streams.

N keep-alive connections each send a request, wait for the whole response, record its
latency and status, and send the next, for T seconds. Closed loop means the offered load
adapts to the server: requests/s is what the server sustains at that concurrency, and
latency is not inflated by a queue the client builds up itself.

It is deliberately bare (no HTTP library, uvloop when installed) so that on a two-core
machine it needs less CPU than the server it measures; `LoadResult.client_cpu` says how
much it did use. Loopback only, bounded in time and in request count.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field

#: Status recorded for a request that got no HTTP answer (timeout, reset connection).
NO_ANSWER = 0
REQUEST_TIMEOUT = 30.0
MAX_REQUESTS = 2_000_000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    body: bytes = b""

    def encode(self, host: str, port: int) -> bytes:
        head = f"{self.method} {self.path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        if self.body or self.method in {"POST", "PUT", "PATCH"}:
            head += f"Content-Type: application/json\r\nContent-Length: {len(self.body)}\r\n"
        return (head + "\r\n").encode("latin-1") + self.body


@dataclass(slots=True)
class LoadResult:
    """What one load phase measured. Latencies are in seconds, in completion order."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    elapsed: float = 0.0
    client_cpu: float = 0.0  # CPU seconds this process spent during the phase
    server_cpu: float = 0.0  # CPU seconds the server's processes spent, when measured
    other_cpu: float = 0.0  # CPU seconds the rest of the machine spent (other programs, IRQs)
    bodies: list[tuple[int, bytes]] = field(default_factory=list)  # when keep_bodies
    header_values: list[bytes] = field(default_factory=list)  # of `header`, when given

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.count / self.elapsed if self.elapsed else 0.0

    def per_second_of(self, status: int) -> float:
        return self.statuses[status] / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, q: float) -> float:
        return percentile(sorted(self.latencies), q) * 1000


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) of sorted values, interpolating between neighbours."""
    if not ordered:
        return math.nan
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run_load(
    host: str,
    port: int,
    next_request: Callable[[], Request | None],
    *,
    connections: int,
    seconds: float,
    max_requests: int = MAX_REQUESTS,
    keep_bodies: bool = False,
    header: bytes | None = None,
) -> LoadResult:
    """Drive `connections` concurrent connections for `seconds` (or until `next_request`
    returns None, or `max_requests` were sent) and return what was measured, with each
    response's body (`keep_bodies`) and the value of one response `header` when asked."""
    if host not in LOOPBACK:
        raise ValueError(f"the load generator talks to loopback only, not {host}")
    options = _Options(connections, seconds, max_requests, keep_bodies, header)
    return _run(_closed_loop(host, port, next_request, options))


@dataclass(frozen=True, slots=True)
class _Options:
    connections: int
    seconds: float
    max_requests: int
    keep_bodies: bool
    header: bytes | None


def _run(coroutine: Coroutine[None, None, LoadResult]) -> LoadResult:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coroutine)


async def _closed_loop(
    host: str,
    port: int,
    next_request: Callable[[], Request | None],
    options: _Options,
) -> LoadResult:
    result = LoadResult()
    budget = [options.max_requests]
    header = options.header.lower() if options.header else b"\n"  # no header has that name
    cpu_before = time.process_time()
    started = time.perf_counter()
    deadline = started + options.seconds

    async def one_connection() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while time.perf_counter() < deadline and budget[0] > 0:
                request = next_request()
                if request is None:
                    return
                budget[0] -= 1
                sent = time.perf_counter()
                writer.write(request.encode(host, port))
                try:
                    status, body, close, value = await asyncio.wait_for(
                        _read_response(reader, header), REQUEST_TIMEOUT
                    )
                except (TimeoutError, ConnectionError, asyncio.IncompleteReadError, ValueError):
                    status, body, close, value = NO_ANSWER, b"", True, b""
                result.latencies.append(time.perf_counter() - sent)
                result.statuses[status] += 1
                if options.keep_bodies:
                    result.bodies.append((status, body))
                if options.header:
                    result.header_values.append(value)
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    await asyncio.gather(*(one_connection() for _ in range(options.connections)))
    result.elapsed = time.perf_counter() - started
    result.client_cpu = time.process_time() - cpu_before
    return result


async def _read_response(
    reader: asyncio.StreamReader, wanted: bytes
) -> tuple[int, bytes, bool, bytes]:
    """Status, body, whether the server will close the connection, and the `wanted` header."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed by the server")
    status = int(status_line.split(b" ", 2)[1])
    length, chunked, close, value_wanted = 0, False, False, b""
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding":
            chunked = b"chunked" in value.lower()
        elif name == b"connection":
            close = b"close" in value.lower()
        elif name == wanted:
            value_wanted = value.strip()
    if not chunked:
        return status, await reader.readexactly(length), close, value_wanted
    parts: list[bytes] = []
    while size := int((await reader.readline()).split(b";")[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readline()
    await reader.readline()  # the empty line after the last chunk (no trailers expected)
    return status, b"".join(parts), close, value_wanted
