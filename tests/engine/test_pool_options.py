"""Pooling's framework options — ceil_mode, dilation, count_include_pad, padding per side — against loops."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine.errors import ParameterError
from app.engine.pool import pool, pool_geometry
from app.engine.trace import pool_step


def loop_pool(x, k, s, pads, d, ceil_mode, op, include_pad):
    """PyTorch's rules written out with loops over one axis pair: output count, windows, divisors."""
    outs = []
    for n, (pb, pa), ki, si, di in zip(x.shape, pads, k, s, d, strict=True):
        span = di * (ki - 1) + 1
        q = (n + pb + pa - span) / si
        out = (math.ceil(q) if ceil_mode else math.floor(q)) + 1
        if ceil_mode and (out - 1) * si >= n + pb:  # the last window must start inside the input or its left padding
            out -= 1
        outs.append(out)
    result = np.zeros(outs)
    for o in np.ndindex(*outs):
        cells, padded = [], 0
        for t in np.ndindex(*k):
            pos = tuple(oi * si - pb + ti * di for oi, si, (pb, _), ti, di in zip(o, s, pads, t, d, strict=True))
            inside = all(0 <= p < n for p, n in zip(pos, x.shape, strict=True))
            in_pad = all(-pb <= p < n + pa for p, n, (pb, pa) in zip(pos, x.shape, pads, strict=True))
            if inside:
                cells.append(x[pos])
            elif in_pad:
                padded += 1
        if op == "max":
            result[o] = max(cells)
        else:
            result[o] = sum(cells) / (len(cells) + (padded if include_pad else 0))
    return result


CASES = [((7, 6), (2, 2), (2, 2), [(0, 0), (0, 0)], (1, 1), True), ((7, 7), (3, 3), (2, 2), [(1, 1), (1, 1)], (1, 1), True),
         ((8, 5), (3, 2), (2, 3), [(1, 0), (0, 1)], (1, 1), True), ((9, 9), (2, 3), (2, 2), [(1, 1), (0, 2)], (2, 2), False),
         ((6, 7), (3, 3), (3, 2), [(1, 1), (1, 0)], (1, 2), True), ((10, 4), (2, 2), (3, 3), [(0, 1), (1, 0)], (3, 1), True)]


@pytest.mark.parametrize(("shape", "k", "s", "pads", "d", "ceil_mode"), CASES)
@pytest.mark.parametrize(("op", "include_pad"), [("max", True), ("avg", True), ("avg", False)])
def test_pool_and_its_steps_match_the_loops(rng, shape, k, s, pads, d, ceil_mode, op, include_pad):
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(float) - 20  # distinct values: one winner per window
    expected = loop_pool(x, k, s, pads, d, ceil_mode, op, include_pad)
    got = pool(x, k, stride=s, padding=pads, dilation=d, ceil_mode=ceil_mode, op=op, count_include_pad=include_pad)
    assert got.output.shape == expected.shape
    np.testing.assert_allclose(got.output, expected, atol=1e-12)
    g = pool_geometry(shape, k, s, pads, d, ceil_mode)
    for step in range(g.steps):
        t = pool_step(x, step=step, op=op, count_include_pad=include_pad, geometry=g)
        assert t.result == pytest.approx(expected[t.out_index], abs=1e-12)
        if op == "max":
            assert x[t.winner] == expected[t.out_index] and tuple(got.argmax[t.out_index]) == t.winner


def test_ceil_mode_and_count_include_pad_literals():
    x = np.array([1.0, 2, 3, 4, 5])
    assert pool(x, 2, op="avg").output.tolist() == [1.5, 3.5]
    assert pool(x, 2, op="avg", ceil_mode=True).output.tolist() == [1.5, 3.5, 5.0]  # the extra cell is never counted
    # padding 1: windows [pad, 1], [2, 3], [4, 5]; the padded zero is counted (PyTorch) or not (ONNX)
    assert pool(x, 2, padding=1, op="avg").output.tolist() == [0.5, 2.5, 4.5]
    assert pool(x, 2, padding=1, op="avg", count_include_pad=False).output.tolist() == [1.0, 2.5, 4.5]
    # ceil mode would add a window starting at index 6 > n + p_before − 1 = 5: dropped (PyTorch and ONNX)
    assert pool_geometry((5,), 2, 2, 1, ceil_mode=True).out_shape == (3,)
    # dilation 2 reads cells 0 & 2, 2 & 4, 4 & 6 (stride = size = 2): the 9, 8 and 7 between them are never read
    assert pool([1.0, 9, 2, 8, 3, 7, 4], 2, dilation=2).output.tolist() == [2.0, 3.0, 4.0]
    assert pool([1.0, 9, 2, 8, 3, 7, 4], 2).output.tolist() == [9.0, 8.0, 7.0]


def test_padding_rule_follows_the_dilated_span():
    assert pool_geometry((9,), 2, 1, 1, dilation=2).out_shape == (9,)  # span 3: padding up to 1; (9 + 2 − 3) / 1 + 1
    with pytest.raises(ParameterError, match=r"padding 2 must be at most half the dilated pool's span 3 \(≤ 1\)"):
        pool_geometry((9,), 2, 1, 2, dilation=2)
    with pytest.raises(ParameterError, match=r"at most half the pool size 2 \(≤ 1\)"):
        pool(np.ones((4, 4)), 2, padding=[(0, 2), 0])  # per side: the 2 after is checked too


def test_ceil_mode_warning_uses_the_padding_asked_for():
    assert pool_geometry((5,), 2, ceil_mode=True).warnings() == [
        "length: (5 + 2·0 − 2) / 2 + 1 = 3/2 + 1 = 5/2 is not a whole number: ceil_mode rounds up to 3 (floor would give 2)"]
    assert pool_geometry((6,), 2, ceil_mode=True).warnings() == []  # it tiles: nothing to round
