"""The classes API, line by line as issue 14 writes it (one app, on the in-process bus and on Redis)."""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from app.classes import codes
from app.classes.memory import InProcessBus
from app.classes.service import Classroom
from app.main import create_app
from app.settings import Settings


@pytest.fixture(params=["in-process", "redis"])
def settings(request, tmp_path) -> Settings:
    """Every test on the ``client`` runs on both buses (Redis: Debian's redis-server on loopback)."""
    redis_url = request.getfixturevalue("redis_server").url if request.param == "redis" else ""
    return Settings(data_dir=tmp_path / "data", htmx_source="none", redis_url=redis_url)


ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def started(client: TestClient, **body) -> tuple[str, str, dict]:
    r = client.post("/api/classes", json=body or None)
    assert r.status_code == 201, r.text
    data = r.json()
    return data["code"], data["teacher_key"], data


def step(client: TestClient, code: str, key: str | None, url: str):
    headers = {"X-Teacher-Key": key} if key is not None else {}
    return client.put(f"/api/classes/{code}/state", json={"url": url}, headers=headers)


def test_start_answers_201_with_code_key_join_url_and_expiry(client):
    r = client.post("/api/classes")
    assert r.status_code == 201
    data = r.json()
    assert set(data) == {"code", "teacher_key", "join_url", "expires_at"}
    assert re.fullmatch(r"[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}", data["code"])
    assert not set(data["code"]) & set("01OIL")
    assert len(data["teacher_key"]) >= 22  # token_urlsafe(24): 32 characters, 192 bits
    assert data["join_url"] == f"http://testserver/join/{data['code']}"
    assert ISO.fullmatch(data["expires_at"])
    left = datetime.strptime(data["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC) - datetime.now(UTC)
    assert 4 * 3600 - 60 < left.total_seconds() <= 4 * 3600
    assert r.headers["location"] == f"/api/classes/{data['code']}"
    assert r.headers["cache-control"] == "no-store"


def test_codes_avoid_look_alikes_and_keys_carry_at_least_128_bits():
    assert set(codes.ALPHABET) == set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    drawn = {codes.new_code() for _ in range(2000)}
    assert len(drawn) > 1990 and all(len(c) == 6 and set(c) <= set(codes.ALPHABET) for c in drawn)
    assert codes.KEY_BYTES * 8 >= 128
    keys = {codes.new_key() for _ in range(200)}
    assert len(keys) == 200 and all(len(k) == 32 for k in keys)


def test_the_key_is_stored_only_as_a_digest(client, app):
    code, key, _ = started(client)
    record = client.portal.call(app.state.classroom.bus.get, code)
    assert key not in repr(record) and record.key_digest == codes.key_digest(key)
    if app.state.settings.redis_url:
        import redis

        stored = redis.Redis.from_url(app.state.settings.redis_url).hgetall(f"convstep:class:{code}")
        assert stored[b"key"] == codes.key_digest(key).encode() and key.encode() not in b"".join(stored.values())


def test_put_state_204_and_get_gives_the_canonical_url_and_never_the_key(client):
    code, key, _ = started(client)
    r = step(client, code, key, "/conv2d?step=03&stride=02&kernel=box_blur")
    assert r.status_code == 204 and r.content == b""
    r = client.get(f"/api/classes/{code}")
    assert r.status_code == 200
    assert r.json() == {"code": code, "url": "/conv2d?kernel=box_blur&stride=2&step=3", "followers": 0,
                        "expires_at": r.json()["expires_at"]}
    assert key not in r.text
    assert client.get(f"/api/classes/{code.lower()}").json()["code"] == code  # typed in lower case


def test_a_class_starts_on_home_or_on_the_page_given(client):
    code, _, _ = started(client)
    assert client.get(f"/api/classes/{code}").json()["url"] == "/"
    code, _, _ = started(client, url="/pool?op=avg")
    assert client.get(f"/api/classes/{code}").json()["url"] == "/pool?op=avg"
    r = client.post("/api/classes", json={"url": "https://evil.example/"})
    assert r.status_code == 422 and r.json()["field"] == "url"


@pytest.mark.parametrize("url", [
    "https://evil.example/conv2d", "http:/conv2d", "//evil.example/conv2d", "/\\evil.example/conv2d", "conv2d",
    "javascript:alert(1)", "/conv2d\\..\\x", "/static/css/style.css", "/conv2d.json?step=1", "/api/conv", "/join/ABCDEF",
    "/conv2d?stride=99", "/conv2d?kernel=nosuch", "/conv2d?step=1 2", "/conv2d\n", "",
])
def test_only_an_app_page_path_is_accepted(client, url):
    code, key, _ = started(client)
    r = step(client, code, key, url)
    assert r.status_code == 422, (url, r.text)
    assert r.json()["field"] == "url" and "url" in r.json()["detail"]
    assert client.get(f"/api/classes/{code}").json()["url"] == "/"  # nothing was published


def test_wrong_or_missing_key_is_403(client):
    code, key, _ = started(client)
    other_code, other_key, _ = started(client)
    for wrong in (None, "", key[:-1], key + "x", other_key, key.upper()):
        r = step(client, code, wrong, "/conv1d")
        assert r.status_code == 403, wrong
        assert r.json()["field"] == "X-Teacher-Key"
    assert client.get(f"/api/classes/{code}").json()["url"] == "/"


def test_keys_are_compared_in_constant_time(client, monkeypatch):
    code, key, _ = started(client)
    calls, compare = [], hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(codes.hmac, "compare_digest", spy)
    assert step(client, code, "wrong", "/conv1d").status_code == 403
    assert step(client, code, key, "/conv1d").status_code == 204
    assert len(calls) == 2  # every key check goes through hmac.compare_digest, right or wrong


@pytest.mark.parametrize("code", ["ABCDEF", "abcdef", "222222"])
def test_unknown_code_is_404(client, code):
    for r in (client.get(f"/api/classes/{code}"), step(client, code, "k", "/conv1d"),
              client.get(f"/api/classes/{code}/events"), client.get(f"/api/classes/{code}/qr.svg")):
        assert r.status_code == 404, r.text
        assert r.json()["field"] == "code" and "no class" in r.json()["detail"]


@pytest.mark.parametrize("code", ["ABC", "ABCDEFG", "ABCDE0", "ABCDEO", "ABCDE1", "ABCDEI", "ABCDEL"])
def test_a_malformed_code_is_refused_naming_it(client, code):
    r = client.get(f"/api/classes/{code}")
    assert r.status_code == 422 and "code" in r.json()["detail"]


def clocked_client(tmp_path, clock, **settings):
    app = create_app(Settings(data_dir=tmp_path, htmx_source="none", **settings))
    app.state.classroom = Classroom(app.state.settings, InProcessBus(clock), clock)
    return TestClient(app)


def test_a_class_expires_after_its_ttl(tmp_path):
    clock = FakeClock()
    with clocked_client(tmp_path, clock, class_ttl_s=600) as client:
        code, key, data = started(client)
        assert data["expires_at"] == datetime.fromtimestamp(clock.now + 600, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        clock.now += 599
        assert step(client, code, key, "/conv1d").status_code == 204
        assert client.get(f"/api/classes/{code}").status_code == 200
        clock.now += 1
        for r in (client.get(f"/api/classes/{code}"), step(client, code, key, "/pool"),
                  client.get(f"/api/classes/{code}/events"), client.get(f"/api/classes/{code}/qr.svg")):
            assert r.status_code == 404
            assert "ended" in r.json()["detail"] and "CONVSTEP_CLASS_TTL_S" in r.json()["detail"]


def end(client: TestClient, code: str, key: str | None):
    return client.delete(f"/api/classes/{code}", headers={"X-Teacher-Key": key} if key is not None else {})


def test_delete_ends_the_class_for_everyone_410_after(client):
    code, key, _ = started(client)
    assert step(client, code, key, "/conv2d?step=4").status_code == 204
    for wrong in (None, "", key[:-1], started(client)[1]):
        r = end(client, code, wrong)
        assert r.status_code == 403 and r.json()["field"] == "X-Teacher-Key", wrong
        assert client.get(f"/api/classes/{code}").status_code == 200  # still on
    r = end(client, code, key)
    assert r.status_code == 204 and r.content == b""
    for r in (client.get(f"/api/classes/{code}"), step(client, code, key, "/conv2d?step=5"),
              client.get(f"/api/classes/{code}/events"), client.get(f"/api/classes/{code}/qr.svg"),
              client.get(f"/api/classes/{code.lower()}")):
        assert r.status_code == 410, r.text
        assert r.json() == {"detail": f"the class {code} has ended: its teacher ended it (the last page shown was"
                                      " /conv2d?step=4)", "field": "code"}
    assert end(client, code, key).status_code == 204  # idempotent: ending it again changes nothing
    assert end(client, code, "wrong").status_code == 403  # but only its teacher may ask
    assert client.get(f"/api/classes/{code}").status_code == 410


@pytest.mark.parametrize("code", ["ABCDEF", "222222"])
def test_ending_an_unknown_class_is_404(client, code):
    r = end(client, code, "k")
    assert r.status_code == 404 and r.json()["field"] == "code" and "no class" in r.json()["detail"]


def test_an_ended_class_is_404_once_it_would_have_expired(tmp_path):
    clock = FakeClock()
    with clocked_client(tmp_path, clock, class_ttl_s=600) as client:
        code, key, _ = started(client)
        assert end(client, code, key).status_code == 204
        clock.now += 599
        assert client.get(f"/api/classes/{code}").status_code == 410
        clock.now += 1
        assert client.get(f"/api/classes/{code}").status_code == 404
        assert end(client, code, key).status_code == 404


def test_classes_per_address_per_hour_429(tmp_path):
    clock = FakeClock(1_800_000_000.0)  # on the hour
    with clocked_client(tmp_path, clock, classes_per_address_hour=3) as client:
        for _ in range(3):
            started(client)
        r = client.post("/api/classes")
        assert r.status_code == 429
        assert "3 classes" in r.json()["detail"] and "CONVSTEP_CLASSES_PER_ADDRESS_HOUR" in r.json()["detail"]
        assert int(r.headers["retry-after"]) == 3601
        clock.now += 3600
        started(client)


def test_state_posts_per_second_per_class_429(tmp_path):
    clock = FakeClock()
    with clocked_client(tmp_path, clock, class_posts_per_second=4) as client:
        code, key, _ = started(client)
        other, other_key, _ = started(client)
        for i in range(4):
            assert step(client, code, key, f"/conv2d?step={i + 1}").status_code == 204
        r = step(client, code, key, "/conv2d?step=9")
        assert r.status_code == 429 and "CONVSTEP_CLASS_POSTS_PER_SECOND" in r.json()["detail"]
        assert r.headers["retry-after"] == "1"
        assert client.get(f"/api/classes/{code}").json()["url"] == "/conv2d?step=4"
        assert step(client, other, other_key, "/conv1d").status_code == 204  # per class
        clock.now += 1
        assert step(client, code, key, "/conv2d?step=9").status_code == 204


def test_followers_per_class_and_streams_per_worker_503(tmp_path):
    clock = FakeClock()
    with clocked_client(tmp_path, clock, class_max_followers=2, max_event_streams=3) as client:
        classroom = client.app.state.classroom
        code, _, _ = started(client)
        other, _, _ = started(client)
        client.portal.call(classroom.bus.join, code, "a", clock.now)
        client.portal.call(classroom.bus.join, code, "b", clock.now)
        assert client.get(f"/api/classes/{code}").json()["followers"] == 2
        r = client.get(f"/api/classes/{code}/events")
        assert r.status_code == 503 and "CONVSTEP_CLASS_MAX_FOLLOWERS" in r.json()["detail"]
        assert "retry-after" in r.headers
        classroom.open_streams = 3
        r = client.get(f"/api/classes/{other}/events")
        assert r.status_code == 503 and "CONVSTEP_MAX_EVENT_STREAMS" in r.json()["detail"]
        clock.now += 46  # presence not refreshed: a follower whose worker died stops counting
        assert client.get(f"/api/classes/{code}").json()["followers"] == 0


def test_head_on_the_event_stream_answers_headers_only(client):
    code, _, _ = started(client)
    r = client.head(f"/api/classes/{code}/events")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream") and r.content == b""


def test_join_url_uses_the_public_url_setting(tmp_path):
    app = create_app(Settings(data_dir=tmp_path, htmx_source="none", public_url="https://convstep.example.org/"))
    with TestClient(app) as client:
        code, _, data = started(client)
        assert data["join_url"] == f"https://convstep.example.org/join/{code}"


def test_the_classes_api_is_in_openapi_with_real_schemas(client):
    doc = client.get("/openapi.json").json()
    paths = doc["paths"]
    assert set(paths["/api/classes"]) == {"post"}
    assert {"201", "422", "429", "503"} <= set(paths["/api/classes"]["post"]["responses"])
    put = paths["/api/classes/{code}/state"]["put"]
    assert {"204", "403", "404", "422", "429"} <= set(put["responses"])
    assert any(p["name"] == "X-Teacher-Key" and p["in"] == "header" for p in put["parameters"])
    assert "text/event-stream" in paths["/api/classes/{code}/events"]["get"]["responses"]["200"]["content"]
    assert "image/svg+xml" in paths["/api/classes/{code}/qr.svg"]["get"]["responses"]["200"]["content"]
    delete = paths["/api/classes/{code}"]["delete"]
    assert set(delete["responses"]) == {"204", "403", "404", "422", "503"}
    assert any(p["name"] == "X-Teacher-Key" and p["in"] == "header" for p in delete["parameters"])
    for path, method in (("/api/classes/{code}", "get"), ("/api/classes/{code}/state", "put"),
                         ("/api/classes/{code}/events", "get"), ("/api/classes/{code}/qr.svg", "get")):
        assert "410" in paths[path][method]["responses"], (path, method)
    links = paths["/api/classes"]["post"]["responses"]["201"]["links"]
    operations = {op["operationId"] for item in paths.values() for op in item.values()}
    assert {link["operationId"] for link in links.values()} <= operations  # every link opens a real operation
    assert "end_class_api_classes__code__delete" in operations
    schemas = doc["components"]["schemas"]
    assert set(schemas["ClassStarted"]["required"]) == {"code", "teacher_key", "join_url", "expires_at"}
    assert set(schemas["ClassState"]["properties"]) == {"code", "url", "followers", "expires_at"}


def test_a_state_is_rendered_once_per_worker_not_once_per_student():
    from app.api.classes import encoded
    from app.classes.service import state_event

    first, second = state_event("/conv2d?step=3", 3), state_event("/conv2d?step=3", 3)
    assert first is second  # every follower's stream yields the same event object ...
    assert encoded(first) is encoded(second)  # ... whose bytes are encoded once
    assert encoded(first) == b'id: 3\r\nevent: state\r\ndata: {"url":"/conv2d?step=3","seq":3}\r\n\r\n'


def test_a_method_the_class_does_not_answer_is_405_allowing_get_and_delete(client):
    code, _, _ = started(client)
    r = client.request("OPTIONS", f"/api/classes/{code}")
    assert r.status_code == 405
    assert set(r.headers["allow"].split(", ")) == {"GET", "DELETE"}  # two routes, one path: both named
    assert client.post(f"/api/classes/{code}/state").headers["allow"] == "PUT"
