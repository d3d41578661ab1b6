"""POST /api/conv_transpose: Wᵀ·y with the forward layer's kernels, literal numbers and the rules."""

from __future__ import annotations

import numpy as np
import pytest


def test_stride_2_upsampling_literal(client):
    r = client.post("/api/conv_transpose", json={"input": [[1, 2], [3, 4]], "kernel": [[1, 1], [1, 1]], "stride": 2})
    assert r.status_code == 200, r.text
    assert r.json() == {"output": [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]], "shape": [4, 4], "warnings": []}


def test_is_the_transpose_of_the_matrix_endpoint(client, rng):
    kernel = [[1, -2, 0], [3, 1, 1], [0, 2, -1]]
    W_t = client.post("/api/matrix", json={"input_shape": [5, 6], "kernel": kernel, "stride": 2, "padding": 1,
                                            "transpose": True}).json()
    assert W_t["shape"] == [30, 9]  # one row per input cell of the 5×6 forward input; its output is 3×3
    y = rng.integers(-4, 5, (3, 3))
    r = client.post("/api/conv_transpose", json={"input": y.tolist(), "kernel": kernel, "stride": 2, "padding": 1,
                                                 "output_padding": [0, 1]})
    assert r.json()["shape"] == [5, 6]  # (3 − 1)·2 − 2 + 3 = 5, and output_padding 1 picks 6 (5 and 6 both give 3)
    np.testing.assert_array_equal(np.array(r.json()["output"]).ravel(), np.array(W_t["matrix"]) @ y.ravel())


def test_channels_groups_and_bias(client):
    # two kernels of one channel each, groups 2: input channel n stamps into output channel n; bias per output channel
    r = client.post("/api/conv_transpose", json={"input": [[[1, 2]]], "kernels": [[[[1]]], [[[3]]]], "groups": 2,
                                                 "bias": [0, 10]})
    assert r.status_code == 200 and r.json()["output"] == [[[1, 16]]]


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [({"input": [[1, 2]], "kernel": [[1, 1]], "stride": 2, "output_padding": 2}, "output_padding", "smaller than the stride 2"),
     ({"input": [[[1, 2, 3]]], "kernels": [[[[1]]], [[[1]]]]}, "kernels", "3 channel(s)"),
     ({"input": [[[1, 2]]], "kernels": [[[[1]]], [[[1]]]], "groups": 3}, "groups", "must divide the number of kernels, 2"),
     ({"input": [[1, 2]], "kernel": [1, 2]}, "kernel", "one kernel turns"),
     ({"input": [[1, 2]], "kernel": [[1, 1]], "padding": 3}, "padding", "must lie between 1 and"),
     ({"input": [[1, 2]], "kernel": [[1, 1]], "kernels": [[[1]]]}, "kernel", "exactly one of kernel and kernels")],
)
def test_rules_answer_422_naming_the_field(client, body, field, text):
    r = client.post("/api/conv_transpose", json=body)
    assert r.status_code == 422 and r.json()["field"] == field and text in r.json()["detail"], r.text


def test_cost_is_checked_before_allocating(client):
    r = client.post("/api/conv_transpose", json={"input": [[1, 2], [3, 4]], "kernel": [[1]], "stride": 999_999})
    assert r.status_code == 413 and "CONVSTEP_MAX_ARRAY_CELLS" in r.json()["detail"]


def test_sequences_over_channels(client):
    """spatial_dims 1: conv over an (n, C) sequence and its transpose; (n', N) back to (n, C)."""
    x = [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    r = client.post("/api/conv", json={"input": x, "kernel": [[1, 1], [1, 1], [1, 1]], "spatial_dims": 1})
    assert r.status_code == 200 and r.json()["output"] == [15, 27, 39, 51]  # three rows of both channels
    r = client.post("/api/conv", json={"input": x, "kernels": [[[1], [1], [1]], [[1], [1], [1]]], "spatial_dims": 1,
                                       "groups": 2})
    assert r.json()["output"] == [[6, 9], [12, 15], [18, 21], [24, 27]]  # each kernel sums its own channel
    r = client.post("/api/conv_transpose", json={"input": [[1, 2], [3, 4]], "kernels": [[[1], [1]], [[10], [10]]],
                                                 "spatial_dims": 1, "stride": 2})
    # cell o stamps y[o, 0]·k0 + y[o, 1]·k1 on cells 2o and 2o + 1: 1 + 20 = 21, 3 + 40 = 43
    assert r.json()["output"] == [[21], [21], [43], [43]]
    r = client.post("/api/conv", json={"input": [1, 2, 3], "kernel": [1, 1], "spatial_dims": 2})
    assert r.status_code == 422 and r.json()["field"] == "spatial_dims"


def test_a_grouped_layers_matrix_is_the_layer_and_its_transpose(client, rng):
    """/api/matrix with kernels and groups: W·x is /api/conv's answer, Wᵀ·y is /api/conv_transpose's."""
    x = rng.integers(-3, 4, (4, 5, 4))
    ks = rng.integers(-2, 3, (4, 3, 3, 2))
    layer = {"kernels": ks.tolist(), "groups": 2, "stride": 2, "padding": 1}
    m = client.post("/api/matrix", json={"input_shape": [4, 5, 4], **layer})
    assert m.status_code == 200, m.text
    W = np.array(m.json()["matrix"])
    assert W.shape == (2 * 3 * 4, 4 * 5 * 4) and m.json()["output_shape"] == [2, 3, 4]
    y = client.post("/api/conv", json={"input": x.tolist(), **layer}).json()["output"]
    np.testing.assert_array_equal(W @ x.ravel(), np.ravel(y))
    # 3 and 4 input rows both give 2 output rows (rounded down): output_padding 1 picks 4; 5 columns need none
    back = client.post("/api/conv_transpose", json={"input": y, "output_padding": [1, 0], **layer}).json()
    assert back["shape"] == [4, 5, 4]
    Wt = np.array(client.post("/api/matrix", json={"input_shape": [4, 5, 4], "transpose": True, **layer}).json()["matrix"])
    np.testing.assert_array_equal(Wt @ np.ravel(y), np.ravel(back["output"]))
