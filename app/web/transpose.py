"""/transpose — a forward layer turned over: the transposed convolution is multiplication by Wᵀ.

Two ways through the same numbers: ``scatter`` steps over the input y (each cell stamps
value × kernel into the output, overlaps add: column j of Wᵀ) and ``gather`` steps over the output
(a plain convolution of the zero-stuffed, padded y with the flipped kernel: row i of Wᵀ). Every
number comes from the engine (conv_transpose, stuffed_input, conv_step, weight_matrix); the steps
are few, so all of them are embedded and stepping needs no request. JSON twin: /transpose.json.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.errors import ParameterError
from ..engine.matrix import weight_matrix, weight_matrix_many
from ..engine.shapes import Geometry, geometry
from ..engine.trace import conv_step
from ..engine.transpose import conv_transpose, conv_transpose_many, same_output_sizes, stuffed_input, transposed_size
from ..settings import Settings
from ..state.fields import as_matrix
from ..state.transpose import TransposeState, default_y
from . import step_data, stepper
from .page import Links, Page, add_page
from .params import format_signed
from .step_json import json_numbers

router = APIRouter()

# data-cell ids of the grids and matrices (stepper.js marks cells by id, one id space per page)
Y, OUT, STUFFED, W_ROW, WT_ROW, WT_COL, W_COL = 0, 1000, 2000, 3000, 4000, 5000, 6000


def _label(flat: int, width: int, name: str) -> str:
    return f"{name}{flat // width},{flat % width}"


def _terms(weights: np.ndarray, values: np.ndarray) -> str:
    """``w·v + …`` over the nonzero weights, a negative weight subtracted (``− 1·19``, as /conv2d writes W·x);
    the numbers are only placed, never multiplied here.

    >>> _terms(np.array([2.0, 0.0, -1.0]), np.array([3.0, 5.0, 19.0]))
    '2·3 − 1·19'
    """
    text = ""
    for w, v in zip(weights, values, strict=True):
        if w != 0:
            sign = ("− " if w < 0 else "+ ") if text else ("−" if w < 0 else "")
            text += f"{' ' if text else ''}{sign}{format_signed(abs(w))}·{format_signed(v)}"
    return text or "0"


def layer_arrays(state: TransposeState) -> tuple[np.ndarray, Geometry]:
    """The forward layer's kernels (N, kh, kw, C) and its checked geometry."""
    c = state.channels
    blocks = np.array(state.kernel, dtype=float)  # (N·C, kh, kw): kernel n's channel c at n·C + c
    ks = blocks.reshape(state.filters, c, *blocks.shape[1:]).transpose(0, 2, 3, 1)
    kh, kw = ks.shape[1:3]
    for axis, k, p in zip(("rows", "columns"), (kh, kw), state.padding, strict=True):
        lim = state.dilation * (k - 1)
        if p > lim:
            where = "" if state.padding[0] == state.padding[1] and kh == kw else f" ({axis}: k = {k})"
            raise ParameterError("padding", f"padding must be at most d·(k − 1) = {lim}{where} on this page, got {p}:"
                                 " the gather view pads y by d·(k − 1) − p on each side")
    g = geometry(state.size, (kh, kw), stride=state.stride, padding=list(state.padding), dilation=state.dilation)
    return ks, g


def build(state: TransposeState, settings: Settings) -> dict[str, Any]:
    ks, g = layer_arrays(state)  # the forward layer, checked
    n_sel, c_sel = state.pair
    k = ks[n_sel, :, :, c_sel]  # the pair stepped: kernel n's channel c
    h, wd = state.size
    oh, ow = g.out_shape
    ys: np.ndarray = np.array(default_y((oh, ow), state.filters) if state.y is None else state.y, dtype=float)
    if ys.shape[0] != state.filters:
        raise ParameterError("y", f"y needs one {oh}×{ow} matrix per kernel of the forward layer: {state.filters}"
                             f" (separated by |), got {ys.shape[0]}")
    if ys.shape[1:] != g.out_shape:
        raise ParameterError("y", f"y is what the forward layer outputs: it needs {oh}×{ow} values (rows ; values ,),"
                             f" got {ys.shape[1]}×{ys.shape[2]}")
    y = ys[n_sel]
    d = state.dilation
    base = [transposed_size(m, kk, s, (p, p), d, 0)
            for m, kk, s, p in zip(g.out_shape, k.shape, state.stride, state.padding, strict=True)]
    extra = [n - b for n, b in zip(state.size, base, strict=True)]  # output_padding: back to the forward input size
    geo: dict[str, Any] = {"stride": state.stride, "padding": list(state.padding), "output_padding": extra, "dilation": d}
    out = conv_transpose(y, k, **geo)  # this pair's share of output channel c
    layer_out = conv_transpose_many(ys.transpose(1, 2, 0), ks, **geo)  # (H, W, C): every pair, added up
    w = weight_matrix((h, wd), k, stride=state.stride, padding=list(state.padding), dilation=d)
    wt = w.T
    grid, source = stuffed_input(y, k.shape, **geo)
    here = Links(state)
    scatter = state.mode == "scatter"
    total = y.size if scatter else out.size
    if state.step > total - 1:
        raise ParameterError("step", f"step must be between 0 and {total - 1}, got {state.step}")
    steps = [scatter_step(j, y, k, w, out, geo) if scatter else gather_step(i, grid, source, k, wt, y, out, d)
             for i, j in enumerate(range(total))]
    now = steps[state.step]
    block = step_data.StepBlock(here, total - 1, ow if scatter else wd)
    for s in steps:
        block.add_step(s["values"], **s["marks"])
    if not scatter:
        block.outputs = [format_signed(v) for v in out.reshape(-1).tolist()]
    marked = {cell: name for name, cells in now["marks"].items() for cell in cells}

    def cells(values: np.ndarray, base_id: int, kind: str, src: np.ndarray | None = None) -> list[list[stepper.Cell]]:
        rows = []
        for r, row in enumerate(values):
            line = []
            for c, v in enumerate(row):
                flat = r * values.shape[1] + c
                classes = kind + (" " + marked[base_id + flat] if base_id + flat in marked else "")
                if src is not None and src[r, c] < 0:
                    classes += " pad"
                line.append(stepper.Cell(float(v), classes))
            rows.append(line)
        return rows

    several = state.channels * state.filters > 1
    layer_w = weight_matrix_many((h, wd, state.channels), ks, stride=state.stride, padding=list(state.padding),
                                 dilation=d) if several else None
    sizes = [same_output_sizes(m, kk, s, (p, p), d)
             for m, kk, s, p in zip(g.out_shape, k.shape, state.stride, state.padding, strict=True)]
    return {
        "g": g, "k": k, "y": y, "out": out, "w": w, "wt": wt, "extra": extra, "base": base, "sizes": sizes,
        "scatter": scatter, "step": state.step, "last": total - 1, "now": now["values"], "marked": marked,
        "y_rows": cells(y, Y, "in"), "out_rows": out_rows(out, now, scatter, state.step, here),
        "grid_rows": cells(grid, STUFFED, "in", source), "grid": grid, "flipped": k[::-1, ::-1],
        "y_labels": [_label(j, ow, "y") for j in range(y.size)], "x_labels": [_label(i, wd, "x") for i in range(h * wd)],
        "ids": {"W_ROW": W_ROW, "WT_ROW": WT_ROW, "WT_COL": WT_COL, "W_COL": W_COL},
        "nav": stepper.nav_links(here, state.step, total - 1, row=ow if scatter else wd),
        "action": "/transpose", "hx_target": "#app",
        "fragment_query": {key: v for key, v in state.canonical().items() if key != "step"},
        "limits": TransposeState.limits(settings),
        "steps": step_data.embed(block.as_dict()) if step_data.fits(total, settings) else None,
        "modes": {m: here(mode=m, step=0) for m in ("scatter", "gather")},
        "dilation": d, "several": several, "gather_pad": sorted({a.dilation * (a.k - 1) - a.pad[0] for a in g.axes}),
        "pair": state.pair, "ks": ks, "ys": ys, "layer_out": layer_out,
        "pairs": [[(n, c, state.url(pair=(n, c), step=0)) for c in range(state.channels)] for n in range(state.filters)]
        if several else [],
        "shares": [(n, conv_transpose(ys[n], ks[n, :, :, c_sel], **geo)) for n in range(state.filters)] if several else [],
        "layer_channel": layer_out[:, :, c_sel].tolist(),
        "layer_w": layer_w, "blocks": None if layer_w is None else wt_blocks(layer_w, (oh * ow, state.filters),
                                                                              (h * wd, state.channels)),
    }


def wt_blocks(layer_w: np.ndarray, ys: tuple[int, int], xs: tuple[int, int]) -> np.ndarray:
    """The layer's Wᵀ as blocks: ``[c, q, n, p]`` is Wᵀ's entry for output cell q of channel c and y cell p of
    channel n, so block (c, n) = ``[c, :, n, :]`` is the pair's Wᵀ. ``layer_w``'s rows run over (H′, W′, N) and
    its columns over (H, W, C), channels last (``weight_matrix_many``): P·N rows and Q·C columns.

    >>> w = weight_matrix_many((1, 2, 2), np.arange(1.0, 5.0).reshape(2, 1, 1, 2))  # 1×1 kernels, C = N = 2
    >>> wt_blocks(w, (2, 2), (2, 2))[1, :, 0, :].tolist()  # block (out 1, in 0): kernel 0's channel 1 = 2
    [[2.0, 0.0], [0.0, 2.0]]
    """
    (p, n), (q, c) = ys, xs
    blocks: np.ndarray = layer_w.reshape(p, n, q, c).transpose(3, 2, 1, 0)
    return blocks


def out_rows(out: np.ndarray, now: dict[str, Any], scatter: bool, step: int, here: Links) -> list[list[stepper.Cell]]:
    if not scatter:
        return stepper.output_cells(out, step)
    stamped = set(now["marks"]["win"])
    return [[stepper.Cell(float(now["partial"][r][c]), "out" + (" win" if OUT + r * out.shape[1] + c in stamped else ""))
             for c in range(out.shape[1])] for r in range(out.shape[0])]


def scatter_step(j: int, y: np.ndarray, k: np.ndarray, w: np.ndarray, out: np.ndarray, geo: dict[str, Any]) -> dict[str, Any]:
    """Input cell j stamps y_j × kernel at (row·s_rows − p_rows, column·s_columns − p_columns), its taps d apart:
    column j of Wᵀ (row j of W)."""
    oh, ow = y.shape
    a, b = divmod(j, ow)
    (sh, sw), (ph, pw), d = geo["stride"], geo["padding"], geo["dilation"]
    stamp = conv_transpose([[y[a, b]]], k)  # one cell's transposed convolution is its stamp
    so_far = np.where(np.arange(y.size).reshape(y.shape) <= j, y, 0)
    partial = conv_transpose(so_far, k, **geo)  # the output after the first j + 1 stamps
    n_rows, n_cols = out.shape
    values: dict[str, Any] = {
        "status": f"Step {j + 1} of {y.size} · input y{a},{b} = {format_signed(y[a, b])} stamps y × kernel at output"
                  f" (row {format_signed(a * sh - ph)}, column {format_signed(b * sw - pw)})"
                  f"{f', taps {d} apart' if d > 1 else ''}; overlaps add",
        "yv": format_signed(y[a, b]), "at": f"row {format_signed(a * sh - ph)}, column {format_signed(b * sw - pw)}",
        "wty": f"column {j} of Wᵀ (row {j} of W) = y{a},{b}'s stamp, read row by row over the output",
    }
    stamped = []
    for i in range(k.shape[0]):
        for jj in range(k.shape[1]):
            r, c = a * sh - ph + i * d, b * sw - pw + jj * d
            inside = 0 <= r < n_rows and 0 <= c < n_cols
            values[f"s{i * k.shape[1] + jj}"] = format_signed(stamp[i, jj])
            values[f"pad{i * k.shape[1] + jj}"] = not inside
            if inside:
                stamped.append(OUT + r * n_cols + c)
    for flat, v in enumerate(partial.reshape(-1).tolist()):
        values[f"o{flat}"] = format_signed(v)
    return {"values": values, "partial": partial.tolist(),
            "marks": {"win": [Y + j, *stamped], "current": [W_ROW + j], "tcol": [WT_COL + j]}}


def gather_step(i: int, grid: np.ndarray, source: np.ndarray, k: np.ndarray, wt: np.ndarray, y: np.ndarray,
                out: np.ndarray, dilation: int = 1) -> dict[str, Any]:
    """Output cell i: the flipped kernel (same dilation) over the stuffed, padded y (stride 1) = row i of Wᵀ times y."""
    trace = conv_step(grid, k, i, flip=True, dilation=dilation)
    r, c = trace.out_index
    width = grid.shape[1]
    values: dict[str, Any] = {
        "status": f"Step {i + 1} of {out.size} · output x{r},{c} · the flipped kernel over the stuffed y at"
                  f" (row {trace.origin[0]}, column {trace.origin[1]})",
        "sum": format_signed(trace.sum),
        "wty": f"x{r},{c} = row {i} of Wᵀ · y = {_terms(wt[i], y.reshape(-1))} = {format_signed(out[r, c])}",
    }
    window = []
    for t, (pos, v, p) in enumerate(zip(trace.positions.reshape(-1, 2), trace.window.reshape(-1),
                                        trace.products.reshape(-1), strict=True)):
        values[f"x{t}"] = format_signed(v)
        values[f"p{t}"] = format_signed(p)
        values[f"pad{t}"] = bool(source[int(pos[0]), int(pos[1])] < 0)  # a stuffed or padded zero
        window.append(STUFFED + int(pos[0]) * width + int(pos[1]))
    return {"values": values, "marks": {"win": window, "current": [WT_ROW + i], "tcol": [W_COL + i]}}


def turn_over_url(g: Geometry, kernel: np.ndarray, settings: Settings) -> str:
    """/conv2d's "turn this layer over" link: its numbers-mode layer on /transpose when it fits the page
    (one dilation for both axes, padding alike on both sides of an axis, the page's limits), else the default."""
    lim = TransposeState.limits(settings)
    d = g.dilation[0]
    fits = (max(g.in_shape) <= lim["size"] and max(kernel.shape) <= lim["kernel"]
            and max(g.stride) <= lim["stride"] and len(set(g.dilation)) == 1 and d <= lim["dilation"]
            and all(before == after <= min(lim["padding"], d * (k - 1))
                    for (before, after), k in zip(g.padding, kernel.shape, strict=True)))
    if not fits:
        return TransposeState.PATH
    (sh, sw), ((ph, _), (pw, _)) = g.stride, g.padding
    return TransposeState(size=(g.in_shape[0], g.in_shape[1]), kernel=(as_matrix(kernel),), stride=(sh, sw),
                          padding=(ph, pw), dilation=d).url()


def data(state: TransposeState, view: dict[str, Any]) -> dict[str, Any]:
    """The pair stepped (its y, kernel, share of the output, W); with several channels also the whole layer."""
    result = {"forward": {"input_shape": list(state.size), "output_shape": list(view["g"].out_shape),
                          "same_output_sizes": view["sizes"]},
              "output_padding": view["extra"], "pair": list(state.pair), "y": json_numbers(view["y"]),
              "kernel": json_numbers(view["k"]), "output": json_numbers(view["out"]),
              "weight_matrix": json_numbers(view["w"]), "stuffed": json_numbers(view["grid"]),
              "steps": view["last"] + 1, "step": view["step"]}
    if view["several"]:
        result["layer"] = {"input": json_numbers(view["ys"].transpose(1, 2, 0)), "kernels": json_numbers(view["ks"]),
                           "output": json_numbers(view["layer_out"]), "weight_matrix": json_numbers(view["layer_w"])}
    return result


PAGE = Page(TransposeState, "pages/transpose.html", "partials/lecture_transpose.html", build, lambda s, v, settings: v,
            data, lambda raw, settings: {"limits": TransposeState.limits(settings)})
add_page(router, PAGE)
