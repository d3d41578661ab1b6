"""Burst: worst-case uploads at once against one real worker; its memory stays bounded, nothing is lost.

    python scripts/burst.py [--uploads 8] [--rounds 2] [--output docs/security.md]

Eight uploads at a time (issue 10's targets), cycling through: a 7000×7000 16-bit PNG (49 MP in
346 KB: refused from its header, 413), a 4096×4096 16-bit PNG, a 4096×4096 RGBA PNG and a
4096×4096 progressive 4:4:4 JPEG (the largest each may be under the default limits). All come
from one loopback address, so the server allows 8 uploads per client here. Meanwhile
``/healthz`` is asked every 50 ms on its own connection. Reported: the worker's peak RSS rise
(``VmHWM`` after the burst minus ``VmRSS`` before, the peak reset through ``/proc/PID/clear_refs``),
every status, the slowest ``/healthz``, and whether every 201 reads back pixel for pixel what
decoding the same bytes here gives. Exits 1 when an upload is lost or changed, a 5xx or a failed
``/healthz`` happens, or the rise passes 256 MiB. Loopback only; bounded; stops by itself.
"""

from __future__ import annotations

import argparse
import datetime
import io
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from app.imaging import decode_upload  # noqa: E402
from app.settings import Settings  # noqa: E402
from scripts.local_server import running_server  # noqa: E402
from tests.badfiles import progressive_jpeg, striped_png  # noqa: E402

TARGET_MIB = 256


def worst_cases() -> dict[str, bytes]:
    return {
        "49 MP 16-bit PNG": striped_png(7000, 7000, 16, 0),
        "16.8 MP 16-bit PNG": striped_png(4096, 4096, 16, 0),
        "16.8 MP RGBA PNG": striped_png(4096, 4096, 8, 6),
        "16.8 MP progressive JPEG": progressive_jpeg(4096, 4096),
    }


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Result:
    statuses: list[tuple[str, int]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    health_failures: list[str] = field(default_factory=list)
    health_slowest: float = 0.0
    health_checks: int = 0
    rise_mib: float = 0.0
    baseline_mib: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (not self.lost and not self.health_failures and self.rise_mib <= TARGET_MIB
                and all(status < 500 or status == 503 for _, status in self.statuses)
                and any(status == 201 for _, status in self.statuses))


def _watch_health(base: str, done: threading.Event, result: Result) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        while not done.is_set():
            began = time.perf_counter()
            try:
                r = client.get("/healthz")
                if r.status_code != 200:
                    result.health_failures.append(f"/healthz {r.status_code}")
            except httpx.HTTPError as exc:
                result.health_failures.append(f"/healthz {type(exc).__name__}")
            result.health_slowest = max(result.health_slowest, time.perf_counter() - began)
            result.health_checks += 1
            done.wait(0.05)


def burst(uploads: int = 8, rounds: int = 2, files: dict[str, bytes] | None = None) -> Result:
    files = files or worst_cases()
    names = list(files)
    expected = {}
    for name, data in files.items():  # what the server must store, decoded here with the same settings
        try:
            expected[name] = decode_upload(data, Settings()).pixels
        except Exception:  # noqa: BLE001 - refused here too: the server must refuse it as well
            expected[name] = None
    result = Result()
    with running_server(workers=1, uploads_per_client=str(uploads)) as server:
        (pid,) = server.worker_pids()
        small = io.BytesIO()
        Image.new("RGB", (600, 400), (9, 99, 199)).save(small, "PNG")
        for _ in range(3):  # warm: Pillow, NumPy and the decoder threads loaded
            httpx.post(server.base + "/api/images", files={"file": ("w.png", small.getvalue())}, timeout=60)
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # peak RSS := current RSS
        result.baseline_mib = _status_kib(pid, "VmRSS") / 1024
        done = threading.Event()
        watcher = threading.Thread(target=_watch_health, args=(server.base, done, result))
        watcher.start()
        began = time.perf_counter()

        def send(i: int) -> tuple[str, httpx.Response]:
            name = names[i % len(names)]
            with httpx.Client(base_url=server.base, timeout=300) as client:
                return name, client.post("/api/images", files={"file": (f"{i}.bin", files[name])})

        answers = []
        try:
            with ThreadPoolExecutor(uploads) as pool:
                for round_ in range(rounds):
                    answers += list(pool.map(send, range(round_ * uploads, (round_ + 1) * uploads)))
        finally:
            result.seconds = time.perf_counter() - began
            done.set()
            watcher.join()
        result.rise_mib = _status_kib(pid, "VmHWM") / 1024 - result.baseline_mib
        with httpx.Client(base_url=server.base, timeout=60) as client:
            for name, r in answers:
                result.statuses.append((name, r.status_code))
                if r.status_code != 201:
                    if expected[name] is not None and r.status_code != 503:
                        result.lost.append(f"{name}: {r.status_code} {r.text[:200]}")
                    continue
                back = client.get(f"/api/images/{r.json()['id']}.png")
                stored = np.asarray(Image.open(io.BytesIO(back.content))) if back.status_code == 200 else None
                if stored is None or expected[name] is None or not np.array_equal(stored, expected[name]):
                    result.lost.append(f"{name}: stored image differs or is missing ({back.status_code})")
    return result


def report(result: Result, uploads: int, rounds: int) -> str:
    counts: dict[tuple[str, int], int] = {}
    for key in result.statuses:
        counts[key] = counts.get(key, 0) + 1
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"#### Burst: {rounds} × {uploads} concurrent worst-case uploads, one worker ({when}; `scripts/burst.py`)", "",
             "| upload | status | count |", "|---|---|---|"]
    lines += [f"| {name} | {status} | {n} |" for (name, status), n in sorted(counts.items())]
    lines += ["", f"- worker RSS {result.baseline_mib:.0f} MiB before; peak rise {result.rise_mib:.0f} MiB"
              f" (target ≤ {TARGET_MIB} MiB); {result.seconds:.1f} s in all",
              f"- `/healthz` asked {result.health_checks} times during the burst: {len(result.health_failures)} failed,"
              f" slowest {result.health_slowest * 1000:.0f} ms",
              f"- every 201 read back pixel for pixel: {'yes' if not result.lost else 'NO: ' + '; '.join(result.lost)}",
              f"- verdict: {'met' if result.ok else 'NOT MET'}", ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, help="append the figures to this Markdown file")
    args = parser.parse_args()
    result = burst(args.uploads, args.rounds)
    text = report(result, args.uploads, args.rounds)
    print(text)
    if args.output:
        with args.output.open("a") as f:
            f.write("\n" + text)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
