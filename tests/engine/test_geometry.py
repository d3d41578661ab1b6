"""A geometry checked once and passed down gives what the keyword forms give; one rule per question."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.conv import correlate, correlate_many
from app.engine.errors import ParameterError
from app.engine.geometry import ConvGeometry, conv_geometry
from app.engine.matrix import band_overview, matrix_row, matrix_rows, weight_matrix
from app.engine.pool import pool, pool_geometry
from app.engine.trace import conv_step, conv_steps, pool_step
from tests.oracles import loop_correlate

CASES = [((7,), (3,), 2, 1, 1, False), ((6, 5), (3, 2), (2, 1), "same", 1, True), ((9, 8), (3, 3), 1, [(0, 2), 1], 2, False)]


@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "dilation", "flip"), CASES)
def test_geometry_first_calls_match_the_keyword_forms(rng, shape, kshape, stride, padding, dilation, flip):
    x, w = rng.integers(-9, 10, shape).astype(float), rng.integers(-4, 5, kshape).astype(float)
    kw = {"stride": stride, "padding": padding, "dilation": dilation, "flip": flip}
    g = conv_geometry(shape, kshape, **kw)
    assert isinstance(g, ConvGeometry) and g.x_shape == shape and g.w_shape == kshape and g.flip is flip
    applied = w[(slice(None, None, -1),) * w.ndim] if flip else w
    expected = loop_correlate(x, applied, stride, padding, dilation)
    assert g.out_shape == g.result_shape == expected.shape
    np.testing.assert_array_equal(correlate(x, w, geometry=g, bias=1.5), expected + 1.5)
    np.testing.assert_array_equal(correlate(x, w, **kw), expected)
    W = weight_matrix(shape, w, geometry=g)
    np.testing.assert_array_equal(W @ x.ravel(), expected.ravel())
    np.testing.assert_array_equal(W, weight_matrix(shape, w, **kw))
    steps = conv_steps(x, w, range(g.steps), geometry=g)
    rows = matrix_rows(shape, w, geometry=g)
    for s, (cols, vals) in zip(steps, rows, strict=True):
        assert s.result == expected[s.out_index] and s.geometry is g
        np.testing.assert_array_equal(s.w_row[0], cols)
        np.testing.assert_array_equal(s.w_row[1], vals)
        np.testing.assert_array_equal(W[s.index, cols], vals)
    last = conv_step(x, w, g.steps - 1, geometry=g)
    np.testing.assert_array_equal(last.w_row[0], matrix_row(shape, w, g.steps - 1, **kw)[0])
    assert band_overview(shape, w, geometry=g).any()


def test_volume_and_depthwise_kinds():
    g = conv_geometry((6, 5, 3), (3, 3, 3), padding=1)
    assert (g.kind, g.channels, g.result_shape, g.taps) == ("volume", 3, (6, 5), 27)
    d = conv_geometry((6, 5, 3), (3, 3), stride=2)
    assert (d.kind, d.result_shape, d.taps) == ("depthwise", (2, 2, 3), 9)
    x = np.arange(90.0).reshape(6, 5, 3)
    out = correlate_many(x, np.ones((2, 3, 3)), geometry=d)
    assert out.shape == (2, 2, 3, 2)
    assert out[0, 0, 1, 0] == x[:3, :3, 1].sum() == 171  # channel 1: 1+4+7 + 16+19+22 + 31+34+37
    with pytest.raises(ParameterError, match="to step one channel") as e:
        conv_step(x, np.ones((3, 3)), 0, geometry=d)
    assert e.value.param == "kernel"


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "message"),
    [((4, 4), (3,), "kernel has rank 1 but the input has rank 2"),
     ((4, 4, 3), (3, 3, 2), "kernel has 2 channel(s) but the input has 3"),
     ((4,), (2, 2), "kernel has rank 2 but the input has rank 1"),
     ((2, 2, 2, 2), (1, 1, 1, 1), "input must have rank 1 or 2 or 3, got rank 4")],
)
def test_one_rank_rule_for_every_entry_point(x_shape, w_shape, message):
    """correlate, conv_step and the geometry say the same thing about the same pairing."""
    x, w = np.ones(x_shape), np.ones(w_shape)
    calls = [lambda: conv_geometry(x_shape, w_shape), lambda: correlate(x, w), lambda: conv_step(x, w, 0)]
    for call in calls:
        with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
            call()


def test_a_geometry_refuses_other_arrays_and_extra_keywords():
    g = conv_geometry((4, 4), (3, 3), padding=1)
    with pytest.raises(ParameterError, match=r"input has shape \(5, 4\) but the geometry was built for \(4, 4\)") as e:
        correlate(np.ones((5, 4)), np.ones((3, 3)), geometry=g)
    assert e.value.param == "input"
    with pytest.raises(ParameterError, match="kernel has shape") as e:
        conv_step(np.ones((4, 4)), np.ones((2, 2)), 0, geometry=g)
    assert e.value.param == "kernel"
    with pytest.raises(TypeError, match="not both"):
        correlate(np.ones((4, 4)), np.ones((3, 3)), geometry=g, stride=2)
    with pytest.raises(ParameterError, match="flip must be true or false"):
        conv_geometry((4, 4), (3, 3), flip=1)  # type: ignore[arg-type]


def test_weight_matrix_needs_a_plain_input():
    with pytest.raises(ParameterError, match=r"needs an input of shape \(n,\) or \(H, W\)") as e:
        weight_matrix((4, 4, 3), np.ones((3, 3, 3)))
    assert e.value.param == "input_shape"


def test_pooling_has_one_padding_rule_and_takes_its_geometry(rng):
    x = rng.permutation(36).reshape(6, 6).astype(float)
    for call in (lambda: pool(x, 2, padding=2), lambda: pool_step(x, 2, 0, padding=2),
                 lambda: pool_geometry((6, 6), 2, padding=2)):
        with pytest.raises(ParameterError, match=r"padding 2 must be at most half the pool size 2 \(≤ 1\)"):
            call()
    g = pool_geometry((6, 6), 3, 2, 1)
    result = pool(x, geometry=g)
    np.testing.assert_array_equal(result.output, pool(x, 3, stride=2, padding=1).output)
    for step in range(g.steps):
        s = pool_step(x, step=step, geometry=g)
        assert s.result == result.output[s.out_index]
        assert list(s.winner) == result.argmax[s.out_index].tolist()
    with pytest.raises(TypeError, match="not both"):
        pool(x, 2, geometry=g)
    with pytest.raises(ParameterError, match="geometry was built for"):
        pool(x[:4], geometry=g)
