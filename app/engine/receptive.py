"""Receptive fields: which input cells one output cell of a layer can see, through a chain of layers.

Per axis, with ``r`` the field's size, ``j`` the jump (input cells between neighbouring output
cells) and ``a`` the input coordinate where output cell 0's field starts (negative: in the
padding), a conv or pool layer with kernel ``k``, stride ``s``, padding before ``p`` and dilation
``d`` gives (Araujo et al., "Computing receptive fields of convolutional neural networks", Distill 2019)::

    r' = r + d·(k − 1)·j      j' = j·s      a' = a − p·j

Output cell ``i`` then sees input cells ``a' + i·j'`` … ``a' + i·j' + r' − 1`` (cells outside the
input are padding). ReLU keeps the field; a flatten, dense or global pool sees the whole input.

:func:`cell_sources` answers the same question for any graph, one cell at a time and exactly: it walks
back from the cell through every layer (every input of a sum or a concat too) and marks the cells each
window, stamp or merge reads, so a dilated kernel's holes and a branch's own field show as they are.

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

import itertools
from dataclasses import dataclass

import numpy as np

from .network import Bias, Concat, Conv, ConvTranspose, Flatten, GlobalAvgPool, Layer, Network, Pool, Relu, Sum

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


def cell_sources(net: Network, k: int, row: int, col: int, m: int) -> list[np.ndarray]:
    """Which cells layer ``k``'s cell (row, col, map m) is computed from, directly or through earlier layers,
    following every input of a sum or a concat: one boolean array per value of the graph (index 0 the input
    (H, W, C), index v layer v − 1's output, each without the batch axis). A cell is marked when a chain of
    kernel taps, pool windows and merges links it to the selected cell (a tap's weight may still be zero).

    >>> from app.engine.network import Network, Conv, Sum
    >>> net = Network((1, 5, 1), (Conv(np.ones((1, 1, 3, 1)), np.zeros(1), padding=((0, 0), (1, 1))), Sum()),
    ...               sources=((0,), (0, 1)))  # x + conv(x): a residual connection
    >>> cell_sources(net, 1, 0, 0, 0)[0][0, :, 0].tolist()  # through the conv's window and the skip
    [True, True, False, False, False]
    """
    shapes = [tuple(net.input_shape)] + [out for _, out in net.shapes()]
    masks = [np.zeros(s, dtype=bool) for s in shapes]
    masks[k + 1][row, col, m] = True
    for layer_k in range(k, -1, -1):  # layers are in topological order: every reader of a value comes after it
        if masks[layer_k + 1].any():
            src = net.sources[layer_k]
            for v, found in zip(src, step_back(net.layers[layer_k], masks[layer_k + 1], [shapes[v] for v in src]),
                                strict=True):
                masks[v] |= found
    return masks


def step_back(layer: Layer, out: np.ndarray, ins: list[tuple[int, ...]]) -> list[np.ndarray]:
    """One layer backwards: for each of its inputs (shapes ``ins``), the cells some marked cell of ``out`` reads."""
    if isinstance(layer, Sum):
        return [out.copy() for _ in ins]
    if isinstance(layer, Concat):
        edges = np.cumsum([0] + [s[2] for s in ins])
        return [out[..., a:b].copy() for a, b in itertools.pairwise(edges)]
    (shape,) = ins
    if isinstance(layer, Relu | Bias):
        return [out.copy()]
    if isinstance(layer, Conv | Pool):
        return [_windows_back(layer, out, shape)]
    if isinstance(layer, ConvTranspose):
        return [_stamps_back(layer, out, shape)]
    if isinstance(layer, GlobalAvgPool):
        return [np.broadcast_to(out[0, 0], shape).copy()]
    if isinstance(layer, Flatten) and len(shape) == 3:  # channel-major order, as forward flattens
        h, w, c = shape
        return [out.reshape(c, h, w).transpose(1, 2, 0).copy()]
    if isinstance(layer, Flatten):
        return [out.reshape(shape).copy()]
    return [np.full(shape, bool(out.any()))]  # dense, softmax: every input reaches every output


def _windows_back(layer: Conv | Pool, out: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The input cells under the windows of a conv's or a pool's marked output cells (a conv's group's channels)."""
    h, w, c = shape
    ho, wo, n = out.shape
    kh, kw = layer.weight.shape[1:3] if isinstance(layer, Conv) else layer.size
    (pt, _), (pl, _) = layer.padding
    (sh, sw), (dh, dw) = layer.stride, layer.dilation
    rows = max(pt + h, (ho - 1) * sh + (kh - 1) * dh + 1)  # the padded input, and past it a ceil_mode window's end
    cols = max(pl + w, (wo - 1) * sw + (kw - 1) * dw + 1)
    buf = np.zeros((rows, cols, c), dtype=bool)
    if isinstance(layer, Conv):
        per, cg = n // layer.groups, layer.weight.shape[3]
        reads = np.concatenate([np.repeat(out[..., g * per:(g + 1) * per].any(-1, keepdims=True), cg, axis=-1)
                                for g in range(layer.groups)], axis=-1)
    else:
        reads = out  # a pool reads its own channel
    for i in range(kh):
        for j in range(kw):
            buf[i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw] |= reads
    found: np.ndarray = buf[pt:pt + h, pl:pl + w]
    return found


def _stamps_back(layer: ConvTranspose, out: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The y cells whose stamps reach a transposed convolution's marked output cells (a group's channels)."""
    ho, wo, n = shape
    h, w, c = out.shape
    _, kh, kw, cg = layer.weight.shape
    (pt, _), (pl, _) = layer.padding
    (sh, sw), (dh, dw) = layer.stride, layer.dilation
    rows = max((ho - 1) * sh + (kh - 1) * dh + 1, pt + h)
    cols = max((wo - 1) * sw + (kw - 1) * dw + 1, pl + w)
    buf = np.zeros((rows, cols, c), dtype=bool)
    buf[pt:pt + h, pl:pl + w] = out
    per = n // layer.groups
    found = np.zeros(shape, dtype=bool)
    for i in range(kh):
        for j in range(kw):
            view = buf[i * dh:i * dh + (ho - 1) * sh + 1:sh, j * dw:j * dw + (wo - 1) * sw + 1:sw]
            for g in range(layer.groups):
                found[..., g * per:(g + 1) * per] |= view[..., g * cg:(g + 1) * cg].any(-1, keepdims=True)
    return found
