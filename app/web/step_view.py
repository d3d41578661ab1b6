"""An image step's tables as compact data, laid out by static/js/stepper.js.

An image page asks for one step at a time (``#step-parts``, templates/partials/conv2d_step_parts.html):
the lines that change (status, sum, output value, double sum, the marks on the pictures) come as HTML
swapped out of band; the tables, which make most of the bytes, come as the data they are drawn from in
one ``<div id="step-view" hidden data-json='…'>``, and stepper.js lays them out into the same DOM the
server draws on a page load (w_parts.html, grid.html, conv2d_parts.html). So an image step's answer
stays within 30 % of the whole workspace fragment a step sent before (issue 9). Every number is
formatted here; the script only places texts. Without JavaScript nothing here is needed: every step
link loads the whole page.

A list of texts travels as one string, the texts separated by single spaces (no text has a space).

- ``at``: the step;
- ``w``: W's rows on screen (w_parts.html): ``rows``: row → [connected columns, their texts]; ``c``: the
  columns shown, with their ``labels`` and ``x``'s values; ``n`` rows and ``cols`` columns in all,
  ``around`` rows either side of the step, ``whole`` (all of W is on screen), ``result`` (this row
  times x) and ``bias`` (None without one): step_data.matrix_data's form, for the rows on screen only;
- ``m``: the magnifier (grid.html): row and column headers ``r``, ``c``; the values ``v``, one string per
  row; ``k``: class → the flat indices of the cells with it (a cell writes its classes in this order);
- ``p``: the products (conv2d_parts.html), cell by cell: the window's values ``x``, the products ``p``,
  and ``pad``, the cells on padding (the kernel's weights do not change from step to step).

>>> from app.web.stepper import Cell
>>> magnifier_data([[Cell(3.0, "pad"), Cell(-1.0, "pad win")]], (-1, 4))
{'r': '−1', 'c': '4 5', 'v': ['3 −1'], 'k': {'pad': [0, 1], 'win': [1]}}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markupsafe import Markup

from .params import format_signed
from .step_data import embed
from .stepper import Cell


def texts(items: Sequence[str]) -> str:
    """A list of texts as one string (stepper.js splits it at single spaces)."""
    joined = " ".join(items)
    assert joined.count(" ") == max(len(items) - 1, 0)  # no text has a space of its own
    return joined


def w_data(matrix: dict[str, Any], step: int, result: float, bias: float) -> dict[str, Any]:
    """W's rows on screen (``matrix``: stepper.matrix_panel's) in step_data.matrix_data's sparse form."""
    headers = matrix["headers"]
    shown = [(j, h["index"]) for j, h in enumerate(headers) if h is not None]
    rows = {}
    for row in matrix["rows"]:
        cells = row["cells"]
        entries = [(c, cells[j][1]) for j, c in shown if cells[j][0].startswith("nz")]
        rows[str(row["index"])] = [[c for c, _ in entries], texts([t for _, t in entries])]
    indices = [row["index"] for row in matrix["rows"]]
    n_rows, n_cols = matrix["shape"]
    return {
        "n": n_rows, "cols": n_cols, "whole": matrix["whole"],
        "around": max(step - indices[0], indices[-1] - step),  # the rows the page shows either side of the step
        "bias": format_signed(bias) if bias else None, "result": format_signed(result),
        "rows": rows,
        "c": [c for _, c in shown],
        "labels": texts([headers[j]["label"] for j, _ in shown]),
        "x": texts([format_signed(matrix["x_values"][j]) for j, _ in shown]),
    }


def magnifier_data(rows: Sequence[Sequence[Cell]], origin: Sequence[int]) -> dict[str, Any]:
    """The magnifier's headers, values and classes (grid.html's number_grid draws the same on a page load)."""
    r0, c0 = origin
    width = len(rows[0])
    marks: dict[str, list[int]] = {}
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            for name in cell.classes.split():
                marks.setdefault(name, []).append(r * width + c)
    shown: dict[float, str] = {}  # a picture repeats its values: format each once

    def text(value: float) -> str:
        if value not in shown:
            shown[value] = format_signed(value)
        return shown[value]

    return {
        "r": texts([format_signed(r0 + r) for r in range(len(rows))]),
        "c": texts([format_signed(c0 + c) for c in range(width)]),
        "v": [texts([text(cell.value or 0.0) for cell in row]) for row in rows],
        "k": dict(sorted(marks.items())),
    }


def products_data(computation: Sequence[Sequence[dict[str, Any]]]) -> dict[str, Any]:
    """The products table's values (stepper.computation_rows), cell by cell."""
    cells = [c for row in computation for c in row]
    return {"x": texts([format_signed(c["x"]) for c in cells]), "p": texts([c["p"] for c in cells]),
            "pad": [i for i, c in enumerate(cells) if c["pad"]]}


def step_view(trace: Any, matrix: dict[str, Any], magnifier: Sequence[Sequence[Cell]], origin: Sequence[int],
              computation: Sequence[Sequence[dict[str, Any]]]) -> Markup:
    """The ``data-json`` of ``#step-view``: the tables at this step."""
    return embed({"at": trace.index, "w": w_data(matrix, trace.index, trace.result, trace.bias),
                  "m": magnifier_data(magnifier, origin), "p": products_data(computation)})
