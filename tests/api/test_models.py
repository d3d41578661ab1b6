"""/api/models: the built-in digits, uploads of every format (files the tests create), hostile files, ONNX vs onnx.reference."""

from __future__ import annotations

import io
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator
from safetensors.numpy import save

from app.models.digits import WEIGHTS
from scripts.train import split


def upload(client, name, data):
    return client.post("/api/models", files={"file": (name, data, "application/octet-stream")})


def test_list_and_summary_of_digits(client):
    listed = client.get("/api/models").json()
    assert [m["id"] for m in listed] == ["digits"]
    one = client.get("/api/models/digits").json()
    assert one["total_params"] == 1898 and one["card"]["test_accuracy"] >= 0.95
    assert [(r["name"], r["output_shape"]) for r in one["layers"]][:3] == [
        ("conv1", [8, 8, 8]), ("relu1", [8, 8, 8]), ("pool1", [4, 4, 8])]
    assert one["layers"][0]["params"] == 80


def test_run_digits_on_held_out_digits(client):
    _, x_test, _, y_test = split()
    for i in range(5):
        r = client.post("/api/models/digits/run", json={"input": x_test[i, :, :, 0].tolist()})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["prediction"] == int(np.argmax(body["probabilities"]))
        assert sum(body["probabilities"]) == pytest.approx(1.0)
        assert [layer["output_shape"] for layer in body["layers"]][-3:] == [[64], [10], [10]]
    wrong = client.post("/api/models/digits/run", json={"input": [[1, 2], [3, 4]]})
    assert wrong.status_code == 422 and "[8, 8, 1]" in wrong.json()["detail"]
    assert client.post("/api/models/digits/run", json={}).status_code == 422


def test_npz_and_safetensors_of_the_digit_layout_run_like_digits(client):
    with np.load(WEIGHTS) as data:
        tensors = {k: data[k] for k in data.files}
    expected = client.post("/api/models/digits/run", json={"input": np.eye(8).tolist()}).json()["probabilities"]
    buf = io.BytesIO()
    np.savez(buf, **tensors)
    for name, blob in (("w.npz", buf.getvalue()), ("w.safetensors", save(tensors))):
        r = upload(client, name, blob)
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["total_params"] == 1898 and body["runnable"]
        again = upload(client, name, blob).json()
        assert again["id"] == body["id"]  # content-addressed
        run = client.post(f"/api/models/{body['id']}/run", json={"input": np.eye(8).tolist()}).json()
        np.testing.assert_allclose(run["probabilities"], expected, rtol=1e-6)
        assert client.get(f"/api/models/{body['id']}").json()["layers"][0]["op"] == "conv"


def test_weight_file_without_graph_is_summarised_not_run(client):
    buf = io.BytesIO()
    np.save(buf, np.ones((4, 3, 3, 1), dtype=np.float32))
    r = upload(client, "kernels.npy", buf.getvalue())
    assert r.status_code == 201
    body = r.json()
    assert body["runnable"] is False and body["total_params"] == 36 and body["layers"][0]["op"] == "conv"
    run = client.post(f"/api/models/{body['id']}/run", json={"input": [[1.0]]})
    assert run.status_code == 422 and "without a graph" in run.json()["detail"]


@pytest.mark.parametrize("name", ["model.pt", "model.pth", "weights.pkl", "keras.h5"])
def test_pickles_are_refused_with_the_conversion(client, name):
    r = upload(client, name, b"\x80\x04not really")
    assert r.status_code == 415
    assert "never unpickles" in r.json()["detail"] and "torch.onnx.export" in r.json()["detail"]


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def graph_model(nodes, inits, in_shape, out_name="y", opset=17):
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def conv_net(rng):
    """Grouped conv with asymmetric padding → BN → ReLU → max pool → avg pool → flatten → Gemm → softmax."""
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], group=2, pads=[1, 0, 0, 2], strides=[1, 2], name="conv1"),
        helper.make_node("BatchNormalization", ["c1", "s", "bb", "m", "v"], ["bn"], epsilon=1e-3),
        helper.make_node("Relu", ["bn"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 1], pads=[0, 1, 1, 0]),
        helper.make_node("AveragePool", ["p1"], ["p2"], kernel_shape=[2, 2], strides=[1, 1], count_include_pad=0,
                         pads=[1, 1, 0, 0]),
        helper.make_node("Flatten", ["p2"], ["f"]),
        helper.make_node("Gemm", ["f", "wd", "bd"], ["z"], transB=1, alpha=0.5, beta=2.0),
        helper.make_node("Softmax", ["z"], ["y"], axis=1),
    ]
    c_out = 4
    inits = [tensor("w1", rng.normal(size=(c_out, 1, 3, 3))), tensor("b1", rng.normal(size=c_out)),
             tensor("s", rng.uniform(0.5, 2, c_out)), tensor("bb", rng.normal(size=c_out)),
             tensor("m", rng.normal(size=c_out)), tensor("v", rng.uniform(0.5, 2, c_out))]
    model = graph_model(nodes, inits, [1, 2, 9, 8])
    x = rng.normal(size=(1, 2, 9, 8)).astype(np.float32)
    flat = ReferenceEvaluator(graph_model(nodes[:-2], inits, [1, 2, 9, 8], "f")).run(None, {"x": x})[0].shape[1]
    model.graph.initializer.extend([tensor("wd", rng.normal(size=(5, flat))), tensor("bd", rng.normal(size=5))])
    return model, x


def test_onnx_run_matches_the_reference_evaluator(client, rng):
    model, x = conv_net(rng)
    r = upload(client, "net.onnx", model.SerializeToString())
    assert r.status_code == 201, r.text
    body = r.json()
    assert [layer["op"] for layer in body["layers"]] == ["conv", "relu", "pool", "pool", "flatten", "dense", "softmax"]
    assert body["layers"][0]["groups"] == 2 and body["layers"][0]["padding"] == [[1, 0], [0, 2]]
    run = client.post(f"/api/models/{body['id']}/run", json={"input": x[0].transpose(1, 2, 0).tolist()}).json()
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0][0]
    np.testing.assert_allclose(run["probabilities"], expected, rtol=1e-4, atol=1e-6)
    assert run["prediction"] == int(expected.argmax())


def test_onnx_matmul_add_reshape_global_pool_and_conv_transpose(client, rng):
    nodes = [
        helper.make_node("ConvTranspose", ["x", "wt"], ["t"], strides=[2, 2], pads=[1, 0, 0, 1], output_padding=[1, 0]),
        helper.make_node("Conv", ["t", "w"], ["c"], dilations=[2, 1]),
        helper.make_node("Add", ["c", "cb"], ["a"]),
        helper.make_node("GlobalAveragePool", ["a"], ["g"]),
        helper.make_node("Reshape", ["g", "shape"], ["f"]),
        helper.make_node("MatMul", ["f", "wm"], ["mm"]),
        helper.make_node("Add", ["mm", "bm"], ["y"]),
    ]
    inits = [tensor("wt", rng.normal(size=(3, 2, 3, 3))), tensor("w", rng.normal(size=(4, 2, 2, 2))),
             tensor("cb", rng.normal(size=(4, 1, 1))), numpy_helper.from_array(np.array([1, -1], dtype=np.int64), "shape"),
             tensor("wm", rng.normal(size=(4, 3))), tensor("bm", rng.normal(size=3))]
    model = graph_model(nodes, inits, [1, 3, 4, 5])
    x = rng.normal(size=(1, 3, 4, 5)).astype(np.float32)
    body = upload(client, "t.onnx", model.SerializeToString()).json()
    run = client.post(f"/api/models/{body['id']}/run", json={"input": x[0].transpose(1, 2, 0).tolist()}).json()
    expected = ReferenceEvaluator(model).run(None, {"x": x})[0][0]
    np.testing.assert_allclose(run["layers"][-1]["output"], expected, rtol=1e-4, atol=1e-5)
    assert "probabilities" not in run


def hostile(rng):
    model, _ = conv_net(rng)
    good = model.SerializeToString()
    cases = {"truncated protobuf": good[: len(good) // 3]}
    big = onnx.ModelProto.FromString(good)
    big.graph.initializer[0].dims[:] = [4000, 1, 3, 3]
    cases["declared dims larger than the data"] = big.SerializeToString()
    ext = onnx.ModelProto.FromString(good)
    t = ext.graph.initializer[1]
    t.ClearField("raw_data")
    t.data_location = TensorProto.EXTERNAL
    t.external_data.add(key="location", value="../../etc/passwd")
    cases["external data"] = ext.SerializeToString()
    nan = onnx.ModelProto.FromString(good)
    nan.graph.initializer[1].CopyFrom(tensor("b1", [np.nan, 0, 0, 0]))
    cases["NaN weights"] = nan.SerializeToString()
    cyc = onnx.ModelProto.FromString(good)
    cyc.graph.node[0].input[0] = "y"  # the first node reads the last one's output: a cycle
    cases["a cycle"] = cyc.SerializeToString()
    op = onnx.ModelProto.FromString(good)
    op.graph.node[2].op_type = "Tanh"
    cases["an unsupported op"] = op.SerializeToString()
    return cases


def test_hostile_onnx_files_get_4xx_naming_the_problem(client, rng):
    words = {"truncated protobuf": "protobuf", "declared dims larger than the data": "holds",
             "external data": "external data", "NaN weights": "NaN", "a cycle": "cycle",
             "an unsupported op": "Tanh is not supported"}
    for case, blob in hostile(rng).items():
        r = upload(client, "bad.onnx", blob)
        assert 400 <= r.status_code < 500, (case, r.status_code, r.text)
        assert r.json()["field"] == "file"
        assert words[case] in r.json()["detail"], (case, r.json())


def test_limits_are_checked_and_named(client, settings):
    blob = b"\0" * (settings.model_max_bytes + 10)
    r = upload(client, "huge.onnx", blob)
    assert r.status_code == 413 and "CONVSTEP_MODEL_MAX_BYTES" in r.json()["detail"]
    header = json.dumps({"w": {"dtype": "F32", "shape": [2048, 2048], "data_offsets": [0, 16]}}).encode()
    r = upload(client, "big.safetensors", len(header).to_bytes(8, "little") + header + b"\0" * 16)
    assert r.status_code == 413 and "CONVSTEP_MODEL_MAX_TENSOR" in r.json()["detail"]
    header = json.dumps({"w": {"dtype": "F32", "shape": [8, 8], "data_offsets": [0, 256]}}).encode()
    r = upload(client, "short.safetensors", len(header).to_bytes(8, "little") + header + b"\0" * 16)
    assert r.status_code == 422 and "offsets" in r.json()["detail"]
    buf = io.BytesIO()
    np.save(buf, np.array([1.0, np.inf]))
    r = upload(client, "inf.npy", buf.getvalue())
    assert r.status_code == 422 and "infinite" in r.json()["detail"]
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    r = upload(client, "obj.npy", buf.getvalue())
    assert r.status_code == 422 and "never pickle" in r.json()["detail"]
    assert client.get("/api/models/" + "0" * 32).status_code == 404
    assert client.get("/api/models/nope").status_code == 422
