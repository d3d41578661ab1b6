"""Learned kernels as presets: the digit network's first-layer filters, exact values, labelled as learned.

The values are the shipped float32 weights (``app/models/digits.npz``) as exact decimals; they
already include the 1/16 input scaling, so they apply to the digits' 0–16 numbers as they are.

>>> k = learned_kernels()[0]
>>> k["name"], k["learned"], len(k["matrix"]), k["model"], k["layer"]
('digits_conv1_0', True, 3, 'digits', 'conv1')
"""

from __future__ import annotations

from functools import cache
from typing import Any

from app.engine.network import Conv

from .digits import card, digits_network


@cache
def learned_kernels() -> list[dict[str, Any]]:
    conv1 = digits_network().layers[0]
    assert isinstance(conv1, Conv)
    out = []
    for i, (w, b) in enumerate(zip(conv1.weight[..., 0], conv1.bias, strict=True)):
        out.append({
            "name": f"digits_conv1_{i}", "label": f"Learned: digits conv1, filter {i}",
            "matrix": w.tolist(), "bias": float(b), "sum": float(w.sum()), "learned": True,
            "model": "digits", "layer": "conv1", "filter": i,
            "description": f"Filter {i} of the first layer of the digit network trained by `make train`"
                           f" ({card()['test_accuracy']:.1%} held-out accuracy); exact float32 values, 1/16 input"
                           " scaling folded in, followed by its bias.",
        })
    return out
