"""POST /api/matrix with ``spatial_dims``: W checked against a plain loop that builds W cell by cell, in 1-D
(a flat sequence, and an (n, C) sequence over channels), 2-D and 3-D (H, W, C) layers, with strides, padding,
dilation and groups; and W·x against POST /api/conv, Wᵀ·y against POST /api/conv_transpose."""

from __future__ import annotations

import itertools

import numpy as np
import pytest


def plain_w(in_spatial, channels, kernels, stride, pads, dilation, groups=1):
    """W of a layer, by hand: for each output cell (row-major over the output's spatial axes, then the kernel n)
    and each kernel tap, add the weight to the column of the input cell it lands on (row-major over the input's
    spatial axes, then the channel). ``kernels`` is (N, *k, C/groups); padded cells have no column."""
    n_k = kernels.shape[0]
    per = channels // groups
    nd = len(in_spatial)
    ksz = kernels.shape[1:1 + nd]
    out = [(n + b + a - d * (k - 1) - 1) // s + 1
           for n, k, s, (b, a), d in zip(in_spatial, ksz, stride, pads, dilation, strict=True)]
    cols = int(np.prod(in_spatial)) * channels
    W = np.zeros((int(np.prod(out)) * n_k, cols))
    for o_index, o in enumerate(itertools.product(*map(range, out))):
        for n in range(n_k):
            group = n // (n_k // groups)
            for t in itertools.product(*map(range, ksz)):
                pos = [oi * s - b + ti * d for oi, s, (b, _), ti, d in zip(o, stride, pads, t, dilation, strict=True)]
                if not all(0 <= p < size for p, size in zip(pos, in_spatial, strict=True)):
                    continue
                flat = 0
                for p, size in zip(pos, in_spatial, strict=True):
                    flat = flat * size + p
                for c in range(per):
                    W[o_index * n_k + n, flat * channels + group * per + c] += kernels[(n, *t, c)]
    return W, out


def test_1d_flat_sequence(client, rng):
    k = rng.integers(-3, 4, size=3).astype(float)
    body = {"input_shape": [9], "kernel": k.tolist(), "stride": 2, "padding": [[2, 1]], "dilation": 2, "spatial_dims": 1}
    r = client.post("/api/matrix", json=body)
    assert r.status_code == 200, r.text
    W, out = plain_w((9,), 1, k[None, :, None], (2,), [(2, 1)], (2,))
    np.testing.assert_array_equal(np.array(r.json()["matrix"]), W)
    assert r.json()["output_shape"] == out == [4]


@pytest.mark.parametrize(("n", "c", "n_k", "groups", "stride", "pads", "dilation"), [
    (7, 2, 3, 1, 1, (1, 1), 1),
    (8, 4, 4, 2, 2, (0, 2), 2),
    (6, 3, 3, 3, 1, (2, 0), 1),  # depthwise
])
def test_1d_sequence_over_channels(client, rng, n, c, n_k, groups, stride, pads, dilation):
    ks = rng.integers(-4, 5, size=(n_k, 3, c // groups)).astype(float)
    body = {"input_shape": [n, c], "kernels": ks.tolist(), "stride": stride, "padding": [list(pads)],
            "dilation": dilation, "groups": groups, "spatial_dims": 1}
    r = client.post("/api/matrix", json=body)
    assert r.status_code == 200, r.text
    W, out = plain_w((n,), c, ks, (stride,), [pads], (dilation,), groups)
    got = np.array(r.json()["matrix"])
    np.testing.assert_array_equal(got, W)
    assert r.json()["output_shape"] == [out[0], n_k]
    # W·x is the API's own 1-D convolution over channels
    x = rng.integers(-5, 6, size=(n, c)).astype(float)
    conv = client.post("/api/conv", json={"input": x.tolist(), "kernels": ks.tolist(), "stride": stride,
                                          "padding": [list(pads)], "dilation": dilation, "groups": groups,
                                          "spatial_dims": 1}).json()
    np.testing.assert_allclose(got @ x.ravel(), np.array(conv["output"]).ravel())
    # and Wᵀ is what the transposed layer multiplies by
    wt = client.post("/api/matrix", json={**body, "transpose": True}).json()
    np.testing.assert_array_equal(np.array(wt["matrix"]), W.T)
    y = rng.integers(-5, 6, size=(out[0], n_k)).astype(float)
    extra = n - ((out[0] - 1) * stride - sum(pads) + dilation * 2 + 1)
    back = client.post("/api/conv_transpose", json={"input": y.tolist(), "kernels": ks.tolist(), "stride": stride,
                                                   "padding": [list(pads)], "dilation": dilation, "groups": groups,
                                                   "output_padding": extra, "spatial_dims": 1})
    assert back.status_code == 200, back.text
    np.testing.assert_allclose(W.T @ y.ravel(), np.array(back.json()["output"]).ravel())


def test_1d_one_kernel_over_channels(client):
    """One kernel (k, C) on an (n, C) sequence: literal rows, one per output cell."""
    r = client.post("/api/matrix", json={"input_shape": [4, 2], "kernel": [[1, 2], [3, 4]], "spatial_dims": 1})
    assert r.status_code == 200, r.text
    assert r.json()["matrix"] == [[1, 2, 3, 4, 0, 0, 0, 0], [0, 0, 1, 2, 3, 4, 0, 0], [0, 0, 0, 0, 1, 2, 3, 4]]
    assert r.json()["output_shape"] == [3]


def test_2d(client, rng):
    k = rng.integers(-3, 4, size=(2, 3)).astype(float)
    body = {"input_shape": [5, 6], "kernel": k.tolist(), "stride": [2, 1], "padding": [[1, 0], [0, 2]],
            "dilation": [1, 2], "spatial_dims": 2}
    r = client.post("/api/matrix", json=body)
    assert r.status_code == 200, r.text
    W, out = plain_w((5, 6), 1, k[None, :, :, None], (2, 1), [(1, 0), (0, 2)], (1, 2))
    np.testing.assert_array_equal(np.array(r.json()["matrix"]), W)
    assert r.json()["output_shape"] == out
    default = client.post("/api/matrix", json={k_: v for k_, v in body.items() if k_ != "spatial_dims"}).json()
    assert default["matrix"] == r.json()["matrix"]  # 2 is the default for [H, W]


@pytest.mark.parametrize(("groups", "n_k"), [(1, 2), (2, 4), (4, 4)])
def test_3d_layer(client, rng, groups, n_k):
    c = 4
    ks = rng.integers(-2, 3, size=(n_k, 2, 2, c // groups)).astype(float)
    body = {"input_shape": [4, 3, c], "kernels": ks.tolist(), "stride": 1, "padding": 1, "groups": groups,
            "spatial_dims": 2}
    r = client.post("/api/matrix", json=body)
    assert r.status_code == 200, r.text
    W, out = plain_w((4, 3), c, ks, (1, 1), [(1, 1), (1, 1)], (1, 1), groups)
    np.testing.assert_array_equal(np.array(r.json()["matrix"]), W)
    assert r.json()["output_shape"] == [*out, n_k]


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"input_shape": [6], "kernel": [1, 2], "spatial_dims": 2}, "spatial_dims", "needs an input_shape [H, W]"),
    ({"input_shape": [4, 4, 2], "kernels": [[[1, 1]]], "spatial_dims": 1}, "spatial_dims", "[n] or [n, C]; got 3 axes"),
    ({"input_shape": [6, 2], "kernel": [1, 2], "spatial_dims": 1}, "kernel", "the kernel is (k, C)"),
    ({"input_shape": [6, 2], "kernels": [[1, 2]], "spatial_dims": 1}, "kernels", "(k, C/groups)"),
    ({"input_shape": [6, 2], "kernels": [[[1, 2, 3]]], "spatial_dims": 1}, "kernels", "3 channel(s)"),
    ({"input_shape": [6, 4], "kernels": [[[1, 2]]] * 3, "groups": 2, "spatial_dims": 1}, "groups", "divide"),
])
def test_bad_spatial_dims_name_the_field(client, body, field, words):
    r = client.post("/api/matrix", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and words in r.json()["detail"], r.json()
