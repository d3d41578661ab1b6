import numpy as np
import pytest

from app.engine.errors import ParameterError
from app.engine.pool import pool
from app.engine.shapes import POOL_PARAMS
from tests.oracles import loop_pool


@pytest.mark.parametrize("op", ["max", "avg"])
@pytest.mark.parametrize(("shape", "size", "stride", "pad"), [((6, 6), 2, 2, 0), ((7, 7), 3, 2, 1), ((5, 6), 2, 1, 1)])
def test_matches_loop_twin(rng, op, shape, size, stride, pad):
    x = rng.permutation(np.prod(shape)).reshape(shape) - 10.0
    result = pool(x, size, stride=stride, padding=pad, op=op)
    expected, winners = loop_pool(x, size, stride, pad, op)
    np.testing.assert_allclose(result.output, expected)
    if op == "max":
        for idx, cell in winners.items():
            assert tuple(result.argmax[idx]) == cell
    else:
        assert result.argmax is None


def test_stride_defaults_to_size_and_volume_pools_per_channel(rng):
    x = rng.random((6, 6, 3))
    r = pool(x, 2)
    assert r.output.shape == (3, 3, 3) and r.argmax.shape == (3, 3, 3, 2)
    for c in range(3):
        np.testing.assert_allclose(r.output[..., c], loop_pool(x[..., c], 2, 2, 0, "max")[0])
        i, j = r.argmax[1, 2, c]
        assert x[i, j, c] == r.output[1, 2, c]


def test_notes_ex2b_pool_143_gives_71():
    r = pool(np.zeros((143, 143)), 3, stride=2)
    assert r.output.shape == (71, 71)
    assert POOL_PARAMS.total == 0


def test_1d_pooling():
    r = pool([3, 1, 4, 1, 5, 9, 2, 6], 2)
    assert r.output.tolist() == [3, 4, 9, 6] and r.argmax[:, 0].tolist() == [0, 2, 5, 7]


@pytest.mark.parametrize(("kwargs", "param"), [({"padding": 2}, "padding"), ({"op": "min"}, "op"), ({"stride": 0}, "stride")])
def test_errors(kwargs, param):
    with pytest.raises(ParameterError) as e:
        pool(np.ones((6, 6)), 2, **kwargs)
    assert e.value.param == param


def test_a_pool_larger_than_its_input_names_the_size():
    """A pool has a size, not a kernel: the page and the API highlight the field the caller gave."""
    with pytest.raises(ParameterError) as e:
        pool(np.ones((2, 2)), 3)
    assert e.value.param == "size"
    assert e.value.message == ("pool window does not fit: height: the pool window spans 3 cells but the padded input"
                               " has only 2 (2 + 2·0); it does not fit even once")


@pytest.mark.parametrize(("size", "stride", "pad"), [(2, 2, 0), (3, 2, 1), (3, 1, 1)])
def test_ties_go_to_the_first_cell_in_row_major_order(rng, size, stride, pad):
    x = rng.integers(0, 3, (9, 8)).astype(float)  # few distinct values: most windows tie
    result = pool(x, size, stride=stride, padding=pad)
    expected, winners = loop_pool(x, size, stride, pad, "max")
    np.testing.assert_array_equal(result.output, expected)
    for idx, cell in winners.items():
        assert tuple(result.argmax[idx]) == cell


def test_float32_stays_float32_and_avg_matches_loop_twin(rng):
    x = rng.random((33, 34), dtype=np.float32)
    for op in ("max", "avg"):
        r = pool(x, 3, stride=2, padding=1, op=op)
        assert r.output.dtype == np.float32
        np.testing.assert_allclose(r.output, loop_pool(x, 3, 2, 1, op)[0], rtol=1e-6)
