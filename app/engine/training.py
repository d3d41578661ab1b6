"""Training a :class:`~app.engine.network.Network` with plain NumPy: Adam on mini-batches.

The gradients come from :mod:`app.engine.backward` (each checked against finite differences in
the tests); this module only shuffles, batches and updates. Everything is seeded: the same
network, data and seed give the same weights on the same machine.

>>> from app.engine.network import Dense, Flatten, Network, Softmax
>>> net = Network((2,), (Dense(np.zeros((2, 2)), np.zeros(2)), Softmax()))
>>> x, y = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])
>>> trained, losses = train(net, x, y, epochs=30, batch=2, seed=0, lr=0.1)
>>> losses[-1] < losses[0], predict(trained, x).tolist()
(True, [0, 1])
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .backward import backward
from .network import Conv, Dense, Layer, Network, predict

__all__ = ["accuracy", "he_init", "predict", "train"]


def he_init(net: Network, seed: int) -> Network:
    """The same network with weights drawn from N(0, 2 / fan_in) (He et al.) and zero biases."""
    rng = np.random.default_rng(seed)
    layers: list[Layer] = []
    for layer in net.layers:
        if isinstance(layer, Conv | Dense):
            w = layer.weight
            fan_in = int(np.prod(w.shape[1:])) if isinstance(layer, Conv) else w.shape[0]
            layer = replace(layer, weight=rng.normal(0.0, np.sqrt(2.0 / fan_in), size=w.shape),
                            bias=np.zeros_like(layer.bias, dtype=np.float64))
        layers.append(layer)
    return replace(net, layers=tuple(layers))


def train(
    net: Network, x: np.ndarray, labels: np.ndarray, *, epochs: int, batch: int, seed: int, lr: float = 0.01,
    betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
) -> tuple[Network, list[float]]:
    """Adam (Kingma and Ba) on the mean cross-entropy; returns the trained network and each epoch's mean loss.

    Parameters
    ----------
    x : (S, *net.input_shape) samples; labels : (S,) class indices
    """
    rng = np.random.default_rng(seed)
    params = {i: [layer.weight.astype(np.float64), layer.bias.astype(np.float64)]
              for i, layer in enumerate(net.layers) if isinstance(layer, Conv | Dense)}
    moments = {i: [[np.zeros_like(p), np.zeros_like(p)] for p in ps] for i, ps in params.items()}
    layers = list(net.layers)
    losses, step = [], 0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch):
            idx = order[start : start + batch]
            current = replace(net, layers=tuple(layers))
            loss, grads = backward(current, x[idx], labels[idx])
            total += loss * len(idx)
            step += 1
            for i, g in grads.items():
                for p, d, m in zip(params[i], (g.weight, g.bias), moments[i], strict=True):
                    m[0] = betas[0] * m[0] + (1 - betas[0]) * d
                    m[1] = betas[1] * m[1] + (1 - betas[1]) * d * d
                    m_hat = m[0] / (1 - betas[0] ** step)
                    v_hat = m[1] / (1 - betas[1] ** step)
                    p -= lr * m_hat / (np.sqrt(v_hat) + eps)
                layers[i] = _with_weights(layers[i], params[i][0].copy(), params[i][1].copy())
        losses.append(total / len(x))
    return replace(net, layers=tuple(layers)), losses


def _with_weights(layer: Layer, weight: np.ndarray, bias: np.ndarray) -> Layer:
    assert isinstance(layer, Conv | Dense)
    return replace(layer, weight=weight, bias=bias)


def accuracy(net: Network, x: np.ndarray, labels: np.ndarray) -> float:
    """The fraction of samples whose largest output is their label."""
    return float((predict(net, x) == labels).mean())
