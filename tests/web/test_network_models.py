"""/network with an uploaded model (model=<id>): the upload form, the layer summary (shapes, parameters,
receptive fields counted by hand), every layer computed like onnx's reference evaluator, and each conv
filter linked to the stepper with its kernel by value."""

from __future__ import annotations

import io

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from scipy.signal import correlate2d


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def small_cnn():
    """1×1×6×6 → conv 3×3 ×3 (pad 1) → ReLU → max pool 2 → conv 3×3×3 ×2 (valid) → flatten → Gemm 4 → softmax."""
    rng = np.random.default_rng(13)
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="c1"),
             helper.make_node("Relu", ["c1"], ["r1"], name="r1"),
             helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2], name="p1"),
             helper.make_node("Conv", ["p1", "w2", "b2"], ["c2"], name="c2"),
             helper.make_node("Flatten", ["c2"], ["f"], name="f"),
             helper.make_node("Gemm", ["f", "wd", "bd"], ["z"], transB=1, name="d"),
             helper.make_node("Softmax", ["z"], ["y"], axis=1, name="s")]
    w1, w2 = rng.normal(size=(3, 1, 3, 3)), rng.normal(size=(2, 3, 3, 3))
    inits = [tensor("w1", w1), tensor("b1", rng.normal(size=3)), tensor("w2", w2), tensor("b2", rng.normal(size=2)),
             tensor("wd", rng.normal(size=(4, 2))), tensor("bd", rng.normal(size=4))]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 6, 6])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def upload_page(client, name, data):
    return client.post("/network/upload", files={"file": (name, data, "application/octet-stream")}, follow_redirects=False)


@pytest.fixture
def uploaded(client):
    model = small_cnn()
    r = upload_page(client, "small.onnx", model.SerializeToString())
    assert r.status_code == 303 and r.headers["location"].startswith("/network?model=")
    return model, r.headers["location"]


def test_the_summary_counts_shapes_params_and_receptive_fields(client, uploaded):
    _, url = uploaded
    assert client.get(url).status_code == 200
    body = client.get(url.replace("/network", "/network.json")).json()
    rows = {r["op"] + str(i): r for i, r in enumerate(body["summary"])}
    assert [(r["op"], r["output_shape"], r["params"], r["receptive_field"]) for r in body["summary"]] == [
        ("conv", [6, 6, 3], 3 * 9 + 3, [3, 3]),  # by hand: 27 weights + 3 biases; F = 3
        ("relu", [6, 6, 3], 0, [3, 3]),
        ("pool", [3, 3, 3], 0, [4, 4]),  # 3 + (2 − 1)·1
        ("conv", [1, 1, 2], 2 * 27 + 2, [8, 8]),  # 4 + (3 − 1)·2
        ("flatten", [2], 0, None), ("dense", [4], 2 * 4 + 4, None), ("softmax", [4], 0, None)]
    assert body["total_params"] == 30 + 56 + 12 and rows["pool2"]["jump"] == [2, 2]


def test_the_page_runs_the_model_like_the_reference_evaluator(client, uploaded):
    model, url = uploaded
    body = client.get(url.replace("/network", "/network.json")).json()
    x = np.array(body["input"], dtype=np.float32)
    assert x.shape == (6, 6)
    expected = ReferenceEvaluator(model).run(None, {"x": x[None, None]})[0][0]
    np.testing.assert_allclose(body["probabilities"], expected, rtol=1e-5, atol=1e-7)
    assert body["prediction"] == int(expected.argmax())
    grid = "0,1,2,3,4,5;" * 5 + "9,9,9,9,9,9"
    model_id = url.split("model=")[1]
    typed = client.get("/network.json", params={"model": model_id, "grid": grid}).json()
    x2 = np.array([[float(v) for v in r.split(",")] for r in grid.split(";")], dtype=np.float32)
    np.testing.assert_allclose(typed["probabilities"], ReferenceEvaluator(model).run(None, {"x": x2[None, None]})[0][0],
                               rtol=1e-5, atol=1e-7)
    bad = client.get("/network.json", params={"model": model_id, "grid": "1,2;3,4"})
    assert bad.status_code == 422 and bad.json()["field"] == "grid" and "6×6" in bad.json()["detail"]


def test_conv_filters_link_to_the_stepper_with_their_kernels(client, uploaded):
    model, url = uploaded
    body = client.get(url.replace("/network", "/network.json")).json()
    names = [r["name"] for r in body["summary"]]
    w1 = numpy_helper.to_array(model.graph.initializer[0]).astype(np.float64)
    w2 = numpy_helper.to_array(model.graph.initializer[2]).astype(np.float64)
    first = body["kernel_links"][names[0]]
    assert len(first) == 3 and all(h.startswith("/conv2d?") for h in first)
    twin = client.get(first[1].replace("/conv2d", "/conv2d.json")).json()
    assert np.allclose(twin["state"]["kernel"], w1[1, 0], atol=1e-7) and twin["state"]["grid"] == body["input"]
    second = body["kernel_links"][names[3]]
    vol = client.get(second[1].replace("/volume", "/volume.json")).json()
    pool = np.array(body["layers"][2]["output"])
    assert np.array_equal(np.array(vol["input"]), pool)
    assert np.allclose(np.array(vol["filters"])[0], w2[1].transpose(1, 2, 0), atol=1e-7)  # (C, kh, kw) → (kh, kw, C)
    ref = sum(correlate2d(pool[..., c], w2[1, c], mode="valid") for c in range(3))[0, 0]
    assert vol["output"][0][0][0] == pytest.approx(ref + numpy_helper.to_array(model.graph.initializer[3])[1], rel=1e-6)
    assert vol["output"][0][0][0] == pytest.approx(body["layers"][3]["output"][0][0][1], rel=1e-12)


def test_selecting_a_cell_of_an_uploaded_model(client, uploaded):
    _, url = uploaded
    names = [r["name"] for r in client.get(url.replace("/network", "/network.json")).json()["summary"]]
    model_id = url.split("model=")[1]
    body = client.get("/network.json", params={"model": model_id, "at": f"{names[2]},1,2,0"}).json()
    sel = body["selection"]
    assert {k: sel["field"][k] for k in ("rows", "cols", "size", "cells")} == {"rows": [3, 5], "cols": [0, 2], "size": [4, 4],
                                                                             "cells": 9}  # conv rows 4–5 → input 3–5
    assert sel["value"] == max(map(max, sel["window"]))
    page = client.get("/network", params={"model": model_id, "at": f"{names[3]},0,0,0"}, follow_redirects=True).text
    assert "Step it in the volume stepper" in page


def test_a_weight_file_without_a_graph_is_summarised(client):
    buf = io.BytesIO()
    np.savez(buf, **{"features.0.weight": np.ones((4, 1, 3, 3)), "features.0.bias": np.zeros(4), "fc.weight": np.ones((2, 8))})
    r = upload_page(client, "weights.npz", buf.getvalue())
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "features.0" in page.text and "without a graph" in page.text
    body = client.get(r.headers["location"].replace("/network", "/network.json")).json()
    assert body["runnable"] is False and body["layers"] == [] and body["total_params"] == 36 + 4 + 16


@pytest.mark.parametrize("name,data,status,words", [("model.pt", b"\x80\x02}q\x00.", 415, "never unpickles"),
                                                    ("model.onnx", b"\x08\x07garbage", 422, "onnx"),
                                                    ("model.npz", b"", 422, "the file is empty")])
def test_bad_uploads_answer_the_page_with_the_reason(client, name, data, status, words):
    r = upload_page(client, name, data)
    assert r.status_code == status and words in r.text.lower()
    assert "Your own model" in r.text  # the page, with its upload form


def test_unknown_or_malformed_model_ids(client):
    assert client.get("/network.json", params={"model": "0" * 32}).status_code == 404
    r = client.get("/network.json", params={"model": "x"})
    assert r.status_code == 422 and r.json()["field"] == "model"
