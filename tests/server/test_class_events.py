"""GET /api/classes/{code}/events on a real server (uvicorn, one worker, in-process bus), read with
httpx streaming: the current state first, then every change in order, Last-Event-ID, pings, the
follower count while connected, and the end of a class (expired, or ended by its teacher)."""

from __future__ import annotations

import threading

import httpx
import pytest

from scripts.local_server import running_server
from tests.classes.sse import events

pytestmark = [pytest.mark.server]


def start(base: str, **body) -> dict:
    r = httpx.post(f"{base}/api/classes", json=body or None)
    assert r.status_code == 201, r.text
    return r.json()


def put(base: str, started: dict, url: str) -> None:
    r = httpx.put(f"{base}/api/classes/{started['code']}/state", json={"url": url},
                  headers={"X-Teacher-Key": started["teacher_key"]})
    assert r.status_code == 204, r.text


@pytest.fixture(scope="module")
def server():
    with running_server("uvicorn", workers=1, class_ping_s="0.5") as s:
        yield s


def test_current_state_first_then_every_change_in_order(server):
    started = start(server.base, url="/conv2d?step=2")
    code = started["code"]
    urls = [f"/conv2d?step={i}" for i in range(3, 9)]
    with httpx.stream("GET", f"{server.base}/api/classes/{code}/events", timeout=10) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["cache-control"] == "no-store"
        stream = events(r.iter_lines())
        first = next(stream)
        assert (first.event, first.id, first.json) == ("state", "0", {"url": "/conv2d?step=2", "seq": 0})
        assert httpx.get(f"{server.base}/api/classes/{code}").json()["followers"] == 1  # counted while connected
        for url in urls:
            put(server.base, started, url)
        got = [next(stream) for _ in urls]
    assert [(e.event, e.id, e.json) for e in got] == [("state", str(i + 1), {"url": u, "seq": i + 1})
                                                       for i, u in enumerate(urls)]
    assert all(e.data == f'{{"url":"{e.json["url"]}","seq":{e.json["seq"]}}}' for e in got)


def test_changes_are_sent_canonical(server):
    started = start(server.base)
    with httpx.stream("GET", f"{server.base}/api/classes/{started['code']}/events", timeout=10) as r:
        stream = events(r.iter_lines())
        assert next(stream).json == {"url": "/", "seq": 0}
        asked = "/pool?stride=02&op=avg&size=3"
        page = httpx.get(server.base + asked)  # the page itself redirects to its canonical URL
        assert page.status_code == 302
        put(server.base, started, asked)
        assert next(stream).json == {"url": page.headers["location"], "seq": 1}
        assert httpx.get(server.base + page.headers["location"]).status_code == 200


def test_a_reconnect_with_last_event_id_gets_the_latest_state_at_once(server):
    started = start(server.base)
    code = started["code"]
    with httpx.stream("GET", f"{server.base}/api/classes/{code}/events", timeout=10) as r:
        stream = events(r.iter_lines())
        assert next(stream).id == "0"
        put(server.base, started, "/conv1d")
        assert next(stream).id == "1"
    for url in ("/conv1d?step=1", "/conv1d?step=2", "/conv1d?step=3"):  # missed while away
        put(server.base, started, url)
    with httpx.stream("GET", f"{server.base}/api/classes/{code}/events", headers={"Last-Event-ID": "1"}, timeout=10) as r:
        first = next(events(r.iter_lines()))
    assert (first.event, first.id, first.json) == ("state", "4", {"url": "/conv1d?step=3", "seq": 4})


def test_heartbeats_keep_the_stream_alive_and_followers_leave_when_it_closes(server):
    started = start(server.base)
    code = started["code"]
    with httpx.stream("GET", f"{server.base}/api/classes/{code}/events", timeout=10) as r:
        stream = events(r.iter_lines(), comments=True)
        assert next(stream).event == "state"
        ping = next(stream)  # nothing happens: the next thing on the wire is a heartbeat comment
        assert ping.data == "" and ping.comments and ping.comments[0].startswith("ping")
        assert httpx.get(f"{server.base}/api/classes/{code}").json()["followers"] == 1
    for _ in range(50):  # the server notices the closed connection at its next write (a ping: 0.5 s here)
        if httpx.get(f"{server.base}/api/classes/{code}").json()["followers"] == 0:
            break
        threading.Event().wait(0.1)
    assert httpx.get(f"{server.base}/api/classes/{code}").json()["followers"] == 0


def test_several_followers_all_get_every_change(server):
    started = start(server.base)
    code = started["code"]
    results: dict[int, list] = {}
    ready = threading.Barrier(5)

    def follow(i: int) -> None:
        with httpx.stream("GET", f"{server.base}/api/classes/{code}/events", timeout=10) as r:
            stream = events(r.iter_lines())
            seen = [next(stream).json["seq"]]
            ready.wait()
            while seen[-1] < 5:
                seen.append(next(stream).json["seq"])
            results[i] = seen

    threads = [threading.Thread(target=follow, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    ready.wait()
    assert httpx.get(f"{server.base}/api/classes/{code}").json()["followers"] == 4
    for i in range(1, 6):
        put(server.base, started, f"/flip?at={i}")
    for t in threads:
        t.join(15)
    assert results == {i: [0, 1, 2, 3, 4, 5] for i in range(4)}


def test_the_stream_ends_with_the_class():
    with running_server("uvicorn", workers=1, class_ttl_s="2") as server:
        started = start(server.base)
        with httpx.stream("GET", f"{server.base}/api/classes/{started['code']}/events", timeout=10) as r:
            got = list(events(r.iter_lines()))  # the server closes the stream when the class ends
        assert [e.event for e in got] == ["state", "ended"]
        assert httpx.get(f"{server.base}/api/classes/{started['code']}/events").status_code == 404


def test_the_teacher_ending_the_class_ends_every_stream(server):
    started = start(server.base, url="/flip?at=2")
    code = started["code"]
    results: dict[int, list] = {}
    ready = threading.Barrier(4)

    def follow(i: int) -> None:
        with httpx.stream("GET", f"{server.base}/api/classes/{code}/events", timeout=10) as r:
            stream = events(r.iter_lines())
            seen = [next(stream)]
            ready.wait()
            seen.extend(stream)  # until the server closes the stream
            results[i] = [(e.event, e.json) for e in seen]

    threads = [threading.Thread(target=follow, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    ready.wait()
    put(server.base, started, "/flip?at=3")
    r = httpx.delete(f"{server.base}/api/classes/{code}", headers={"X-Teacher-Key": started["teacher_key"]})
    assert r.status_code == 204
    for t in threads:
        t.join(15)
        assert not t.is_alive()
    ended = {"code": code, "detail": f"the teacher ended the class {code}", "url": "/flip?at=3", "seq": 1}
    assert results == {i: [("state", {"url": "/flip?at=2", "seq": 0}), ("state", {"url": "/flip?at=3", "seq": 1}),
                           ("ended", ended)] for i in range(3)}
    assert httpx.get(f"{server.base}/api/classes/{code}").json()["detail"].startswith(f"the class {code} has ended")
    assert httpx.get(f"{server.base}/api/classes/{code}/events").status_code == 410
