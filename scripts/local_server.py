"""Start the real app on loopback for tests, benchmarks and the soak: uvicorn or gunicorn, N workers.

Only 127.0.0.1 is ever used. The server runs in its own process group so that stopping it stops
every worker, even when a test fails half-way.

>>> with running_server(workers=2) as server:  # doctest: +SKIP
...     httpx.get(server.base + "/healthz")
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
KEEP_ALIVE = "65"  # as app.serve does in production (Settings.keep_alive_seconds)


@dataclass
class Server:
    base: str
    process: subprocess.Popen
    data_dir: Path

    def worker_pids(self) -> list[int]:
        """The worker processes (children of the supervisor), read from /proc; a single uvicorn
        worker has no supervisor, so then it is the process itself."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            pids = [int(p) for p in children.read_text().split()]
        except OSError:
            pids = []
        return [pid for pid in pids if _is_worker(pid)] or [self.process.pid]

    def warm_up(self, path: str) -> None:
        """Ask for ``path`` four times per worker on fresh connections (the kernel spreads them), so
        every worker has imported and rendered once before anything is measured."""
        for _ in range(4 * len(self.worker_pids())):
            httpx.get(self.base + path, headers={"Connection": "close"}, timeout=30)


def _is_worker(pid: int) -> bool:
    try:  # uvicorn's supervisor also starts a multiprocessing resource tracker: not a worker
        return b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB (VmRSS), 0 when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_ticks(pid: int) -> int:
    """User + system CPU time of a process, in clock ticks (tells which workers did work)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(kind: str, port: int, workers: int) -> list[str]:
    if kind == "uvicorn":
        return [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
                "--workers", str(workers), "--log-level", "warning", "--no-access-log", "--timeout-keep-alive", KEEP_ALIVE,
                "--no-server-header"]
    if kind == "gunicorn":
        return [sys.executable, "-m", "gunicorn", "app.main:app", "-k", "app.gunicorn_worker.Worker",
                "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning", "--graceful-timeout", "5",
                "--keep-alive", KEEP_ALIVE]
    raise ValueError(f"kind must be uvicorn or gunicorn, got {kind!r}")


@contextmanager
def running_server(kind: str = "uvicorn", workers: int = 1, data_dir: Path | None = None, **env: str) -> Iterator[Server]:
    """A server on a free loopback port with ``workers`` workers sharing one data directory.

    ``env`` sets settings (``store_cap_bytes="1000"`` → ``CONVSTEP_STORE_CAP_BYTES``).
    """
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(data_dir or tmp)
        port = free_port()
        environ = {**os.environ, "CONVSTEP_DATA_DIR": str(data), "CONVSTEP_HTMX_SOURCE": "none",
                   **{f"CONVSTEP_{k.upper()}": str(v) for k, v in env.items()}}
        proc = subprocess.Popen(command(kind, port, workers), cwd=ROOT, env=environ, start_new_session=True)
        server = Server(f"http://127.0.0.1:{port}", proc, data)
        try:
            _wait_until_up(server, workers)
            yield server
        finally:
            _stop(proc)


def _wait_until_up(server: Server, workers: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.process.returncode}")
        try:
            up = httpx.get(server.base + "/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            up = False
        if up and len(server.worker_pids()) >= workers:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the server was not up with {workers} worker(s) after {timeout:.0f} s")


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def run_in_own_thread(coroutine):
    """``asyncio.run`` on a fresh thread: the caller's thread may already run a loop (pytest with
    Playwright's sync API does), and asyncio refuses to nest loops."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
