"""The pages are found by one dictionary lookup ahead of FastAPI's route list (app/web/page.py, PageRoutes), and an
image step's panels are answered on the event loop when the image is in memory: neither changes an answer."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from app.main import create_app
from app.store import get_store
from app.web.conv2d import PAGE
from app.web.page import PAGES, PageRoutes, on_loop

STEP_PARTS = {"HX-Request": "true", "HX-Target": "step-parts", "Accept-Encoding": "identity"}
ASKED = [  # (method, url, headers): pages, fragments, a step's panels, errors, redirects, other methods
    ("GET", "/conv2d", {}),
    ("GET", "/conv2d?kernel=edge&step=3", {"HX-Request": "true", "HX-Target": "workspace"}),
    ("GET", "/conv2d?image=shapes&kernel=edge&step=4000", STEP_PARTS),
    ("GET", "/conv2d?image=shapes&kernel=edge&step=4000&bias=2", {**STEP_PARTS, "Accept-Encoding": "gzip"}),
    ("GET", "/conv2d?stride=0", {}),
    ("GET", "/conv2d?image=shapes&step=99999", STEP_PARTS),
    ("GET", "/conv2d?padding=01", {}),  # not canonical: 302
    ("GET", "/conv2d/", {}),
    ("HEAD", "/pool?step=2", {}),
    ("POST", "/conv2d", {}),
    ("GET", "/conv1d?step=2", {}),
    ("GET", "/conv2d.json?step=2", {}),
]
VARYING = {"date"}


def answers(app) -> list[tuple[int, dict[str, str], bytes]]:
    with TestClient(app, follow_redirects=False) as client:
        out = []
        for method, url, headers in ASKED:
            r = client.request(method, url, headers=headers)
            out.append((r.status_code, {k: v for k, v in r.headers.items() if k not in VARYING}, r.content))
        return out


def test_the_lookup_answers_exactly_as_the_route_list_would(settings):
    fast = create_app(settings)
    assert isinstance(fast.router.routes[0], PageRoutes)
    plain = create_app(settings)
    plain.router.routes[:] = [r for r in plain.router.routes if not isinstance(r, PageRoutes)]
    got, expected = answers(fast), answers(plain)
    assert [a[0] for a in got] == [200, 200, 200, 200, 422, 422, 302, 307, 200, 405, 200, 200]
    for (method, url, _), mine, theirs in zip(ASKED, got, expected, strict=True):
        assert mine == theirs, (method, url)


def test_every_page_is_in_the_lookup(app):
    route = app.router.routes[0]
    assert set(PAGES) >= {"/conv1d", "/conv2d", "/pool", "/volume", "/shapes", "/flip", "/text"}
    for path in PAGES:
        assert route.matches({"type": "http", "method": "GET", "path": path})[0].name == "FULL", path
        assert route.matches({"type": "http", "method": "POST", "path": path})[0].name == "NONE", path
    assert route.matches({"type": "http", "method": "GET", "path": "/conv2d.json"})[0].name == "NONE"


def request(app, query: str, headers: dict[str, str]) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/conv2d", "query_string": query.encode(), "app": app,
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]})


@pytest.mark.parametrize(("query", "headers", "expected"), [
    ("image=shapes&step=7", STEP_PARTS, True),  # a sample: drawn in memory
    ("step=7", STEP_PARTS, True),  # the numbers grid
    ("image=shapes&step=7", {}, False),  # a whole page: a thread
    ("image=shapes&step=7", {"HX-Request": "true", "HX-Target": "workspace"}, False),  # the workspace: a thread
    ("image=shapes&step=7", {**STEP_PARTS, "HX-History-Restore-Request": "true"}, False),  # the whole page again
    ("image=" + "a" * 32 + "&step=7", STEP_PARTS, False),  # an upload this worker never read: a thread
])
def test_only_a_part_with_its_inputs_in_memory_is_answered_on_the_loop(app, query, headers, expected):
    assert on_loop(request(app, query, headers), PAGE) is expected


def test_an_upload_is_answered_on_the_loop_once_this_worker_holds_it(app, settings, rng):
    pixels = rng.integers(0, 256, (12, 10), dtype=np.uint8)
    image_id = get_store(settings).put(pixels)  # kept decoded in this process's memory
    assert on_loop(request(app, f"image={image_id}&step=3", STEP_PARTS), PAGE) is True
    get_store(settings)._memory.clear()  # as after this worker's memory cache dropped it: the disk is read, in a thread
    assert on_loop(request(app, f"image={image_id}&step=3", STEP_PARTS), PAGE) is False
