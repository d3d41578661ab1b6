"""Receptive fields against a brute-force oracle: the input cells whose change moves an output cell."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.network import Concat, Conv, ConvTranspose, GlobalAvgPool, Network, Pool, Relu, Sum, forward
from app.engine.receptive import cell_field, cell_sources, receptive_fields
from app.models.digits import digits_network


def influence(net: Network, k: int) -> np.ndarray:
    """(H', W', H, W): whether input cell (r, c) changes layer k's cell (i, j) of map 0 (all-positive weights)."""
    h, w = net.input_shape[:2]
    base = forward(net, np.zeros((1, *net.input_shape)))[k][0, ..., 0]
    out = np.zeros((*base.shape, h, w), dtype=bool)
    for r in range(h):
        for c in range(w):
            x = np.zeros((1, *net.input_shape))
            x[0, r, c, :] = 1.0
            out[..., r, c] = forward(net, x)[k][0, ..., 0] != base
    return out


@pytest.mark.parametrize("stride,pad,dilation,size", [(1, 1, 1, 9), (2, 0, 1, 11), (2, 1, 2, 12), (3, 2, 1, 10)])
def test_fields_match_the_cells_that_influence_each_output(stride, pad, dilation, size):
    ones = np.ones
    net = Network((size, size, 1), (
        Conv(ones((1, 3, 3, 1)), np.zeros(1), stride=(stride, 1), padding=((pad, pad), (pad, 0)), dilation=(dilation, 1)),
        Relu(), Pool((2, 2), (2, 2), kind="avg"), Conv(ones((1, 2, 3, 1)), np.zeros(1), padding=((1, 0), (1, 1)))))
    for k in range(4):
        seen = influence(net, k)
        for i, j in np.ndindex(seen.shape[:2]):
            rows, cols = np.nonzero(seen[i, j])
            assert cell_field(net, k, i, j) == (rows.min(), rows.max(), cols.min(), cols.max()), (k, i, j)
            assert np.array_equal(cell_sources(net, k, i, j, 0)[0][..., 0], seen[i, j]), (k, i, j)  # dilation's holes


def test_the_digit_networks_fields_by_hand():
    # conv 3 → 3; pool 2 (jump 1) → 3 + 1 = 4, jump 2; conv 3 → 4 + 2·2 = 8; pool 2 → 8 + 1·2 = 10, jump 4
    fields = receptive_fields(digits_network())
    assert [f.size if f else None for f in fields] == [(3, 3), (3, 3), (4, 4), (8, 8), (8, 8), (10, 10), None, None, None]
    assert [f.jump for f in fields[:6]] == [(1, 1), (1, 1), (2, 2), (2, 2), (2, 2), (4, 4)]
    assert cell_field(digits_network(), 3, 1, 2) == (0, 6, 1, 7)  # pool1 rows 0–2, cols 1–3 → conv1 0–5, 2–7


def branched_nets(rng):
    """Two graphs with branches and random weights: (a) conv → ReLU → dilated conv, + the first conv's output (a
    residual Add), then a 1×1 conv and a grouped 3×3 conv side by side, joined by Concat, then a max pool; (b) a
    strided conv turned back by a transposed conv, + the input, Concat with the input, an average pool with
    ceil_mode, a global average pool."""
    w = lambda *shape: rng.normal(size=shape)  # noqa: E731
    a = Network((7, 6, 1), (
        Conv(w(2, 3, 3, 1), w(2), padding=((1, 1), (1, 1))), Relu(),
        Conv(w(2, 3, 3, 2), w(2), padding=((2, 2), (2, 2)), dilation=(2, 2)), Sum(),
        Conv(w(3, 1, 1, 2), w(3)), Conv(w(2, 3, 3, 1), w(2), padding=((1, 1), (1, 1)), groups=2), Concat(),
        Pool((2, 2), (2, 2))),
        sources=((0,), (1,), (2,), (3, 1), (4,), (4,), (5, 6), (7,)))
    b = Network((6, 5, 1), (
        Conv(w(2, 3, 3, 1), w(2), stride=(2, 2), padding=((1, 1), (1, 1))),
        ConvTranspose(w(2, 3, 3, 1), w(1), stride=(2, 2), padding=((1, 1), (1, 1)), output_padding=(1, 0)),
        Sum(), Concat(), Pool((3, 3), (2, 2), padding=((1, 1), (0, 0)), kind="avg", ceil_mode=True), GlobalAvgPool()),
        sources=((0,), (1,), (2, 0), (3, 0), (4,), (5,)))
    return a, b


def perturbed(net: Network, x: np.ndarray, k: int) -> np.ndarray:
    """(H', W', N, H, W, C): whether changing input cell (r, c, ch) by ±10⁶ changes layer k's cell (i, j, n)."""
    base = forward(net, x[None])[k][0]
    cells = list(np.ndindex(x.shape))
    batch = np.repeat(x[None], 2 * len(cells), axis=0)
    for t, cell in enumerate(cells):
        batch[(2 * t, *cell)] += 1e6
        batch[(2 * t + 1, *cell)] -= 1e6
    moved = ~np.isclose(forward(net, batch)[k], base, rtol=0, atol=1e-6)  # (2·cells, H', W', N)
    moved = moved.reshape(len(cells), 2, *base.shape).any(axis=1)
    return np.moveaxis(moved, 0, -1).reshape(*base.shape, *x.shape)


@pytest.mark.parametrize("which", [0, 1])
def test_cell_sources_match_the_cells_whose_change_moves_the_cell_in_branched_graphs(which):
    """Brute force: for every cell of every layer, the input cells whose change moves it are exactly the ones
    cell_sources marks on the input, through both inputs of every Add and the right branch of every Concat. A change is
    ±10⁶ (so a ReLU cannot hide it) from each of eight random inputs (a max pool hides a change that neither wins
    nor touches the winner, so one input could miss a cell)."""
    rng = np.random.default_rng(7 + which)
    net = branched_nets(rng)[which]
    assert not net.is_chain
    xs = [rng.normal(size=net.input_shape) for _ in range(8)]
    for k in range(len(net.layers)):
        moved = np.logical_or.reduce([perturbed(net, x, k) for x in xs])
        for i, j, n in np.ndindex(moved.shape[:3]):
            assert np.array_equal(cell_sources(net, k, i, j, n)[0], moved[i, j, n]), (net.names[k], i, j, n)


def test_cell_sources_by_hand():
    """(a)'s Concat: channels 0–2 come from the 1×1 conv (one cell of the sum: the residual's 3×3 + dilated 5-wide
    field around it), channels 3–4 from the grouped conv (its group's channel of the sum only)."""
    net = branched_nets(np.random.default_rng(0))[0]
    masks = cell_sources(net, 6, 3, 2, 1)  # concat channel 1 = the 1×1 conv's filter 1 at (3, 2)
    assert masks[7][3, 2].tolist() == [False, True, False, False, False]
    assert np.argwhere(masks[5]).tolist() == [[3, 2, 1]] and not masks[6].any()
    assert np.argwhere(masks[4][..., 0]).tolist() == [[3, 2]]
    assert np.argwhere(masks[2][..., 0]).tolist() == [[1, 0], [1, 2], [1, 4], [3, 0], [3, 2], [3, 4], [5, 0], [5, 2],
                                                      [5, 4]]  # the dilated conv's taps 2 apart, cut by the left edge
    assert masks[2][..., 1].tolist() == masks[2][..., 0].tolist()  # it reads both channels
    rows, cols = np.nonzero(masks[0][..., 0])
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (0, 6, 0, 5)  # dilated taps ± the first conv's 3×3
    grouped = cell_sources(net, 6, 3, 2, 4)  # concat channel 4 = the grouped conv's filter 1: the sum's channel 1
    assert not grouped[4][..., 0].any() and np.argwhere(grouped[4][..., 1]).tolist() == [[2, 1], [2, 2], [2, 3], [3, 1],
                                                                                        [3, 2], [3, 3], [4, 1], [4, 2],
                                                                                        [4, 3]]
