"""Rendering: a 1024² output PNG is encoded once; later requests are served from the cache."""

from __future__ import annotations

import time

import httpx
import numpy as np

from app.imaging import render_png

from .server import running_server, upload
from .timing import median_time, ms, table


def run(quick: bool = False) -> str:
    rng = np.random.default_rng(6)
    out = rng.standard_normal((1024, 1024)) * 50
    encode = median_time(lambda: render_png(out, "signed"), repeat=3)
    rows = [["render_png 1024² (signed colours)", ms(encode)]]
    with running_server(working_size="1024") as server:
        base = server.base
        image = upload(base, rng.integers(0, 255, (1024, 1024), dtype=np.uint8))
        url = f"{base}/conv2d/output.png?image={image}&kernel=sobel_x&mapping=signed"
        page = f"{base}/conv2d?image={image}&kernel=sobel_x&step=5000"
        with httpx.Client(timeout=60) as client:
            start = time.perf_counter()
            client.get(url).raise_for_status()
            cold = time.perf_counter() - start
            warm = median_time(lambda: client.get(url).raise_for_status(), repeat=5, min_time=0.02)
            etag = client.get(url).headers["etag"]
            revalidate = median_time(lambda: client.get(url, headers={"If-None-Match": etag}), repeat=5, min_time=0.02)
            start = time.perf_counter()
            client.get(page).raise_for_status()
            page_cold = time.perf_counter() - start
            page_warm = median_time(lambda: client.get(page).raise_for_status(), repeat=5, min_time=0.02)
    rows += [["output.png first request (correlate + encode)", ms(cold)], ["output.png again (server cache)", ms(warm)],
             ["output.png with If-None-Match (304)", ms(revalidate)],
             ["/conv2d page, first load", ms(page_cold)], ["/conv2d page, again", ms(page_warm)]]
    return "\n".join(["## 5. Rendering: encoded once, then served from cache", table(["what", "ms"], rows)])
