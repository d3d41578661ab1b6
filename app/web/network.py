"""/network — the built-in digit network, layer by layer, on an 8×8 digit (0–16).

Every number comes from the engine's forward pass (app/engine/network.py) with the trained
weights (app/models/digits.py). The input is a held-out sample (app/models/digits_data.py), a
digit drawn on the page's pad (static/js/network.js turns strokes into the data set's 8×8 counts)
or typed numbers. Every feature-map cell is a button that selects it (``at=layer,map,row,col``):
the page then draws its receptive field on the input, marks the cells it was computed from in the
layer before, and shows the computation: a conv cell's window × kernel (per channel for conv2)
+ bias, with a link to the stepper (/conv2d for conv1, /volume for conv2) on exactly that input,
learned kernel, bias and step; a ReLU's max(0, ·); a pool's window and winner.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.errors import ParameterError
from ..engine.network import Conv, Dense, Network, Pool, forward, pool_forward
from ..engine.receptive import cell_field, receptive_fields
from ..engine.trace import conv_step
from ..models import digits_data
from ..models.digits import card, digits_network
from ..settings import Settings
from ..state.conv2d import Conv2dState
from ..state.fields import spell_matrix
from ..state.network import NetworkState
from ..state.volume import VolumeState
from .page import Page, add_page

router = APIRouter()
LEVELS = 8  # shades per sign (style.css: .s1–.s8 positive, .n1–.n8 negative)
BAR = 260  # the probability chart's longest bar, SVG units
# The drawing pad: load_digits' images are 32×32 bitmaps counted in 4×4 blocks (UCI "optdigits"); 8 canvas pixels a bit
PAD = {"bitmap": 32, "block": 4, "pixels": 256}


def shade(v: float, scale: float) -> str:
    level = min(LEVELS, int(np.ceil(abs(v) / scale * LEVELS - 1e-9))) if scale > 0 else 0
    return "" if level == 0 else f"{'s' if v > 0 else 'n'}{level}"


def input_of(state: NetworkState) -> tuple[np.ndarray, dict[str, int] | None]:
    if state.sample is None:
        return np.array(state.grid, dtype=np.float64), None
    image, label, index = digits_data.sample(state.sample)
    return image, {"sample": state.sample, "label": label, "index": index}


def spatial(net: Network, outs: list[np.ndarray]) -> list[int]:
    return [k for k, out in enumerate(outs) if out.ndim == 4]


def build(state: NetworkState, settings: Settings) -> dict[str, Any]:
    net = digits_network()
    grid, source = input_of(state)
    x = grid[None, :, :, None]
    outs = forward(net, x)
    fields = receptive_fields(net)
    maps_at = spatial(net, outs)
    marks: dict[int, dict[tuple[int, int, int], str]] = {k: {} for k in [-1, *maps_at]}  # layer → (map, row, col) → classes
    selection = select(state, net, outs, x, fields, maps_at, marks) if state.at else None
    for k in maps_at:  # every pool's winners, marked in the layer it pooled
        layer = net.layers[k]
        if isinstance(layer, Pool) and layer.kind == "max":
            _, wins = pool_forward(layer, outs[k - 1])
            assert wins is not None
            for (_, _, c), (r, col) in zip(np.ndindex(wins.shape[1:4]), wins[0].reshape(-1, 2), strict=True):
                key = (c, int(r), int(col))
                marks[k - 1][key] = marks[k - 1].get(key, "") + " won"
    layers: list[dict[str, Any]] = []
    for k, (name, layer, out) in enumerate(zip(net.names, net.layers, outs, strict=True)):
        entry: dict[str, Any] = {"name": name, "op": layer.op, "shape": list(out.shape[1:]), "output": out[0]}
        if k in maps_at:
            before = outs[k - 1] if k else x
            scale = float(np.abs(out).max())
            negative = layer.op == "relu"
            entry["maps"] = [[[{"text": f"{out[0, i, j, c]:.2f}",
                                "cls": (shade(out[0, i, j, c], scale) + (" neg" if negative and before[0, i, j, c] < 0 else "")
                                        + marks[k].get((c, i, j), "")).strip()}
                               for j in range(out.shape[2])] for i in range(out.shape[1])] for c in range(out.shape[3])]
            field = fields[k]
            entry["field"] = field.size if field else None
        if isinstance(layer, Conv):
            entry["kernel"] = list(layer.weight.shape)
        layers.append(entry)
    conv1 = net.layers[0]
    assert isinstance(conv1, Conv)
    dense = net.layers[7]
    assert isinstance(dense, Dense)
    flat, probs = outs[6][0], outs[-1][0]
    prediction = int(probs.argmax())
    parts = flat * dense.weight[:, prediction]
    top = np.argsort(-np.abs(parts))[:6]
    c_h_w = [(int(i) // 4, int(i) % 4 // 2, int(i) % 2) for i in top]  # flatten order: channel, row, column (2×2×16)
    contributions = [{"index": int(i), "channel": c, "row": r, "col": col, "value": float(flat[i]),
                      "weight": float(dense.weight[i, prediction]), "product": float(parts[i]),
                      "at": state.url(at=("pool2", c, r, col))}
                     for i, (c, r, col) in zip(top, c_h_w, strict=True)]
    input_cells = [[{"text": f"{grid[i, j]:g}", "cls": (shade(grid[i, j], 16.0) + marks[-1].get((0, i, j), "")).strip()}
                    for j in range(8)] for i in range(8)]
    kernels1 = [[[{"text": f"{w:.2f}", "cls": shade(w, float(np.abs(conv1.weight).max()))} for w in row] for row in kernel]
                for kernel in conv1.weight[..., 0]]
    return {"layers": layers, "kernels1": kernels1, "bias1": conv1.bias, "input_cells": input_cells,
            "probabilities": probs, "prediction": prediction, "contributions": contributions,
            "bars": [{"y": 4 + 26 * c, "width": round(float(p) * BAR, 2), "p": float(p)} for c, p in enumerate(probs)],
            "dense_bias": float(dense.bias[prediction]), "card": card(), "input": grid, "source": source,
            "selection": selection, "samples": samples(state)}


def samples(state: NetworkState) -> dict[str, Any] | None:
    """The picker: every held-out sample with its label, and the neighbours of the one shown."""
    if not digits_data.available():
        return None
    _, labels, indices = digits_data.held_out()
    n, last = state.sample, len(labels) - 1
    return {"labels": labels.tolist(), "last": last,
            "prev": state.url(sample=max(0, (n or 0) - 1), grid=NetworkState.grid) if n else None,
            "next": state.url(sample=0 if n is None else min(last, n + 1), grid=NetworkState.grid) if n != last else None,
            "first": state.url(sample=0, grid=NetworkState.grid), "last_url": state.url(sample=last, grid=NetworkState.grid)}


def select(state: NetworkState, net: Network, outs: list[np.ndarray], x: np.ndarray, fields: list[Any], maps_at: list[int],
           marks: dict[int, dict[tuple[int, int, int], str]]) -> dict[str, Any]:
    """The selected cell: its value, receptive field, the cells it came from and how (a trace for a conv)."""
    assert state.at is not None
    name, m, i, j = state.at
    names = [net.names[k] for k in maps_at]
    if name not in names:
        raise ParameterError("at", f"at names a layer with feature maps, one of {', '.join(names)}; got {name!r}")
    k = net.names.index(name)
    _, h, w, c = outs[k].shape
    if not (m < c and i < h and j < w):
        raise ParameterError("at", f"{name} has {c} maps of {h}×{w}: at must be map 0–{c - 1}, row 0–{h - 1},"
                                   f" column 0–{w - 1}; got {m},{i},{j}")
    layer, before = net.layers[k], (outs[k - 1] if k else x)
    r0, r1, c0, c1 = cell_field(net, k, i, j)
    for r in range(r0, r1 + 1):
        for col in range(c0, c1 + 1):
            marks[-1][(0, r, col)] = " rf"
    marks[k][(m, i, j)] = " sel"
    sel: dict[str, Any] = {"layer": name, "op": layer.op, "map": m, "row": i, "col": j, "value": float(outs[k][0, i, j, m]),
                           "field": {"rows": [r0, r1], "cols": [c0, c1], "size": list(fields[k].size)},
                           "clear": state.url(at=None)}
    if isinstance(layer, Conv):
        kernel, bias = layer.weight[m], float(layer.bias[m])
        inp = before[0]
        trace = conv_step(inp, kernel, i * w + j, bias=bias, padding=[list(p) for p in layer.padding])
        (ph, _), (pw, _) = layer.padding
        for a in range(kernel.shape[0]):
            for b in range(kernel.shape[1]):
                r, col = i - ph + a, j - pw + b
                if 0 <= r < inp.shape[0] and 0 <= col < inp.shape[1]:
                    for ch in range(inp.shape[2]):
                        if k:
                            marks[k - 1][(ch, r, col)] = marks[k - 1].get((ch, r, col), "") + " src"
        channels = inp.shape[2]
        sel["conv"] = {"channels": channels, "window": trace.window.reshape(*trace.window.shape[:2], channels).transpose(2, 0, 1),
                       "kernel": kernel.transpose(2, 0, 1),
                       "channel_sums": (trace.channel_sums if trace.channel_sums is not None
                                        else np.array([trace.products.sum()])).tolist(),
                       "sum": trace.sum, "bias": bias, "result": trace.result}
        sel["stepper"] = stepper_link(net, k, before[0], m, i * w + j)
    elif layer.op == "relu":
        sel["before"] = float(before[0, i, j, m])
        sel["from"] = state.url(at=(net.names[k - 1], m, i, j))
        if k:
            marks[k - 1][(m, i, j)] = marks[k - 1].get((m, i, j), "") + " src"
        sel["stepper"] = stepper_link(net, k - 1, (outs[k - 2] if k > 1 else x)[0], m, i * w + j)
    elif isinstance(layer, Pool):
        (sh, sw), (kh, kw) = layer.stride, layer.size
        window = before[0, i * sh : i * sh + kh, j * sw : j * sw + kw, m]
        wr, wc = np.unravel_index(int(window.argmax()), window.shape)
        sel["window"] = window.tolist()
        sel["winner"] = state.url(at=(net.names[k - 1], m, i * sh + int(wr), j * sw + int(wc)))
        for a in range(window.shape[0]):
            for b in range(window.shape[1]):
                key = (m, i * sh + a, j * sw + b)
                marks[k - 1][key] = marks[k - 1].get(key, "") + " src"
    return sel


def stepper_link(net: Network, k: int, inp: np.ndarray, m: int, step: int) -> str | None:
    """/conv2d (one channel) or /volume (several) stepping layer ``k``'s filter ``m`` on ``inp`` at ``step``."""
    layer = net.layers[k]
    assert isinstance(layer, Conv)
    pad = layer.padding[0][0]
    if inp.shape[2] == 1:
        kernel = tuple(tuple(float(v) for v in row) for row in layer.weight[m, :, :, 0])
        grid = tuple(tuple(float(v) for v in row) for row in inp[..., 0])
        return Conv2dState(grid=grid, kernel=kernel, bias=float(layer.bias[m]), padding=pad, step=step).url()
    return VolumeState.with_values(inp, layer.weight[m], float(layer.bias[m]), padding=pad, step=step)


def data(state: NetworkState, view: dict[str, Any]) -> dict[str, Any]:
    sel = view["selection"]
    if sel and "conv" in sel:
        sel = {**sel, "conv": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in sel["conv"].items()}}
    return {
        "model": "digits", "input": view["input"].tolist(), "source": view["source"],
        "layers": [{"name": e["name"], "op": e["op"], "output_shape": e["shape"], "output": e["output"].tolist(),
                    **({"receptive_field": list(e["field"])} if e.get("field") else {})} for e in view["layers"]],
        "probabilities": view["probabilities"].tolist(), "prediction": view["prediction"],
        "contributions": view["contributions"], "selection": sel,
        "card": {k: view["card"][k] for k in ("seed", "epochs", "test_accuracy", "date")},
    }


def context(state: NetworkState, view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    return {**view, "toggle_projector": state.url(projector=not state.projector),
            "form": {**state.form(), "grid": spell_matrix(view["input"])},  # a sample's numbers too: edit them to try a change
            "pad": PAD, "hidden": {k: v for k, v in state.canonical().items() if k in ("at", "projector")}}


def fallback(raw: Any, settings: Settings) -> dict[str, Any]:
    return {"card": card(), "hidden": {}, "samples": None, "pad": PAD}


PAGE = Page(NetworkState, "pages/network.html", "partials/network_body.html", build, context, data, fallback)
add_page(router, PAGE)
