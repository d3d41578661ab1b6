"""One step's trace as JSON-able data, for the .json twins (``conv_step_data``) and for anyone who
embeds steps in a page (app/web/step_data.py builds the whole-page block for stepping without requests).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.shapes import Geometry
from ..engine.trace import ConvStep


def json_number(value: float) -> int | float:
    """35.0 → 35, 0.5 → 0.5: whole values as JSON integers."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def json_numbers(array: np.ndarray) -> list[Any]:
    """An array as nested lists of ``json_number``."""
    return [json_numbers(a) for a in array] if array.ndim > 1 else [json_number(v) for v in array]


def conv_step_data(trace: ConvStep) -> dict[str, Any]:
    """Step ``trace.index`` as plain JSON values (ints where whole, floats otherwise).

    Keys: ``index``, ``out_index`` and ``origin`` (row, column), ``window``, ``kernel`` and
    ``products`` (kernel-shaped lists), ``inside`` (False where a tap reads zero padding), ``sum``,
    ``bias``, ``result`` and ``matrix_row`` (this step's row of W: the nonzero ``columns`` of the
    flattened input and their ``values``; None for volumes).
    """
    full = trace.as_dict()
    return {
        "index": full["index"], "out_index": full["out_index"], "origin": full["origin"], "window": full["window"],
        "kernel": full["kernel"], "products": full["products"], "inside": full["inside"], "sum": full["sum"],
        "bias": full["bias"], "result": full["result"], "matrix_row": full["matrix_row"],
    }


def geometry_data(g: Geometry) -> dict[str, Any]:
    """A geometry as JSON: shapes, stride, padding per side, dilation, exactness and the formulas."""
    return {
        "input_shape": list(g.in_shape), "kernel_shape": list(g.kernel_shape), "stride": list(g.stride),
        "padding": [list(p) for p in g.padding], "dilation": list(g.dilation), "exact": g.exact,
        "formulas": [a.formula() for a in g.axes],
    }
