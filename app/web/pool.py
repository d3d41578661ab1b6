"""/pool — max and average pooling, window by window; the max's winning cell is marked.
Its JSON twin is /pool.json; the state is app/state/pool.py."""

from __future__ import annotations

from typing import Any

import numpy as np
from fastapi import APIRouter

from ..engine.arrays import shifted
from ..engine.errors import ParameterError
from ..engine.pool import PoolGeometry, pool, pool_geometry, window_counts
from ..engine.trace import pool_step
from ..settings import Settings
from ..state.pool import SHIFTS, PoolState
from . import step_data, stepper
from .page import Links, Page, add_page
from .step_json import geometry_data, json_number, json_numbers

router = APIRouter()


def invariance(x: np.ndarray, result: np.ndarray, direction: str, **geometry: Any) -> dict[str, Any]:
    """Pool the feature map moved one cell in ``direction`` and mark which pooled cells changed."""
    if direction not in SHIFTS:
        raise ParameterError("shift", f"shift must be one of {', '.join(SHIFTS)}, got {direction[:20]!r}")
    moved = pool(shifted(x, *SHIFTS[direction]), **geometry).output
    same = moved == result
    cells = [[stepper.Cell(float(v), "out done" if keep else "out changed", title="unchanged" if keep else "changed")
              for v, keep in zip(row, keep_row, strict=True)] for row, keep_row in zip(moved, same, strict=True)]
    return {"direction": direction, "cells": cells, "unchanged": int(same.sum()), "total": int(same.size)}


def options(x: np.ndarray, state: PoolState, g: PoolGeometry, output: np.ndarray) -> list[dict[str, Any]]:
    """The frameworks' options, each with the windows it changes: ceil_mode's added windows (marked in the
    ceil output), and for an average the pooled cells count_include_pad changes (marked in the other output)."""
    op, size, stride, padding, cip = state.op, state.size, state.pool_stride, state.padding, state.count_include_pad
    floor_g = g if not state.ceil_mode else pool_geometry(x.shape, size, stride, padding)
    ceil_g = g if state.ceil_mode else pool_geometry(x.shape, size, stride, padding, ceil_mode=True)
    ceil_out = output if state.ceil_mode else pool(x, op=op, geometry=ceil_g, count_include_pad=cip).output  # type: ignore[arg-type]
    fh, fw = floor_g.out_shape
    added = [[stepper.Cell(float(v), "out changed" if r >= fh or c >= fw else "out done",
                           title="a window ceil_mode adds" if r >= fh or c >= fw else "the same window")
              for c, v in enumerate(row)] for r, row in enumerate(ceil_out)]
    found = [{"name": "ceil_mode", "on": state.ceil_mode, "toggle": state.url(ceil_mode=not state.ceil_mode, step=0),
              "label": "Pooled with ceil_mode", "cells": added,
              "changed": int(np.prod(ceil_g.out_shape)) - int(np.prod(floor_g.out_shape)),
              "shapes": (floor_g.out_shape, ceil_g.out_shape)}]
    if op == "avg":
        other = pool(x, op="avg", geometry=g, count_include_pad=not cip).output
        same = other == output
        cells = [[stepper.Cell(float(v), "out done" if keep else "out changed", title="unchanged" if keep else "changed")
                  for v, keep in zip(row, keep_row, strict=True)] for row, keep_row in zip(other, same, strict=True)]
        found.append({"name": "count_include_pad", "on": cip, "toggle": state.url(count_include_pad=not cip),
                      "label": f"Averaged with count_include_pad {'off' if cip else 'on'}", "cells": cells,
                      "changed": int((~same).sum())})
    return found


def build(state: PoolState, settings: Settings) -> dict[str, Any]:
    x = np.array(state.input)
    size, stride, padding, op = state.size, state.pool_stride, state.padding, state.op
    cip = state.count_include_pad
    g = pool_geometry(x.shape, size, stride, padding, ceil_mode=state.ceil_mode)
    if state.step > g.steps - 1:
        raise ParameterError("step", f"step must be between 0 and {g.steps - 1}, got {state.step}")
    step = state.step
    trace = pool_step(x, step=step, op=op, geometry=g, count_include_pad=cip)  # type: ignore[arg-type]
    result = pool(x, op=op, geometry=g, count_include_pad=cip)  # type: ignore[arg-type]
    counts = window_counts(g, cip) if op == "avg" else None
    moved = invariance(x, result.output, state.shift, op=op, geometry=g, count_include_pad=cip)  # same shape
    here = Links(state)
    window = {tuple(int(v) for v in p) for p in trace.positions.reshape(-1, 2)}
    rows = stepper.padded_input(x, g, window)
    if trace.winner is not None:
        pt, pl = g.padding[0][0], g.padding[1][0]
        rows[trace.winner[0] + pt][trace.winner[1] + pl].classes += " winner"
    last, out_w = g.steps - 1, g.out_shape[1]
    return {
        "g": g,
        "output": result.output,
        "count": None if counts is None else float(counts[trace.out_index]),
        "counts": counts,
        "options": options(x, state, g, result.output),
        "ceil_cells": [a.pad[1] - e[1] for a, e in zip(g.axes, g.explicit, strict=True)],
        "trace": trace,
        "step": step,
        "last": last,
        "op": op,
        "size": size,
        "input_rows": rows,
        "output_rows": stepper.output_cells(result.output, step),
        "window_values": [
            [{"v": float(v), "pad": not bool(i)} for v, i in zip(rv, ri, strict=True)]
            for rv, ri in zip(trace.window, trace.inside, strict=True)
        ],
        "nav": stepper.nav_links(here, step, last, row=out_w),
        "shift": moved,
        "shifts": list(SHIFTS),
        "action": "/pool",
        "hx_target": "#app",
        "fragment_query": {k: v for k, v in state.canonical().items() if k != "step"},
        "limits": PoolState.limits(settings),
        "status": step_data.pool_status(trace, last),
        "steps": step_data.pool(x, op, g, cip, counts, result.output, here, settings),
    }


def data(state: PoolState, view: dict[str, Any]) -> dict[str, Any]:
    g, moved = view["g"], view["shift"]
    counts = view["counts"]
    return {"geometry": geometry_data(g), "step": view["step"], "steps": g.steps, "output_shape": list(g.out_shape),
            "window_counts": None if counts is None else json_numbers(counts),
            "ceil_mode_adds": view["options"][0]["changed"],
            "trace": view["trace"].as_dict(), "output": json_numbers(view["output"]),
            "shift": {"direction": moved["direction"], "unchanged": moved["unchanged"], "total": moved["total"],
                      "output": [[json_number(c.value) for c in row] for row in moved["cells"]]}}


PAGE = Page(PoolState, "pages/pool.html", "partials/lecture_pool.html", build, lambda s, v, settings: v, data,
            lambda raw, settings: {"limits": PoolState.limits(settings), "shifts": list(SHIFTS)})
add_page(router, PAGE)
