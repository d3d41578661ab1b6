"""Take it home: /conv2d.gif, .apng and .svg (and /conv1d, /pool). The animations are decoded with Pillow (frame
count, size bounds, frames differing where the window moved); the SVG slide is parsed as XML and must carry the
step's products and sum as literal numbers, worked by hand; bounds and bad input answer 4xx naming the field."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageChops

from app.main import create_app
from app.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"


def frames(data: bytes) -> list[Image.Image]:
    im = Image.open(io.BytesIO(data))
    out = []
    for i in range(im.n_frames):
        im.seek(i)
        out.append(im.convert("RGB").copy())
    return out


def texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("fmt", ["gif", "apng"])
@pytest.mark.parametrize(("query", "first", "last"), [
    ("/conv2d?", 0, 15),  # the notes' 4×4 grid, padding 1: 16 steps
    ("/conv2d?stride=2&from=1&to=3", 1, 3),
    ("/conv1d?stride=2", 0, 2),
    ("/pool?op=avg&padding=1&from=2&to=6", 2, 6),
])
def test_an_animation_has_one_frame_per_step_asked(client, fmt, query, first, last):
    path, _, rest = query.partition("?")
    r = client.get(f"{path}.{fmt}?{rest}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == ("image/gif" if fmt == "gif" else "image/apng")
    assert r.headers["cache-control"] == "public, max-age=31536000, immutable" and r.headers["etag"]
    pictures = frames(r.content)
    assert len(pictures) == last - first + 1
    width, height = pictures[0].size
    assert width >= 400 and height >= 200 and width * height <= Settings().export_max_pixels
    assert {p.size for p in pictures} == {(width, height)}
    if len(pictures) > 1:  # the window moved: the first and last frames differ
        assert ImageChops.difference(pictures[0], pictures[-1]).getbbox() is not None
    if fmt == "apng":
        assert Image.open(io.BytesIO(r.content)).format == "PNG"


def test_frames_differ_where_the_window_moved(client):
    """/conv1d's default (8 values, kernel 3, stride 1): step 0's window covers input cells 0–2, step 1's cells 1–3.
    Between frames 0 and 1, pixels change over the input row (the window) and the output (one more cell filled)."""
    a, b = frames(client.get("/conv1d.gif?from=0&to=1").content)
    box = ImageChops.difference(a, b).getbbox()
    assert box is not None and box[0] < 200  # the change starts at the input's left, not only in the title


def test_an_export_is_immutable_and_answers_304(client):
    r = client.get("/conv2d.gif?from=0&to=1")
    again = client.get("/conv2d.gif?from=0&to=1", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    other = client.get("/conv2d.gif?from=0&to=2")
    assert other.headers["etag"] != r.headers["etag"]


def test_the_svg_slide_carries_the_steps_numbers(client):
    """/conv2d?step=5 (the notes' grid, sharpen, padding 1): output (1, 1) = 5·22 − 19 − 13 − 16 − 3 = 59."""
    r = client.get("/conv2d.svg?step=5")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    words = texts(r.content)
    assert "convstep /conv2d · step 5 of 15 · output (1, 1)" in words
    lines = " ".join(words)  # a long products line wraps at its " + " joins
    assert "window × kernel: 35·0 + 19·(−1) + 25·0 + 13·(−1) + 22·5 + 16·(−1) + 4·0 + 3·(−1) + 7·0" in lines
    assert "sum = 59 → output (1, 1)" in words
    # the grids: the window's nine values, the kernel, the output so far (steps 0–5), nothing after
    assert words.count("59") == 1 and "−48" in words and "143" in words


def test_the_svg_of_pool_and_conv1d(client):
    """/pool's default (CS231n's 4×4 map, 2×2 max, stride 2): step 1 is max(2, 4, 7, 8) = 8; the average of the same
    window is (2 + 4 + 7 + 8) / 4 = 5.25. /conv1d's default: kernel 1, 0, −1 at step 2 reads 6, 8, 7 → 6 − 7 = −1."""
    words = texts(client.get("/pool.svg?step=1").content)
    assert "max(2, 4, 7, 8) = 8 → output (0, 1)" in words
    words = texts(client.get("/pool.svg?step=1&op=avg").content)
    assert "(2 + 4 + 7 + 8) / 4 = 5.25 → output (0, 1)" in words
    words = texts(client.get("/conv1d.svg?step=2").content)
    assert "window × kernel: 6·1 + 8·0 + 7·(−1)" in " ".join(words) and "sum = −1 → output [2]" in words
    padded = texts(client.get("/pool.svg?op=avg&padding=1&count_include_pad=0").content)
    assert "(1) / 1 = 1 → output (0, 0)" in padded  # the padded zeros are not counted


def test_text_in_the_svg_is_escaped(client):
    """Numbers are the only user text on a slide, but every string is escaped: the document always parses."""
    r = client.get("/conv2d.svg?grid=1,2;3,4&kernel=1&padding=0")
    assert r.status_code == 200
    ET.fromstring(r.content)


@pytest.mark.parametrize(("url", "field", "words"), [
    ("/conv2d.gif?from=3&to=2", "to", "must not come before from (3)"),
    ("/conv2d.gif?to=16", "to", "between 0 and 15"),
    ("/conv2d.apng?from=x", "from", "whole number"),
    ("/conv2d.svg?step=16", "step", "between 0 and 15"),
    ("/conv2d.gif?stride=0", "stride", ""),
    ("/pool.gif?size=3&padding=2", "padding", "PyTorch's rule"),
    ("/conv1d.svg?kernel=a", "kernel", "not a number"),
    ("/conv2d.gif?image=shapes", "image", "exports draw the numbers grid"),
])
def test_bad_queries_name_the_field(client, url, field, words):
    r = client.get(url)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words in r.json()["detail"], r.json()


def test_the_limits_are_settings(tmp_path):
    settings = Settings(data_dir=tmp_path, htmx_source="none", export_max_frames=4, export_max_pixels=500_000)
    with TestClient(create_app(settings)) as c:
        r = c.get("/conv2d.gif")
        assert r.status_code == 422 and r.json()["field"] == "to"
        assert "16 frames; the limit is 4 (CONVSTEP_EXPORT_MAX_FRAMES)" in r.json()["detail"]
        assert len(frames(c.get("/conv2d.gif?from=4&to=7").content)) == 4
        big = "grid=" + ";".join(",".join(["1"] * 12) for _ in range(12))
        r = c.get(f"/conv2d.svg?{big}")
        assert r.status_code == 422 and r.json()["field"] == "grid"
        assert "the limit is 500000 (CONVSTEP_EXPORT_MAX_PIXELS)" in r.json()["detail"]
        r = c.get(f"/conv2d.gif?{big}&to=0")
        assert r.status_code == 422 and r.json()["field"] == "grid"


def test_pages_link_their_exports(client):
    for page, svg in (("/conv2d?step=5", "/conv2d.svg?step=5"), ("/conv1d", "/conv1d.svg"), ("/pool?op=avg", "/pool.svg?op=avg")):
        html = client.get(page).text
        assert f'href="{svg}"' in html, page
        assert f'href="{svg.replace(".svg", ".gif")}"'.replace("?step=5", "") in html or ".gif" in html
    assert 'href="/conv2d.gif"' in client.get("/conv2d").text


def test_the_animation_matches_the_engine(client):
    """The last frame of /conv1d.gif shows the whole output: compare its SVG twin's numbers with np.correlate."""
    x, k = np.array([2, 4, 6, 8, 7, 5, 3, 1.0]), np.array([1, 0, -1.0])
    expected = np.correlate(x, k, mode="valid")
    words = texts(client.get("/conv1d.svg?step=5").content)
    shown = [w for w in words if w.lstrip("−").isdigit()]
    assert [str(int(v)).replace("-", "−") for v in expected] == shown[-len(expected):]


def test_animations_drawn_at_once_are_bounded(tmp_path):
    """With every slot taken, the next animation answers 503 with Retry-After; an SVG slide (one frame) still draws."""
    from app.web import export

    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", export_concurrency=1))) as c:
        slots = export._slots(c.app.state.settings)
        assert slots.acquire(blocking=False)
        try:
            r = c.get("/conv1d.gif")
            assert r.status_code == 503 and r.headers["retry-after"] == "3"
            assert "CONVSTEP_EXPORT_CONCURRENCY" in r.json()["detail"]
            assert c.get("/conv1d.svg").status_code == 200
        finally:
            slots.release()
        assert c.get("/conv1d.gif").status_code == 200
