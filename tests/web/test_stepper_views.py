"""The stepping view models read the image in slices (app/web/stepper.py): checked cell by cell against the
image itself, at the corners where the window reaches into the padding and in the middle."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.geometry import conv_geometry
from app.engine.trace import conv_step
from app.web.stepper import magnifier, matrix_panel


@pytest.mark.parametrize("step", [0, 7, 23, 47])  # output 6×8 of a 6×8 image with padding 1: corners and middle
def test_the_magnifier_is_the_image_around_the_window_with_zeros_outside(rng, step):
    x = rng.integers(0, 256, (6, 8), dtype=np.uint8)
    g = conv_geometry(x.shape, (3, 3), padding=1)
    trace = conv_step(x, np.ones((3, 3)), step, geometry=g)
    r, c = divmod(step, 8)  # the window covers rows r-1..r+1 and columns c-1..c+1; the magnifier 2 more each side
    rows = magnifier(x, trace)
    assert len(rows) == 7 and all(len(row) == 7 for row in rows)
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            rr, cc = r - 3 + i, c - 3 + j
            inside = 0 <= rr < 6 and 0 <= cc < 8
            in_window = abs(rr - r) <= 1 and abs(cc - c) <= 1
            assert cell.value == (float(x[rr, cc]) if inside else 0.0), (i, j)
            assert cell.classes.split() == ([] if inside else ["pad"]) + (["win"] if in_window else []), (i, j)


def test_the_w_rows_x_values_and_terms_are_the_image_at_their_columns(rng):
    x = rng.integers(0, 256, (30, 40), dtype=np.uint8)[3:23, 5:35]  # a crop: a view that is not contiguous
    kernel = np.arange(9.0).reshape(3, 3) - 4
    g = conv_geometry(x.shape, kernel.shape, padding=1, stride=2)
    trace = conv_step(x, kernel, 37, geometry=g)
    panel = matrix_panel(x, kernel, g, trace, around=1, counts=False)
    assert panel["counts"] is None and [row["index"] for row in panel["rows"]] == [36, 37, 38]
    flat = x.ravel()
    shown = [(h["index"], v) for h, v in zip(panel["headers"], panel["x_values"], strict=True) if h is not None]
    assert shown and all(v == float(flat[c]) for c, v in shown)
    assert [v is None for v in panel["x_values"]] == [h is None for h in panel["headers"]]
    assert [t["x"] for t in panel["terms"]] == [float(flat[c]) for c in trace.w_columns]
    assert [t["w"] for t in panel["terms"]] == trace.w_values.tolist()
    # output (2, 7) of a 10×15 output: window origin (2·2 − 1, 7·2 − 1) = (3, 13)
    assert [t["label"] for t in panel["terms"]][:3] == ["x3,13", "x3,14", "x3,15"]
