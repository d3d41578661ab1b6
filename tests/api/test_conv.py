import io

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from app.samples import sample_pixels
from tests.oracles import loop_correlate

GRID = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]


@pytest.mark.parametrize(("stride", "padding"), [(1, 1), (2, 1), (1, "valid"), (1, "same"), ([1, 2], [1, 0])])
def test_conv_matches_loop_twin(client, rng, stride, padding):
    x, w = rng.integers(-9, 10, (7, 8)), rng.integers(-3, 4, (3, 3))
    body = client.post("/api/conv", json={"input": x.tolist(), "kernel": w.tolist(), "stride": stride, "padding": padding}).json()
    expected = loop_correlate(x, w, stride, padding)
    np.testing.assert_array_equal(np.array(body["output"]), expected)
    assert body["shape"] == list(expected.shape)


def test_flip_and_preset_and_bias(client):
    r = client.post("/api/conv", json={"input": [1, 2, 3, 4], "kernel": [1, 0, -1], "flip": True, "bias": 10}).json()
    assert r["output"] == [12, 12]
    r = client.post("/api/conv", json={"input": GRID, "kernel": "identity", "padding": 1}).json()
    assert r["output"] == GRID


def test_image_id_sample_and_png(client):
    r = client.post("/api/conv", json={"image_id": "digit", "kernel": "box_blur", "padding": 1})
    expected = ndimage.correlate(sample_pixels("digit").astype(float), np.ones((3, 3)) / 9, mode="constant")
    np.testing.assert_allclose(np.array(r.json()["output"]), expected)
    png = client.post("/api/conv?format=png&mapping=signed", json={"image_id": "shapes", "kernel": "sobel_x"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["x-display-mapping"] == "signed"
    assert Image.open(io.BytesIO(png.content)).size == (94, 94)
    accept = client.post("/api/conv", json={"image_id": "shapes", "kernel": "sobel_x"}, headers={"Accept": "image/png"})
    assert accept.headers["content-type"] == "image/png"


def test_warnings_when_stride_does_not_tile(client):
    r = client.post(
        "/api/conv", json={"input": np.ones((5, 5)).tolist(), "kernel": np.ones((3, 3)).tolist(), "stride": 3, "padding": 1}
    ).json()
    assert r["shape"] == [2, 2] and len(r["warnings"]) == 2 and "7/3" in r["warnings"][0]


def test_trace_step_matches_conv(client):
    full = np.array(client.post("/api/conv", json={"input": GRID, "kernel": "sharpen", "padding": 1, "bias": 2}).json()["output"])
    for step in range(16):
        t = client.post("/api/trace", json={"input": GRID, "kernel": "sharpen", "padding": 1, "bias": 2, "step": step}).json()
        assert t["result"] == full[tuple(t["out_index"])]
        assert t["sum"] + t["bias"] == t["result"]
