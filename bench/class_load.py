"""The classroom under load: N followers on a class's event stream, the teacher stepping every 500 ms.

``python -m bench --only class [--class-seconds 60] [--class-followers 200]``. Two set-ups:

- in-process bus, ONE worker (the only way the in-process bus is correct: a second worker would
  not know the class);
- Redis bus (Debian's redis-server on loopback), TWO workers: followers land on either worker, the
  teacher's PUTs too, and each change crosses Redis pub/sub.

The followers are plain asyncio sockets in this process (an HTTP/1.1 GET, then the event stream's
lines), lighter than an HTTP client so 200 of them do not starve the server of the 2 cores. Delivery
is the time from just before the teacher's PUT is sent to the moment a follower has read the event
(one clock, this process); it includes this process's own scheduling, so it is an upper bound.
Also measured: every follower's last state is the teacher's last; the servers' RSS with the
followers connected and idle against none (per follower); the servers' CPU per step as the number
of followers grows (it should grow linearly: one write per follower per step).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time

import httpx

from scripts.local_server import cpu_ticks, rss_mb, run_in_own_thread, running_server

from .timing import table

SECONDS = 60.0  # how long the teacher steps (python -m bench --class-seconds)
FOLLOWERS = 200  # python -m bench --class-followers
INTERVAL = 0.5  # the teacher steps every 500 ms


class Follower:
    def __init__(self) -> None:
        self.received: dict[int, float] = {}  # seq → time read
        self.last_url: str | None = None
        self.connected = asyncio.Event()
        self.failed: str | None = None

    async def follow(self, host: str, port: int, code: str, stop: asyncio.Event) -> None:
        writer = None
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write(f"GET /api/classes/{code}/events HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
                         .encode())
            status = await reader.readline()
            if b" 200 " not in status:
                self.failed = status.decode(errors="replace").strip()
                return
            while (await reader.readline()) not in (b"\r\n", b""):
                pass  # headers
            read_line = asyncio.ensure_future(reader.readline())
            stopping = asyncio.ensure_future(stop.wait())
            while True:
                done, _ = await asyncio.wait({read_line, stopping}, return_when=asyncio.FIRST_COMPLETED)
                if stopping in done:
                    read_line.cancel()
                    return
                line = read_line.result()
                if not line:
                    self.failed = "closed"
                    return
                if line.startswith(b"data: {"):  # chunked framing lines (sizes) are skipped by this test
                    data = json.loads(line[6:])
                    self.received[data["seq"]] = time.perf_counter()
                    self.last_url = data["url"]
                    self.connected.set()
                read_line = asyncio.ensure_future(reader.readline())
        except OSError as exc:
            self.failed = type(exc).__name__
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()


def _server_rss(server) -> float:
    return sum(rss_mb(pid) for pid in server.worker_pids())


def _server_cpu(server) -> int:
    return sum(cpu_ticks(pid) for pid in server.worker_pids())


async def _session(base: str, followers: int, seconds: float, server) -> dict:
    host, port = base.removeprefix("http://").split(":")
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        started = (await client.post("/api/classes")).json()
        code, key = started["code"], started["teacher_key"]
        rss_before = _server_rss(server)
        stop = asyncio.Event()
        crowd = [Follower() for _ in range(followers)]
        tasks = [asyncio.ensure_future(f.follow(host, int(port), code, stop)) for f in crowd]
        await asyncio.wait_for(asyncio.gather(*(f.connected.wait() for f in crowd)), 60)
        await asyncio.sleep(2.0)  # idle: every stream open, nothing sent
        rss_idle = _server_rss(server)
        counted = (await client.get(f"/api/classes/{code}")).json()["followers"]
        sent: dict[int, float] = {}
        ticks_before, began = _server_cpu(server), time.perf_counter()
        seq, statuses = 0, []
        while time.perf_counter() - began < seconds:
            seq += 1
            at = time.perf_counter()
            r = await client.put(f"/api/classes/{code}/state", json={"url": f"/conv2d?step={seq % 16}"},
                                 headers={"X-Teacher-Key": key})
            statuses.append(r.status_code)
            sent[seq] = at
            await asyncio.sleep(max(0.0, at + INTERVAL - time.perf_counter()))
        await asyncio.sleep(2.0)  # let the last step arrive
        ticks = _server_cpu(server) - ticks_before
        stop.set()
        await asyncio.gather(*tasks)
    delays = [f.received[s] - sent[s] for f in crowd for s in sent if s in f.received]
    missing = sum(1 for f in crowd for s in sent if s not in f.received)
    q = statistics.quantiles(delays, n=100) if len(delays) > 2 else [float("nan")] * 99
    final = f"/conv2d?step={seq % 16}"
    return {"followers": followers, "counted": counted, "steps": seq, "bad_puts": sum(1 for s in statuses if s != 204),
            "p50": q[49], "p95": q[94], "max": max(delays, default=float("nan")), "missing": missing,
            "on_final": sum(1 for f in crowd if f.last_url == final and max(f.received, default=-1) == seq),
            "failed": sum(1 for f in crowd if f.failed), "kib_per_follower": (rss_idle - rss_before) * 1024 / followers,
            "cpu_ms_per_step": ticks * 10 / max(seq, 1)}  # clock ticks are 10 ms


def _run_setup(bus: str, followers: int, seconds: float, curve: list[int]) -> list[dict]:
    from scripts import redis_server as rs

    env = {"class_ping_s": "15"}
    workers = 1
    with contextlib.ExitStack() as stack:
        if bus == "redis":
            redis = stack.enter_context(rs.redis_server())
            env["redis_url"] = redis.url
            workers = 2
        server = stack.enter_context(running_server("uvicorn", workers=workers, **env))
        server.warm_up("/api/classes/ABCDEF")
        results = [run_in_own_thread(_session(server.base, followers, seconds, server))]
        for n in curve:  # CPU against followers: shorter sessions
            results.append(run_in_own_thread(_session(server.base, n, min(seconds, 10.0), server)))
    return results


def run(quick: bool = False) -> str:
    from scripts import redis_server as rs

    followers, seconds = (20, 3.0) if quick else (FOLLOWERS, SECONDS)
    curve = [] if quick else [followers // 4, followers // 2]
    rows, notes = [], []
    for bus, workers in (("in-process", 1), ("redis", 2)):
        if bus == "redis" and not rs.available():
            notes.append("Redis: skipped, redis-server is not installed (apt-get install redis-server)")
            continue
        for r in _run_setup(bus, followers, seconds, curve):
            rows.append([bus, workers, r["followers"], r["counted"], r["steps"], r["bad_puts"], f"{r['p50'] * 1000:.1f}",
                         f"{r['p95'] * 1000:.1f}", f"{r['max'] * 1000:.1f}", r["missing"],
                         f"{r['on_final']}/{r['followers']}", r["failed"], f"{r['kib_per_follower']:.1f}",
                         f"{r['cpu_ms_per_step']:.1f}", f"{r['cpu_ms_per_step'] / r['followers'] * 1000:.0f}"])
    head = (f"## Classroom: followers on a class's event stream\n\n"
            f"The teacher steps every {INTERVAL * 1000:.0f} ms for {seconds:g} s (shorter 10 s runs for the smaller"
            f" classes); delivery is PUT sent → event read by a follower, all followers, all steps. Memory: the"
            f" workers' RSS with every follower connected and idle, minus before, per follower. CPU: the workers'"
            f" user + system time per step (and per step per 1000 followers).\n\n")
    text = head + table(["bus", "workers", "followers", "counted", "steps", "PUT ≠ 204", "p50 ms", "p95 ms", "max ms",
                         "missed", "on final", "failed", "idle KiB/follower", "CPU ms/step", "CPU µs/step/follower"], rows)
    return text + ("\n\n" + "\n".join(notes) if notes else "")


if __name__ == "__main__":
    print(run())
