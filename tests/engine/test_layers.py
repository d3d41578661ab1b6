import pytest

from app.engine.errors import ParameterError
from app.engine.layers import ALEXNET, LENET5, Conv, Dense, Pool, summarize


def test_alexnet_shapes_params_and_receptive_fields():
    rows = summarize((227, 227, 3), ALEXNET)
    assert [r.output for r in rows] == [
        (55, 55, 96),
        (27, 27, 96),
        (27, 27, 256),
        (13, 13, 256),
        (13, 13, 384),
        (13, 13, 384),
        (13, 13, 256),
        (6, 6, 256),
    ]
    assert rows[0].params.total == 11 * 11 * 3 * 96 + 96 == 34944  # the notes' 34348 is a slip
    assert rows[2].params.as_dict() == {"weights": 614400, "biases": 256, "total": 614656}
    assert [r.receptive_field for r in rows] == [11, 19, 51, 67, 99, 131, 163, 195]
    assert all(r.params.total == 0 for r in rows if isinstance(r.layer, Pool))


def test_lenet5_totals():
    rows = summarize((32, 32, 1), LENET5)
    assert [r.output for r in rows] == [(28, 28, 6), (14, 14, 6), (10, 10, 16), (5, 5, 16), (120,), (84,), (10,)]
    assert [r.params.total for r in rows] == [156, 0, 2416, 0, 48120, 10164, 850]


def receptive_field_by_loop(layers, size=64):
    """Which input cells reach output cell 0? Walk back through the windows one layer at a time."""
    cells = {0}
    for k, s, d in reversed(layers):
        cells = {o * s + j * d for o in cells for j in range(k)}
    return max(cells) - min(cells) + 1


@pytest.mark.parametrize("stack", [[Conv(4, 3), Conv(4, 3, stride=2), Pool(2), Conv(4, 3, dilation=2)], ALEXNET])
def test_receptive_field_against_a_loop(stack):
    rows = summarize((227, 227, 3), stack)
    spec = [
        (layer.kernel, layer.stride, layer.dilation) if isinstance(layer, Conv) else (layer.size, layer.stride or layer.size, 1)
        for layer in stack
    ]
    assert rows[-1].receptive_field == receptive_field_by_loop(spec)


def test_errors_name_the_layer():
    with pytest.raises(ParameterError, match="layer 2"):
        summarize((8, 8, 1), [Conv(2, 5), Conv(2, 5)])
    with pytest.raises(ParameterError, match="layer 2"):
        summarize((8, 8, 1), [Dense(4), Conv(2, 3)])
