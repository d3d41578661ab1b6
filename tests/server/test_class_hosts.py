"""Two "hosts" sharing only Redis: two app processes with separate data directories and Debian's
real redis-server on loopback. A teacher on host A reaches a follower on host B; an upload through A
is stepped through B, a model uploaded through A is shown and run on B; killing and restarting Redis
in the middle of a class gives no 5xx from a page, and every follower ends on the teacher's final state;
a class ended through one host ends for the followers on both."""

from __future__ import annotations

import io
import threading
import time
from contextlib import ExitStack

import httpx
import numpy as np
import pytest

from app.engine.kernels import PRESETS
from app.engine.trace import conv_step
from app.models.digits import WEIGHTS
from scripts.local_server import running_server
from tests.classes.sse import events
from tests.server.workload import upload

pytestmark = [pytest.mark.server, pytest.mark.slow]


def two_hosts(stack: ExitStack, redis_url: str):
    return [stack.enter_context(running_server("uvicorn", workers=1, redis_url=redis_url, class_ping_s="1"))
            for _ in range(2)]


def start(base: str) -> dict:
    r = httpx.post(f"{base}/api/classes", timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def put(base: str, started: dict, url: str) -> httpx.Response:
    return httpx.put(f"{base}/api/classes/{started['code']}/state", json={"url": url},
                     headers={"X-Teacher-Key": started["teacher_key"]}, timeout=10)


class Follower(threading.Thread):
    """Follows a class on one host, reconnecting as a browser's EventSource does (with Last-Event-ID),
    until the class says it has ended."""

    def __init__(self, base: str, code: str) -> None:
        super().__init__(daemon=True)
        self.base, self.code = base, code
        self.seen: list[tuple[str, dict]] = []
        self.connected = threading.Event()
        self.ended = threading.Event()
        self.stop = threading.Event()
        self.statuses: list[int] = []

    def run(self) -> None:
        last = None
        while not self.stop.is_set():
            headers = {"Last-Event-ID": last} if last else {}
            try:
                with httpx.stream("GET", f"{self.base}/api/classes/{self.code}/events", headers=headers,
                                  timeout=httpx.Timeout(10, read=3)) as r:
                    self.statuses.append(r.status_code)
                    if r.status_code != 200:
                        time.sleep(0.3)
                        continue
                    for event in events(r.iter_lines()):  # after "ended", the server closes the stream
                        self.seen.append((event.event, event.json))
                        if event.event == "state":
                            last = event.id
                            self.connected.set()
                        if event.event == "ended":
                            self.ended.set()
                        if self.stop.is_set():
                            return
                    if self.ended.is_set():
                        return
            except httpx.HTTPError:
                time.sleep(0.2)

    @property
    def last_url(self) -> str | None:
        states = [data["url"] for kind, data in self.seen if kind == "state"]
        return states[-1] if states else None


def wait_for(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_a_teacher_on_one_host_reaches_a_follower_on_the_other(redis_server):
    with ExitStack() as stack:
        a, b = two_hosts(stack, redis_server.url)
        started = start(a.base)
        assert httpx.get(f"{b.base}/api/classes/{started['code']}").status_code == 200  # known on B too
        follower = Follower(b.base, started["code"])
        follower.start()
        assert follower.connected.wait(10)
        assert wait_for(lambda: httpx.get(f"{a.base}/api/classes/{started['code']}").json()["followers"] == 1)
        for i in range(1, 6):
            assert put(a.base, started, f"/conv2d?step={i}").status_code == 204
        assert wait_for(lambda: follower.last_url == "/conv2d?step=5")
        follower.stop.set()
        states = [data for kind, data in follower.seen if kind == "state"]
        assert states == [{"url": "/", "seq": 0}, *({"url": f"/conv2d?step={i}", "seq": i} for i in range(1, 6))]


def test_a_class_ended_through_one_host_ends_for_the_followers_on_both(redis_server):
    with ExitStack() as stack:
        a, b = two_hosts(stack, redis_server.url)
        started = start(a.base)
        code = started["code"]
        followers = [Follower(host.base, code) for host in (a, b, b)]
        for follower in followers:
            follower.start()
        assert all(f.connected.wait(10) for f in followers)
        assert put(a.base, started, "/pool?step=3").status_code == 204
        assert wait_for(lambda: all(f.last_url == "/pool?step=3" for f in followers))
        assert httpx.delete(f"{b.base}/api/classes/{code}", headers={"X-Teacher-Key": "wrong"}).status_code == 403
        assert not any(f.ended.is_set() for f in followers)
        r = httpx.delete(f"{b.base}/api/classes/{code}", headers={"X-Teacher-Key": started["teacher_key"]})
        assert r.status_code == 204, r.text  # ended through B, the teacher's class started on A
        assert all(f.ended.wait(10) for f in followers)
        for follower in followers:
            follower.join(10)
            assert not follower.is_alive()  # its stream closed: the thread returned
            assert follower.seen[-1] == ("ended", {"code": code, "detail": f"the teacher ended the class {code}",
                                                   "url": "/pool?step=3", "seq": 1})
            assert [kind for kind, _ in follower.seen] == ["state", "state", "ended"]
        gone = f"the class {code} has ended: its teacher ended it (the last page shown was /pool?step=3)"
        for host in (a, b):
            for r in (httpx.get(f"{host.base}/api/classes/{code}"), put(host.base, started, "/pool?step=4"),
                      httpx.get(f"{host.base}/api/classes/{code}/events", timeout=10)):
                assert r.status_code == 410, r.text
                assert r.json() == {"detail": gone, "field": "code"}
            assert httpx.get(f"{host.base}/join/{code}").status_code == 410
            again = httpx.delete(f"{host.base}/api/classes/{code}", headers={"X-Teacher-Key": started["teacher_key"]})
            assert again.status_code == 204  # idempotent on either host
        assert httpx.delete(f"{a.base}/api/classes/ZZZZZZ", headers={"X-Teacher-Key": "k"}).status_code == 404


def test_an_upload_through_one_host_is_stepped_through_the_other(redis_server, rng):
    pixels = (rng.random((20, 24)) * 255).astype(np.uint8)
    with ExitStack() as stack:
        a, b = two_hosts(stack, redis_server.url)
        r = upload(a.base, pixels)
        assert r.status_code == 201, r.text
        image_id = r.json()["id"]
        assert not (b.data_dir / "images" / f"{image_id}.npy").exists()  # B's disk never saw it
        trace = httpx.post(f"{b.base}/api/trace", json={"image_id": image_id, "kernel": "sharpen", "padding": 1,
                                                         "step": 30}, timeout=10)
        assert trace.status_code == 200, trace.text
        expected = conv_step(pixels.astype(float), PRESETS["sharpen"].matrix, 30, padding=1)
        assert trace.json()["sum"] == pytest.approx(expected.sum)
        page = httpx.get(f"{b.base}/conv2d", params={"image": image_id, "kernel": "sharpen", "step": "3"},
                         follow_redirects=True, timeout=10)
        assert page.status_code == 200
        assert (b.data_dir / "images" / f"{image_id}.npy").exists()  # now cached on B's disk
        assert httpx.get(f"{b.base}/api/images/{image_id}.png", timeout=10).status_code == 200


def upload_model(base: str, name: str, data: bytes) -> httpx.Response:
    return httpx.post(f"{base}/api/models", files={"file": (name, data, "application/octet-stream")}, timeout=30)


def run_model(base: str, model_id: str) -> httpx.Response:
    return httpx.post(f"{base}/api/models/{model_id}/run", json={"input": np.eye(8).tolist()}, timeout=30)


def test_a_model_uploaded_through_one_host_is_used_through_the_other(redis_server):
    with np.load(WEIGHTS) as data:
        tensors = {k: data[k] for k in data.files}
    npz = io.BytesIO()
    np.savez(npz, **tensors)
    with ExitStack() as stack:
        a, b = two_hosts(stack, redis_server.url)
        expected = run_model(b.base, "digits").json()["probabilities"]  # the same weights, built in
        r = upload_model(a.base, "w.npz", npz.getvalue())
        assert r.status_code == 201, r.text
        model_id = r.json()["id"]
        assert not (b.data_dir / "models" / f"{model_id}.npz").exists()  # B's disk never saw it
        summary = httpx.get(f"{b.base}/api/models/{model_id}", timeout=10)
        assert summary.status_code == 200 and summary.json()["total_params"] == 1898
        run = run_model(b.base, model_id)
        assert run.status_code == 200, run.text
        np.testing.assert_allclose(run.json()["probabilities"], expected, rtol=1e-6)
        page = httpx.get(f"{b.base}/network", params={"model": model_id}, follow_redirects=True, timeout=30)
        assert page.status_code == 200 and "1898" in page.text.replace(",", "").replace("\u202f", "")
        assert (b.data_dir / "models" / f"{model_id}.npz").exists()  # now cached on B's disk

        redis_server.stop()
        assert run_model(b.base, model_id).status_code == 200  # cached on B: still runs
        weights = io.BytesIO()
        np.save(weights, np.ones((2, 3, 3, 1), dtype=np.float32))
        up = httpx.post(f"{b.base}/network/upload", files={"file": ("k.npy", weights.getvalue(), "application/octet-stream")},
                        follow_redirects=False, timeout=30)
        assert up.status_code == 303, up.text  # a new upload still works on that host
        new_id = up.headers["location"].split("model=")[1].split("&")[0]
        assert httpx.get(f"{b.base}/network", params={"model": new_id}, timeout=30).status_code == 200
        missing = httpx.get(f"{a.base}/api/models/{new_id}", timeout=10)
        assert missing.status_code == 404 and "upload it again" in missing.json()["detail"]  # never a 5xx
        redis_server.start()


def test_redis_killed_and_restarted_mid_class(redis_server, rng):
    pixels = (rng.random((16, 16)) * 255).astype(np.uint8)
    with ExitStack() as stack:
        a, b = two_hosts(stack, redis_server.url)
        image_id = upload(a.base, pixels).json()["id"]
        page = f"/conv2d?image={image_id}&kernel=sharpen&step=2"
        assert httpx.get(b.base + page, follow_redirects=True, timeout=10).status_code == 200  # now cached on B too
        started = start(a.base)
        followers = [Follower(host.base, started["code"]) for host in (a, b, b)]
        for follower in followers:
            follower.start()
        assert all(f.connected.wait(10) for f in followers)
        assert put(a.base, started, "/conv2d?step=1").status_code == 204
        assert wait_for(lambda: all(f.last_url == "/conv2d?step=1" for f in followers))

        pages = [page, "/", "/conv2d?step=4", "/pool", "/healthz"]
        page_statuses: list[tuple[str, int]] = []
        stop_pages = threading.Event()

        def browse() -> None:  # students and teachers keep using pages the whole time
            while not stop_pages.is_set():
                for host in (a, b):
                    for path in pages:
                        try:
                            answer = httpx.get(host.base + path, timeout=10, follow_redirects=True)
                            page_statuses.append((path, answer.status_code))
                        except httpx.HTTPError as exc:
                            page_statuses.append((path, f"{type(exc).__name__}"))

        browser = threading.Thread(target=browse, daemon=True)
        browser.start()
        redis_server.stop()
        assert wait_for(lambda: all(any(kind == "reconnecting" for kind, _ in f.seen) for f in followers))
        down = put(a.base, started, "/conv2d?step=7")
        assert down.status_code == 503 and "bus" in down.json()["detail"] and "retry-after" in down.headers
        for host in (a, b):
            ready = httpx.get(f"{host.base}/readyz", timeout=10)
            assert ready.status_code == 200 and ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["redis"]["ok"] is False
            assert httpx.post(f"{host.base}/api/conv", json={"input": [[1, 2], [3, 4]], "kernel": [[1]]},
                              timeout=10).status_code == 200
        time.sleep(1.0)
        redis_server.start()  # empty: no persistence
        final = "/conv2d?kernel=box_blur&step=9"
        assert wait_for(lambda: put(a.base, started, final).status_code == 204, timeout=20)
        assert wait_for(lambda: all(f.last_url == final for f in followers), timeout=20), [f.seen[-3:] for f in followers]
        stop_pages.set()
        browser.join(30)
        for follower in followers:
            follower.stop.set()
        for host in (a, b):
            ready = httpx.get(f"{host.base}/readyz", timeout=10).json()
            assert ready["status"] == "ready" and ready["checks"]["redis"]["ok"] is True
    bad = [(path, status) for path, status in page_statuses if status != 200]
    assert page_statuses and bad == []
    for follower in followers:
        kinds = [kind for kind, _ in follower.seen]
        assert "reconnecting" in kinds and kinds[-1] == "state"
        assert all(status in (200,) for status in follower.statuses)
