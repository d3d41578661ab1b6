"""Uploads are named by their file name (issue 11 part B): carried in the link as name= (as orig= carries
the size), shown in the heading and the source line instead of the id, escaped, never a path."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from tests.badfiles import png_bytes


def upload(client, rng, filename: str) -> str:
    pixels = (rng.random((20, 30)) * 255).astype("uint8")
    r = client.post("/upload", files={"file": (filename, png_bytes(pixels), "image/png")}, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    return r.headers["location"]


def test_the_file_name_names_the_upload_escaped(client, rng):
    target = upload(client, rng, "Ada's <cat> & dog.png")
    query = parse_qs(urlparse(target).query)
    assert query["name"] == ["Ada's <cat> & dog.png"]
    html = client.get(target).text
    assert '<h1>2-D convolution, step by step: <span class="upload-name">Ada&#39;s &lt;cat&gt; &amp; dog.png</span></h1>' in html
    source = re.search(r'<p class="current-source">(.*?)</p>', html, re.S).group(1)
    assert source.startswith('Image <strong class="upload-name">Ada&#39;s &lt;cat&gt; &amp; dog.png</strong>')
    assert "<cat>" not in html
    assert '<input type="hidden" name="name" value="Ada&#39;s &lt;cat&gt; &amp; dog.png">' in html  # Apply keeps it
    assert client.get(target.replace("/conv2d?", "/conv2d.json?")).json()["state"]["name"] == "Ada's <cat> & dog.png"


def test_a_path_and_control_characters_are_dropped(client, rng):
    target = upload(client, rng, "C:\\Users\\ada\\Holiday\u202e  photo.png")  # (httpx %-escapes ASCII controls)
    assert parse_qs(urlparse(target).query)["name"] == ["Holiday photo.png"]
    no_name = upload(client, rng, "")
    assert "name=" not in no_name


def test_name_is_canonical_and_only_for_uploads(client, rng):
    target = upload(client, rng, "x.png")
    image = parse_qs(urlparse(target).query)["image"][0]
    r = client.get(f"/conv2d?image={image}&name=%20%20a%2Fb%2Fc.png%20", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == f"/conv2d?image={image}&name=c.png"
    r = client.get("/conv2d?image=shapes&name=evil.png", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/conv2d?image=shapes"  # samples have their own names
    long = client.get(f"/conv2d?image={image}&name={'a' * 200}.png", follow_redirects=False).headers["location"]
    assert parse_qs(urlparse(long).query)["name"] == ["a" * 80]
