"""/conv2d on a picture (issue 11 part B): the window stays findable, the Edge preset says what it misses,
Sobel x + y gives the gradient magnitude, result images enlarge (a link to the PNG without JS)."""

from __future__ import annotations

import io
import re
from html import unescape

import numpy as np
from PIL import Image
from scipy import ndimage

from app.samples import sample_pixels


def picture(client, url: str) -> np.ndarray:
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "image/png", r.text[:200]
    return np.asarray(Image.open(io.BytesIO(r.content)))


def test_gradient_magnitude_png_is_scipys_sobel_magnitude_stretched(client):
    x = sample_pixels("shapes").astype(float)
    assert x.ndim == 2
    want = np.hypot(ndimage.sobel(x, 0, mode="constant"), ndimage.sobel(x, 1, mode="constant"))
    want = np.rint((want - want.min()) / (want.max() - want.min()) * 255)
    got = picture(client, "/conv2d/gradient.png?image=shapes").astype(float)
    assert got.shape == x.shape and np.abs(got - want).max() <= 1
    gx = picture(client, "/conv2d/gradient.png?image=shapes&part=x")
    assert gx.shape == (*x.shape, 3)  # signed colours


def test_gradient_part_is_checked(client):
    r = client.get("/conv2d/gradient.png?image=shapes&part=diagonal")
    assert r.status_code == 422 and r.json()["detail"] == "part must be one of x, y, magnitude, got 'diagonal'"


def test_result_images_link_their_pngs_and_sobel_xy_is_offered(client):
    html = client.get("/conv2d?image=shapes&kernel=edge").text
    result = re.search(r'<section class="result-view".*?</section>', html, re.S).group(0)
    links = [unescape(h) for h in re.findall(r'<a class="enlarge" href="([^"]+)" data-enlarge', result)]
    assert links == ["/conv2d/input.png?image=shapes&kernel=edge", "/conv2d/output.png?image=shapes&kernel=edge&mapping=signed",
                     "/conv2d/gradient.png?image=shapes&kernel=edge&part=x",
                     "/conv2d/gradient.png?image=shapes&kernel=edge&part=y",
                     "/conv2d/gradient.png?image=shapes&kernel=edge&part=magnitude"]
    for href in links:
        assert client.get(href).status_code == 200, href
    note = re.sub(r"<[^>]+>", "", re.search(r'<p class="result-note">(.*?)</p>', result, re.S).group(1))
    assert note.startswith("Edge detection on a photo: It finds diagonal changes only")
    assert "negatives blue, positives orange, 0 white" in note
    assert '<details class="gradient" id="gradient" open>' in result  # opened where the note points to it
    plain = client.get("/conv2d?image=shapes").text  # sharpen: no note, Sobel x + y still offered, closed
    assert 'class="result-note"' not in plain and '<details class="gradient" id="gradient">' in plain


def test_the_window_on_a_picture_has_crosshair_least_size_and_magnifier_frame(client):
    html = client.get("/conv2d?image=shapes&step=4000").text  # 96×96, padding 1: output (41, 64), window at (40, 63)
    svg = re.search(r'<svg class="picture" data-click="input".*?</svg>', html, re.S).group(0)
    assert '<g id="aim" transform="translate(63 40)">' in svg
    assert svg.count('class="crosshair"') == 1 and svg.count('class="crosshair-shadow"') == 1  # one path each: | and —
    assert '<rect class="magnifier-frame" x="-2" y="-2" width="7" height="7"/>' in svg  # the magnifier's 7×7
    assert '<rect class="window-halo" x="-1.0" y="-1.0" width="5" height="5"/>' in svg  # ⌈98 · 0.045⌉ = 5 > 3
    r = client.get("/conv2d?image=shapes&step=4001", headers={"HX-Request": "true", "HX-Target": "step-parts"})
    assert '<g id="aim" hx-swap-oob="true" transform="translate(64 40)">' in r.text  # swapped out of band
