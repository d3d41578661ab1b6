"""The benchmarks' server: the tests' launcher (scripts/local_server.py, same keep-alive as production) and an upload."""

from __future__ import annotations

import io

import httpx
import numpy as np
from PIL import Image

from scripts.local_server import ROOT, run_in_own_thread, running_server

__all__ = ["ROOT", "run_in_own_thread", "running_server", "upload"]


def upload(base: str, pixels: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG", compress_level=1)
    r = httpx.post(f"{base}/api/images", files={"file": ("b.png", buf.getvalue(), "image/png")}, timeout=60)
    r.raise_for_status()
    return r.json()["id"]
