"""Soak: concurrent uploads and steps against a real server for a while; nothing may fail or leak.

    python scripts/soak.py --seconds 180 --workers 2 [--output docs/soak.md]

Simulated students upload small random images (seeded) and step through them while others step
through the samples. At the end every uploaded image is fetched back and compared pixel for pixel
(no file lost or corrupted), and each worker's resident memory at the start and the end is
reported. Exits 1 on any error or lost image. Loopback only; bounded in time; stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import io
import itertools
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.engine.kernels import PRESETS  # noqa: E402
from app.engine.trace import conv_step  # noqa: E402
from scripts.local_server import rss_mb, run_in_own_thread, running_server  # noqa: E402


@dataclass
class Tally:
    requests: int = 0
    uploads: int = 0
    errors: list[str] = field(default_factory=list)
    stored: dict[str, np.ndarray] = field(default_factory=dict)  # id → the pixels we sent


def png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


def expected_trace(pixels: np.ndarray, step: int) -> float:
    return conv_step(pixels.astype(float), PRESETS["sobel_x"].matrix, step, padding=1).result


async def one_step(client: httpx.AsyncClient, rng: np.random.Generator, image: str, pixels: np.ndarray | None,
                   steps: int) -> str | None:
    """One step as a student takes it: mostly htmx fragments, some full pages, some JSON traces
    (checked against the engine when we know the pixels). Returns what went wrong, or None."""
    step = int(rng.integers(0, steps))
    params = {"image": image, "kernel": "sobel_x", "padding": 1, "step": step}
    roll = rng.random()
    if roll < 0.6:
        r = await client.get("/conv2d", params=params, headers={"HX-Request": "true", "HX-Target": "workspace"})
        ok = r.status_code == 200 and "<html" not in r.text
    elif roll < 0.8:
        r = await client.get("/conv2d", params=params, follow_redirects=True)  # typed query → canonical URL
        ok = r.status_code == 200 and "<html" in r.text
    else:
        r = await client.post("/api/trace", json={"image_id": image, "kernel": "sobel_x", "padding": 1, "step": step})
        ok = r.status_code == 200 and (pixels is None or r.json()["result"] == expected_trace(pixels, step))
    return None if ok else f"{r.request.method} {r.request.url.path} step {step}: {r.status_code} {r.text[:100]}"


async def student(client: httpx.AsyncClient, n: int, deadline: float, tally: Tally) -> None:
    """Every third student uploads a picture every fifth step and steps through it; the others
    step through a sample. Seeded by the student's number."""
    rng = np.random.default_rng(n)
    image, pixels, steps = "shapes", None, 96 * 96
    for i in itertools.count():
        if time.monotonic() >= deadline:
            return
        doing = "step"
        try:
            if n % 3 == 0 and i % 5 == 0:
                doing = "upload"
                size = int(rng.integers(8, 160))
                sent = (rng.random((size, size + 3)) * 255).astype(np.uint8)
                r = await client.post("/api/images", files={"file": (f"s{n}.png", png(sent), "image/png")})
                if r.status_code != 201:
                    tally.errors.append(f"upload {r.status_code}: {r.text[:100]}")
                    continue
                image, pixels, steps = r.json()["id"], sent, sent.size
                tally.stored[image] = sent
                tally.uploads += 1
                doing = "step"
            problem = await one_step(client, rng, image, pixels, steps)
            tally.requests += 1
            if problem:
                tally.errors.append(problem)
        except httpx.HTTPError as exc:
            tally.errors.append(f"{doing} at {deadline - time.monotonic():.1f} s before the end: {type(exc).__name__} {exc!r}")


async def verify(client: httpx.AsyncClient, tally: Tally) -> list[str]:
    """Every uploaded image comes back with exactly the pixels that were sent."""
    lost = []
    for image_id, pixels in tally.stored.items():
        r = await client.get(f"/api/images/{image_id}.png")
        if r.status_code != 200 or not np.array_equal(np.asarray(Image.open(io.BytesIO(r.content))), pixels):
            lost.append(f"{image_id}: {r.status_code}")
    return lost


async def drive(base: str, students: int, seconds: float) -> tuple[Tally, float, list[str]]:
    """The students for ``seconds``, then the check of every upload; the tally, the stepping time, what was lost."""
    tally = Tally()
    limits = httpx.Limits(max_connections=students)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        began = time.monotonic()
        await asyncio.gather(*(student(client, n, began + seconds, tally) for n in range(students)))
        elapsed = time.monotonic() - began
        return tally, elapsed, await verify(client, tally)


def _sample_rss(pids: list[int], every: float, done: threading.Event, samples: list[dict[int, float]]) -> None:
    while not done.wait(every):
        samples.append({pid: rss_mb(pid) for pid in pids})


def soak(seconds: float, workers: int, students: int) -> tuple[str, bool]:
    """Run the soak; returns a markdown report and whether it passed."""
    # a store cap far above what the soak writes: nothing may be evicted, so any missing file is a loss
    # every student connects from loopback, one address, like a classroom behind one NAT
    with running_server("uvicorn", workers=workers, store_cap_bytes=str(2 * 1024**3),
                        uploads_per_client=str(students)) as server:
        pids = server.worker_pids()
        server.warm_up("/conv2d?image=shapes")  # start-up imports are not counted as growth
        start_rss = {pid: rss_mb(pid) for pid in pids}
        done = threading.Event()
        samples: list[dict[int, float]] = []  # RSS along the way: caches fill, then memory must level off
        sampler = threading.Thread(target=_sample_rss, args=(pids, seconds / 6, done, samples))
        sampler.start()
        try:
            tally, elapsed, lost = run_in_own_thread(drive(server.base, students, seconds))
        finally:
            done.set()
            sampler.join()
        end_rss = {pid: rss_mb(pid) for pid in pids}
        alive = server.process.poll() is None and server.worker_pids() == pids and all(end_rss.values())
        on_disk = {p.stem for p in (server.data_dir / "images").glob("*.npy")}
    missing = sorted(set(tally.stored) - on_disk)  # nothing is evicted under this cap, so nothing may be missing
    passed = not tally.errors and not lost and not missing and alive
    rows = "\n".join(
        f"| {pid} | {start_rss[pid]:.0f} | {' → '.join(f'{s[pid]:.0f}' for s in samples)} | {end_rss[pid]:.0f}"
        f" | {end_rss[pid] - start_rss[pid]:+.0f} |" for pid in pids
    )
    report = (
        f"### Soak, {datetime.date.today().isoformat()}: {workers} uvicorn workers, {students} students, {elapsed:.0f} s\n\n"
        f"- {tally.requests} step requests (htmx fragments, full pages, JSON traces) and {tally.uploads} uploads"
        f" ({tally.requests / elapsed:.0f} steps/s)\n"
        f"- errors: {len(tally.errors)}; images verified pixel for pixel: {len(tally.stored) - len(lost)} of"
        f" {len(tally.stored)}; stored files missing: {len(missing)}; workers alive at the end: {'yes' if alive else 'NO'}\n"
        "- store cap 2 GiB, so nothing is evicted here; eviction (LRU order, readers racing an evicting"
        " writer) is covered by tests/test_store.py\n\n"
        f"| worker pid | RSS start MiB | every {seconds / 6:.0f} s | RSS end MiB | change |\n"
        "|---|---|---|---|---|\n" + rows + "\n"
    )
    for problem in (tally.errors + lost + missing)[:10]:
        report += f"\n- problem: {problem}"
    return report, passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--students", type=int, default=30)
    parser.add_argument("--output", type=Path, help="append the markdown report to this file")
    args = parser.parse_args()
    report, passed = soak(args.seconds, args.workers, args.students)
    print(report)
    if args.output:
        with args.output.open("a") as f:
            f.write("\n" + report)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
