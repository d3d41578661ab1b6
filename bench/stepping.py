"""Stepping: one step must cost the same on a 2048² image as on a 32² one."""

from __future__ import annotations

import statistics
import time

import httpx
import numpy as np

from app.engine.trace import conv_step

from .server import running_server, upload
from .timing import compare, ms, table


def trace_rows() -> list[list[object]]:
    rng = np.random.default_rng(3)
    small = rng.integers(0, 255, (32, 32), dtype=np.uint8)
    big = rng.integers(0, 255, (2048, 2048), dtype=np.uint8)
    k = np.ones((3, 3)) / 9
    t = compare({"32²": lambda: conv_step(small, k, 500, padding=1),
                 "2048²": lambda: conv_step(big, k, 2048 * 1000 + 700, padding=1)}, repeat=5)
    return [["conv_step (engine)", ms(t["32²"]), ms(t["2048²"]), f"{t['2048²'] / t['32²']:.2f}×"]]


def fragment_rows(quick: bool) -> list[list[object]]:
    rng = np.random.default_rng(4)
    n_requests = 40 if quick else 300
    with running_server(working_size="2048") as server:
        base = server.base
        ids = {"32²": upload(base, rng.integers(0, 255, (32, 32), dtype=np.uint8)),
               "2048²": upload(base, rng.integers(0, 255, (2048, 2048), dtype=np.uint8))}
        headers = {"HX-Request": "true", "HX-Target": "workspace"}
        samples: dict[str, list[float]] = {k: [] for k in ids}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            for image in ids.values():  # warm: first request renders nothing heavy, but loads the store
                client.get(f"/conv2d?image={image}&kernel=box_blur&step=0").raise_for_status()
            for i in range(n_requests):
                for name, image in ids.items():  # interleaved
                    step = (i * 37) % (32 * 32)
                    start = time.perf_counter()
                    client.get(f"/conv2d?image={image}&kernel=box_blur&step={step}").raise_for_status()
                    samples[name].append(time.perf_counter() - start)
    med = {k: statistics.median(v) for k, v in samples.items()}
    return [["/conv2d step fragment (HTTP)", ms(med["32²"]), ms(med["2048²"]), f"{med['2048²'] / med['32²']:.2f}×"]]


def run(quick: bool = False) -> str:
    return "\n".join([
        "## 2. Stepping cost does not grow with the image (target ≤ 1.5×)",
        table(["what", "32² ms", "2048² ms", "ratio"], trace_rows() + fragment_rows(quick)),
    ])
