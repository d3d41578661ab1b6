"""/conv1d — a kernel [w0 w1 w2] sliding along a vector, and the banded Toeplitz W beside it.
Its JSON twin is /conv1d.json; the state is app/state/conv1d.py."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.conv import correlate
from ..engine.errors import ParameterError
from ..engine.geometry import conv_geometry
from ..engine.shapes import Axis
from ..engine.trace import conv_step
from ..settings import Settings
from ..state.conv1d import Conv1dState
from . import step_data, stepper, stride_picture
from .page import Links, Page, add_page
from .step_json import conv_step_data, geometry_data, json_numbers

router = APIRouter()


def build(state: Conv1dState, settings: Settings) -> dict[str, Any]:
    x, k = np.array(state.input), np.array(state.kernel)
    g = conv_geometry(x.shape, k.shape, stride=state.stride, padding=state.padding)  # checked once
    if state.step > g.steps - 1:
        raise ParameterError("step", f"step must be between 0 and {g.steps - 1}, got {state.step}")
    step = state.step
    trace = conv_step(x, k, step, geometry=g)
    out = correlate(x, k, geometry=g)
    here = Links(state)
    a = g.axes[0]

    def input_jump(_r: int, c: int) -> int:  # the window that starts nearest this cell
        return min(max(0, round((c + a.pad[0] - a.span // 2) / a.stride)), a.out - 1)

    terms = [{"i": int(p[0]), "x": float(v), "w": float(w), "pad": not bool(inside)}
             for p, v, w, inside in zip(trace.positions, trace.window, trace.kernel, trace.inside, strict=True)]
    last = g.steps - 1
    return {
        "g": g, "trace": trace, "step": step, "last": last, "terms": terms, "output": out,
        "input_rows": stepper.padded_input(x, g, stepper.window_set(trace), input_jump),
        "output_rows": stepper.output_cells(out, step),
        "computation": stepper.computation_rows(trace),
        "matrix": stepper.matrix_panel(x, trace.kernel, g, trace, symbols=state.symbols),
        "weight_names": [[step_data.weight_name(i) for i in range(k.size)]] if state.symbols else None,
        "toggle_symbols": state.url(symbols=not state.symbols),
        "toggle_symbols_tpl": state.url(symbols=not state.symbols, step="STEP"),  # steplinks.js puts in the step
        "toggle_dense": state.url(dense=not state.dense),  # the fully connected contrast, shown or not
        "toggle_dense_tpl": state.url(dense=not state.dense, step="STEP"),
        "stride": stride_picture.picture(g, step),
        "nav": stepper.nav_links(here, step, last, row=None),  # one row: no row buttons (Shift+arrow goes to the ends)
        "action": "/conv1d", "hx_target": "#app",
        "fragment_query": {k: v for k, v in state.canonical().items() if k != "step"},
        "notes_rows": notes_row_count(a),
        "status": step_data.conv1d_status(trace, last),
        "steps": step_data.conv1d(x, k, g, out, here, settings,
                                  step_data.weight_numbers(k.shape) if state.symbols else None),
        "limits": Conv1dState.limits(settings),
    }


def notes_row_count(a: Axis) -> dict[str, Any]:
    """The notes count W's rows as ((n − k) + 1) / stride, a slip for floor((n + 2p − k) / s) + 1.

    Both are computed with the current numbers so the page can say whether the slip bites here.
    """
    slip = Fraction(a.padded - a.k + 1, a.stride)
    return {"text": f"(({a.padded} − {a.k}) + 1) / {a.stride} = {slip}", "agrees": slip == a.out, "right": a.out}


def data(state: Conv1dState, view: dict[str, Any]) -> dict[str, Any]:
    g = view["g"]
    return {"geometry": geometry_data(g), "step": view["step"], "steps": g.steps, "output_shape": list(g.out_shape),
            "trace": conv_step_data(view["trace"]), "output": json_numbers(view["output"]),
            "notes_rows": {"slip": view["notes_rows"]["text"], "agrees": view["notes_rows"]["agrees"]},
            "w_counts": view["matrix"]["counts"]}


PAGE = Page(Conv1dState, "pages/conv1d.html", "partials/lecture_conv1d.html", build, lambda s, v, settings: v, data,
            lambda raw, settings: {"limits": Conv1dState.limits(settings)})
add_page(router, PAGE)
