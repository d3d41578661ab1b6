"""Stepping: one step must cost the same on a 2048² image as on a 32² one; small configurations
make no request at all per step (counted in Chromium when Debian's is installed); an image step's
fragment bytes."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

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


CHROMIUM = "/usr/bin/chromium"
IN_PAGE = {  # pages whose every step is embedded: stepping them should make no request
    "numbers mode, /conv2d (16 steps)": "/conv2d",
    "numbers mode, 12×12 grid (144 steps)": "/conv2d?grid=" + ";".join([",".join(["1"] * 12)] * 12),
    "1-D, /conv1d": "/conv1d",
    "pooling, /pool?stride=1": "/pool?stride=1",
    "volume example, /volume": "/volume",
}
IMAGE_STEP = "/conv2d?image=shapes&kernel=edge"
BEFORE_IMAGE_STEP_BYTES = 18_700  # an image step's whole-#workspace fragment as issue 9 measured it


def requests_rows(presses: int) -> list[list[object]]:
    """Press → ``presses`` times in Chromium and count the requests the page makes."""
    if not Path(CHROMIUM).exists():
        return [[name, "n/a (no chromium)", "", ""] for name in IN_PAGE]
    from playwright.sync_api import sync_playwright

    rows: list[list[object]] = []
    from app import htmx

    with running_server(htmx_source="local" if htmx.LOCAL_FILE.is_file() else "none") as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        for name, path in {**IN_PAGE, "image mode (htmx fragment per step)": IMAGE_STEP}.items():
            page = browser.new_page()
            page.goto(server.base + path)
            page_bytes = len(page.content().encode())
            seen: list[str] = []
            page.on("request", lambda r, seen=seen: seen.append(r.url))
            for i in range(presses):
                page.keyboard.press("ArrowRight")
                if path == IMAGE_STEP:  # each press waits for its answer, as a person stepping would
                    page.wait_for_selector(f"#workspace[data-step='{i + 1}']")
            page.wait_for_timeout(200)
            rows.append([name, presses, f"{len(seen) / presses:.2f}", f"{page_bytes / 1000:.1f}"])
            page.close()
        browser.close()
    return rows


_G12 = ";".join(",".join(str((r * 12 + c) % 10) for c in range(12)) for r in range(12))
_G16 = ";".join(",".join(f"{((r * 16 + c) * 37 % 200 - 100) / 8:g}" for c in range(16)) for r in range(16))
WEIGHED = {  # the heaviest numbers pages (tests/web/test_page_weight.py holds them to their bounds)
    "/conv2d, 12×12 grid (144 steps)": f"/conv2d?grid={_G12}",
    "/conv1d, 32 values, kernel 9, padding 10 (44 steps)":
        "/conv1d?input=" + ",".join(str(i % 7) for i in range(32)) + "&kernel=1,2,3,4,5,6,7,8,9&padding=10",
    "/pool, 12×12 grid, 2×2 average, stride 1, padding 1 (169 steps)":
        f"/pool?input={_G12}&stride=1&padding=1&op=avg&count_include_pad=0",
    "/pool, 16×16 decimals, the same (289 steps)": f"/pool?input={_G16}&stride=1&padding=1&op=avg&count_include_pad=0",
    "/volume, 9×9×8 input, 4 filters 3×3×8, padding 1 (324 steps)": "/volume?size=9&channels=8&filters=4&stride=1",
}


def page_weight_rows() -> list[list[object]]:
    """A numbers page's bytes as served (no gzip): all of it, its links' hrefs, its embedded step data."""
    import re

    rows: list[list[object]] = []
    with running_server() as server, httpx.Client(base_url=server.base, timeout=30) as client:
        for name, path in WEIGHED.items():
            html = client.get(path, headers={"Accept-Encoding": "identity"}).text
            hrefs = sum(len(h) for h in re.findall(r' href="([^"]*)"', html))
            data = re.search(r"data-json='([^']*)'", html)
            rows.append([name, f"{len(html.encode()) / 1000:.1f}", f"{hrefs / 1000:.1f}",
                         f"{len(data.group(1).encode()) / 1000:.1f}" if data else "—"])
    return rows


def fragment_bytes_rows() -> list[list[object]]:
    """What an image step costs: today's #step-parts answer (the lines that change as HTML swapped out
    of band, the tables as data: app/web/step_view.py) as plain HTML and on the wire (gzip, which every
    browser accepts), against the whole #workspace fragment (what a step sent before, and still the fragment's size)."""
    sizes: dict[str, list[int]] = {"workspace": [], "step-parts": [], "wire": []}
    plain = {"Accept-Encoding": "identity"}
    with running_server() as server, httpx.Client(base_url=server.base, timeout=30) as client:
        for step in (100, 4000, 9000):
            for target in ("workspace", "step-parts"):
                r = client.get(f"{IMAGE_STEP}&step={step}", headers={"HX-Request": "true", "HX-Target": target, **plain})
                sizes[target].append(len(r.content))
            r = client.get(f"{IMAGE_STEP}&step={step}", headers={"HX-Request": "true", "HX-Target": "step-parts",
                                                                 "Accept-Encoding": "gzip"})
            sizes["wire"].append(int(r.headers["content-length"]))
    whole, parts, wire = (statistics.median(sizes[k]) for k in ("workspace", "step-parts", "wire"))
    before = BEFORE_IMAGE_STEP_BYTES
    return [[f"{IMAGE_STEP}: one step", f"{before / 1000:.1f} (issue 9)", f"{whole / 1000:.1f}",
             f"{parts / 1000:.1f} ({parts / before:.0%})", f"{wire / 1000:.1f} ({wire / before:.0%})"]]


def run(quick: bool = False) -> str:
    return "\n".join([
        "## 2. Stepping cost does not grow with the image (target ≤ 1.5×)",
        table(["what", "32² ms", "2048² ms", "ratio"], trace_rows() + fragment_rows(quick)),
        "",
        "Requests per step after the page has loaded (→ pressed in Chromium; target 0 where every step is embedded):",
        "",
        table(["page", "presses", "requests per step", "page KB (with step data)"], requests_rows(5 if quick else 30)),
        "",
        "Page weight of the heaviest numbers pages, as served (target: the 12×12 page ≤ 150 KB):",
        "",
        table(["page", "page KB", "hrefs KB", "step data KB"], page_weight_rows()),
        "",
        "Image stepping: bytes per step (target ≤ 30 % of before):",
        "",
        table(["what", "before KB", "whole #workspace now KB", "step answer (#step-parts), HTML KB (of before)",
               "on the wire, gzip KB (of before)"], fragment_bytes_rows()),
    ])
