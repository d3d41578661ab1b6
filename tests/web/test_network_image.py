"""/network feeds an image to an uploaded model: an upload (or a sample) resized to the model's input by area means,
values ÷ 255, brightness for a one-channel model and RGB for three, then run like onnx's reference evaluator; shapes
that do not fit and bad references are 4xx naming the field."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fastapi.testclient import TestClient
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from PIL import Image

from app.main import create_app
from app.settings import Settings


def cnn(channels: int, side: int, seed: int = 3):
    """1×C×side×side → conv 3×3 ×2 (pad 1) → ReLU → max pool 2 → flatten → Gemm 3 → softmax."""
    rng = np.random.default_rng(seed)
    t = lambda name, *shape: numpy_helper.from_array(rng.normal(size=shape).astype(np.float32), name)  # noqa: E731
    half = side // 2
    inits = [t("w", 2, channels, 3, 3), t("b", 2), t("wd", 3, 2 * half * half), t("bd", 3)]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="c"),
             helper.make_node("Relu", ["c"], ["r"], name="r"),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="p"),
             helper.make_node("Flatten", ["p"], ["f"], name="f"),
             helper.make_node("Gemm", ["f", "wd", "bd"], ["z"], transB=1, name="d"),
             helper.make_node("Softmax", ["z"], ["y"], axis=1, name="s")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, channels, side, side])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("d"), htmx_source="none"))) as c:
        yield c


def upload_model(client, model) -> str:
    r = client.post("/network/upload", files={"file": ("m.onnx", model.SerializeToString())}, follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"].split("model=")[1]


def png(pixels: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    return buf.getvalue()


def feed(client, model_id: str, pixels: np.ndarray):
    return client.post("/network/image", data={"model": model_id}, files={"file": ("pic.png", png(pixels), "image/png")},
                       follow_redirects=False)


def block_means(x: np.ndarray, f: int) -> np.ndarray:
    """Shrinking by a whole factor f: each cell the mean of its f×f block (the area rule, by reshaping)."""
    h, w = x.shape[:2]
    return x.reshape(h // f, f, w // f, f, *x.shape[2:]).mean(axis=(1, 3))


RGB = np.random.default_rng(11).integers(0, 256, (24, 24, 3)).astype(np.uint8)


def test_an_rgb_image_feeds_a_three_channel_model(client):
    model = cnn(3, 6)
    model_id = upload_model(client, model)
    r = feed(client, model_id, RGB)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/network?model={model_id}&image=")
    body = client.get(r.headers["location"].replace("/network", "/network.json")).json()
    x = np.array(body["input"])
    assert x.shape == (6, 6, 3)
    np.testing.assert_allclose(x, block_means(RGB.astype(float), 4) / 255, rtol=0, atol=1e-6)
    expected = ReferenceEvaluator(model).run(None, {"x": x.transpose(2, 0, 1)[None].astype(np.float32)})[0][0]
    np.testing.assert_allclose(body["probabilities"], expected, rtol=1e-4, atol=1e-6)
    assert body["source"]["image_size"] == [24, 24] and body["source"]["colour"] is True
    page = client.get(r.headers["location"]).text
    assert "Input 6×6×3" in page and "resized to 6×6 by area means" in page
    assert all(f"<figcaption>{c}</figcaption>" in page for c in ("red", "green", "blue"))
    # a cell selected on the image's maps: its field is marked in all three channels (a 3×3 window at the corner: 2×2)
    sel = client.get(r.headers["location"] + "&at=c,1,0,0")
    assert sel.status_code == 200 and sel.text.count(' rf"') == 3 * 4


def test_a_colour_image_feeds_a_one_channel_model_as_brightness_and_a_grey_one_as_it_is(client):
    model = cnn(1, 6, seed=4)
    model_id = upload_model(client, model)
    body = client.get(feed(client, model_id, RGB).headers["location"].replace("/network", "/network.json")).json()
    luma = RGB @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(body["input"], block_means(luma, 4) / 255, rtol=0, atol=1e-6)
    x = np.array(body["input"], dtype=np.float32)[None, None]
    np.testing.assert_allclose(body["probabilities"], ReferenceEvaluator(model).run(None, {"x": x})[0][0], rtol=1e-4,
                               atol=1e-6)
    grey = RGB[..., 0]
    body = client.get(feed(client, model_id, grey).headers["location"].replace("/network", "/network.json")).json()
    np.testing.assert_allclose(body["input"], block_means(grey.astype(float), 4) / 255, rtol=0, atol=1e-6)


def test_a_grey_image_is_repeated_for_a_three_channel_model_and_samples_feed_too(client):
    model_id = upload_model(client, cnn(3, 4, seed=5))
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    body = client.get(feed(client, model_id, grey).headers["location"].replace("/network", "/network.json")).json()
    x = np.array(body["input"])
    assert x.shape == (4, 4, 3) and np.array_equal(x[..., 0], x[..., 2])
    np.testing.assert_allclose(x[..., 1], block_means(grey.astype(float), 2) / 255, rtol=0, atol=1e-6)
    sample = client.get("/network.json", params={"model": model_id, "image": "digit"})
    assert sample.status_code == 200 and np.array(sample.json()["input"]).shape == (4, 4, 3)
    assert client.get("/network", params={"model": model_id}).text.count('action="/network/image"') == 1


@pytest.mark.parametrize(("model", "query", "status", "words"), [
    (lambda: cnn(2, 4), {}, 422, "H×W×1 (grey) or H×W×3 (RGB)"),
    (lambda: cnn(1, 34), {}, 422, "at most 32×32 (CONVSTEP_NETWORK_MAX_IMAGE_SIDE)"),
    (lambda: cnn(1, 4), {"image": "nope"}, 422, "image must be a sample"),
    (lambda: cnn(1, 4), {"image": "0" * 32}, 404, "is not stored"),
    (None, {"image": "digit"}, 422, "feeds an uploaded model"),
])
def test_what_does_not_fit_is_refused_naming_the_image(client, model, query, status, words):
    params = {"model": upload_model(client, model()) if model else "digits", "image": "digit", **query}
    r = client.get("/network.json", params=params)
    assert r.status_code == status and r.json()["field"] == "image" and words in r.json()["detail"], r.text
    assert client.get("/network", params=params).status_code == status


def test_the_side_limit_is_a_setting(tmp_path):
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", network_max_image_side=5))) as c:
        model_id = upload_model(c, cnn(1, 6))
        r = c.get("/network.json", params={"model": model_id, "image": "digit"})
        assert r.status_code == 422 and "at most 5×5" in r.json()["detail"]
        assert c.get("/network.json", params={"model": upload_model(c, cnn(1, 4)), "image": "digit"}).status_code == 200


def test_a_bad_upload_names_the_file(client):
    model_id = upload_model(client, cnn(1, 4))
    r = client.post("/network/image", data={"model": model_id}, files={"file": ("x.png", b"not an image", "image/png")},
                    headers={"accept": "application/json"}, follow_redirects=False)
    assert 400 <= r.status_code < 500 and "file" in r.text
