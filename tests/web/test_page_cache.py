"""Each worker keeps rendered pages by URL: a revisit is the same bytes, never a different page."""

from __future__ import annotations

import io
import threading

import numpy as np
from PIL import Image

from app.lru import BytesLRU

FRAGMENT = {"HX-Request": "true", "HX-Target": "workspace"}


def test_a_revisited_step_is_served_from_the_cache_with_the_same_bytes(client):
    first = client.get("/conv2d?kernel=edge&step=3", headers=FRAGMENT)
    again = client.get("/conv2d?kernel=edge&step=3", headers=FRAGMENT)
    assert first.status_code == again.status_code == 200
    assert "x-convstep-cache" not in first.headers and again.headers["x-convstep-cache"] == "hit"
    assert again.content == first.content
    assert again.headers["content-type"].startswith("text/html") and again.headers["vary"] == "HX-Request"
    assert "content-security-policy" in again.headers  # the security middleware still answers


def test_page_fragment_and_other_targets_are_kept_apart(client):
    fragment = client.get("/conv2d?step=2", headers=FRAGMENT).text
    page = client.get("/conv2d?step=2").text
    page_again = client.get("/conv2d?step=2")
    other = client.get("/conv2d?step=2", headers={"HX-Request": "true", "HX-Target": "app"}).text
    assert page.lstrip().lower().startswith("<!doctype html") and not fragment.lstrip().lower().startswith("<!doctype")
    assert page_again.headers["x-convstep-cache"] == "hit" and page_again.text == page
    assert other != fragment
    restore = client.get("/conv2d?step=2", headers={**FRAGMENT, "HX-History-Restore-Request": "true"})
    assert restore.text == page  # history restore needs the whole page


def test_errors_are_never_kept(client):
    for _ in range(2):
        r = client.get("/conv2d?stride=0")
        assert r.status_code == 422 and "x-convstep-cache" not in r.headers


def test_pages_of_uploaded_images_are_never_kept(client, rng):
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (24, 24), dtype=np.uint8)).save(buf, "PNG")
    image_id = client.post("/api/images", files={"file": ("a.png", buf.getvalue(), "image/png")}).json()["id"]
    for _ in range(2):
        r = client.get(f"/conv2d?image={image_id}&step=1", headers=FRAGMENT)
        assert r.status_code == 200 and "x-convstep-cache" not in r.headers


def test_every_stepping_page_is_kept(client):
    for path in ("/conv1d?step=1", "/pool?step=1", "/volume?step=1", "/transpose?step=1", "/flip", "/shapes", "/text"):
        client.get(path)
        assert client.get(path).headers.get("x-convstep-cache") == "hit", path


def test_cache_size_zero_keeps_nothing(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", page_cache_bytes=0))) as c:
        c.get("/conv2d?step=1")
        assert "x-convstep-cache" not in c.get("/conv2d?step=1").headers


def test_lru_keeps_within_its_size_and_drops_the_least_recently_used():
    cache = BytesLRU(max_bytes=100)
    for key in "abc":
        cache.put(key, bytes(30))
    assert cache.get("a") == bytes(30)  # a is now the most recently used
    cache.put("d", bytes(30))
    assert cache.get("b") is None and [k for k in "acd" if cache.get(k)] == ["a", "c", "d"]
    cache.put("big", bytes(101))  # larger than the whole cache: never kept, nothing dropped for it
    assert cache.get("big") is None and len(cache) == 3
    cache.put("a", bytes(10))  # a replaced key counts its new size only: room for one more
    cache.put("e", bytes(30))
    assert len(cache) == 4 and cache.get("a") == bytes(10)


def test_lru_under_threads_loses_nothing_it_should_keep():
    cache = BytesLRU(max_bytes=64 * 50)
    failures: list[BaseException] = []

    def churn(n: int) -> None:
        try:
            for i in range(3000):
                key = f"{n}-{i % 80}"
                value = cache.get(key)
                assert value is None or value == key.encode().ljust(64)
                cache.put(key, key.encode().ljust(64))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=churn, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == [] and len(cache) == 50


def test_a_crafted_host_header_changes_no_other_pages_entry(client):
    """Starlette builds ``request.url`` from the Host header; the key must not follow it."""
    honest = client.get("/conv2d?kernel=sharpen&step=4").text
    crafted = {"Host": "evil.example/conv1d?step=1#"}  # what a key built from request.url would absorb
    r = client.get("/conv2d?kernel=sharpen&step=4", headers=crafted)
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        assert r.text == honest
    # nothing was filed under the page the crafted Host pointed at
    pages = client.app.state.pages
    assert all(not key.startswith("/conv1d") for key in pages._items), list(pages._items)
    first_conv1d = client.get("/conv1d?step=1")
    assert "x-convstep-cache" not in first_conv1d.headers and "conv1d" in first_conv1d.text.lower()
    weird = client.get("/conv2d?kernel=sharpen&step=4", headers={"Host": "other.example:9999"})
    assert weird.headers.get("x-convstep-cache") == "hit" and weird.text == honest


def test_the_key_is_read_from_the_scope_not_from_the_url_starlette_rebuilds():
    """Older Starlette let a Host header reshape ``request.url``; stand in for one and the key must not move."""
    from starlette.datastructures import URL
    from starlette.requests import Request

    from app.settings import Settings
    from app.state.conv2d import Conv2dState
    from app.web.page_cache import key

    request = Request({"type": "http", "method": "GET", "path": "/conv2d", "query_string": b"step=04",
                       "headers": [(b"host", b"evil.example")]})
    request._url = URL("http://evil.example/conv1d?step=1")  # what a poisoned URL would say
    assert key(request, Conv2dState.parse(request.query_params, Settings())) == "/conv2d?step=4#page"
