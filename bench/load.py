"""Server throughput: simulated students stepping, against a trivial endpoint, 1 and 2 workers.

An asyncio httpx load generator on loopback, bounded in requests and seconds; it stops by itself.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import ssl
import statistics
import time

import httpx

from .server import run_in_own_thread, running_server
from .timing import table

# one TLS context for every student: httpx builds one per client otherwise (~30 ms of CPU each),
# which made 100 students' first requests wait seconds for their own load generator
_TLS = ssl.create_default_context()


WORKSPACE = {"HX-Request": "true", "HX-Target": "workspace"}
# what the browser asks for on each image step: the panels that change, swapped out of band (gzip, as browsers accept)
IMAGE_STEP = {"HX-Request": "true", "HX-Target": "step-parts", "Accept-Encoding": "gzip"}


async def _student(base: str, path_of, deadline: float, latencies: list, errors: list, student: int, headers: dict):
    # each student has its own client and connection, as each browser does: one client shared by
    # 100 students spent its time in its own connection pool (100 students on /healthz: 60 req/s)
    step = student % 16
    one = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=one, verify=_TLS) as client:
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            try:
                r = await client.get(path_of(step), headers=headers)
                if r.status_code != 200:
                    errors.append(r.status_code)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - start)
            step = (step + 1) % 16


async def _load(base: str, path_of, students: int, seconds: float, headers: dict = WORKSPACE) -> dict:
    latencies: list[float] = []
    errors: list = []
    start = time.perf_counter()
    deadline = start + seconds
    await asyncio.gather(*(_student(base, path_of, deadline, latencies, errors, i, headers) for i in range(students)))
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 2 else [0] * 99
    return {"rps": len(latencies) / elapsed, "p50": q[49], "p95": q[94], "p99": q[98], "n": len(latencies),
            "errors": _count_kinds(errors)}


def _count_kinds(errors: list) -> str:
    """"0", or the count with each kind (status code or exception), so a failure says what it was."""
    if not errors:
        return "0"
    kinds = collections.Counter(str(e) for e in errors)
    return f"{len(errors)} ({', '.join(f'{n}× {kind}' for kind, n in kinds.most_common())})"


def _row(workers: int, name: str, r: dict, share: str) -> list[object]:
    q = [f"{r[p] * 1000:.1f}" for p in ("p50", "p95", "p99")]
    return [workers, name, f"{r['rps']:.0f}", share, *q, r["n"], r["errors"]]


def _revisit(step: int) -> str:
    """The notes' example, steps 0–15: what a class stepping together asks for (kept by each worker)."""
    return f"/conv2d?step={step}" if step else "/conv2d"  # canonical: sharpen and step 0 are the defaults


def _first_visit_maker():
    """An image step never asked before (a new bias each time, so every one is rendered), asked as the
    browser asks for it: the step answer (#step-parts), the panels that change swapped out of band. The
    numbers grid makes no request per step at all, so an image page's step is what a server answers."""
    fresh = itertools.count()
    return lambda step: f"/conv2d?image=shapes&kernel=edge&bias={next(fresh) + 1}&step={step * 97 + 1}"


def run(quick: bool = False, seconds: float | None = None) -> str:
    duration = seconds or (3.0 if quick else 20.0)
    soak = seconds or (3.0 if quick else 60.0)
    rows = []
    for workers in (1, 2):
        with running_server(workers=workers) as server:
            server.warm_up(_revisit(0))
            trivial = run_in_own_thread(_load(server.base, lambda s: "/healthz", 20, duration))
            revisits = run_in_own_thread(_load(server.base, _revisit, 20, duration))
            firsts = run_in_own_thread(_load(server.base, _first_visit_maker(), 20, duration, IMAGE_STEP))
            rows.append(_row(workers, "trivial /healthz", trivial, ""))
            rows.append(_row(workers, "step fragment, revisited (kept)", revisits, f"{revisits['rps'] / trivial['rps']:.0%}"))
            rows.append(_row(workers, "image step answer, first visit (rendered)", firsts,
                             f"{firsts['rps'] / trivial['rps']:.0%}"))
    with running_server(workers=2) as server:
        server.warm_up(_revisit(0))
        classroom = run_in_own_thread(_load(server.base, _revisit, 100, soak))
        fresh_class = run_in_own_thread(_load(server.base, _first_visit_maker(), 100, soak, IMAGE_STEP))
    rows.append(_row(2, f"100 students × {soak:.0f} s, revisited", classroom, ""))
    rows.append(_row(2, f"100 students × {soak:.0f} s, first visits", fresh_class, ""))
    return "\n".join(["## 3. Server throughput on loopback (target: steps ≥ 50% of trivial; 100 students, 0 errors)",
                      "Students step without pausing (closed loop), each on its own connection.",
                      table(["workers", "endpoint", "req/s", "of trivial", "p50 ms", "p95 ms", "p99 ms", "requests", "errors"],
                            rows)])
