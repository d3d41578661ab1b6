"""The N-hosts set-up of docs/deploy.md for real: Debian's haproxy with the shipped deploy/haproxy.cfg (only
its addresses and check interval changed) in front of two app processes that share only Debian's
redis-server. Through the balancer, requests reach both hosts; a class started, stepped, followed over
Server-Sent Events and ended through it reaches every follower whichever host holds its stream.

haproxy is installed by .ci/run; elsewhere the test skips when it is missing (CI=true fails instead).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest

from scripts.local_server import ROOT, free_port
from tests.server.test_class_hosts import Follower, put, start, two_hosts, wait_for
from tests.server.workload import upload

pytestmark = [pytest.mark.server, pytest.mark.slow]

CONFIG = ROOT / "deploy" / "haproxy.cfg"


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy",) if Path(p).exists()), None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("haproxy is missing in CI: .ci/run should have installed it")
        pytest.skip("haproxy is not installed (apt-get install haproxy; .ci/run installs it)")
    return found


def local_config(port: int, hosts: list[str], stats: Path) -> str:
    """deploy/haproxy.cfg with loopback addresses for its frontend and its two servers, a check every
    200 ms instead of 5 s (so the test does not wait), and a stats socket to see the servers' state."""
    cfg = CONFIG.read_text()
    cfg, bound = re.subn(r"(?m)^(\s*)bind :80$", rf"\g<1>bind 127.0.0.1:{port}", cfg)
    assert bound == 1, "deploy/haproxy.cfg no longer binds :80 as this test expects"
    for i, base in enumerate(hosts, 1):
        cfg, found = re.subn(rf"(?m)^(\s*server app{i}) app{i}:8000 ", rf"\g<1> {base.removeprefix('http://')} ", cfg)
        assert found == 1, f"deploy/haproxy.cfg has no 'server app{i} app{i}:8000' line"
    cfg = cfg.replace("inter 5s", "inter 200ms")
    return cfg.replace("global\n", f"global\n    stats socket {stats} mode 600\n", 1)


def servers_up(stats: Path) -> set[str]:
    """The backend's servers haproxy counts as UP (its stats socket's ``show stat``, CSV)."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(str(stats))
            s.sendall(b"show stat\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return set()
    rows = [line.split(",") for line in data.decode().splitlines() if line and not line.startswith("#")]
    return {row[1] for row in rows if row[0] == "hosts" and row[1].startswith("app") and row[17] == "UP"}


@contextmanager
def running_haproxy(hosts: list[str], folder: Path) -> Iterator[tuple[str, Path]]:
    """haproxy in the foreground; its address, and its log (the shipped config logs each request to stdout)."""
    binary = haproxy_binary()
    port, stats = free_port(), folder / "haproxy.sock"
    cfg = folder / "haproxy.cfg"
    cfg.write_text(local_config(port, hosts, stats))
    check = subprocess.run([binary, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stdout + check.stderr  # the shipped configuration is valid
    log = folder / "haproxy.log"
    with log.open("wb") as out:
        process = subprocess.Popen([binary, "-db", "-f", str(cfg)], stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while servers_up(stats) != {"app1", "app2"}:
            assert process.poll() is None, f"haproxy exited: {log.read_text(errors='replace')[-2000:]}"
            assert time.monotonic() < deadline, f"haproxy never saw both hosts up: {servers_up(stats)}"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", log
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def test_a_class_through_haproxy_reaches_every_follower_on_both_hosts(redis_server, rng, tmp_path):
    with ExitStack() as stack:
        a, b = two_hosts(stack, redis_server.url)
        proxy, log = stack.enter_context(running_haproxy([a.base, b.base], tmp_path))

        # round robin: two uploads in a row land on the two hosts' disks, one each (both hosts serve)
        ids = []
        for _ in range(2):
            r = upload(proxy, (rng.random((8, 8)) * 255).astype(np.uint8))
            assert r.status_code == 201, r.text
            ids.append(r.json()["id"])
        on_disk = [{i for i in ids if (host.data_dir / "images" / f"{i}.npy").exists()} for host in (a, b)]
        assert sorted(len(found) for found in on_disk) == [1, 1] and on_disk[0] | on_disk[1] == set(ids)
        ready = httpx.get(f"{proxy}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["checks"]["redis"]["ok"] is True

        started = start(proxy)
        code = started["code"]
        assert started["join_url"] == f"{proxy}/join/{code}"  # the balancer's address, not a host's
        followers = [Follower(proxy, code) for _ in range(4)]
        for follower in followers:
            follower.start()
        assert all(f.connected.wait(10) for f in followers)
        assert wait_for(lambda: httpx.get(f"{proxy}/api/classes/{code}", timeout=10).json()["followers"] == 4)
        for i in range(1, 6):
            r = put(proxy, started, f"/conv2d?step={i}")
            assert r.status_code == 204, r.text
        assert wait_for(lambda: all(f.last_url == "/conv2d?step=5" for f in followers))
        for follower in followers:  # every state in order, whichever host holds the stream
            states = [data for kind, data in follower.seen if kind == "state"]
            assert states == [{"url": "/", "seq": 0}, *({"url": f"/conv2d?step={i}", "seq": i} for i in range(1, 6))]
        assert httpx.get(f"{proxy}/join/{code}", timeout=10).status_code == 200

        r = httpx.delete(f"{proxy}/api/classes/{code}", headers={"X-Teacher-Key": started["teacher_key"]}, timeout=10)
        assert r.status_code == 204, r.text
        assert all(f.ended.wait(10) for f in followers)
        for follower in followers:
            follower.join(10)
            assert not follower.is_alive()  # the stream closed through the balancer
            assert follower.seen[-1][0] == "ended" and follower.seen[-1][1]["url"] == "/conv2d?step=5"
        for _ in range(2):  # on both hosts, as round robin sends them
            assert httpx.get(f"{proxy}/api/classes/{code}", timeout=10).status_code == 410

    def stream_hosts() -> list[str]:  # haproxy logs a request when it ends: each event stream, once closed
        return re.findall(rf"hosts/(app\d) \S+ 200 .*\"GET /api/classes/{code}/events ", log.read_text())

    assert wait_for(lambda: len(stream_hosts()) == 4), log.read_text()[-3000:]
    assert set(stream_hosts()) == {"app1", "app2"}  # the followers' streams were held by both hosts
