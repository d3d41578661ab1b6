"""Every gradient of app.engine.backward against central finite differences (seeded)."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.backward import (
    backward,
    conv_backward,
    cross_entropy,
    dense_backward,
    flatten_backward,
    pool_backward,
    relu_backward,
    softmax_cross_entropy_grad,
)
from app.engine.matrix import weight_matrix
from app.engine.network import Conv, Dense, Flatten, Network, Pool, Relu, Softmax, apply, softmax

EPS = 1e-6


def numeric_grad(f, a):
    """∂f/∂a by central differences, one cell at a time (f returns a float)."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + EPS
        up = f()
        a[idx] = old - EPS
        down = f()
        a[idx] = old
        g[idx] = (up - down) / (2 * EPS)
    return g


CONV_CASES = [
    (2, 3, (3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1), 1),
    (4, 4, (3, 2), (2, 2), ((0, 1), (2, 0)), (1, 1), 2),  # stride whose floor drops cells, asymmetric padding
    (3, 3, (2, 2), (2, 1), ((1, 0), (0, 0)), (2, 1), 3),  # depthwise, dilation
]


@pytest.mark.parametrize(("c", "n", "k", "stride", "padding", "dilation", "groups"), CONV_CASES)
def test_conv_gradients(c, n, k, stride, padding, dilation, groups):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(2, 7, 6, c))
    layer = Conv(rng.normal(size=(n, *k, c // groups)), rng.normal(size=n), stride, padding, dilation, groups)
    r = rng.normal(size=apply(layer, x).shape)  # loss = Σ r ⊙ conv(x): its gradient wrt the output is r

    def loss():
        return float((apply(layer, x) * r).sum())

    dx, grads = conv_backward(layer, x, r)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grads.weight, numeric_grad(loss, layer.weight), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grads.bias, numeric_grad(loss, layer.bias), rtol=1e-6, atol=1e-6)


def test_conv_input_gradient_is_the_weight_matrix_transposed():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 6, 5, 1))
    kernel = rng.normal(size=(3, 3))
    layer = Conv(kernel[None, :, :, None], np.zeros(1), (2, 2), ((1, 1), (1, 1)))
    dy = rng.normal(size=apply(layer, x).shape)
    dx, _ = conv_backward(layer, x, dy)
    w = weight_matrix((6, 5), kernel, stride=2, padding=1)
    np.testing.assert_allclose(dx.ravel(), w.T @ dy.ravel(), atol=1e-12)


def test_max_pool_gradient_goes_to_the_winners():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 4, 3))  # distinct values: no ties, so the max is differentiable
    layer = Pool((2, 2), (2, 2), ((1, 0), (0, 0)))
    r = rng.normal(size=apply(layer, x).shape)
    dx = pool_backward(layer, x, r)
    np.testing.assert_allclose(dx, numeric_grad(lambda: float((apply(layer, x) * r).sum()), x), atol=1e-6)
    literal = pool_backward(Pool((2, 2), (2, 2)), np.array([[[[1.0], [5.0]], [[7.0], [2.0]]]]), np.array([[[[3.0]]]]))
    assert literal[..., 0].tolist() == [[[0.0, 0.0], [3.0, 0.0]]]


def test_dense_relu_flatten_gradients():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(3, 5))
    layer = Dense(rng.normal(size=(5, 4)), rng.normal(size=4))
    r = rng.normal(size=(3, 4))

    def loss():
        return float((apply(layer, x) * r).sum())

    dx, grads = dense_backward(layer, x, r)
    np.testing.assert_allclose(dx, numeric_grad(loss, x), atol=1e-6)
    np.testing.assert_allclose(grads.weight, numeric_grad(loss, layer.weight), atol=1e-6)
    np.testing.assert_allclose(grads.bias, numeric_grad(loss, layer.bias), atol=1e-6)
    z = rng.normal(size=(2, 6))
    rz = rng.normal(size=(2, 6))
    np.testing.assert_allclose(relu_backward(z, rz), numeric_grad(lambda: float((apply(Relu(), z) * rz).sum()), z),
                               atol=1e-6)
    v = rng.normal(size=(2, 3, 2, 4))
    rv = rng.normal(size=(2, 24))
    np.testing.assert_allclose(flatten_backward(v, rv),
                               numeric_grad(lambda: float((apply(Flatten(), v) * rv).sum()), v), atol=1e-6)


def test_softmax_cross_entropy_gradient():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(4, 5)) * 3
    labels = np.array([0, 4, 2, 2])
    g = softmax_cross_entropy_grad(softmax(z), labels)
    np.testing.assert_allclose(g, numeric_grad(lambda: cross_entropy(softmax(z), labels), z), atol=1e-7)


def test_whole_network_gradients():
    rng = np.random.default_rng(9)
    net = Network((8, 8, 1), (
        Conv(rng.normal(size=(3, 3, 3, 1)) * 0.5, rng.normal(size=3) * 0.1, padding=((1, 1), (1, 1))), Relu(),
        Pool((2, 2), (2, 2)),
        Conv(rng.normal(size=(4, 3, 3, 3)) * 0.5, rng.normal(size=4) * 0.1, padding=((1, 1), (1, 1))), Relu(),
        Pool((2, 2), (2, 2)), Flatten(), Dense(rng.normal(size=(16, 5)) * 0.3, np.zeros(5)), Softmax(),
    ))
    x = rng.normal(size=(3, 8, 8, 1))
    labels = np.array([1, 0, 4])

    def loss():
        h = x
        for layer in net.layers:
            h = apply(layer, h)
        return cross_entropy(h, labels)

    value, grads = backward(net, x, labels)
    assert value == pytest.approx(loss())
    assert sorted(grads) == [0, 3, 7]
    for idx, g in grads.items():
        layer = net.layers[idx]
        np.testing.assert_allclose(g.weight, numeric_grad(loss, layer.weight), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(g.bias, numeric_grad(loss, layer.bias), rtol=1e-5, atol=1e-7)
