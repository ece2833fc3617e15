"""Where a server spends its time: sampling it with py-spy, and summarizing the stacks.

    .venv/bin/python -m bench.profiles FILE [--top 25] [--under FUNCTION]

For each function (file and name, all its lines together): `self`, the share of samples in
which it was the innermost frame, and `total`, the share in which it was anywhere on the
stack. `--under` keeps only the samples whose stack passes through a function whose name
contains that text (the request handler, say), from that frame inwards, so shares are of
that handler's time and the frames around it (server, framework) are left out.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.common import Request, Server, print_table, run_load

#: A frame on every stack of a uvicorn event-loop thread (not on SQLite worker threads).
EVENT_LOOP = "Server.run (uvicorn"
_FRAME = re.compile(r"^(?P<name>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def read_stacks(path: Path) -> Counter[tuple[str, ...]]:
    """Stacks (outermost frame first, lines merged per function) and their sample counts."""
    stacks: Counter[tuple[str, ...]] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")[1:]  # the first entry names the process
        stacks[tuple(_function(frame) for frame in frames)] += int(count)
    return stacks


def _function(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    return f"{match['name']} ({_short(match['file'])})"


def _short(file: str) -> str:
    # site-packages paths are long and say nothing more than the package name does.
    return file.split("site-packages/")[-1]


def summary(stacks: Counter[tuple[str, ...]], top: int, under: str = "") -> list[list[object]]:
    """Rows (self %, total %, function), heaviest total first."""
    if under:
        stacks = _inside(stacks, under)
    samples = sum(stacks.values())
    own: Counter[str] = Counter()
    anywhere: Counter[str] = Counter()
    for stack, count in stacks.items():
        if stack:
            own[stack[-1]] += count
        for function in set(stack):
            anywhere[function] += count
    return [
        [100 * own[function] / samples, 100 * count / samples, function]
        for function, count in anywhere.most_common(top)
    ]


def _inside(stacks: Counter[tuple[str, ...]], under: str) -> Counter[tuple[str, ...]]:
    """The stacks through a function named like `under`, cut to start at that function."""
    kept: Counter[tuple[str, ...]] = Counter()
    for stack, count in stacks.items():
        at = next((i for i, function in enumerate(stack) if under in function), None)
        if at is not None:
            kept[stack[at:]] += count
    return kept


def print_summary(path: Path, top: int = 25, under: str = "") -> None:
    stacks = read_stacks(path)
    kept = sum(n for s, n in stacks.items() if not under or any(under in f for f in s))
    loop = sum(n for s, n in stacks.items() if any(EVENT_LOOP in f for f in s))
    scope = f" under {under!r}" if under else ""
    print(f"\nprofile {path}: {kept} samples{scope} (shares below are of those samples)")
    if under and loop:
        print(f"{100 * kept / loop:.0f}% of the samples of the server's event-loop threads")
    print_table(("self %", "total %", "function"), summary(stacks, top, under))
    print("\nheaviest leaf functions:")
    rows = sorted(summary(stacks, 10_000, under), key=lambda row: -float(str(row[0])))
    print_table(("self %", "total %", "function"), rows[:top])


@contextmanager
def profiled(server: Server, output: Path | None, seconds: float) -> Iterator[None]:
    """Sample the server's processes with py-spy while the block runs, into `output`
    (collapsed stacks, one line per stack: frames separated by ';', then a count).
    Without `output`, or without py-spy installed, the block just runs."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if output is None:
        yield
        return
    if not Path(py_spy).exists():
        print("bench: --profile needs py-spy: .venv/bin/pip install py-spy", file=sys.stderr)
        yield
        return
    command = [py_spy, "record", "--pid", str(server.pid), "--subprocesses", "--format", "raw"]
    command += ["--rate", "250", "--duration", str(math.ceil(seconds)), "--output", str(output)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield
    finally:
        try:
            _, errors = process.communicate(timeout=seconds + 30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, errors = process.communicate()
        if process.returncode != 0:
            print(f"bench: py-spy failed: {errors.decode(errors='replace')}", file=sys.stderr)


def profile_phase(
    server: Server,
    next_request: Callable[[], Request | None],
    *,
    connections: int,
    seconds: float,
    output: Path,
    under: str,
) -> None:
    """An extra load phase with py-spy attached (its figures are not reported: sampling
    slows the server), then a summary of where the server spent its time under `under`."""
    with profiled(server, output, seconds):
        run_load(server.host, server.port, next_request, connections=connections, seconds=seconds)
    if output.exists():
        print_summary(output, top=30, under=under)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--under", default="", help="only stacks through this function")
    args = parser.parse_args()
    print_summary(args.file, args.top, args.under)


if __name__ == "__main__":
    main()
