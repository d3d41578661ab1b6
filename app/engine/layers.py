"""Layer stacks summarised like a model summary: output shape, parameters, receptive field.

Shapes come from :mod:`app.engine.shapes` (the one home of the formula). The receptive field
of a layer's output cell grows by ``(k − 1)·jump`` per layer, where ``jump`` is the product of
the strides so far (in input pixels).

>>> rows = summarize((32, 32, 1), LENET5)
>>> [r.output for r in rows][:2], rows[0].params.total
([(28, 28, 6), (14, 14, 6)], 156)
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ParameterError
from .shapes import POOL_PARAMS, ParamCount, conv_params, geometry


@dataclass(frozen=True)
class Conv:
    filters: int
    kernel: int
    stride: int = 1
    padding: int = 0
    dilation: int = 1

    def describe(self) -> str:
        extra = f", stride {self.stride}" if self.stride != 1 else ""
        extra += f", padding {self.padding}" if self.padding else ""
        return f"conv {self.kernel}×{self.kernel}, {self.filters} filters{extra}"


@dataclass(frozen=True)
class Pool:
    size: int
    stride: int | None = None
    padding: int = 0
    op: str = "max"

    def describe(self) -> str:
        return f"{self.op} pool {self.size}×{self.size}, stride {self.stride or self.size}"


@dataclass(frozen=True)
class Dense:
    units: int

    def describe(self) -> str:
        return f"dense {self.units}"


@dataclass(frozen=True)
class Row:
    index: int
    layer: Conv | Pool | Dense
    input: tuple[int, ...]
    output: tuple[int, ...]
    params: ParamCount
    arithmetic: str
    receptive_field: int | None
    jump: int | None


def summarize(input_shape: tuple[int, int, int], layers: list[Conv | Pool | Dense]) -> list[Row]:
    h, w, c = input_shape
    shape: tuple[int, ...] = (h, w, c)
    rf, jump = 1, 1
    rows: list[Row] = []
    for i, layer in enumerate(layers, start=1):
        if isinstance(layer, Dense):
            n_in = 1
            for v in shape:
                n_in *= v
            params = ParamCount(n_in * layer.units, layer.units)
            out: tuple[int, ...] = (layer.units,)
            text = f"{n_in}·{layer.units} weights + {layer.units} biases"
            rows.append(Row(i, layer, shape, out, params, text, None, None))
            shape = out  # only dense layers may follow: no receptive field past here
            continue
        if len(shape) != 3:
            raise ParameterError(
                "layers", f"layer {i} ({layer.describe()}) needs an H×W×C input, but the previous layer is dense"
            )
        if isinstance(layer, Conv):
            k, s, p, d = layer.kernel, layer.stride, layer.padding, layer.dilation
            depth, params = layer.filters, conv_params(k, shape[2], layer.filters)
        else:
            k, s, p, d = layer.size, layer.stride or layer.size, layer.padding, 1
            depth, params = shape[2], POOL_PARAMS
        try:
            g = geometry(shape[:2], (k, k), s, p, d)
        except ParameterError as exc:
            raise ParameterError("layers", f"layer {i} ({layer.describe()}): {exc.message}") from None
        out = (*g.out_shape, depth)
        text = g.axes[0].formula()
        if not g.exact:
            text += " (rounded down)"
        rf = rf + (d * (k - 1)) * jump
        jump = jump * s
        rows.append(Row(i, layer, shape, out, params, text, rf, jump))
        shape = out
    return rows


ALEXNET = [
    Conv(96, 11, stride=4),
    Pool(3, 2),
    Conv(256, 5, padding=2),
    Pool(3, 2),
    Conv(384, 3, padding=1),
    Conv(384, 3, padding=1),
    Conv(256, 3, padding=1),
    Pool(3, 2),
]
LENET5 = [Conv(6, 5), Pool(2, op="avg"), Conv(16, 5), Pool(2, op="avg"), Dense(120), Dense(84), Dense(10)]
PRESET_STACKS = {
    "alexnet": ("AlexNet's convolutional layers", (227, 227, 3), ALEXNET),
    "lenet5": ("LeNet-5", (32, 32, 1), LENET5),
}
