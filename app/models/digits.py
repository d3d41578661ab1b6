"""The built-in digit network: a small CNN trained by ``make train`` on scikit-learn's 8×8 digits.

Architecture (channels last, input 8×8×1 on the data set's 0–16 scale)::

    conv 3×3 ×8, padding 1 → ReLU → max pool 2 → conv 3×3 ×16, padding 1 → ReLU → max pool 2
    → flatten (channel-major, 2·2·16 = 64) → dense 10 → softmax

Training divides the pixels by 16; the shipped first-layer kernels have that 1/16 folded in
(``conv(x / 16, W) = conv(x, W / 16)``), so the network takes the data set's numbers as they are.
The weights (``digits.npz``) and their card (``digits.json``: split, seed, epochs, accuracy, date,
SHA-256 of the weights file) are written by ``scripts/train.py`` and committed.

>>> net = digits_network()
>>> [shape[1] for shape in net.shapes()][-3:], net.total_params
([(64,), (10,), (10,)], 1898)
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from app.engine.network import Conv, Dense, Flatten, Network, Pool, Relu, Softmax

HERE = Path(__file__).resolve().parent
WEIGHTS = HERE / "digits.npz"
CARD = HERE / "digits.json"
NAMES = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "dense", "softmax")
SAME = ((1, 1), (1, 1))


def architecture(weights: dict[str, np.ndarray]) -> Network:
    """The digit network with the given ``conv1``/``conv2``/``dense`` ``.weight`` and ``.bias`` arrays."""
    return Network(
        (8, 8, 1),
        (
            Conv(weights["conv1.weight"], weights["conv1.bias"], padding=SAME), Relu(), Pool((2, 2), (2, 2)),
            Conv(weights["conv2.weight"], weights["conv2.bias"], padding=SAME), Relu(), Pool((2, 2), (2, 2)),
            Flatten(), Dense(weights["dense.weight"], weights["dense.bias"]), Softmax(),
        ),
        NAMES,
    )


def blank_weights() -> dict[str, np.ndarray]:
    """Zero arrays of every shape (training initialises them)."""
    return {
        "conv1.weight": np.zeros((8, 3, 3, 1)), "conv1.bias": np.zeros(8),
        "conv2.weight": np.zeros((16, 3, 3, 8)), "conv2.bias": np.zeros(16),
        "dense.weight": np.zeros((64, 10)), "dense.bias": np.zeros(10),
    }


def weights_of(net: Network) -> dict[str, np.ndarray]:
    """The arrays :func:`architecture` takes, read back from a network."""
    out = {}
    for name, layer in zip(net.names, net.layers, strict=True):
        if isinstance(layer, Conv | Dense):
            out[f"{name}.weight"], out[f"{name}.bias"] = layer.weight, layer.bias
    return out


@cache
def digits_network() -> Network:
    """The shipped, trained network (read once per process; ``allow_pickle=False``)."""
    with np.load(WEIGHTS, allow_pickle=False) as data:
        return architecture({k: data[k].astype(np.float64) for k in data.files})


@cache
def card() -> dict[str, Any]:
    """The training card written beside the weights."""
    result: dict[str, Any] = json.loads(CARD.read_text())
    return result
