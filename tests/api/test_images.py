import io

import numpy as np
from PIL import Image

from tests import badfiles


def test_upload_then_use_then_fetch(client, rng):
    pixels = rng.integers(0, 255, (12, 10), dtype=np.uint8)
    r = client.post("/api/images", files={"file": ("a.png", badfiles.png_bytes(pixels), "image/png")})
    assert r.status_code == 201
    body = r.json()
    assert body["width"] == 10 and body["height"] == 12 and body["channels"] == 1 and body["format"] == "PNG"
    conv = client.post("/api/conv", json={"image_id": body["id"], "kernel": "identity", "padding": 1}).json()
    np.testing.assert_array_equal(np.array(conv["output"]), pixels)
    png = client.get(f"/api/images/{body['id']}.png")
    assert png.status_code == 200 and "immutable" in png.headers["cache-control"]
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png.content))), pixels)
    assert client.get(f"/api/images/{body['id']}.png", headers={"If-None-Match": png.headers["etag"]}).status_code == 304


def test_upload_errors(client):
    r = client.post("/api/images", files={"file": ("a.png", b"nope", "image/png")})
    assert r.status_code == 415 and r.json()["field"] == "file"
    r = client.post("/api/images", files={"file": ("a.png", badfiles.huge_png(), "image/png")})
    assert r.status_code == 413 and "CONVSTEP_MAX_IMAGE_PIXELS" in r.json()["detail"]
    r = client.post("/api/images", files={"file": ("a.png", badfiles.truncated_png(), "image/png")})
    assert r.status_code == 422
    r = client.post("/api/images")
    assert r.status_code == 422 and "file" in r.json()["detail"]


def test_image_fetch_errors(client):
    assert client.get(f"/api/images/{'0' * 32}.png").status_code == 404
    assert client.get("/api/images/..%2f..%2fetc%2fpasswd.png").status_code in (404, 422)
    assert client.get("/api/images/XYZ.png").status_code == 422


def test_samples(client):
    samples = client.get("/api/samples").json()
    names = {s["name"] for s in samples}
    assert {"digit", "shapes", "colour", "checkerboard"} <= names
    assert next(s for s in samples if s["name"] == "colour")["channels"] == 3
    png = client.get("/api/samples/digit.png")
    assert png.status_code == 200 and Image.open(io.BytesIO(png.content)).size == (8, 8)
    assert client.get("/api/samples/nope.png").status_code == 404


def test_openapi_documents_the_png_answers_media_type(client):
    paths = client.get("/openapi.json").json()["paths"]
    binary = {"schema": {"type": "string", "format": "binary"}}
    for path, method in (("/api/images/{image_id}.png", "get"), ("/api/samples/{name}.png", "get"), ("/api/conv", "post")):
        assert paths[path][method]["responses"]["200"]["content"]["image/png"] == binary, path
    assert "application/json" not in paths["/api/samples/{name}.png"]["get"]["responses"]["200"]["content"]
    upload = paths["/api/images"]["post"]["responses"]
    assert {"408", "413", "415", "429", "503"} <= set(upload)
