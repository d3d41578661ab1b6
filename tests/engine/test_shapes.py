"""Shape arithmetic against sliding a window by hand, and the rules' error messages."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.errors import ParameterError
from app.engine.shapes import Axis, conv_params, geometry, resolve_padding


def slide(n: int, k: int, s: int, before: int, after: int, d: int):
    """The oracle: every window start, and the set of real cells some tap reads."""
    padded, span = n + before + after, d * (k - 1) + 1
    starts = list(range(0, padded - span + 1, s))
    read = {start + j * d - before for start in starts for j in range(k)}
    return starts, {i for i in read if 0 <= i < n}


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 50), k=st.integers(1, 7), s=st.integers(1, 5), before=st.integers(0, 4),
       after=st.integers(0, 4), d=st.integers(1, 3))
def test_axis_matches_sliding_by_hand(n, k, s, before, after, d):
    axis = Axis(n, k, s, (before, after), d)
    starts, read = slide(n, k, s, before, after, d)
    assert axis.out == len(starts)
    if starts:
        assert axis.exact == (starts[-1] + axis.span == n + before + after)
        assert axis.unvisited == n - len(read)


@pytest.mark.parametrize(("n", "k", "s", "d"), [(7, 3, 1, 1), (8, 4, 2, 1), (9, 3, 3, 2), (10, 2, 1, 3)])
def test_same_padding_keeps_size_at_stride_1_and_ceil_at_stride_s(n, k, s, d):
    pads = resolve_padding("same", (k,), (d,))
    assert sum(pads[0]) == d * (k - 1) and pads[0][1] - pads[0][0] in (0, 1)
    assert geometry((n,), (k,), s, "same", d).out_shape == (-(-n // s),)


def test_notes_ex1_a_and_b():
    a = geometry((5, 5), (3, 3), stride=2, padding=1)
    assert a.out_shape == (3, 3) and a.exact
    b = geometry((5, 5), (3, 3), stride=3, padding=1)
    assert not b.exact and b.out_shape == (2, 2)
    assert "(5 + 2·1 − 3) / 3 + 1 = 4/3 + 1 = 7/3 is not a whole number" in b.warnings()[0]


def test_notes_ex2_pool_after_conv():
    conv = geometry((288, 288), (4, 4), stride=2)
    assert conv.out_shape == (143, 143)
    assert geometry(conv.out_shape, (3, 3), stride=2).out_shape == (71, 71)


@pytest.mark.parametrize(("k", "c", "n", "weights", "total"), [(11, 3, 96, 34848, 34944), (5, 96, 256, 614400, 614656)])
def test_parameter_counts_of_the_notes(k, c, n, weights, total):
    count = conv_params(k, c, n)
    assert (count.weights, count.biases, count.total) == (weights, n, total)


@pytest.mark.parametrize(
    ("kwargs", "param", "text"),
    [
        ({"stride": 0}, "stride", "stride must be at least 1, got 0"),
        ({"dilation": 0}, "dilation", "dilation must be at least 1, got 0"),
        ({"padding": -1}, "padding", "padding must be at least 0, got -1"),
        ({"padding": "middle"}, "padding", 'padding must be "valid", "same"'),
        ({"stride": [1, 2, 3]}, "stride", "stride needs 2 value(s), one per axis, got 3"),
    ],
)
def test_rules_name_the_parameter(kwargs, param, text):
    with pytest.raises(ParameterError) as err:
        geometry((5, 5), (3, 3), **kwargs)
    assert err.value.param == param and text in err.value.message


def test_kernel_that_does_not_fit_says_by_how_much():
    with pytest.raises(ParameterError) as err:
        geometry((3, 3), (5, 5))
    assert err.value.param == "kernel"
    assert "spans 5 cells but the padded input has only 3" in err.value.message


def _covered_by_loop(a: Axis) -> list[bool]:
    """Every window, every tap: the plain loop the slice-per-tap count must equal."""
    seen = [False] * a.n
    for o in range(a.out):
        for j in range(a.k):
            i = o * a.stride - a.pad[0] + j * a.dilation
            if 0 <= i < a.n:
                seen[i] = True
    return seen


def test_covered_cells_match_the_loop_on_every_small_axis():
    import itertools

    checked = 0
    for n, k, s, before, after, d in itertools.product(range(1, 9), range(1, 5), range(1, 4), range(4), range(3), (1, 2)):
        a = Axis(n, k, s, (before, after), d)
        if a.fits:
            assert a.covered() == _covered_by_loop(a), (n, k, s, before, after, d)
            checked += 1
    assert checked > 2000


def test_unvisited_with_a_huge_padding_counts_per_tap_not_per_window():
    """Schemathesis found /api/shape?input=945&kernel=39,1&padding=766517 taking over 10 s: 1.5 million windows
    × 39 taps in Python. Per tap it is one slice: every real cell is read here."""
    assert Axis(945, 39, 1, (766517, 766517)).unvisited == 0
    assert Axis(945, 1, 1000, (766517, 766517)).unvisited == 944  # windows 1000 apart read one cell each
