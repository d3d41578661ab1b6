"""The network forward pass against the engine's own correlate_many and pool, sample by sample."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.conv import correlate_many
from app.engine.errors import ParameterError
from app.engine.network import (
    Conv,
    ConvTranspose,
    Dense,
    Flatten,
    GlobalAvgPool,
    Network,
    Pool,
    Relu,
    Softmax,
    apply,
    forward,
    softmax,
)
from app.engine.pool import pool
from app.engine.transpose import conv_transpose_many


@pytest.mark.parametrize(
    ("c", "n", "k", "stride", "padding", "dilation", "groups"),
    [
        (1, 8, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
        (8, 16, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
        (4, 6, (3, 2), (2, 1), ((0, 2), (1, 0)), (1, 2), 2),
        (6, 6, (2, 2), (1, 2), ((1, 0), (0, 1)), (2, 1), 6),
    ],
)
def test_conv_matches_correlate_many(c, n, k, stride, padding, dilation, groups):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(3, 7, 6, c))
    layer = Conv(rng.normal(size=(n, *k, c // groups)), rng.normal(size=n), stride, padding, dilation, groups)
    got = apply(layer, x)
    for b in range(3):
        ref = correlate_many(x[b], layer.weight, bias=layer.bias, stride=stride, padding=list(padding),
                             dilation=dilation, groups=groups)
        np.testing.assert_allclose(got[b], ref, rtol=1e-12, atol=1e-12)
    assert got.shape[1:] == layer.out_shape(x.shape[1:])


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool_matches_engine_pool(kind):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 5, 3))
    layer = Pool((2, 2), (2, 2), ((0, 1), (1, 0)), kind, ceil_mode=True, count_include_pad=False)
    got = apply(layer, x)
    for b in range(2):
        ref = pool(x[b], (2, 2), stride=2, padding=[(0, 1), (1, 0)], op=kind, ceil_mode=True, count_include_pad=False)
        np.testing.assert_array_equal(got[b], ref.output)


def test_conv_transpose_layer_is_wt():
    rng = np.random.default_rng(5)
    y = rng.normal(size=(2, 3, 3, 4))
    layer = ConvTranspose(rng.normal(size=(4, 3, 3, 1)), np.array([0.5, -1.0]), (2, 2), ((1, 0), (0, 1)), (1, 1), 2,
                          (1, 1))
    got = apply(layer, y)
    ref = conv_transpose_many(y[1], layer.weight, bias=layer.bias, stride=2, padding=[(1, 0), (0, 1)],
                              output_padding=1, groups=2)
    np.testing.assert_array_equal(got[1], ref)
    assert got.shape[1:] == layer.out_shape((3, 3, 4))


def test_flatten_is_channel_major_like_nchw():
    x = np.arange(2 * 2 * 3).reshape(1, 2, 2, 3).astype(float)  # (B, H, W, C)
    assert apply(Flatten(), x).tolist() == [x[0].transpose(2, 0, 1).ravel().tolist()]


def test_dense_relu_softmax_and_global_pool():
    x = np.array([[1.0, -2.0]])
    d = Dense(np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.array([0.0, 0.5, 0.0]))
    assert apply(d, x).tolist() == [[1.0, 0.5, 2.0]]
    assert apply(Relu(), x).tolist() == [[1.0, 0.0]]
    p = softmax(np.array([[1.0, 2.0, 3.0]]))
    np.testing.assert_allclose(p, np.exp([[1, 2, 3]]) / np.exp([1, 2, 3]).sum())
    g = apply(GlobalAvgPool(), np.arange(8.0).reshape(1, 2, 2, 2))
    assert g.tolist() == [[[[3.0, 4.0]]]]


def test_network_shapes_and_errors():
    rng = np.random.default_rng(0)
    net = Network((8, 8, 1), (Conv(rng.normal(size=(4, 3, 3, 1)), np.zeros(4), padding=((1, 1), (1, 1))), Relu(),
                              Pool((2, 2), (2, 2)), Flatten(), Dense(rng.normal(size=(64, 10)), np.zeros(10)), Softmax()))
    assert [s[1] for s in net.shapes()] == [(8, 8, 4), (8, 8, 4), (4, 4, 4), (64,), (10,), (10,)]
    assert net.total_params == 4 * 9 + 4 + 64 * 10 + 10
    outs = forward(net, rng.normal(size=(2, 8, 8, 1)))
    np.testing.assert_allclose(outs[-1].sum(axis=1), [1.0, 1.0])
    with pytest.raises(ParameterError, match=r"expects input of shape \(8, 8, 1\)"):
        forward(net, np.zeros((1, 7, 8, 1)))
    bad = Network((8, 8, 1), (Flatten(), Dense(np.zeros((60, 2)), np.zeros(2))))
    with pytest.raises(ParameterError, match="dense expects a vector of 60"):
        bad.shapes()
