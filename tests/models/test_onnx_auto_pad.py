"""ONNX auto_pad (SAME_UPPER, SAME_LOWER, VALID) on Conv, MaxPool and AveragePool, odd and even kernels,
strides 1 and 2, odd and even input sides: the engine's run of the read model against onnx.reference.

The oracle is onnx.reference running the same node with the explicit ``pads`` the ONNX spec's rule
gives (written here, independently of app/models/onnx_reader.py): SAME makes output = ceil(n / s),
total padding (out − 1)·s + k − n, the odd cell at the end (SAME_UPPER) or the start (SAME_LOWER);
VALID is no padding. onnx 1.22's reference evaluator deviates from its own spec when it resolves
auto_pad itself (Conv pads VALID like SAME and reads the batch and channel sizes as spatial ones;
MaxPool SAME_LOWER gives floor(n / s)), so it is given the explicit pads; its MaxPool also reads
explicit pads in another order (H's two, then W's), so a max pool's oracle is the reference on the
input padded here with −∞. Where the reference follows the spec (AveragePool, MaxPool SAME_UPPER and
VALID) the auto_pad node is checked directly too."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from app.engine.network import forward
from app.models.files import Limits, read_model
from app.settings import Settings

CASES = list(itertools.product(("SAME_UPPER", "SAME_LOWER", "VALID"), (2, 3), (1, 2)))


def model_of(node, inits, c=2, h=7, w=6):
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, w])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def spec_pads(auto, k, s, sides=(7, 6)):
    """ONNX pads [top, left, bottom, right] for auto_pad, by the spec's rule."""
    if auto == "VALID":
        return [0, 0, 0, 0]
    before, after = [], []
    for n in sides:
        total = max(0, (-(-n // s) - 1) * s + k - n)
        small, large = total // 2, total - total // 2
        before.append(small if auto == "SAME_UPPER" else large)
        after.append(large if auto == "SAME_UPPER" else small)
    return before + after


def explicit(node, auto, k, s):
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute if a.name != "auto_pad"}
    pads = spec_pads(auto, k, s)
    return helper.make_node(node.op_type, list(node.input), list(node.output), name=node.name, pads=pads, **attrs)


def run_both(node, inits, auto, k, s, rng, c=2, h=7, w=6):
    x = rng.normal(size=(1, c, h, w)).astype(np.float32)
    if node.op_type == "MaxPool":
        top, left, bottom, right = spec_pads(auto, k, s)
        xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=-np.inf)
        plain = helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[k, k], strides=[s, s])
        expected = ReferenceEvaluator(model_of(plain, [], h=xp.shape[2], w=xp.shape[3])).run(None, {"x": xp})[0][0]
    else:
        expected = ReferenceEvaluator(model_of(explicit(node, auto, k, s), inits)).run(None, {"x": x})[0][0]
    expected = expected.transpose(1, 2, 0)  # NCHW → H, W, C
    net = read_model(model_of(node, inits).SerializeToString(), "m.onnx", Limits.from_settings(Settings())).network
    got = forward(net, x[0].transpose(1, 2, 0)[None].astype(np.float64))[-1][0]
    follows_spec = node.op_type == "AveragePool" or (node.op_type == "MaxPool" and auto != "SAME_LOWER")
    if follows_spec:
        direct = ReferenceEvaluator(model_of(node, inits)).run(None, {"x": x})[0][0].transpose(1, 2, 0)
        np.testing.assert_allclose(direct, expected, rtol=1e-6, atol=1e-6)
    return got, expected


@pytest.mark.parametrize("auto,k,s", CASES)
def test_conv_auto_pad_matches_the_reference(auto, k, s):
    rng = np.random.default_rng(k * 10 + s)
    w = numpy_helper.from_array(rng.normal(size=(3, 2, k, k)).astype(np.float32), "w")
    node = helper.make_node("Conv", ["x", "w"], ["y"], auto_pad=auto, strides=[s, s], kernel_shape=[k, k], name="conv")
    got, expected = run_both(node, [w], auto, k, s, rng)
    assert got.shape == expected.shape
    if auto != "VALID":
        assert got.shape[:2] == (-(-7 // s), -(-6 // s))  # SAME: output = ceil(n / s)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("auto,k,s", CASES)
@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
def test_pool_auto_pad_matches_the_reference(op, auto, k, s):
    rng = np.random.default_rng(k * 10 + s + 1)
    extra = {"count_include_pad": 0} if op == "AveragePool" else {}
    node = helper.make_node(op, ["x"], ["y"], auto_pad=auto, strides=[s, s], kernel_shape=[k, k], name="pool", **extra)
    got, expected = run_both(node, [], auto, k, s, rng)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_unknown_auto_pad_and_same_on_conv_transpose_are_refused_by_name(client):
    w = numpy_helper.from_array(np.ones((2, 1, 3, 3), dtype=np.float32), "w")
    for node in (helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME_MIDDLE", name="odd"),
                 helper.make_node("ConvTranspose", ["x", "w"], ["y"], auto_pad="SAME_UPPER", name="up")):
        r = client.post("/api/models", files={"file": ("m.onnx", model_of(node, [w]).SerializeToString())})
        assert r.status_code == 422 and node.name in r.json()["detail"] and "auto_pad" in r.json()["detail"]


def residual_and_concat(rng):
    """A residual block (conv → BN → ReLU → conv, + the block's input, → ReLU) and two conv branches joined by
    Concat on channels, then max pool → flatten → Gemm → softmax: a graph, not a chain."""
    t = lambda name, shape: numpy_helper.from_array(rng.normal(size=shape).astype(np.float32), name)  # noqa: E731
    inits = [t("w1", (2, 2, 3, 3)), t("b1", (2,)), t("s", (2,)), t("bb", (2,)), t("m", (2,)),
             numpy_helper.from_array(rng.uniform(0.5, 2, 2).astype(np.float32), "v"), t("w2", (2, 2, 3, 3)),
             t("wa", (3, 2, 1, 1)), t("wb", (2, 2, 3, 3)), t("wd", (4, 5 * 2 * 2)), t("bd", (4,))]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="c1"),
             helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["n1"], name="bn"),
             helper.make_node("Relu", ["n1"], ["r1"], name="r1"),
             helper.make_node("Conv", ["r1", "w2"], ["c2"], auto_pad="SAME_UPPER", name="c2"),
             helper.make_node("Add", ["c2", "x"], ["res"], name="skip"),
             helper.make_node("Relu", ["res"], ["r2"], name="r2"),
             helper.make_node("Conv", ["r2", "wa"], ["ba"], name="branch_a"),
             helper.make_node("Conv", ["r2", "wb"], ["bb2"], pads=[1, 1, 1, 1], name="branch_b"),
             helper.make_node("Concat", ["ba", "bb2"], ["cat"], axis=1, name="join"),
             helper.make_node("MaxPool", ["cat"], ["p"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "wd", "bd"], ["z"], transB=1, name="dense"),
             helper.make_node("Softmax", ["z"], ["y"], axis=1, name="softmax")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 5, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def test_a_residual_add_and_a_concat_run_like_the_reference(client):
    rng = np.random.default_rng(31)
    model = residual_and_concat(rng)
    r = client.post("/api/models", files={"file": ("res.onnx", model.SerializeToString())})
    assert r.status_code == 201, r.text
    body = r.json()
    ops = [layer["op"] for layer in body["layers"]]
    assert ops == ["conv", "relu", "conv", "sum", "relu", "conv", "conv", "concat", "pool", "flatten", "dense", "softmax"]
    assert body["layers"][7]["output_shape"] == [5, 4, 5]  # 3 + 2 channels
    for seed in range(3):
        x = np.random.default_rng(seed).normal(size=(1, 2, 5, 4)).astype(np.float32)
        run = client.post(f"/api/models/{body['id']}/run", json={"input": x[0].transpose(1, 2, 0).tolist()}).json()
        expected = ReferenceEvaluator(model).run(None, {"x": x})[0][0]
        np.testing.assert_allclose(run["probabilities"], expected, rtol=1e-4, atol=1e-6)
        # an inner layer too: the concat, against the reference evaluator's intermediate
        inner = helper.make_graph(model.graph.node[:9], "g", list(model.graph.input),
                                  [helper.make_tensor_value_info("cat", TensorProto.FLOAT, None)], list(model.graph.initializer))
        cat = ReferenceEvaluator(helper.make_model(inner, opset_imports=[helper.make_opsetid("", 17)])).run(None, {"x": x})[0]
        np.testing.assert_allclose(run["layers"][7]["output"], cat[0].transpose(1, 2, 0), rtol=1e-4, atol=1e-5)
    page = client.get("/network", params={"model": body["id"]})
    assert page.status_code == 200 and "concat" in page.text
    twin = client.get("/network.json", params={"model": body["id"]}).json()
    fields = [r["receptive_field"] for r in twin["summary"]]
    assert fields[:3] == [[3, 3], [3, 3], [5, 5]] and fields[3] is None  # the sum joins fields 5×5 and 1×1
    assert client.get("/network.json", params={"model": body["id"], "at": "c1,0,0,0"}).status_code == 422


def test_what_the_graph_reader_still_refuses_names_the_node(client):
    w = numpy_helper.from_array(np.ones((2, 2, 3, 3), dtype=np.float32), "w")
    wrong_axis = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="branch"),
                  helper.make_node("Concat", ["c", "x"], ["y"], axis=2, name="join_rows")]
    mismatch = [helper.make_node("Conv", ["x", "w"], ["c"], name="shrink"),
                helper.make_node("Add", ["c", "x"], ["y"], name="bad_skip")]
    for nodes, name in ((wrong_axis, "join_rows"), (mismatch, "bad_skip")):
        g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 5, 5])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
        model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
        r = client.post("/api/models", files={"file": ("m.onnx", model.SerializeToString())})
        assert r.status_code == 422 and f"'{name}'" in r.json()["detail"], r.text
