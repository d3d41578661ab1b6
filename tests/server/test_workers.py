"""Upload on one worker, step on the others: any worker answers any request, with zero failures.

The workers share nothing but the data directory, so this is the test of DESIGN.md's "any worker
can answer any request". Fresh connections from several threads spread the requests over the
workers; per-worker CPU time shows that more than one of them really served.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pytest
from PIL import Image

from app.engine.kernels import PRESETS
from app.engine.trace import conv_step
from scripts.local_server import cpu_ticks, running_server

pytest.importorskip("gunicorn")

REQUESTS = 240  # bounded: the test stops by itself


def png_bytes(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


def one_request(base: str, image_id: str, pixels: np.ndarray, i: int) -> str | None:
    """Request ``i`` of a mixed workload; returns a description of what went wrong, or None."""
    step = (i * 37) % (pixels.shape[0] * pixels.shape[1])
    headers = {"Connection": "close"}  # a new connection each time, so the kernel picks a worker
    with httpx.Client(base_url=base, timeout=30, headers=headers) as c:
        kind = i % 4
        if kind == 0:
            r = c.get("/conv2d", params={"image": image_id, "kernel": "sharpen", "padding": 1, "step": step},
                      headers={"HX-Request": "true", "HX-Target": "workspace"})
            ok = r.status_code == 200 and r.text.lstrip().startswith('<section id="workspace"')
        elif kind == 1:
            r = c.get("/conv2d", params={"image": image_id, "kernel": "sharpen", "padding": 1, "step": step})
            ok = r.status_code == 200 and "<html" in r.text
        elif kind == 2:
            r = c.get(f"/api/images/{image_id}.png")
            ok = r.status_code == 200 and np.array_equal(np.asarray(Image.open(io.BytesIO(r.content))), pixels)
        else:
            r = c.post("/api/trace", json={"image_id": image_id, "kernel": "sharpen", "padding": 1, "step": step})
            expected = conv_step(pixels.astype(float), PRESETS["sharpen"].matrix, step, padding=1).result
            ok = r.status_code == 200 and r.json()["result"] == expected
    return None if ok else f"request {i} (kind {kind}): {r.status_code} {r.text[:120]}"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["uvicorn", "gunicorn"])
def test_upload_on_one_worker_step_on_the_others(kind, rng):
    pixels = (rng.random((48, 64)) * 255).astype(np.uint8)
    with running_server(kind, workers=4) as server:
        workers = server.worker_pids()
        assert len(workers) == 4
        before = {pid: cpu_ticks(pid) for pid in workers}
        r = httpx.post(server.base + "/api/images", files={"file": ("p.png", png_bytes(pixels), "image/png")}, timeout=30)
        assert r.status_code == 201
        image_id = r.json()["id"]
        with ThreadPoolExecutor(8) as pool:
            failures = [f for f in pool.map(lambda i: one_request(server.base, image_id, pixels, i), range(REQUESTS)) if f]
        busy = [pid for pid in workers if cpu_ticks(pid) > before[pid]]
        assert server.process.poll() is None  # no worker crash took the server down
    assert failures == []
    assert len(busy) >= 3, f"only {len(busy)} of 4 workers served requests"
