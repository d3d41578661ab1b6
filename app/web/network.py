"""/network — the built-in digit network, layer by layer, on an 8×8 digit (0–16).

Every number comes from the engine's forward pass (app/engine/network.py) with the trained
weights (app/models/digits.py). Each first-layer feature-map cell links to /conv2d on exactly
this input, that learned kernel and its bias, at that step, so the stepper explains it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.network import Conv, Dense, forward, pool_forward
from ..models.digits import card, digits_network
from ..settings import Settings
from ..state.conv2d import Conv2dState
from ..state.network import NetworkState
from .page import Page, add_page

router = APIRouter()


def build(state: NetworkState, settings: Settings) -> dict[str, Any]:
    net = digits_network()
    x = np.array(state.grid, dtype=np.float64)[None, :, :, None]
    outs = forward(net, x)
    conv1 = net.layers[0]
    assert isinstance(conv1, Conv)
    layers: list[dict[str, Any]] = []
    previous = x
    for name, layer, out in zip(net.names, net.layers, outs, strict=True):
        entry: dict[str, Any] = {"name": name, "op": layer.op, "shape": list(out.shape[1:]), "output": out[0]}
        if out.ndim == 4:
            entry["maps"] = [out[0, :, :, c] for c in range(out.shape[3])]
        if layer.op == "relu":
            entry["negative"] = [previous[0, :, :, c] < 0 for c in range(previous.shape[3])]
        if layer.op == "pool":
            _, wins = pool_forward(layer, previous)  # type: ignore[arg-type]
            assert wins is not None
            entry["winners"] = wins[0].tolist()
        if isinstance(layer, Conv):
            entry["kernels"] = layer.weight.shape
            entry["bias"] = layer.bias
        layers.append(entry)
        previous = out
    links = [[[Conv2dState(grid=state.grid, kernel=tuple(tuple(float(v) for v in row) for row in conv1.weight[f, :, :, 0]),
                            bias=float(conv1.bias[f]), padding=1, step=i * 8 + j).url()
               for j in range(8)] for i in range(8)] for f in range(conv1.weight.shape[0])]
    dense = net.layers[7]
    assert isinstance(dense, Dense)
    flat, probs = outs[6][0], outs[-1][0]
    prediction = int(probs.argmax())
    parts = flat * dense.weight[:, prediction]
    top = np.argsort(-np.abs(parts))[:6]
    c_h_w = [(int(i) // 4, int(i) % 4 // 2, int(i) % 2) for i in top]  # flatten order: channel, row, column (2×2×16)
    contributions = [{"index": int(i), "channel": c, "row": r, "col": col, "value": float(flat[i]),
                      "weight": float(dense.weight[i, prediction]), "product": float(parts[i])}
                     for i, (c, r, col) in zip(top, c_h_w, strict=True)]
    return {"layers": layers, "links": links, "kernels1": conv1.weight[..., 0], "bias1": conv1.bias,
            "probabilities": probs, "prediction": prediction, "contributions": contributions,
            "dense_bias": float(dense.bias[prediction]), "card": card(), "input": np.array(state.grid)}


def data(state: NetworkState, view: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "digits", "input": view["input"].tolist(),
        "layers": [{"name": e["name"], "op": e["op"], "output_shape": e["shape"], "output": e["output"].tolist()}
                   for e in view["layers"]],
        "probabilities": view["probabilities"].tolist(), "prediction": view["prediction"],
        "contributions": view["contributions"], "conv1_links": view["links"],
        "card": {k: view["card"][k] for k in ("seed", "epochs", "test_accuracy", "date")},
    }


def context(state: NetworkState, view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return {**view, "toggle_projector": state.url(projector=not state.projector)}


def fallback(raw: Any, settings: Settings) -> dict[str, Any]:
    return {"card": card()}


PAGE = Page(NetworkState, "pages/network.html", "partials/network_body.html", build, context, data, fallback)
add_page(router, PAGE)
