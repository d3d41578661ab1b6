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
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.local_server import rss_mb, running_server  # noqa: E402


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


async def student(client: httpx.AsyncClient, n: int, deadline: float, tally: Tally) -> None:
    """Upload a picture every few steps and step through it; the others step through a sample."""
    rng = np.random.default_rng(n)
    image, steps = "shapes", 96 * 96
    while time.monotonic() < deadline:
        doing = "step"
        try:
            if n % 3 == 0 and tally.requests % 5 == 0:
                size = int(rng.integers(8, 160))
                pixels = (rng.random((size, size + 3)) * 255).astype(np.uint8)
                doing = "upload"
                r = await client.post("/api/images", files={"file": (f"s{n}.png", png(pixels), "image/png")})
                if r.status_code != 201:
                    tally.errors.append(f"upload {r.status_code}: {r.text[:100]}")
                    continue
                image, steps = r.json()["id"], size * (size + 3)
                tally.stored[image] = pixels
                tally.uploads += 1
            step = int(rng.integers(0, steps))
            doing = "step"
            r = await client.get("/conv2d", params={"image": image, "kernel": "sobel_x", "padding": 1, "step": step},
                                 headers={"HX-Request": "true", "HX-Target": "workspace"})
            tally.requests += 1
            if r.status_code != 200:
                tally.errors.append(f"step {r.status_code}: {r.text[:100]}")
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


async def drive(base: str, students: int, seconds: float) -> tuple[Tally, list[str]]:
    tally = Tally()
    limits = httpx.Limits(max_connections=students)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(student(client, n, deadline, tally) for n in range(students)))
        return tally, await verify(client, tally)


def soak(seconds: float, workers: int, students: int) -> tuple[str, bool]:
    """Run the soak; returns a markdown report and whether it passed."""
    # a store cap far above what the soak writes: nothing may be evicted, so any missing file is a loss
    with running_server("uvicorn", workers=workers, store_cap_bytes=str(2 * 1024**3)) as server:
        pids = server.worker_pids()
        httpx.get(server.base + "/conv2d?image=shapes", timeout=30)  # warm up before measuring memory
        start_rss = {pid: rss_mb(pid) for pid in pids}
        began = time.monotonic()
        tally, lost = asyncio.run(drive(server.base, students, seconds))
        elapsed = time.monotonic() - began
        end_rss = {pid: rss_mb(pid) for pid in pids}
        alive = server.process.poll() is None and all(end_rss.values())
    passed = not tally.errors and not lost and alive
    rows = "\n".join(
        f"| {pid} | {start_rss[pid]:.0f} | {end_rss[pid]:.0f} | {end_rss[pid] - start_rss[pid]:+.0f} |" for pid in pids
    )
    report = (
        f"### Soak, {datetime.date.today().isoformat()}: {workers} uvicorn workers, {students} students, {elapsed:.0f} s\n\n"
        f"- {tally.requests} step requests and {tally.uploads} uploads ({tally.requests / elapsed:.0f} steps/s)\n"
        f"- errors: {len(tally.errors)}; images verified pixel for pixel: {len(tally.stored) - len(lost)} of"
        f" {len(tally.stored)}; workers alive at the end: {'yes' if alive else 'NO'}\n\n"
        "| worker pid | RSS start MiB | RSS end MiB | change |\n|---|---|---|---|\n" + rows + "\n"
    )
    for problem in (tally.errors + lost)[:10]:
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
