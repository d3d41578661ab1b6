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
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from .. import errors
from ..engine.errors import ParameterError
from ..engine.network import Concat, Conv, Dense, Flatten, Network, Pool, Softmax, Sum, forward, pool_forward
from ..engine.receptive import cell_sources, receptive_fields, step_back
from ..engine.trace import conv_step
from ..imaging import resize_area
from ..models import digits_data
from ..models.digits import card, digits_network
from ..models.files import ModelFile, summarize
from ..models.store import get_model_store
from ..problems import Problem
from ..samples import SAMPLES
from ..settings import Settings
from ..sources import load_image
from ..state.conv2d import Conv2dState
from ..state.fields import as_matrix, spell_matrix
from ..state.network import SEVEN, NetworkState, check_grid
from ..state.volume import VolumeState
from ..uploads import receive_upload
from .conv2d import luma
from .page import Page, add_page

router = APIRouter()
LEVELS = 8  # shades per sign (style.css: .s1–.s8 positive, .n1–.n8 negative)
BAR = 260  # the probability chart's longest bar, SVG units
# The drawing pad: load_digits' images are 32×32 bitmaps counted in 4×4 blocks (UCI "optdigits"); 8 canvas pixels a bit
PAD = {"bitmap": 32, "block": 4, "pixels": 256}
MAX_MAPS = 32  # a layer with more maps is listed in the summary, not drawn
MAX_BARS = 20  # a softmax over more classes is a table, not a chart
MAX_KERNEL_LINKS = 64  # filters per layer linked to the stepper


def header_row(columns: int) -> str:
    """A grid's column headers (0 …), for screen readers only (style.css hides a .net-grid's th)."""
    return ('<thead><tr><th scope="col">row</th>'
            + "".join(f'<th scope="col">{j}</th>' for j in range(columns)) + "</tr></thead>")


def table_html(cells: list[list[tuple[str, str]]], label: str, layer: str | None = None, m: int = 0) -> Markup:
    """A shaded table of (text, classes) cells; with ``layer``, each cell is a button selecting it (``at``).
    Built here rather than in a template macro: /network draws about 1,700 cells, and this is ~10× faster."""
    head = f'<table class="net-grid" aria-label="{escape(label)}">' + header_row(len(cells[0]) if cells else 0)
    rows = []
    for i, row in enumerate(cells):
        tds = [f'<th scope="row">{i}</th>']  # row and column for screen readers only (style.css hides them)
        for j, (text, cls) in enumerate(row):
            attr = f' class="{escape(cls.strip())}"' if cls.strip() else ""
            body = f'<button name="at" value="{escape(layer)},{m},{i},{j}">{escape(text)}</button>' if layer else escape(text)
            tds.append(f"<td{attr}>{body}</td>")
        rows.append("<tr>" + "".join(tds) + "</tr>")
    return Markup(head + "".join(rows) + "</table>")


def map_tables(name: str, out: np.ndarray, was_negative: np.ndarray | None, scale: float,
               marks: dict[tuple[int, int, int], str]) -> list[Markup]:
    """One selectable table per map of ``out`` (H, W, C): shaded, ReLU's zeroed cells and ``marks`` classed."""
    values = out.tolist()
    neg = was_negative.tolist() if was_negative is not None else None
    h, w, c = out.shape
    return [table_html([[(f"{values[i][j][m]:.2f}", shade(values[i][j][m], scale) + (" neg" if neg and neg[i][j][m] else "")
                          + marks.get((m, i, j), "")) for j in range(w)] for i in range(h)], f"{name} map {m}", name, m)
            for m in range(c)]


def shade(v: float, scale: float) -> str:
    level = min(LEVELS, int(np.ceil(abs(v) / scale * LEVELS - 1e-9))) if scale > 0 else 0
    return "" if level == 0 else f"{'s' if v > 0 else 'n'}{level}"


def input_of(state: NetworkState, net: Network | None, settings: Settings) -> tuple[np.ndarray | None, dict[str, Any] | None]:
    """The input (H, W, C) and where it came from; None when the model cannot take a grid on a page."""
    if state.image:
        return image_input(state.image, net, settings)
    if state.sample is not None:
        image, label, index = digits_data.sample(state.sample)
        return image[..., None], {"sample": state.sample, "label": label, "index": index}
    shape = grid_shape(net, settings.max_grid_size)
    if shape is None:
        return None, None
    if state.grid is SEVEN and shape != (8, 8):  # no grid given: a seeded example of the model's size
        return np.random.default_rng(0).integers(0, 17, (*shape, 1)).astype(np.float64), None
    check_grid(state.grid, shape, "the model's input")
    return np.array(state.grid, dtype=np.float64)[..., None], None


def image_input(ref: str, net: Network | None, settings: Settings) -> tuple[np.ndarray, dict[str, Any]]:
    """An image fed to the model: brightness for one input channel, RGB for three (a grey image repeated), resized to
    the model's H×W by area means, pixel values ÷ 255 (0–1). The model's sides are bounded by
    CONVSTEP_NETWORK_MAX_IMAGE_SIDE, since every map is drawn whole."""
    if net is None:
        raise ParameterError("image", "this model file has no graph to run, so it cannot be fed an image")
    shape = tuple(net.input_shape)
    if len(shape) != 3 or shape[2] not in (1, 3):
        spelled = "×".join(map(str, shape))
        raise ParameterError("image", f"the model's input is {spelled}: an image feeds a model whose input is H×W×1 (grey)"
                                      " or H×W×3 (RGB)")
    h, w, c = shape
    side = settings.network_max_image_side
    if max(h, w) > side:
        raise ParameterError("image", f"the model's input is {h}×{w}: an image feeds models of at most {side}×{side}"
                                      f" (CONVSTEP_NETWORK_MAX_IMAGE_SIDE), whose every map is drawn")
    pixels = load_image(ref, settings)
    colour = pixels.ndim == 3
    if c == 1:
        fed = (luma(pixels) if colour else pixels.astype(np.float64))[..., None]
    else:
        fed = pixels.astype(np.float64) if colour else np.repeat(pixels[..., None], 3, axis=2).astype(np.float64)
    x = resize_area(fed, (h, w)) / 255.0
    return x, {"image": ref, "image_size": list(pixels.shape[:2]), "colour": colour, "channels": c}


def grid_shape(net: Network | None, largest: int) -> tuple[int, int] | None:
    """(H, W) when the model runs on one H×W channel small enough to show as numbers (CONVSTEP_MAX_GRID_SIZE)."""
    if net is None or len(net.input_shape) != 3 or net.input_shape[2] != 1 or max(net.input_shape[:2]) > largest:
        return None
    return int(net.input_shape[0]), int(net.input_shape[1])


def load(state: NetworkState, settings: Settings) -> tuple[ModelFile, str]:
    if state.model == "digits":
        net = digits_network()
        return ModelFile("npz", summarize(net), net.total_params, net), "digits"
    try:
        return get_model_store(settings).get(state.model), state.model
    except Problem as exc:  # the store names the API's path parameter; the page's query key is ``model``
        if exc.param != "model_id":
            raise
        raise Problem(exc.status_code, exc.detail, "model", exc.headers) from None


def spatial(net: Network, outs: list[np.ndarray]) -> list[int]:
    return [k for k, out in enumerate(outs) if out.ndim == 4]


def build(state: NetworkState, settings: Settings) -> dict[str, Any]:
    model, model_id = load(state, settings)
    net = model.network
    grid, source = input_of(state, net, settings)
    table = layer_table(model)
    base = {"model_id": model_id, "model": model, "table": table, "card": card() if model_id == "digits" else None,
            "source": source, "samples": samples(state) if model_id == "digits" else None, "input": grid,
            "drawable": net is not None and net.input_shape == (8, 8, 1)}
    if net is None or grid is None:
        if state.at:
            raise ParameterError("at", "this model's layers are not shown as feature maps, so no cell can be selected")
        return {**base, "layers": [], "kernel_links": kernel_links(net, None, settings) if net else {}}
    x = grid[None]
    outs = forward(net, x)
    fields = receptive_fields(net)
    maps_at = spatial(net, outs)
    marks: dict[int, dict[tuple[int, int, int], str]] = {k: {} for k in [-1, *maps_at]}  # layer → (map, row, col) → classes
    selection = select(state, net, outs, x, maps_at, marks) if state.at else None
    for k in maps_at:  # every pool's winners, marked in the layer it pooled
        layer, v = net.layers[k], net.sources[k][0]
        if isinstance(layer, Pool) and layer.kind == "max" and v - 1 in maps_at:
            _, wins = pool_forward(layer, outs[v - 1])
            assert wins is not None
            for (_, _, c), (r, col) in zip(np.ndindex(wins.shape[1:4]), wins[0].reshape(-1, 2), strict=True):
                key = (c, int(r), int(col))
                marks[v - 1][key] = marks[v - 1].get(key, "") + " won"
    layers: list[dict[str, Any]] = []
    for k, (name, layer, out) in enumerate(zip(net.names, net.layers, outs, strict=True)):
        entry: dict[str, Any] = {"name": name, "op": layer.op, "shape": list(out.shape[1:]), "output": out[0], "row": table[k]}
        if k in maps_at and out.shape[3] <= MAX_MAPS:
            before = ([x, *outs])[net.sources[k][0]]
            scale = float(np.abs(out).max())
            negative = layer.op == "relu"
            entry["maps"] = map_tables(name, out[0], before[0] < 0 if negative else None, scale, marks[k])
            field = fields[k]
            entry["field"] = field.size if field else None
        if isinstance(layer, Conv):
            entry["kernel"] = list(layer.weight.shape)
        layers.append(entry)
    first = net.layers[0]
    kernels1 = None
    if isinstance(first, Conv) and first.weight.shape[3] == 1:
        top = float(np.abs(first.weight).max())
        kernels1 = [table_html([[(f"{w:.2f}", shade(w, top)) for w in row] for row in kernel.tolist()],
                               f"{net.names[0]} kernel {n}") for n, kernel in enumerate(first.weight[..., 0])]
    final = outs[-1][0]
    probabilities = final if isinstance(net.layers[-1], Softmax) else None
    prediction = int(final.argmax()) if final.ndim == 1 else None
    view = {**base, "layers": layers, "kernels1": kernels1, "bias1": first.bias if isinstance(first, Conv) else None,
            "input_table": input_tables(grid, marks[-1], bool(state.image)),
            "probabilities": probabilities, "prediction": prediction, "final": final, "selection": selection,
            "bars": None if probabilities is None or len(probabilities) > MAX_BARS else
                    [{"y": 4 + 26 * c, "width": round(float(p) * BAR, 2), "p": float(p)} for c, p in enumerate(probabilities)],
            "kernel_links": kernel_links(net, outs, settings, x)}
    view.update(dense_view(state, net, outs, prediction) if net.is_chain else {"contributions": [], "dense_bias": None})
    return view


def input_tables(grid: np.ndarray, marks: dict[tuple[int, int, int], str], image: bool) -> Markup:
    """The input (H, W, C), one shaded table per channel (captioned when there are several), marks classed."""
    h, w, c = grid.shape
    top = float(np.abs(grid).max()) if image else max(16.0, float(np.abs(grid).max()))

    def spell(v: float) -> str:
        return f"{v:.2f}" if image else f"{v:g}"

    names = ("red", "green", "blue") if c == 3 else tuple(f"channel {ch}" for ch in range(c))
    tables = []
    for ch in range(c):
        label = f"input {h}×{w}" + (f", {names[ch]}" if c > 1 else "")
        table = table_html([[(spell(grid[i, j, ch]), shade(grid[i, j, ch], top) + marks.get((ch, i, j), ""))
                             for j in range(w)] for i in range(h)], label)
        tables.append(Markup(f'<figure class="net-channel"><figcaption>{escape(names[ch])}</figcaption>{table}</figure>')
                      if c > 1 else table)
    return Markup("").join(tables)


def dense_view(state: NetworkState, net: Network, outs: list[np.ndarray], prediction: int | None) -> dict[str, Any]:
    """The last dense layer's largest contributions to the predicted class (its input × its weights)."""
    ks = [k for k, layer in enumerate(net.layers) if isinstance(layer, Dense)]
    if not ks or prediction is None or ks[-1] == 0:
        return {"contributions": [], "dense_bias": None}
    k = ks[-1]
    dense = net.layers[k]
    assert isinstance(dense, Dense)
    flat = outs[k - 1][0]
    column = prediction if outs[k][0].shape[0] == outs[-1][0].shape[0] else int(outs[k][0].argmax())
    parts = flat * dense.weight[:, column]
    top = np.argsort(-np.abs(parts))[:6]
    unflat = outs[k - 2][0].shape if k >= 2 and isinstance(net.layers[k - 1], Flatten) and outs[k - 2].ndim == 4 else None
    contributions = []
    for i in top:
        c: dict[str, Any] = {"index": int(i), "value": float(flat[i]), "weight": float(dense.weight[i, column]),
                             "product": float(parts[i])}
        if unflat is not None:  # flatten order: channel, row, column (as PyTorch and ONNX flatten NCHW)
            h, w, _ = unflat
            ch, r, col = int(i) // (h * w), int(i) % (h * w) // w, int(i) % w
            c.update(channel=ch, row=r, col=col, source=net.names[k - 2], at=state.url(at=(net.names[k - 2], ch, r, col)))
        contributions.append(c)
    return {"contributions": contributions, "dense_bias": float(dense.bias[column]), "dense_name": net.names[k],
            "dense_column": column}


def layer_table(model: ModelFile) -> list[dict[str, Any]]:
    """The /shapes-style summary: shapes, parameters and, for a runnable model, each layer's receptive field."""
    rows = [dict(r) for r in model.layers]
    if model.network is not None:
        for row, field in zip(rows, receptive_fields(model.network), strict=True):
            row["receptive_field"] = list(field.size) if field else None
            row["jump"] = list(field.jump) if field else None
    return rows


def kernel_links(net: Network, outs: list[np.ndarray] | None, settings: Settings,
                 x: np.ndarray | None = None) -> dict[str, list[str | None]]:
    """Each conv layer's filters, steppable: on that layer's real input when the page ran the model,
    else on a seeded example of the layer's input size (the kernel always by value)."""
    out: dict[str, list[str | None]] = {}
    shapes = net.shapes()
    rng = np.random.default_rng(0)
    for k, (name, layer) in enumerate(zip(net.names, net.layers, strict=True)):
        if not isinstance(layer, Conv) or layer.weight.shape[0] > MAX_KERNEL_LINKS:
            continue
        if outs is not None and x is not None:
            inp = ([x, *outs])[net.sources[k][0]][0]  # the layer's own input (a graph's branch too)
        else:
            h, w, c = shapes[k][0]
            inp = rng.integers(0, 3, (min(h, settings.max_volume_size), min(w, settings.max_volume_size), c)).astype(float)
        out[name] = [stepper_link(layer, inp, m, 0, settings) for m in range(layer.weight.shape[0])]
    return out


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


def select(state: NetworkState, net: Network, outs: list[np.ndarray], x: np.ndarray, maps_at: list[int],
           marks: dict[int, dict[tuple[int, int, int], str]]) -> dict[str, Any]:
    """The selected cell: its value, receptive field, the cells it came from and how (a trace for a conv, the terms of
    a sum, the branch of a concat). In a graph with branches the field and the sources follow every input."""
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
    values = [x, *outs]
    src = net.sources[k]
    layer, before = net.layers[k], values[src[0]]
    seen = cell_sources(net, k, i, j, m)[0].any(axis=-1)  # the input cells it reads, through every branch
    rows, cols = np.nonzero(seen)
    for r, col in zip(rows.tolist(), cols.tolist(), strict=True):
        for ch in range(x.shape[3]):
            marks[-1][(ch, r, col)] = " rf"
    marks[k][(m, i, j)] = " sel"
    here = np.zeros(outs[k].shape[1:], dtype=bool)
    here[i, j, m] = True
    for v, found in zip(src, step_back(layer, here, [values[v].shape[1:] for v in src]), strict=True):
        if v - 1 in maps_at:  # the cells it is computed from, in each layer it reads
            for r, col, ch in np.argwhere(found).tolist():
                marks[v - 1][(ch, r, col)] = marks[v - 1].get((ch, r, col), "") + " src"
    field = receptive_fields(net)[k]
    box = [int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())]
    sel: dict[str, Any] = {"layer": name, "op": layer.op, "map": m, "row": i, "col": j, "value": float(outs[k][0, i, j, m]),
                           "field": {"rows": box[:2], "cols": box[2:], "size": list(field.size) if field else None,
                                     "cells": int(seen.sum()), "input_cells": np.argwhere(seen).tolist(),
                                     "whole": int(seen.sum()) == (box[1] - box[0] + 1) * (box[3] - box[2] + 1)},
                           "branched": not net.is_chain, "clear": state.url(at=None)}

    def at(v: int, ch: int) -> str | None:  # the same cell of value v (layer v − 1), channel ch, when the page draws it
        return state.url(at=(net.names[v - 1], ch, i, j)) if v - 1 in maps_at else None

    def label(v: int) -> str:
        return net.names[v - 1] if v else "input"

    if isinstance(layer, Conv):
        kernel, bias = layer.weight[m], float(layer.bias[m])
        per = layer.weight.shape[0] // layer.groups
        seen_channels = slice((m // per) * kernel.shape[2], (m // per + 1) * kernel.shape[2])  # filter m's group
        inp = before[0][..., seen_channels]
        trace = conv_step(inp, kernel, i * w + j, bias=bias, padding=[list(p) for p in layer.padding],
                          stride=layer.stride, dilation=layer.dilation)
        channels = inp.shape[2]
        sel["conv"] = {"channels": channels, "window": trace.window.reshape(*trace.window.shape[:2], channels).transpose(2, 0, 1),
                       "kernel": kernel.transpose(2, 0, 1),
                       "channel_sums": (trace.channel_sums if trace.channel_sums is not None
                                        else np.array([trace.products.sum()])).tolist(),
                       "sum": trace.sum, "bias": bias, "result": trace.result}
        sel["stepper"] = stepper_link(layer, before[0], m, i * w + j, None)
    elif layer.op == "relu":
        v = src[0]
        sel["before"] = float(before[0, i, j, m])
        sel["from"] = at(v, m)
        conv = net.layers[v - 1] if v else None
        if isinstance(conv, Conv):
            sel["stepper"] = stepper_link(conv, values[net.sources[v - 1][0]][0], m, i * w + j, None)
    elif isinstance(layer, Pool):
        (sh, sw), (kh, kw) = layer.stride, layer.size
        (ph, _), (pw, _) = layer.padding
        top, left = i * sh - ph, j * sw - pw
        window = before[0, max(0, top) : top + kh, max(0, left) : left + kw, m]  # the cells inside the input
        top, left = max(0, top), max(0, left)
        wr, wc = np.unravel_index(int(window.argmax()), window.shape)
        sel["window"] = window.tolist()
        sel["kind"] = layer.kind
        sel["size"] = list(layer.size)
        v = src[0]
        if v - 1 in maps_at and layer.kind == "max":
            sel["winner"] = state.url(at=(net.names[v - 1], m, top + int(wr), left + int(wc)))
    elif isinstance(layer, Sum):
        sel["merge"] = [{"layer": label(v), "map": m, "value": float(values[v][0, i, j, m]), "at": at(v, m)} for v in src]
    elif isinstance(layer, Concat):
        offset = 0
        for v in src:
            width = values[v].shape[3]
            if m < offset + width:
                sel["merge"] = [{"layer": label(v), "map": m - offset, "value": float(values[v][0, i, j, m - offset]),
                                 "at": at(v, m - offset), "first": offset, "last": offset + width - 1}]
                break
            offset += width
    return sel


def stepper_link(layer: Conv, inp: np.ndarray, m: int, step: int, settings: Settings | None) -> str | None:
    """/conv2d (one channel seen) or /volume (several) stepping filter ``m`` of ``layer`` on ``inp`` (H, W, C) at
    ``step``, the kernel and bias by value; None when the pages cannot express the layer (asymmetric padding,
    a kernel larger than the pages' limits, dilation on /volume)."""
    settings = settings or Settings()
    (pt, pb), (pl, pr) = layer.padding
    if not pt == pb == pl == pr or layer.stride[0] != layer.stride[1] or layer.dilation[0] != layer.dilation[1]:
        return None
    kernel = layer.weight[m]
    per = layer.weight.shape[0] // layer.groups
    part = inp[..., (m // per) * kernel.shape[2] : (m // per + 1) * kernel.shape[2]]
    if kernel.shape[2] == 1:
        if (max(kernel.shape[:2]) > settings.max_page_kernel_size or max(part.shape[:2]) > settings.max_grid_size
                or pt > settings.max_page_padding or layer.stride[0] > settings.max_page_stride
                or layer.dilation[0] > settings.max_page_dilation):
            return None
        return Conv2dState(grid=as_matrix(part[..., 0]), kernel=as_matrix(kernel[..., 0]), bias=float(layer.bias[m]),
                           stride=layer.stride[0], padding=pt, dilation=layer.dilation[0], step=step).url()
    lim = VolumeState.limits(settings)
    if (kernel.shape[0] != kernel.shape[1] or part.shape[0] != part.shape[1] or layer.dilation[0] != 1
            or kernel.shape[0] > lim["kernel"] or part.shape[0] > lim["size"] or part.shape[2] > lim["channels"]
            or pt > lim["padding"] or layer.stride[0] > lim["stride"]):
        return None
    return VolumeState.with_values(part, kernel, float(layer.bias[m]), padding=pt, step=step, stride=layer.stride[0])


def data(state: NetworkState, view: dict[str, Any]) -> dict[str, Any]:
    sel = view.get("selection")
    if sel and "conv" in sel:
        sel = {**sel, "conv": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in sel["conv"].items()}}
    model: ModelFile = view["model"]
    out: dict[str, Any] = {
        "model": view["model_id"], "format": model.format, "runnable": model.network is not None,
        "summary": view["table"], "total_params": model.total_params,
        "input": None if view["input"] is None else
                 (view["input"][..., 0] if view["input"].shape[2] == 1 else view["input"]).tolist(),
        "source": view["source"],
        "layers": [{"name": e["name"], "op": e["op"], "output_shape": e["shape"], "output": e["output"].tolist(),
                    **({"receptive_field": list(e["field"])} if e.get("field") else {})} for e in view["layers"]],
        "kernel_links": view["kernel_links"],
    }
    if view["layers"]:
        out.update(probabilities=None if view["probabilities"] is None else view["probabilities"].tolist(),
                   prediction=view["prediction"], contributions=view["contributions"], selection=sel)
    if view["card"]:
        out["card"] = {k: view["card"][k] for k in ("seed", "epochs", "test_accuracy", "date")}
    return out


def context(state: NetworkState, view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    grid = view["input"]
    return {**view, "toggle_projector": state.url(projector=not state.projector),
            "form": {**state.form(), "grid": "" if grid is None or state.image else spell_matrix(grid[..., 0])},  # a sample's too
            "image_samples": {name: sample.label for name, sample in SAMPLES.items()},
            "image_side": settings.network_max_image_side,
            "pad": PAD, "hidden": {k: v for k, v in state.canonical().items() if k in ("model", "at", "projector")},
            "max_bytes": settings.model_max_bytes}


def fallback(raw: Any, settings: Settings) -> dict[str, Any]:
    return {"card": card() if raw.get("model", "digits") == "digits" else None, "hidden": {}, "samples": None, "pad": PAD,
            "image_samples": {name: sample.label for name, sample in SAMPLES.items()},
            "image_side": settings.network_max_image_side, "drawable": raw.get("model", "digits") == "digits",
            "model_id": raw.get("model", "digits"),
            "max_bytes": settings.model_max_bytes, "input": None, "model": None, "layers": []}


@router.post("/network/upload")
async def upload(request: Request) -> Response:
    """The page's upload form: the model file (as POST /api/models takes it), then its /network view."""
    settings: Settings = request.app.state.settings
    try:
        form = await request.form(max_files=1, max_fields=2)
    except Exception:
        return errors.answer(request, Problem(400, "the upload must be a form with one file field `file`", "file"),
                             page="/network", raw={})
    try:
        file = form.get("file")
        projector = str(form.get("projector") or "")
        if file is None or isinstance(file, str) or not file.filename:
            return errors.answer(request, Problem(422, "choose a model file (.onnx, .safetensors, .npz or .npy)", "file"),
                                 page="/network", raw={})
        data = await file.read(settings.model_max_bytes + 1)
        filename = file.filename
    finally:
        await form.close()
    try:
        key, _ = get_model_store(settings).put(data, filename)
    except Problem as exc:
        return errors.answer(request, exc, page="/network", raw={})
    return RedirectResponse(NetworkState(model=key, projector=bool(projector)).url(), status_code=303)


@router.post("/network/image")
async def upload_image(request: Request) -> Response:
    """The page's image form: an image (as POST /upload takes it) for the uploaded model ``model``, then that model's
    /network view fed the image (``image=<id>``)."""
    settings: Settings = request.app.state.settings
    received = await receive_upload(request)
    model, projector = received.fields.get("model", ""), received.fields.get("projector", "")
    raw = {"model": model}
    if received.problem is not None:
        exc = received.problem
        return errors.answer(request, Problem(exc.status_code, exc.detail, "file", exc.headers), page="/network", raw=raw)
    assert received.image_id is not None  # no problem: the image was stored
    try:
        target = NetworkState.parse({"model": model, "image": received.image_id, "projector": projector}, settings)
    except ParameterError as exc:
        return errors.answer(request, exc, page="/network", raw=raw)
    return RedirectResponse(target.url(), status_code=303)


PAGE = Page(NetworkState, "pages/network.html", "partials/network_body.html", build, context, data, fallback)
add_page(router, PAGE)
