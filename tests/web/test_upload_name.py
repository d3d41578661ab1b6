"""Uploads are named by their file name (issue 11): stored with the upload (app/store.py, beside its
content-addressed pixels), so the page names it from the id alone; shown in the heading and the source line
instead of the id, escaped, never a path. An old link carrying name= is redirected to the canonical URL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from tests.badfiles import png_bytes


def upload(client, rng, filename: str, pixels=None) -> str:
    if pixels is None:
        pixels = (rng.random((20, 30)) * 255).astype("uint8")
    r = client.post("/upload", files={"file": (filename, png_bytes(pixels), "image/png")}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return r.headers["location"]


def test_the_file_name_names_the_upload_escaped(client, rng):
    target = upload(client, rng, "Ada's <cat> & dog.png")
    query = parse_qs(urlparse(target).query)
    assert set(query) == {"image"}  # the link is the id alone
    html = client.get(target).text
    assert '<h1>2-D convolution, step by step: <span class="upload-name">Ada&#39;s &lt;cat&gt; &amp; dog.png</span></h1>' in html
    source = re.search(r'<p class="current-source">(.*?)</p>', html, re.S).group(1)
    assert source.startswith('Image <strong class="upload-name">Ada&#39;s &lt;cat&gt; &amp; dog.png</strong>')
    assert "<cat>" not in html
    assert 'name="name"' not in html  # Apply has nothing to carry: the name is the upload's
    twin = client.get(target.replace("/conv2d?", "/conv2d.json?")).json()
    assert twin["name"] == "Ada's <cat> & dog.png" and "name" not in twin["state"]
    assert client.get(f"{target}&kernel=edge&step=3").text.count("Ada&#39;s &lt;cat&gt; &amp; dog.png") == 2


def test_a_path_and_control_characters_are_dropped(client, rng):
    target = upload(client, rng, "C:\\Users\\ada\\Holiday\u202e  photo.png")  # (httpx %-escapes ASCII controls)
    assert client.get(target.replace("/conv2d?", "/conv2d.json?")).json()["name"] == "Holiday photo.png"
    no_name = upload(client, rng, "")
    assert "upload-name" not in client.get(no_name).text
    assert client.get(no_name.replace("/conv2d?", "/conv2d.json?")).json()["name"] is None


def test_the_latest_upload_of_the_same_pixels_names_them(client, rng):
    pixels = (rng.random((12, 12)) * 255).astype("uint8")
    first, second = upload(client, rng, "first.png", pixels), upload(client, rng, "second.png", pixels)
    assert first == second  # content-addressed: one id
    assert 'class="upload-name">second.png<' in client.get(first).text


def test_an_old_link_with_name_is_redirected_without_it(client, rng):
    target = upload(client, rng, "x.png")
    image = parse_qs(urlparse(target).query)["image"][0]
    r = client.get(f"/conv2d?image={image}&name=evil%20%3Cb%3E.png&step=1", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == f"/conv2d?image={image}&step=1"
    html = client.get(r.headers["location"]).text
    assert 'class="upload-name">x.png<' in html and "evil" not in html  # the stored name, not the link's
    r = client.get("/conv2d?image=shapes&name=evil.png", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/conv2d?image=shapes"
    assert client.get("/conv2d.json?image=shapes").json()["name"] is None  # samples have their own labels
