"""The weight matrix against an independent plain-loop correlation: W·x must equal it exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.engine.errors import ParameterError
from app.engine.matrix import band_overview, block_structure, matrix_row, matrix_rows, weight_counts, weight_matrix
from tests.oracles import loop_correlate

CASES_1D = [(8, 3, 1, 0, 1), (8, 3, 2, 0, 1), (9, 4, 3, 1, 1), (10, 3, 1, "same", 2), (7, 2, 2, (1, 2), 1)]
CASES_2D = [
    ((4, 4), (3, 3), 1, 1, 1),
    ((4, 4), (3, 3), 2, 1, 1),
    ((5, 6), (2, 3), (1, 2), "same", 1),
    ((7, 7), (3, 3), 2, "valid", 2),
    ((6, 5), (3, 2), 3, [(1, 0), (2, 1)], 1),
]


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize(("n", "k", "stride", "padding", "dilation"), CASES_1D)
def test_w_times_x_equals_1d_correlation(rng, n, k, stride, padding, dilation, flip):
    x, w = rng.integers(-9, 10, n), rng.integers(-5, 6, k)
    W = weight_matrix((n,), w, stride=stride, padding=padding, dilation=dilation, flip=flip)
    expected = loop_correlate(x, w[::-1] if flip else w, stride, padding, dilation)
    np.testing.assert_array_equal(W @ x, expected.ravel())


@pytest.mark.parametrize("flip", [False, True])
@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "dilation"), CASES_2D)
def test_w_times_x_equals_2d_correlation(rng, shape, kshape, stride, padding, dilation, flip):
    x, w = rng.integers(-9, 10, shape), rng.integers(-5, 6, kshape)
    W = weight_matrix(shape, w, stride=stride, padding=padding, dilation=dilation, flip=flip)
    expected = loop_correlate(x, w[::-1, ::-1] if flip else w, stride, padding, dilation)
    assert W.shape == (expected.size, x.size)
    np.testing.assert_array_equal(W @ x.ravel(), expected.ravel())


def test_matches_scipy_for_valid_correlation(rng):
    from scipy.signal import correlate

    x, w = rng.standard_normal((9, 8)), rng.standard_normal((3, 4))
    W = weight_matrix(x.shape, w)
    np.testing.assert_allclose(W @ x.ravel(), correlate(x, w, mode="valid").ravel())


def test_notes_toeplitz_stride_1_and_2():
    w = np.array([1.0, 2.0, 3.0])
    W1 = weight_matrix((8,), w)
    assert W1.shape == (6, 8)
    for r in range(6):  # each row is the kernel shifted one column right
        np.testing.assert_array_equal(W1[r, r : r + 3], w)
        assert np.count_nonzero(W1[r]) == 3
    W2 = weight_matrix((8,), w, stride=2)
    assert W2.shape == (3, 8)
    for r in range(3):  # with stride 2 consecutive rows skip two columns
        np.testing.assert_array_equal(W2[r, 2 * r : 2 * r + 3], w)


def test_notes_grid_with_padding_gives_16_by_16():
    grid = np.array([[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]])
    w = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    W = weight_matrix(grid.shape, w, padding=1)
    assert W.shape == (16, 16)
    np.testing.assert_array_equal(W @ grid.ravel(), loop_correlate(grid, w, padding=1).ravel())


@pytest.mark.parametrize("rows", [range(0, 5), range(7, 16, 3), slice(4, 9), [15, 0, 3]])
def test_rows_are_the_matching_rows_of_the_full_matrix(rng, rows):
    w = rng.standard_normal((3, 3))
    full = weight_matrix((4, 4), w, padding=1)
    part = weight_matrix((4, 4), w, padding=1, rows=rows)
    expected_rows = range(16)[rows] if isinstance(rows, slice) else list(rows)
    np.testing.assert_array_equal(part, full[list(expected_rows)])


def test_matrix_row_is_the_dense_row(rng):
    w = rng.integers(1, 9, (3, 3)).astype(float)
    full = weight_matrix((5, 6), w, stride=2, padding=1)
    for r in range(full.shape[0]):
        cols, vals = matrix_row((5, 6), w, r, stride=2, padding=1)
        np.testing.assert_array_equal(np.flatnonzero(full[r]), cols)
        np.testing.assert_array_equal(full[r, cols], vals)



@pytest.mark.parametrize("geo", [{}, {"stride": 2, "padding": 1}, {"padding": "same", "dilation": 2}, {"stride": (1, 3)}])
def test_matrix_rows_are_the_dense_rows(rng, geo):
    w = rng.integers(1, 9, (3, 3)).astype(float)
    full = weight_matrix((7, 8), w, **geo)
    rows = matrix_rows((7, 8), w, **geo)
    assert len(rows) == full.shape[0]
    for dense, (cols, vals) in zip(full, rows, strict=True):
        np.testing.assert_array_equal(np.flatnonzero(dense), cols)
        np.testing.assert_array_equal(dense[cols], vals)
    some = [full.shape[0] - 1, 0, 2]
    assert [c.tolist() for c, _ in matrix_rows((7, 8), w, some, **geo)] == [rows[r][0].tolist() for r in some]

def test_band_overview_marks_exactly_the_nonzero_bins(rng):
    w = rng.integers(1, 5, (3, 3))
    W = weight_matrix((8, 8), w, padding=1)
    pic = band_overview((8, 8), w, padding=1, max_side=16)
    assert pic.shape == (16, 16)
    expected = (W != 0).reshape(16, 4, 16, 4).any(axis=(1, 3))
    np.testing.assert_array_equal(pic, expected)


def test_band_overview_of_a_large_image_never_builds_w():
    pic = band_overview((512, 512), np.ones((3, 3)), padding=1, max_side=64)
    assert pic.shape == (64, 64)
    assert pic.diagonal().all() and not pic[0, -1]


def test_block_structure_is_doubly_block_toeplitz(rng):
    w = rng.integers(1, 5, (3, 3))
    H = Wd = 4
    W = weight_matrix((H, Wd), w, padding=1)
    blocks = block_structure((H, Wd), w, padding=1)
    nonzero = {
        (a, b) for a in range(4) for b in range(4) if W[a * 4 : a * 4 + 4, b * 4 : b * 4 + 4].any()
    }
    assert {(a, b) for a, b, _ in blocks} == nonzero
    for a, b, j in blocks:  # the block is the 1-D Toeplitz matrix of kernel row j
        np.testing.assert_array_equal(
            W[a * 4 : a * 4 + 4, b * 4 : b * 4 + 4], weight_matrix((4,), w[j], padding=1)
        )


def test_dense_limit_names_input_shape_and_hints_rows():
    with pytest.raises(ParameterError) as err:
        weight_matrix((256, 256), np.ones((3, 3)), max_cells=1000)
    assert err.value.param == "input_shape"
    assert "limit is 1000" in str(err.value) and "fewer rows" in str(err.value)


def test_row_out_of_range():
    with pytest.raises(ParameterError, match="step must be between 0 and 15"):
        matrix_row((4, 4), np.ones((3, 3)), 16, padding=1)
    with pytest.raises(ParameterError, match="rows must lie between 0 and 15"):
        weight_matrix((4, 4), np.ones((3, 3)), padding=1, rows=[16])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 7),
    m=st.integers(2, 7),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 2),
    dilation=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_property_w_times_x_equals_loop(n, m, k, stride, pad, dilation, seed):
    if min(n, m) + 2 * pad < dilation * (k - 1) + 1:
        return
    r = np.random.default_rng(seed)
    x, w = r.integers(-5, 6, (n, m)), r.integers(-3, 4, (k, k))
    W = weight_matrix((n, m), w, stride=stride, padding=pad, dilation=dilation)
    np.testing.assert_array_equal(W @ x.ravel(), loop_correlate(x, w, stride, pad, dilation).ravel())


@pytest.mark.parametrize(("shape", "kshape", "stride", "padding", "dilation"),
                         [((n,), (k,), s, p, d) for n, k, s, p, d in CASES_1D] + CASES_2D)
def test_weight_counts_match_the_whole_matrix(rng, shape, kshape, stride, padding, dilation):
    w = rng.integers(-2, 3, kshape)  # zeros among the weights: a connection whose weight is 0
    w.flat[0] = 0
    W = weight_matrix(shape, w, stride=stride, padding=padding, dilation=dilation)
    ones = weight_matrix(shape, np.ones(kshape), stride=stride, padding=padding, dilation=dilation)
    counts = weight_counts(shape, w, stride=stride, padding=padding, dilation=dilation)
    assert counts["entries"] == counts["fully_connected"] == W.size
    assert counts["connections"] == np.count_nonzero(ones)  # every place a tap reaches
    assert counts["nonzero"] == np.count_nonzero(W) < counts["connections"]  # w[0] = 0 is a connection, not a non-zero
    assert counts["shared_weights"] == w.size and counts["distinct_values"] == len(set(w.ravel().tolist()))


def test_weight_counts_of_the_notes_example():
    # the notes' 4×4 grid, 3×3 sharpen, padding 1: W is 16×16 = 256 entries. Per axis the kernel's
    # taps reach 3, 4 and 3 outputs (the outer taps fall on padding once), so taps reach
    # (3 + 4 + 3)² = 100 entries; the centre (4·4 = 16) and the four −1s (3·4 each, 48) are non-zero: 64
    sharpen = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    counts = weight_counts((4, 4), sharpen, padding=1)
    assert counts == {"entries": 256, "connections": 100, "nonzero": 64, "shared_weights": 9,
                      "distinct_values": 3, "fully_connected": 256}
