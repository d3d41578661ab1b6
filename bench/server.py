"""A real uvicorn on loopback for the benchmarks: start, upload, stop. Only 127.0.0.1 is used."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def running_server(workers: int = 1, **env: str):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as data:
        environ = {**os.environ, "CONVSTEP_DATA_DIR": data, "CONVSTEP_HTMX_SOURCE": "none",
                   **{f"CONVSTEP_{k.upper()}": v for k, v in env.items()}}
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env=environ)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(200):
                try:
                    if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            else:
                raise RuntimeError("server did not start")
            yield base, proc
        finally:
            proc.terminate()
            proc.wait(15)


def upload(base: str, pixels: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG", compress_level=1)
    r = httpx.post(f"{base}/api/images", files={"file": ("b.png", buf.getvalue(), "image/png")}, timeout=60)
    r.raise_for_status()
    return r.json()["id"]
