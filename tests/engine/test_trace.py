"""Every step's trace must agree with the whole correlation computed independently."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from app.engine.conv import correlate
from app.engine.errors import ParameterError
from app.engine.matrix import weight_matrix
from app.engine.trace import conv_step, conv_steps, pool_step
from tests.oracles import loop_correlate, loop_pool

NOTES_GRID = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]


@pytest.mark.parametrize(
    ("shape", "kshape", "stride", "padding", "dilation"),
    [((4, 4), (3, 3), 1, 1, 1), ((6, 5), (3, 2), 2, "same", 1), ((7, 7), (2, 2), 3, 0, 2), ((9,), (3,), 2, 1, 1)],
)
@pytest.mark.parametrize("flip", [False, True])
def test_every_step_sums_to_the_output_cell(rng, shape, kshape, stride, padding, dilation, flip):
    x, w = rng.integers(-9, 10, shape), rng.integers(-4, 5, kshape)
    w_applied = w[(slice(None, None, -1),) * w.ndim] if flip else w
    expected = loop_correlate(x, w_applied, stride, padding, dilation) + 2.5
    W = weight_matrix(shape, w, stride=stride, padding=padding, dilation=dilation, flip=flip)
    for s in conv_steps(x, w, range(expected.size), bias=2.5, stride=stride, padding=padding,
                        dilation=dilation, flip=flip):
        assert s.result == expected[s.out_index]
        assert s.sum + s.bias == s.result
        np.testing.assert_array_equal(s.products, s.window * s.kernel)
        np.testing.assert_array_equal(s.kernel, w_applied)
        # tap t sits at origin + t·dilation; it reads that input cell, or 0 (and is marked) on padding
        dil = (dilation,) * x.ndim
        for t in np.ndindex(*w.shape):
            pos = tuple(o + i * d for o, i, d in zip(s.origin, t, dil, strict=True))
            assert tuple(s.positions[t]) == pos
            inside = all(0 <= p < n for p, n in zip(pos, x.shape, strict=True))
            assert s.inside[t] == inside
            assert s.window[t] == (x[pos] if inside else 0)
        # the W row the page shows is the dense row of W
        np.testing.assert_array_equal(np.flatnonzero(W[s.index]), s.w_columns[s.w_values != 0])


def test_notes_grid_first_step_with_padding():
    s = conv_step(NOTES_GRID, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]], 0, padding=1)
    assert s.total == 16 and s.out_index == (0, 0) and s.origin == (-1, -1)
    assert s.inside.tolist() == [[False] * 3, [False, True, True], [False, True, True]]
    assert s.window.tolist() == [[0, 0, 0], [0, 35, 19], [0, 13, 22]]
    assert s.result == 5 * 35 - 19 - 13 == 143
    d = s.as_dict()
    assert d["matrix_row"] == d["w_row"] == {"columns": [0, 1, 4, 5], "values": [5, -1, -1, 0]}
    assert d["window"][1] == [0, 35, 19] and isinstance(d["result"], int)


def test_volume_step_reports_channel_sums(rng):
    x, w = rng.integers(0, 5, (5, 5, 3)), rng.integers(-1, 2, (3, 3, 3))
    s = conv_step(x, w, 4, bias=1, stride=2, padding=1)
    per_channel = [loop_correlate(x[..., c], w[..., c], 2, 1) for c in range(3)]
    assert s.out_index == (1, 1)
    np.testing.assert_array_equal(s.channel_sums, [p[1, 1] for p in per_channel])
    assert s.result == sum(p[1, 1] for p in per_channel) + 1
    assert s.w_columns is None


def _peak_bytes(call) -> int:
    """Peak bytes allocated (NumPy's array data included) while ``call`` runs."""
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_a_step_allocates_its_window_not_the_image(dtype):
    """One step of a 2048² image allocates a few KiB: no padded copy, no converted copy, no mask of the image."""
    big = np.zeros((2048, 2048), dtype=dtype)  # 4, 16 or 32 MiB
    big[1000:1003, 500:503] = 1
    kernel = np.ones((3, 3))
    conv_step(big, kernel, 0, padding=1)  # first call: lazy imports and caches are not the step's cost
    step = 1000 * 2048 + 500
    peak = _peak_bytes(lambda: conv_step(big, kernel, step, padding=1))
    assert peak < 64 * 1024, f"one step allocated {peak} bytes for a {big.nbytes}-byte image"
    s = conv_step(big, kernel, step, padding=1)
    assert s.out_index == (1000, 500) and s.result == 4  # 2×2 of the ones lie under the window
    # the measure sees whole-image work: the full correlation allocates at least one output image
    assert _peak_bytes(lambda: correlate(big, kernel, padding=1)) >= 2048 * 2048 * min(big.itemsize, 4)


def test_step_out_of_range_names_step():
    with pytest.raises(ParameterError, match=r"step must be between 0 and 15 \(there are 16\), got 16") as e:
        conv_step(NOTES_GRID, np.ones((3, 3)), 16, padding=1)
    assert e.value.param == "step"


@pytest.mark.parametrize(
    ("x", "kernel", "param"),
    [([[1, np.nan]], [[1]], "input"), (NOTES_GRID, [[1, 2], [3]], "kernel"),
     (NOTES_GRID, [1, 2], "kernel"), (np.zeros((4, 4, 3)), np.ones((3, 3)), "kernel")],
)
def test_bad_arrays_name_the_field(x, kernel, param):
    with pytest.raises(ParameterError) as e:
        conv_step(x, kernel, 0)
    assert e.value.param == param


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(("size", "stride", "pad"), [(2, 2, 0), (3, 2, 1), (2, 1, 1)])
def test_pool_steps_match_a_loop(rng, op, size, stride, pad):
    x = rng.permutation(36).reshape(6, 6) - 18  # distinct values: the max is unique
    expected, winners = loop_pool(x, size, stride, pad, op)
    for step in range(expected.size):
        s = pool_step(x, size, step, stride=stride, padding=pad, op=op)
        assert s.result == pytest.approx(expected[s.out_index])
        if op == "max":
            assert s.winner == winners[s.out_index]


def test_pool_padding_never_wins():
    s = pool_step([[-5, -6], [-7, -8]], 2, 0, stride=1, padding=1)
    assert s.result == -5 and s.winner == (0, 0)


def test_pool_padding_rule():
    with pytest.raises(ParameterError, match="at most half the pool size 2"):
        pool_step(NOTES_GRID, 2, 0, padding=2)
