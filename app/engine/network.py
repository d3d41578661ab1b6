"""A network: layers in order, run forward on a batch with every intermediate kept.

Layout is channels last with the batch first: an image batch is ``(B, H, W, C)``, a vector
batch ``(B, K)``. Layers are frozen dataclasses holding their weights; :func:`forward` returns
each layer's output, so a page can show every feature map and the stepper can explain any cell.

- :class:`Conv`: kernels ``(N, kh, kw, C/groups)`` (the layout of
  :func:`~app.engine.conv.correlate_many`), bias ``(N,)``, stride, padding per side, dilation,
  groups. Computed per kernel tap as one strided view times a ``(C/g, N/g)`` matrix; tests check
  it against ``correlate_many`` sample by sample.
- :class:`Pool`: max or average, through :func:`~app.engine.pool.pool` itself (the batch goes
  into the channel axis, which pooling treats one by one).
- :class:`ConvTranspose`: ``Wᵀ`` through :func:`~app.engine.transpose.conv_transpose_many`.
- :class:`Relu`, :class:`Flatten` (channel-major, ``(C, H, W)`` order, as PyTorch and ONNX
  flatten NCHW), :class:`Dense` (``y = x W + b``, W ``(K, M)``), :class:`Softmax`,
  :class:`GlobalAvgPool`, :class:`Bias` (a constant added to a vector).
- Graphs that are not a chain: :class:`Sum` adds the outputs of two or more earlier layers (a
  residual connection), :class:`Concat` stacks them along the channels. ``Network.sources`` says
  which earlier outputs each layer reads (0 is the input, ``k + 1`` layer ``k``'s output); empty
  means a chain. Layers are in topological order, so :func:`forward` is one pass.

>>> net = Network((2, 2, 1), (Conv(np.ones((1, 2, 2, 1)), np.zeros(1)), Relu(), Flatten(), Softmax()))
>>> [o.shape for o in forward(net, np.ones((1, 2, 2, 1)))]
[(1, 1, 1, 1), (1, 1, 1, 1), (1, 1), (1, 1)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from .errors import ParameterError
from .pool import pool, pool_geometry
from .shapes import geometry
from .transpose import conv_transpose_many, conv_transpose_shape

Pads = tuple[tuple[int, int], tuple[int, int]]
Pair = tuple[int, int]


@dataclass(frozen=True, eq=False)
class Conv:
    weight: np.ndarray  # (N, kh, kw, C/groups)
    bias: np.ndarray  # (N,)
    stride: Pair = (1, 1)
    padding: Pads = ((0, 0), (0, 0))
    dilation: Pair = (1, 1)
    groups: int = 1
    op: str = field(default="conv", init=False)

    @property
    def params(self) -> int:
        return int(self.weight.size + self.bias.size)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        h, w, c = _hwc(shape, "conv")
        n, kh, kw, cg = self.weight.shape
        if c != cg * self.groups:
            raise ParameterError("input", f"conv expects {cg * self.groups} input channels, got {c}")
        g = geometry((h, w), (kh, kw), self.stride, list(self.padding), self.dilation)
        return (*g.out_shape, n)


@dataclass(frozen=True, eq=False)
class ConvTranspose:
    weight: np.ndarray  # the forward layer's kernels (N, kh, kw, C/groups): (H', W', N) → (H, W, C)
    bias: np.ndarray  # (C,)
    stride: Pair = (1, 1)
    padding: Pads = ((0, 0), (0, 0))
    dilation: Pair = (1, 1)
    groups: int = 1
    output_padding: Pair = (0, 0)
    op: str = field(default="conv_transpose", init=False)

    @property
    def params(self) -> int:
        return int(self.weight.size + self.bias.size)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return conv_transpose_shape(_hwc(shape, "conv_transpose"), self.weight.shape, stride=self.stride,
                                    padding=list(self.padding), output_padding=self.output_padding,
                                    dilation=self.dilation, groups=self.groups)


@dataclass(frozen=True, eq=False)
class Pool:
    size: Pair
    stride: Pair
    padding: Pads = ((0, 0), (0, 0))
    kind: Literal["max", "avg"] = "max"
    dilation: Pair = (1, 1)
    ceil_mode: bool = False
    count_include_pad: bool = True
    op: str = field(default="pool", init=False)
    params: int = field(default=0, init=False)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        h, w, c = _hwc(shape, f"{self.kind} pool")
        g = pool_geometry((h, w), self.size, self.stride, list(self.padding), self.dilation, self.ceil_mode)
        return (*g.out_shape, c)


@dataclass(frozen=True, eq=False)
class GlobalAvgPool:
    op: str = field(default="global_avg_pool", init=False)
    params: int = field(default=0, init=False)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (1, 1, _hwc(shape, "global average pool")[2])


@dataclass(frozen=True, eq=False)
class Relu:
    op: str = field(default="relu", init=False)
    params: int = field(default=0, init=False)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return shape


@dataclass(frozen=True, eq=False)
class Flatten:
    op: str = field(default="flatten", init=False)
    params: int = field(default=0, init=False)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        return (int(np.prod(shape)),)


@dataclass(frozen=True, eq=False)
class Dense:
    weight: np.ndarray  # (K, M)
    bias: np.ndarray  # (M,)
    op: str = field(default="dense", init=False)

    @property
    def params(self) -> int:
        return int(self.weight.size + self.bias.size)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(shape) != 1 or shape[0] != self.weight.shape[0]:
            raise ParameterError("input", f"dense expects a vector of {self.weight.shape[0]}, got shape {shape}")
        return (self.weight.shape[1],)


@dataclass(frozen=True, eq=False)
class Bias:
    value: np.ndarray  # (M,)
    op: str = field(default="add", init=False)

    @property
    def params(self) -> int:
        return int(self.value.size)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if shape != self.value.shape:
            raise ParameterError("input", f"add expects shape {self.value.shape}, got {shape}")
        return shape


@dataclass(frozen=True, eq=False)
class Softmax:
    op: str = field(default="softmax", init=False)
    params: int = field(default=0, init=False)

    def out_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        if len(shape) != 1:
            raise ParameterError("input", f"softmax expects a vector, got shape {shape}")
        return shape


@dataclass(frozen=True, eq=False)
class Sum:
    """The element-wise sum of several earlier outputs of one shape (a residual Add)."""

    op: str = field(default="sum", init=False)
    params: int = field(default=0, init=False)

    def out_shapes(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        if len(set(shapes)) != 1:
            raise ParameterError("input", f"sum needs inputs of one shape, got {shapes}")
        return shapes[0]


@dataclass(frozen=True, eq=False)
class Concat:
    """Earlier H×W×C outputs stacked along the channels (ONNX Concat on axis 1 of NCHW)."""

    op: str = field(default="concat", init=False)
    params: int = field(default=0, init=False)

    def out_shapes(self, shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        if any(len(s) != 3 for s in shapes) or len({s[:2] for s in shapes}) != 1:
            raise ParameterError("input", f"concat needs H×W×C inputs of one H×W, got {shapes}")
        return (*shapes[0][:2], sum(s[2] for s in shapes))


Merge = Sum | Concat
Layer = Conv | ConvTranspose | Pool | GlobalAvgPool | Relu | Flatten | Dense | Bias | Softmax | Sum | Concat


@dataclass(frozen=True, eq=False)
class Network:
    """Layers in order and the shape of one input sample (no batch axis)."""

    input_shape: tuple[int, ...]
    layers: tuple[Layer, ...]
    names: tuple[str, ...] = ()
    sources: tuple[tuple[int, ...], ...] = ()  # per layer, the outputs it reads (0 = the input); () = a chain

    def __post_init__(self) -> None:
        if not self.names:
            object.__setattr__(self, "names", tuple(f"{layer.op}{i}" for i, layer in enumerate(self.layers, 1)))
        if not self.sources:
            object.__setattr__(self, "sources", tuple((k,) for k in range(len(self.layers))))
        for k, (layer, src) in enumerate(zip(self.layers, self.sources, strict=True)):
            if not src or any(not 0 <= i <= k for i in src) or (len(src) > 1) != isinstance(layer, Sum | Concat):
                raise ParameterError("model", f"layer {self.names[k]} reads {list(src)}: a layer reads one earlier"
                                              " output, a sum or concat two or more")

    @property
    def is_chain(self) -> bool:
        """Every layer reads the one before it (the pages' cell selection and receptive fields need this)."""
        return all(src == (k,) for k, src in enumerate(self.sources))

    def shapes(self) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        """(input shape, output shape) of every layer, per sample (a merge's first input shape); raises
        ParameterError on a mismatch."""
        out: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        known = [tuple(self.input_shape)]
        for name, layer, src in zip(self.names, self.layers, self.sources, strict=True):
            try:
                ins = [known[i] for i in src]
                nxt = layer.out_shapes(ins) if isinstance(layer, Sum | Concat) else layer.out_shape(ins[0])
            except ParameterError as exc:
                raise ParameterError("model", f"layer {name} ({layer.op}): {exc.message}") from None
            out.append((ins[0], nxt))
            known.append(nxt)
        return out

    @property
    def total_params(self) -> int:
        return sum(layer.params for layer in self.layers)


def _hwc(shape: tuple[int, ...], what: str) -> tuple[int, int, int]:
    if len(shape) != 3:
        raise ParameterError("input", f"{what} expects an H×W×C input, got shape {shape}")
    return shape[0], shape[1], shape[2]


def padded(x: np.ndarray, padding: Pads) -> np.ndarray:
    """Zero-pad a (B, H, W, C) batch's spatial axes by (before, after) per axis."""
    if not any(map(any, padding)):
        return x
    return np.pad(x, ((0, 0), padding[0], padding[1], (0, 0)))


def tap_views(xp: np.ndarray, kh: int, kw: int, out: Pair, stride: Pair, dilation: Pair) -> list[tuple[int, int, np.ndarray]]:
    """Strided views (B, H', W', C) of a padded batch under each kernel tap (i, j)."""
    (ho, wo), (sh, sw), (dh, dw) = out, stride, dilation
    return [(i, j, xp[:, i * dh : i * dh + (ho - 1) * sh + 1 : sh, j * dw : j * dw + (wo - 1) * sw + 1 : sw])
            for i in range(kh) for j in range(kw)]


def conv_forward(layer: Conv, x: np.ndarray) -> np.ndarray:
    """(B, H, W, C) → (B, H', W', N): each tap's view times its (C/g, N/g) weights, per group."""
    b = x.shape[0]
    ho, wo, n = layer.out_shape(x.shape[1:])
    _, kh, kw, cg = layer.weight.shape
    per = n // layer.groups
    out = np.zeros((b, ho, wo, n))
    for i, j, view in tap_views(padded(x, layer.padding), kh, kw, (ho, wo), layer.stride, layer.dilation):
        for g in range(layer.groups):
            wg = layer.weight[g * per : (g + 1) * per, i, j, :]
            out[..., g * per : (g + 1) * per] += view[..., g * cg : (g + 1) * cg] @ wg.T
    out += layer.bias
    return out


def pool_forward(layer: Pool, x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(B, H, W, C) → (B, H', W', C) and, for max, the winners (B, H', W', C, 2) as input coordinates."""
    b, h, w, c = x.shape
    folded = x.transpose(1, 2, 0, 3).reshape(h, w, b * c)  # the batch joins the channels: pooled one by one
    g = pool_geometry((h, w), layer.size, layer.stride, list(layer.padding), layer.dilation, layer.ceil_mode)
    r = pool(folded, geometry=g, op=layer.kind, count_include_pad=layer.count_include_pad)
    ho, wo = g.out_shape
    out = r.output.reshape(ho, wo, b, c).transpose(2, 0, 1, 3)
    wins = None if r.argmax is None else r.argmax.reshape(ho, wo, b, c, 2).transpose(2, 0, 1, 3, 4)
    return out, wins


def apply(layer: Layer, x: np.ndarray) -> np.ndarray:  # one input (a Sum or Concat: see forward)
    """One layer on a batch (B, *shape)."""
    out: np.ndarray = _apply(layer, x)
    return out


def _apply(layer: Layer, x: np.ndarray) -> Any:
    if isinstance(layer, Conv):
        return conv_forward(layer, x)
    if isinstance(layer, Pool):
        return pool_forward(layer, x)[0]
    if isinstance(layer, ConvTranspose):
        layer.out_shape(x.shape[1:])
        return np.stack([conv_transpose_many(s, layer.weight, bias=layer.bias.tolist(), stride=layer.stride,
                                             padding=list(layer.padding), output_padding=layer.output_padding,
                                             dilation=layer.dilation, groups=layer.groups) for s in x])
    if isinstance(layer, GlobalAvgPool):
        return x.mean(axis=(1, 2), keepdims=True)
    if isinstance(layer, Relu):
        return np.maximum(x, 0.0)
    if isinstance(layer, Flatten):
        return (x.transpose(0, 3, 1, 2) if x.ndim == 4 else x).reshape(x.shape[0], -1)
    if isinstance(layer, Dense):
        return x @ layer.weight + layer.bias
    if isinstance(layer, Bias):
        return x + layer.value
    if isinstance(layer, Sum | Concat):
        raise ParameterError("model", f"{layer.op} reads several outputs: run it through forward()")
    return softmax(x)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (B, M), shifted by the row maximum so exp never overflows.

    >>> softmax(np.array([[0.0, 0.0], [1000.0, 0.0]])).round(3).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def forward(net: Network, x: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for a batch ``x`` (B, *net.input_shape); the last is the network's output."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[1:] != tuple(net.input_shape):
        raise ParameterError("input", f"the model expects input of shape {tuple(net.input_shape)}, got {x.shape[1:]}")
    values = [x]
    for layer, src in zip(net.layers, net.sources, strict=True):
        if isinstance(layer, Sum):
            values.append(np.sum([values[i] for i in src], axis=0))
        elif isinstance(layer, Concat):
            values.append(np.concatenate([values[i] for i in src], axis=-1))
        else:
            values.append(apply(layer, values[src[0]]))
    return values[1:]


def predict(net: Network, x: np.ndarray) -> np.ndarray:
    """The class with the largest output for each sample of a batch: (B,) ints."""
    result: np.ndarray = forward(net, x)[-1].argmax(axis=-1)
    return result


def as_pairs(value: int | Sequence[int]) -> Pair:
    """An int or a pair → a pair."""
    if isinstance(value, int):
        return (value, value)
    a, b = value
    return (int(a), int(b))
