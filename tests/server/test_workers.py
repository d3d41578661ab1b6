"""Upload on one worker, step on the others: any worker answers any request, with zero failures.

The workers share nothing but the data directory (one temporary ``CONVSTEP_DATA_DIR``), so this
is the test of DESIGN.md's "any worker can answer any request", under both ways of running
several workers. Fresh connections from several threads spread the requests over the workers;
per-worker CPU time shows that more than one of them really served.
"""

from __future__ import annotations

import importlib.util
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from app.store import image_id as content_id
from scripts.local_server import cpu_ticks, running_server
from tests.server.workload import one_request, upload

pytestmark = [pytest.mark.server, pytest.mark.slow]

WORKERS = 4
REQUESTS = 240  # bounded by count ...
TIME_LIMIT = 300.0  # ... and by time: requests not sent by then count as failures (a hang guard, not a timing test)


def run_mix(base: str, image_id: str, pixels: np.ndarray) -> list[str]:
    """Send the ``REQUESTS`` mixed requests from 8 threads; the failures, described."""
    deadline = time.monotonic() + TIME_LIMIT

    def bounded(i: int) -> str | None:
        if time.monotonic() > deadline:
            return f"request {i}: not sent, the {TIME_LIMIT:.0f} s limit had passed"
        return one_request(base, image_id, pixels, i)

    with ThreadPoolExecutor(8) as pool:
        return [f for f in pool.map(bounded, range(REQUESTS)) if f]


@pytest.mark.parametrize("kind", ["uvicorn", "gunicorn"])
def test_upload_on_one_worker_step_on_the_others(kind, rng):
    if kind == "gunicorn" and not all(importlib.util.find_spec(m) for m in ("gunicorn", "uvicorn_worker")):
        pytest.skip("gunicorn and uvicorn-worker are not installed (they are in the dev extra)")
    pixels = (rng.random((48, 64)) * 255).astype(np.uint8)
    with running_server(kind, workers=WORKERS) as server:
        workers = server.worker_pids()
        assert len(workers) == WORKERS
        before = {pid: cpu_ticks(pid) for pid in workers}
        began = time.monotonic()
        r = upload(server.base, pixels)
        assert r.status_code == 201, r.text
        assert "server" not in r.headers  # started without uvicorn's Server header, also under gunicorn
        image_id = r.json()["id"]
        assert image_id == content_id(pixels)  # content-addressed: the same id whichever worker stored it
        failures = run_mix(server.base, image_id, pixels)
        elapsed = time.monotonic() - began
        ticks = {pid: cpu_ticks(pid) - before[pid] for pid in workers}
        alive = server.process.poll() is None and server.worker_pids() == workers  # no worker died or was replaced
        stored = sorted(p.name for p in (server.data_dir / "images").iterdir())
    print(f"\n{kind} -w {WORKERS}: {REQUESTS + 1} requests in {elapsed:.1f} s, {len(failures)} failures,"
          f" CPU ticks per worker {sorted(ticks.values(), reverse=True)}")
    assert failures == []
    assert alive
    assert stored == [f"{image_id}.npy", f"{image_id}.png"]  # one shared store, one copy
    busy = [pid for pid, t in ticks.items() if t > 0]
    assert len(busy) >= 3, f"only {len(busy)} of {WORKERS} workers served requests: {ticks}"
