"""View models shared by every stepping page: labelled grids, the computation, the W panel.

Nothing here computes convolution values: the numbers come from the engine's trace, output and
weight-matrix rows; this module only decides which cell gets which highlight and link.
Cells carry classes (``pad``, ``win``, ``cur``, ``done``, ``todo``, ``wcol``) that the stylesheet
colours *and* outlines, so no meaning rests on colour alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.geometry import ConvGeometry
from ..engine.matrix import matrix_rows, weight_counts
from ..engine.shapes import Geometry
from ..engine.trace import ConvStep
from .params import format_signed
from .step_data import MATRIX_AROUND, scaled, weight_name, weight_numbers


@dataclass
class Cell:
    value: float | None
    classes: str = ""
    jump: int | None = None  # the step a click on the cell goes to (a button of the page's step form, grid.html)
    title: str = ""
    data: dict[str, Any] = field(default_factory=dict)


def as_2d(array: np.ndarray) -> np.ndarray:
    """A 1-D vector shows as one row."""
    return array[None, :] if array.ndim == 1 else array


def padded_input(
    x: np.ndarray, g: Geometry, window: set[tuple[int, ...]], jump: Callable[[int, int], int] | None = None
) -> list[list[Cell]]:
    """The input with its zero padding as ghost cells; window taps marked ``win``; ``jump(r, c)``: the step an
    input cell leads to (the window nearest it), or no jumps."""
    x2 = as_2d(x)
    pads = g.padding if len(g.axes) == 2 else ((0, 0), g.padding[0])
    (top, bottom), (left, right) = pads
    one_d = len(g.axes) == 1
    rows = []
    for r in range(-top, x2.shape[0] + bottom):
        row = []
        for c in range(-left, x2.shape[1] + right):
            inside = 0 <= r < x2.shape[0] and 0 <= c < x2.shape[1]
            key = (c,) if one_d else (r, c)
            classes = ("in" if inside else "pad") + (" win" if key in window else "")
            where = f"x[{c}]" if one_d else f"row {r}, column {c}"
            row.append(
                Cell(
                    float(x2[r, c]) if inside else 0.0,
                    classes,
                    jump(r, c) if inside and jump is not None else None,
                    f"{where}" + ("" if inside else " (zero padding)"),
                )
            )
        rows.append(row)
    return rows


def output_cells(out: np.ndarray, step: int, first: int | None = 0) -> list[list[Cell]]:
    """Output cells: computed ones (``done``) show values, the current one is ``cur``. Cell ``i`` leads to step
    ``first + i`` (a page with several maps numbers its steps on); ``first=None``: no jumps."""
    out2 = as_2d(out)
    rows = []
    for r in range(out2.shape[0]):
        row = []
        for c in range(out2.shape[1]):
            i = r * out2.shape[1] + c
            state = "cur" if i == step else ("done" if i < step else "todo")
            row.append(Cell(float(out2[r, c]) if i <= step else None, f"out {state}", None if first is None else first + i,
                            f"output cell {i}"))
        rows.append(row)
    return rows


def nav_links(here: Callable[..., str], step: int, last: int, row: int | None) -> dict[str, str]:
    """The stepping controls' links: first, previous, next, last, and a row (``row`` steps) back and on.

    ``row=None`` (a 1-D page: one row) leaves the row links out, so no button jumps to the end.
    """
    links = {"first": here(step=0), "prev": here(step=max(0, step - 1)), "next": here(step=min(last, step + 1)),
             "last": here(step=last)}
    if row is not None:
        links.update(prev_row=here(step=max(0, step - row)), next_row=here(step=min(last, step + row)))
    # without JS each step is a page load: land on the stepper, not the page top (stepper.js moves the links on
    # without the fragment)
    return {k: f"{v}{STEPPER}" for k, v in links.items()}


def window_set(trace: ConvStep) -> set[tuple[int, ...]]:
    return {tuple(int(v) for v in p) for p in trace.positions.reshape(-1, trace.positions.shape[-1])}


def computation_rows(trace: ConvStep, denominator: int = 1) -> list[list[dict[str, Any]]]:
    """Per tap: window value × kernel weight = product, laid out in the kernel's shape.

    ``denominator``: a preset's (9 for 1/9 · [1 …]): weights and products are shown times it
    (``35·1 = 35``), as text, the sum divided by it afterwards."""
    window, kernel, products, inside = (as_2d(a) for a in (trace.window, trace.kernel, trace.products, trace.inside))
    return [
        [
            {"x": float(window[i, j]), "w": scaled(kernel[i, j], denominator), "p": scaled(products[i, j], denominator),
             "pad": not bool(inside[i, j])}
            for j in range(window.shape[1])
        ]
        for i in range(window.shape[0])
    ]


def _column_runs(columns: list[int], n_cols: int, context: int = 1) -> list[int | None]:
    """Columns to show: the given ones plus ``context`` neighbours; None marks an elided run."""
    keep = sorted({c + d for c in columns for d in range(-context, context + 1) if 0 <= c + d < n_cols})
    shown: list[int | None] = []
    for c in keep:
        if shown and shown[-1] is not None and c != shown[-1] + 1:
            shown.append(None)
        shown.append(c)
    return shown


STEPPER = "#workspace"  # the fragment step links carry: a page load lands on the stepper

ELIDED = ("elided", "…")  # a run of zero columns left out of a W row


def _text(texts: dict[float, str], value: float) -> str:
    text = texts.get(value)
    if text is None:
        text = texts[value] = format_signed(value)
    return text


def matrix_panel(x: np.ndarray, kernel: np.ndarray, g: Geometry, trace: ConvStep, full_limit: int = 400,
                 symbols: bool = False, around: int = MATRIX_AROUND, counts: bool = True) -> dict[str, Any]:
    """The rows of W around the current step (``around`` either side; all of W when it is small), aligned with x.

    Returns header columns (None = elided zero run), rows of cells, the current row's y = W·x
    terms, whether the whole matrix is shown, and (``counts``) why W is sparse, in numbers, which does not
    change from step to step (an image step's answer leaves them out). ``kernel``: as given (a :class:`ConvGeometry`
    that flips flips it itself); ``symbols``: W's entries are the weights' names (w₀ w₁ …), which
    shows which weight sits where and that every row shares them.
    """
    n_rows, n_cols = g.steps, x.size
    assert trace.w_columns is not None and trace.w_values is not None  # a 1-D or 2-D step always has its W row

    def flat(columns: list[int]) -> list[float]:  # x.ravel() would copy a whole image view
        return [float(v) for v in x[np.unravel_index(np.asarray(columns, dtype=np.intp), x.shape)].tolist()]

    whole = n_rows * n_cols <= full_limit * full_limit // 4 and n_cols <= 64
    near = range(trace.index - around, trace.index + around + 1)
    row_ids = list(range(n_rows)) if whole else [r for r in near if 0 <= r < n_rows]
    # the trace already holds its own row of W: build only the others, on the geometry it was traced on
    others = [r for r in row_ids if r != trace.index or trace.w_row is None or symbols]
    entries_of = weight_numbers(kernel.shape) if symbols else kernel  # 1 + each weight's index: W says which weight
    if isinstance(g, ConvGeometry):
        built = matrix_rows(g.in_shape, entries_of, others, geometry=g)
    else:
        built = matrix_rows(g.in_shape, entries_of, others, stride=g.stride, padding=g.padding, dilation=g.dilation)
    sparse = dict(zip(others, built, strict=True))
    if trace.w_row is not None and trace.index in row_ids and not symbols:
        sparse[trace.index] = trace.w_row
    columns = list(range(n_cols)) if whole else _column_runs([int(c) for r in row_ids for c in sparse[r][0]], n_cols)
    current = set(int(c) for c in trace.w_columns)
    texts: dict[float, str] = {}  # W repeats a few kernel values many times: format each once
    if symbols:
        texts = {float(v): weight_name(v - 1) for v in range(1, kernel.size + 1)}
    rows = []
    for r in row_ids:
        entries = dict(zip(sparse[r][0].tolist(), sparse[r][1].tolist(), strict=True))
        # (classes, text) pairs formatted here: W shows up to 40 000 cells, and a template attribute
        # lookup and filter call per cell was the largest cost of a step
        cells = [
            ELIDED if c is None
            else (("nz" if c in entries else "z") + (" wcol" if c in current else ""), _text(texts, entries.get(c, 0.0)))
            for c in columns
        ]
        rows.append({"index": r, "current": r == trace.index, "cells": cells})
    width = g.in_shape[-1]
    headers = [
        None if c is None else {"index": c, "label": _cell_label(c, width, len(g.axes)), "wcol": c in current} for c in columns
    ]
    names = dict(zip(sparse[trace.index][0].tolist(), sparse[trace.index][1].tolist(), strict=True)) if symbols else {}
    term_columns = trace.w_columns.tolist()
    terms = [
        {"w": v, "x": xv, "col": c, "label": _cell_label(c, width, len(g.axes)), "name": texts[names[c]] if symbols else None}
        for c, v, xv in zip(term_columns, trace.w_values.tolist(), flat(term_columns), strict=True)
    ]
    return {
        "whole": whole,
        "counts": w_counts(kernel, g) if counts else None,  # why W is sparse, in numbers (the JSON twin carries them too)
        "shape": (n_rows, n_cols),
        "headers": headers,
        "rows": rows,
        "terms": terms,
        "x_values": _with_gaps(columns, flat([c for c in columns if c is not None])),
        "elided_rows_before": row_ids[0] if row_ids else 0,
        "elided_rows_after": n_rows - 1 - row_ids[-1] if row_ids else 0,
    }


def _with_gaps(columns: Sequence[int | None], values: list[float]) -> list[float | None]:
    """``values`` (one per shown column) put back in place, None where a run of columns is elided."""
    given = iter(values)
    return [None if c is None else next(given) for c in columns]


def w_counts(kernel: np.ndarray, g: Geometry) -> dict[str, int]:
    """Why W is sparse, in numbers (``weight_counts``) for the W panel."""
    if isinstance(g, ConvGeometry):
        return weight_counts(g.in_shape, kernel, geometry=g)
    return weight_counts(g.in_shape, kernel, stride=g.stride, padding=g.padding, dilation=g.dilation)


def _cell_label(col: int, width: int, ndim: int) -> str:
    return f"x{col}" if ndim == 1 else f"x{col // width},{col % width}"


def magnifier(x: np.ndarray, trace: ConvStep, margin: int = 2) -> list[list[Cell]]:
    """Pixel values around the window of a large image (padding shown as ghost zeros)."""
    pos = trace.positions.reshape(-1, 2)
    window = window_set(trace)
    r0, c0 = (pos.min(axis=0) - margin).tolist()
    r1, c1 = (pos.max(axis=0) + margin).tolist()
    height, width = x.shape
    values = np.zeros((r1 - r0 + 1, c1 - c0 + 1))  # read in one slice; 0 outside the image
    top, bottom, left, right = max(r0, 0), min(r1 + 1, height), max(c0, 0), min(c1 + 1, width)
    if top < bottom and left < right:
        values[top - r0:bottom - r0, left - c0:right - c0] = x[top:bottom, left:right]
    rows = []
    for r, row_values in zip(range(r0, r1 + 1), values.tolist(), strict=True):
        row = []
        for c, value in zip(range(c0, c1 + 1), row_values, strict=True):
            classes = "" if 0 <= r < height and 0 <= c < width else "pad"
            if (r, c) in window:
                classes = f"{classes} win" if classes else "win"
            row.append(Cell(value, classes))  # no title: the grid's row and column headers say where each cell is
        rows.append(row)
    return rows
