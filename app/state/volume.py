"""The /volume page's state: an H×W×C example input and N filters F×F×(C/groups) drawn from a seed,
the groups, stride, padding and the step (over every output cell of every feature map).

Or given by value (what /network links to: a trained layer's input and one of its filters):
``input`` is H×W×C numbers, rows ``;``, cells ``,``, a cell's channels ``:``; ``weights`` one
F×F×C filter spelled the same way and ``bias`` its bias. The size, channels, filter size and one
filter then come from the values, and the seed is not used.

>>> s = VolumeState.parse({"input": "1:2,3:4;5:6,7:8", "weights": "1:0;0:1", "padding": "0"}, Settings())
Traceback (most recent call last):
...
app.engine.errors.ParameterError: weights must be square (F×F×C), got 2×1
>>> s = VolumeState.parse({"input": "1:2,3:4;5:6,7:8", "weights": "1:0", "padding": "0", "stride": "1"}, Settings())
>>> s.size, s.channels, s.kernel, s.filters, s.url()
(2, 2, 1, 1, '/volume?stride=1&padding=0&input=1:2,3:4;5:6,7:8&weights=1:0')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Self

import numpy as np

from ..engine.errors import ParameterError
from ..settings import Settings
from .base import PageState
from .fields import spell_number
from .specs import Cells, Number, Schema, Whole

Volume = tuple[tuple[tuple[float, ...], ...], ...]  # rows, cells, channels

MAX_STEP = 10**9  # a step past the last one is refused once the geometry is known
MAX_SEED = 10**6  # the seeds a link may name (a domain, not a size: no setting)
# the seeded example's numbers (the default is the notes' Ex1: 5×5×3 input, 2 filters, F = 3, p = 1, s = 2)
SIZES = {
    "size": (Whole("size", 1, "max_volume_size", 5), "The input's side H = W"),
    "channels": (Whole("channels", 1, "max_volume_channels", 3), "The input's channels C"),
    "filters": (Whole("filters", 1, "max_volume_filters", 2), "The filters N"),
    "groups": (Whole("groups", 1, "max_volume_channels", 1), "Groups: they must divide C and N (depthwise: groups = C)"),
    "kernel": (Whole("kernel", 1, "max_volume_kernel", 3), "The filter side F; it must fit the padded input"),
    "stride": (Whole("stride", 1, "max_volume_stride", 2), "Step of the window"),
    "padding": (Whole("padding", 0, "max_volume_padding", 1), "Zero padding on every side"),
    "seed": (Whole("seed", 0, MAX_SEED, 1), "The seed the example's numbers are drawn from"),
}
INPUT = Cells("input", "max_volume_size", "max_volume_channels")
WEIGHTS = Cells("weights", "max_volume_kernel", "max_volume_channels")
BIAS = Number("bias")
STEP = Whole("step", 0, MAX_STEP, 0)


@dataclass(frozen=True)
class VolumeState(PageState):
    PATH = "/volume"
    ORDER = ("size", "channels", "filters", "groups", "kernel", "stride", "padding", "seed", "input", "weights", "bias", "step")

    size: int = 5  # the notes' Ex1: 5×5×3 input, 2 filters, F = 3, p = 1, s = 2
    channels: int = 3
    filters: int = 2
    groups: int = 1  # filter n sees channel group n // (N/g) only (PyTorch, ONNX); depthwise: groups = C
    kernel: int = 3
    stride: int = 2
    padding: int = 1
    seed: int = 1
    input: Volume | None = None  # given by value (then weights too): H×W×C
    weights: Volume | None = None  # one filter F×F×C
    bias: float = 0.0  # the given filter's bias
    step: int = 0

    @classmethod
    def parse(cls, query: Mapping[str, str], settings: Settings) -> Self:
        d = cls()
        values: dict[str, Any] = {name: spec.parse(query.get(name), settings) for name, (spec, _) in SIZES.items()}
        step = STEP.parse(query.get("step"), settings)
        if not (query.get("input") or query.get("weights")):
            return cls(**values, step=step)
        if not (query.get("input") and query.get("weights")):
            raise ParameterError("input" if not query.get("input") else "weights", "input and weights are given together")
        x = INPUT.parse(query["input"], settings)
        w = WEIGHTS.parse(query["weights"], settings)
        if len(x) != len(x[0]):
            raise ParameterError("input", f"input must be square (H = W, H×W×C), got {len(x)}×{len(x[0])}")
        if len(w) != len(w[0]):
            raise ParameterError("weights", f"weights must be square (F×F×C), got {len(w)}×{len(w[0])}")
        if len(w[0][0]) != len(x[0][0]):
            raise ParameterError("weights", f"weights need one value per input channel ({len(x[0][0])}), got {len(w[0][0])}")
        bias = BIAS.parse(query.get("bias"))
        values.update(size=len(x), channels=len(x[0][0]), filters=1, groups=1, kernel=len(w), seed=d.seed)
        return cls(**values, input=x, weights=w, bias=bias, step=step)

    @classmethod
    def query_schema(cls, settings: Settings) -> dict[str, tuple[Schema, str]]:
        """Each query parameter's JSON Schema and meaning, in ``ORDER`` (the /volume.json operation), from the specs
        ``parse`` uses."""
        return {
            **{name: (spec.query_schema(settings), text) for name, (spec, text) in SIZES.items()},
            "input": (INPUT.query_schema(settings), "Given by value (with weights): an H×W×C input, rows ; cells ,"
                      " a cell's channels : (H = W); the sizes and the seed then come from the values"),
            "weights": (WEIGHTS.query_schema(settings), "Given by value (with input): one F×F×C filter spelled the same"
                        " way, one value per input channel"),
            "bias": (BIAS.query_schema(), "The given filter's bias"),
            "step": (STEP.query_schema(settings), "0-based step over every output cell of every feature map"),
        }

    def values(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The given input (H, W, C), filters (1, F, F, C) and biases (1,), or None for the seeded example."""
        if self.input is None or self.weights is None:
            return None
        return np.array(self.input, dtype=np.float64), np.array(self.weights, dtype=np.float64)[None], np.array([self.bias])

    @classmethod
    def with_values(cls, x: np.ndarray, w: np.ndarray, bias: float, padding: int, step: int, stride: int = 1) -> str:
        """The URL stepping filter ``w`` (F, F, C) with ``bias`` over ``x`` (H, W, C)."""
        return cls(size=x.shape[0], channels=x.shape[2], filters=1, kernel=w.shape[0], stride=stride, padding=padding,
                   input=_volume(x), weights=_volume(w), bias=float(bias), step=step).url()

    @staticmethod
    def limits(settings: Settings) -> dict[str, int]:
        """The example must fit on a page: every channel's slice and every filter is drawn (Settings)."""
        return {name: spec.max(settings) for name, (spec, _) in SIZES.items()}  # groups: ≤ C, as g divides C

    def fields(self) -> dict[str, str]:
        given = self.input is not None
        out = {name: str(getattr(self, name)) for name in self.ORDER if name not in ("input", "weights", "bias")}
        if given:  # the values say these
            out.update(size="", channels="", filters="", kernel="", groups="", seed="")
        out.update(input=spell_volume(self.input) if self.input else "",
                   weights=spell_volume(self.weights) if self.weights else "", bias=spell_number(self.bias) if given else "")
        return out

    def defaults(self) -> dict[str, str]:
        return {**VolumeState().fields(), "bias": "0"}


@lru_cache(maxsize=64)  # /network links every filter of a layer over the same input volume
def spell_volume(v: Volume) -> str:
    return ";".join(",".join(":".join(spell_number(c) for c in cell) for cell in row) for row in v)


def _volume(a: np.ndarray) -> Volume:
    return tuple(tuple(tuple(cell) for cell in row) for row in np.asarray(a, dtype=np.float64).tolist())
