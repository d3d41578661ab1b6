"""The OpenAPI document states the real rules, and the server keeps to exactly those rules."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image

from app.engine.kernels import PRESETS
from app.samples import SAMPLES

GRID = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]


@pytest.fixture
def doc(client):
    return client.get("/openapi.json").json()


def param(doc, path: str, name: str, method: str = "get") -> dict:
    return next(p for p in doc["paths"][path][method]["parameters"] if p["name"] == name)


def body_schema(doc, name: str) -> dict:
    return doc["components"]["schemas"][name]["properties"]


def test_required_query_parameters_and_their_forms(doc):
    for path, names in (("/api/shape", ("input", "kernel")), ("/api/params", ("kernel", "channels", "filters"))):
        for name in names:
            assert param(doc, path, name)["required"] is True, (path, name)
    sizes = re.compile(param(doc, "/api/shape", "input")["schema"]["pattern"])
    assert [bool(sizes.fullmatch(t)) for t in ("5", "5,7", "0005", "999999", "")] == [True, True, True, True, False]
    assert [bool(sizes.fullmatch(t)) for t in ("0", "1000000", "5,5,5", " 5", "5, 5", "-5", "5.0")] == [False] * 7
    pads = re.compile(param(doc, "/api/shape", "padding")["schema"]["pattern"])
    assert [bool(pads.fullmatch(t)) for t in ("0", "same", "valid", "1,2", "SAME", "full")] == [True] * 4 + [False] * 2
    solve = doc["paths"]["/api/shape/solve"]["get"]
    assert "exactly one" in solve["description"]


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [("input=0005&kernel=3", 200, None), ("input=5&kernel=3&padding=same", 200, None),
     ("input=1000000&kernel=3", 422, "at most 999999"), ("input=%205&kernel=3", 422, "whole number"),
     ("input=5&kernel=3&padding=SAME", 422, "whole number"), ("input=5&kernel=3,3,3", 422, "1 or 2 values"),
     ("input=5&kernel=3&stride=0", 422, "at least 1")],
)
def test_shape_text_forms_are_what_the_pattern_says(client, query, status, text):
    r = client.get(f"/api/shape?{query}")
    assert r.status_code == status, r.text
    if text:
        assert text in r.json()["detail"]


def test_names_and_ids_are_enumerated_or_patterned(client, doc):
    names = param(doc, "/api/kernels/{name}", "name")["schema"]["enum"]
    assert names[: len(PRESETS)] == list(PRESETS) and "digits_conv1_0" in names  # every name GET /api/kernels lists
    assert [k["name"] for k in client.get("/api/kernels").json()] == names
    assert client.get("/api/kernels/digits_conv1_0").json()["learned"] is True
    image_id = param(doc, "/api/images/{image_id}.png", "image_id")["schema"]["pattern"]
    assert re.fullmatch(image_id, "0123456789abcdef" * 2) and not re.fullmatch(image_id, "shapes")
    ref = body_schema(doc, "ConvRequest")["image_id"]["anyOf"]
    assert {"type": "string", "enum": list(SAMPLES)} in ref and any(s.get("pattern") == image_id for s in ref)
    kernel = body_schema(doc, "ConvRequest")["kernel"]["anyOf"]
    assert {"type": "string", "enum": list(PRESETS)} in kernel


def test_ranks_bounds_and_bias_are_stated(doc):
    conv = body_schema(doc, "ConvRequest")
    ranks = [s for s in conv["input"]["anyOf"] if s.get("type") == "array"]
    depth = []
    for s in ranks:
        d = 0
        while s.get("type") == "array":
            assert s["minItems"] == 1
            s, d = s["items"], d + 1
        assert s == {"type": "number"}
        depth.append(d)
    assert depth == [1, 2, 3]
    stride = conv["stride"]["anyOf"]
    assert stride[0] == {"type": "integer", "minimum": 1, "maximum": 1_000_000}
    assert stride[1]["minItems"] == 1 and stride[1]["maxItems"] == 2
    assert "one per kernel" in conv["bias"]["description"]
    assert {"type": "array", "items": {"type": "number"}, "minItems": 1} in conv["bias"]["anyOf"]
    description = doc["components"]["schemas"]["ConvRequest"]["description"]
    assert "exactly one of ``input`` and ``image_id``" in description and "(kh, kw, C)" in description
    trace_pool = body_schema(doc, "PoolTraceRequest")["input"]["anyOf"]
    assert len(trace_pool) == 2  # a trace of pooling takes (n) or (H, W) only
    assert body_schema(doc, "MatrixRequest")["row_start"]["anyOf"][0] == {"type": "integer", "minimum": 0}


def test_integral_floats_count_as_integers_like_json_schema_says(client):
    r = client.post("/api/conv", json={"input": GRID, "kernel": "sharpen", "stride": 2.0, "padding": [1.0, 1]})
    assert r.status_code == 200, r.text
    assert r.json()["output"] == [[143.0, 84.0], [-5.0, 5.0]]  # the notes' grid, sharpened, every other cell


def _png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _follow(client, doc, link: dict, response: dict):
    """Call a link's target the way an OpenAPI client does: its runtime expressions read the upload's answer."""
    target = next((path, method, op) for path, methods in doc["paths"].items() for method, op in methods.items()
                  if op["operationId"] == link["operationId"])
    path, method, _ = target

    def value(expression):
        if isinstance(expression, str) and expression.startswith("$response.body#/"):
            return response[expression.removeprefix("$response.body#/")]
        return expression

    for name, expression in link.get("parameters", {}).items():
        path = path.replace("{" + name.removeprefix("path.") + "}", value(expression))
    body = link.get("requestBody")
    return client.request(method.upper(), path, json=None if body is None else {k: value(v) for k, v in body.items()})


def test_upload_links_lead_to_conv_trace_and_the_png(client, doc):
    """upload → id → /api/conv and /api/trace with image_id → /api/images/{id}.png, as the document's links say."""
    links = doc["paths"]["/api/images"]["post"]["responses"]["201"]["links"]
    assert set(links) == {"ConvolveTheUpload", "TraceTheUpload", "FetchTheUpload"}
    pixels = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    uploaded = client.post("/api/images", files={"file": ("x.png", _png(pixels), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    answer = uploaded.json()
    conv = _follow(client, doc, links["ConvolveTheUpload"], answer)
    assert conv.status_code == 200 and conv.json()["shape"] == [4, 6]  # 6×8 image, 3×3 sharpen, no padding
    # sharpen on a linear ramp (5·(8r + c)) keeps the centre value: 5·(8·1 + 1) = 45 at the first cell
    assert conv.json()["output"][0][0] == 45
    trace = _follow(client, doc, links["TraceTheUpload"], answer)
    assert trace.status_code == 200 and trace.json()["index"] == 0
    png = _follow(client, doc, links["FetchTheUpload"], answer)
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png.content))), pixels)


def test_groups_on_the_api(client, doc):
    assert doc["components"]["schemas"]["ConvRequest"]["properties"]["groups"]["minimum"] == 1
    x = np.arange(16, dtype=float).reshape(2, 2, 4).tolist()  # pixel (0, 0) holds channels [0, 1, 2, 3]
    r = client.post("/api/conv", json={"input": x, "kernels": [[[[1, 0]]], [[[0, 1]]]], "groups": 2})
    assert r.status_code == 200, r.text
    # kernel 0 sees channels 0–1 and picks channel 0; kernel 1 sees channels 2–3 and picks channel 3
    assert r.json()["output"] == [[[0, 3], [4, 7]], [[8, 11], [12, 15]]]
    for body, text in (({"kernels": [[[[1, 0]]], [[[0, 1]]]], "groups": 3}, "groups 3 must divide the input's 4 channels"),
                       ({"kernel": [[[1, 0]]], "groups": 2}, "give `kernels`"),
                       ({"kernels": [[[[1, 0, 0, 0]]]], "groups": 2}, "into groups of 2")):
        r = client.post("/api/conv", json={"input": x, **body})
        assert r.status_code == 422 and text in r.json()["detail"], r.text
