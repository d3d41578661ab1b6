"""Receptive fields: which input cells one output cell of a layer can see, through a chain of layers.

Per axis, with ``r`` the field's size, ``j`` the jump (input cells between neighbouring output
cells) and ``a`` the input coordinate where output cell 0's field starts (negative: in the
padding), a conv or pool layer with kernel ``k``, stride ``s``, padding before ``p`` and dilation
``d`` gives (Araujo et al., "Computing receptive fields of convolutional neural networks", Distill 2019)::

    r' = r + d·(k − 1)·j      j' = j·s      a' = a − p·j

Output cell ``i`` then sees input cells ``a' + i·j'`` … ``a' + i·j' + r' − 1`` (cells outside the
input are padding). ReLU keeps the field; a flatten, dense or global pool sees the whole input.

>>> from app.engine.network import Network, Conv, Pool, Relu
>>> import numpy as np
>>> net = Network((8, 8, 1), (Conv(np.zeros((2, 3, 3, 1)), np.zeros(2), padding=((1, 1), (1, 1))), Relu(),
...                           Pool((2, 2), (2, 2))))
>>> [f.size for f in receptive_fields(net)]
[(3, 3), (3, 3), (4, 4)]
>>> receptive_fields(net)[2].size, cell_field(net, 2, 1, 3)
((4, 4), (1, 4, 5, 7))
"""

from __future__ import annotations

from dataclasses import dataclass

from .network import Conv, Network, Pool, Relu

Pair = tuple[int, int]


@dataclass(frozen=True)
class Field:
    size: Pair  # r per axis (rows, columns), padding included
    jump: Pair  # j per axis
    start: Pair  # a per axis: where output cell 0's field starts



def receptive_fields(net: Network) -> list[Field | None]:
    """Each layer's receptive field on the network's input; ``None`` once a layer sees the whole input
    (or, in a graph with branches, after a sum or concat of branches whose fields differ)."""
    out: list[Field | None] = []
    of_value: list[Field | None] = [Field((1, 1), (1, 1), (0, 0))]  # value 0 is the input
    for layer, src in zip(net.layers, net.sources, strict=True):
        field = of_value[src[0]]
        if len(src) > 1:
            field = field if all(of_value[i] == field for i in src) else None
        elif field is not None and isinstance(layer, Conv | Pool):
            k = layer.weight.shape[1:3] if isinstance(layer, Conv) else layer.size
            field = Field(
                tuple(field.size[a] + layer.dilation[a] * (k[a] - 1) * field.jump[a] for a in (0, 1)),
                tuple(field.jump[a] * layer.stride[a] for a in (0, 1)),  # type: ignore[arg-type]
                tuple(field.start[a] - layer.padding[a][0] * field.jump[a] for a in (0, 1)),  # type: ignore[arg-type]
            )
        elif not isinstance(layer, Relu):
            field = None
        out.append(field)
        of_value.append(field)
    return out


def cell_field(net: Network, k: int, row: int, col: int) -> tuple[int, int, int, int]:
    """Input rows ``r0..r1`` and columns ``c0..c1`` (inclusive) that layer ``k``'s cell (row, col) reads."""
    shapes = net.shapes()
    span = [[row, row], [col, col]]
    while k >= 0:  # back along each layer's (first) input
        layer, (shape, _) = net.layers[k], shapes[k]
        if len(net.sources[k]) > 1:
            return 0, net.input_shape[0] - 1, 0, net.input_shape[1] - 1
        k = net.sources[k][0] - 1
        if isinstance(layer, Conv | Pool):
            kk = layer.weight.shape[1:3] if isinstance(layer, Conv) else layer.size
            for a in (0, 1):
                lo, hi = span[a]
                s, p, d = layer.stride[a], layer.padding[a][0], layer.dilation[a]
                first, last = lo * s - p, hi * s - p  # where the lowest and the highest cell's windows start
                span[a] = [first + d * max(0, -(first // d)), last + d * min(kk[a] - 1, (shape[a] - 1 - last) // d)]
        elif not isinstance(layer, Relu):
            return 0, net.input_shape[0] - 1, 0, net.input_shape[1] - 1
    return span[0][0], span[0][1], span[1][0], span[1][1]
