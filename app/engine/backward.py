"""Gradients of the network layers, for training with plain NumPy (SGD or Adam).

Each function takes what the forward pass saw and the gradient of the loss with respect to the
layer's output, and returns the gradient with respect to its input (and its weights):

- convolution: the input gradient is the transposed convolution ``Wᵀ dY``
  (:func:`~app.engine.transpose.conv_transpose_many`, sample by sample); the weight gradient of
  tap (i, j) is the tap's input view, transposed, times ``dY``; the bias gradient sums ``dY``;
- max pooling: each output's gradient goes to the cell that won its window (ties: the first);
- dense: ``dx = dY Wᵀ``, ``dW = xᵀ dY``, ``db = Σ dY``; ReLU: ``dY`` where the input was > 0;
- softmax with cross-entropy: ``(p − onehot) / B`` for the mean loss over the batch.

Tests check every one against finite differences.

>>> p = np.array([[0.25, 0.75]])
>>> softmax_cross_entropy_grad(p, np.array([1])).tolist()
[[0.25, -0.25]]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .network import Conv, Dense, Flatten, Network, Pool, Relu, Softmax, apply, padded, pool_forward, tap_views
from .transpose import conv_transpose_many


@dataclass
class Grads:
    weight: np.ndarray
    bias: np.ndarray


def conv_backward(layer: Conv, x: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, Grads]:
    """Gradients of a convolution: input (B, H, W, C) via Wᵀ, weights (N, kh, kw, C/g), bias (N,)."""
    b, h, w, c = x.shape
    _, ho, wo, n = dy.shape
    _, kh, kw, cg = layer.weight.shape
    per = n // layer.groups
    dw = np.zeros(layer.weight.shape)
    for i, j, view in tap_views(padded(x, layer.padding), kh, kw, (ho, wo), layer.stride, layer.dilation):
        for g in range(layer.groups):
            vg = view[..., g * cg : (g + 1) * cg].reshape(-1, cg)
            dw[g * per : (g + 1) * per, i, j, :] = dy[..., g * per : (g + 1) * per].reshape(-1, per).T @ vg
    # Wᵀ dY; output_padding gives back the input cells the stride's floor rounded away (always < stride)
    extra = tuple(
        size + pad[0] + pad[1] - d * (k - 1) - 1 - (o - 1) * s
        for size, pad, d, k, o, s in zip((h, w), layer.padding, layer.dilation, (kh, kw), (ho, wo), layer.stride,
                                         strict=True)
    )
    dx = np.stack([conv_transpose_many(sample, layer.weight, stride=layer.stride, padding=list(layer.padding),
                                       output_padding=extra, dilation=layer.dilation, groups=layer.groups)
                   for sample in dy])
    return dx, Grads(dw, dy.sum(axis=(0, 1, 2)))


def pool_backward(layer: Pool, x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Max pooling's input gradient: each output's gradient added to its window's winner."""
    if layer.kind != "max":
        raise NotImplementedError("training supports max pooling only")
    _, wins = pool_forward(layer, x)
    assert wins is not None
    dx = np.zeros_like(x, dtype=np.float64)
    b, ho, wo, c = dy.shape
    bi = np.broadcast_to(np.arange(b)[:, None, None, None], dy.shape)
    ci = np.broadcast_to(np.arange(c), dy.shape)
    np.add.at(dx, (bi, wins[..., 0], wins[..., 1], ci), dy)
    return dx


def dense_backward(layer: Dense, x: np.ndarray, dy: np.ndarray) -> tuple[np.ndarray, Grads]:
    """``dx = dY Wᵀ``, ``dW = xᵀ dY``, ``db = Σ_batch dY``."""
    return dy @ layer.weight.T, Grads(x.T @ dy, dy.sum(axis=0))


def relu_backward(x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    out: np.ndarray = dy * (x > 0)
    return out


def flatten_backward(x: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Undo the channel-major flatten: (B, C·H·W) → (B, H, W, C)."""
    if x.ndim != 4:
        return dy.reshape(x.shape)
    b, h, w, c = x.shape
    out: np.ndarray = dy.reshape(b, c, h, w).transpose(0, 2, 3, 1)
    return out


def softmax_cross_entropy_grad(p: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of the mean cross-entropy −log p[label] with respect to the logits: (p − onehot) / B."""
    g = p.copy()
    g[np.arange(len(labels)), labels] -= 1.0
    out: np.ndarray = g / len(labels)
    return out


def cross_entropy(p: np.ndarray, labels: np.ndarray) -> float:
    """Mean −log p[label] over the batch (p clipped at 1e-300 so log never sees 0)."""
    return float(-np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-300)).mean())


def backward(net: Network, x: np.ndarray, labels: np.ndarray) -> tuple[float, dict[int, Grads]]:
    """Loss and weight gradients of a network ending in softmax, trained with mean cross-entropy.

    Returns the loss and, for every layer with weights (by index), its :class:`Grads`.
    """
    inputs, h = [], np.asarray(x, dtype=np.float64)
    for layer in net.layers:
        inputs.append(h)
        h = apply(layer, h)
    if not isinstance(net.layers[-1], Softmax):
        raise ValueError("backward needs a network that ends in softmax")
    loss = cross_entropy(h, labels)
    d = softmax_cross_entropy_grad(h, labels)
    grads: dict[int, Grads] = {}
    for idx in range(len(net.layers) - 2, -1, -1):
        layer = net.layers[idx]
        xin = inputs[idx]
        if isinstance(layer, Conv):
            d, grads[idx] = conv_backward(layer, xin, d)
        elif isinstance(layer, Dense):
            d, grads[idx] = dense_backward(layer, xin, d)
        elif isinstance(layer, Pool):
            d = pool_backward(layer, xin, d)
        elif isinstance(layer, Relu):
            d = relu_backward(xin, d)
        elif isinstance(layer, Flatten):
            d = flatten_backward(xin, d)
        else:
            raise NotImplementedError(f"no backward pass for {layer.op}")
    return loss, grads
