"""Receptive fields against a brute-force oracle: the input cells whose change moves an output cell."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine.network import Conv, Network, Pool, Relu, forward
from app.engine.receptive import cell_field, receptive_fields
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


def test_the_digit_networks_fields_by_hand():
    # conv 3 → 3; pool 2 (jump 1) → 3 + 1 = 4, jump 2; conv 3 → 4 + 2·2 = 8; pool 2 → 8 + 1·2 = 10, jump 4
    fields = receptive_fields(digits_network())
    assert [f.size if f else None for f in fields] == [(3, 3), (3, 3), (4, 4), (8, 8), (8, 8), (10, 10), None, None, None]
    assert [f.jump for f in fields[:6]] == [(1, 1), (1, 1), (2, 2), (2, 2), (2, 2), (4, 4)]
    assert cell_field(digits_network(), 3, 1, 2) == (0, 6, 1, 7)  # pool1 rows 0–2, cols 1–3 → conv1 0–5, 2–7
