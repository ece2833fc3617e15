"""Real server processes for tests: started through the `bookwidget` CLI, on 127.0.0.1 and
a free port, stopped when the test ends."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `bookwidget ARGS` and return what happened, success or not."""
    return subprocess.run(
        [sys.executable, "-m", "server", *args],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cli(args: list[str], env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `bookwidget ARGS` and fail the test with its output if it fails."""
    result = run_cli(args, env)
    assert result.returncode == 0, (
        f"bookwidget {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    )
    return result


@contextmanager
def running_server(env: Mapping[str, str], *, workers: int = 1) -> Iterator[str]:
    """`bookwidget serve` on a free port; yields its base URL once /healthz answers."""
    port = free_port()
    log = open(Path(env["BOOKWIDGET_DATA_DIR"]) / f"server-{port}.log", "w")  # noqa: SIM115
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
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not become healthy")
