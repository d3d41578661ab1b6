"""Shape arithmetic: the one home of the output-size formula.

Per axis (PyTorch's conventions; dilation 1 means none)::

    output = floor((n + p_before + p_after − d·(k − 1) − 1) / s) + 1

``d·(k − 1) + 1`` is the *span* of the kernel (its size once dilated). With symmetric padding
and no dilation this is the lecture's ``(W + 2p − F) / s + 1``. When the division is not exact
the window does not tile the padded input and frameworks round down: the last cells are never
visited (the notes' "stride 3 is not possible").

>>> g = geometry((5, 5), (3, 3), stride=2, padding=1)
>>> g.out_shape, g.exact
((3, 3), True)
>>> geometry((5,), (3,), stride=3, padding=1).axes[0].formula()
'(5 + 2·1 − 3) / 3 + 1 = 4/3 + 1 = 7/3'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import prod

from .errors import ParameterError

AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("height", "width", "channels")}
MAX_SIDE = 1_000_000  # no axis in any request may exceed this; keeps every loop bounded


def as_tuple(value: int | Sequence[int], ndim: int, name: str, *, minimum: int) -> tuple[int, ...]:
    """Broadcast an int (or check a sequence) to ``ndim`` ints, each ``>= minimum``.

    >>> as_tuple(2, 2, "stride", minimum=1)
    (2, 2)
    """
    if isinstance(value, bool):
        raise ParameterError(name, f"{name} must be a whole number, got {value!r}")
    if isinstance(value, int):
        values = (value,) * ndim
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ParameterError(name, f"{name} must be a whole number or a list of {ndim}") from None
        if len(values) != ndim:
            raise ParameterError(
                name, f"{name} needs {ndim} value(s), one per axis, got {len(values)}"
            )
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ParameterError(name, f"{name} must be whole numbers, got {v!r}")
        if v < minimum:
            raise ParameterError(name, f"{name} must be at least {minimum}, got {v}")
        if v > MAX_SIDE:
            raise ParameterError(name, f"{name} must be at most {MAX_SIDE}, got {v}")
    return values


PaddingSpec = int | str | Sequence[int | Sequence[int]]  # a number, a mode, or one per axis (int or [before, after])


def resolve_padding(
    padding: PaddingSpec, kernel_shape: Sequence[int], dilation: Sequence[int]
) -> tuple[tuple[int, int], ...]:
    """Turn a padding spec into ``(before, after)`` per axis.

    ``"valid"`` is no padding. ``"same"`` pads ``d·(k − 1)`` in total per axis, the odd cell
    after (PyTorch); with stride 1 the output keeps the input's size, with stride s it has
    ``ceil(n / s)`` cells. An int pads every side; a list gives one value per axis (symmetric)
    or one ``[before, after]`` pair per axis (for a 1-D input, ``[before, after]`` itself).

    >>> resolve_padding("same", (3, 4), (1, 1))
    ((1, 1), (1, 2))
    >>> resolve_padding([1, [0, 2]], (3, 3), (1, 1))
    ((1, 1), (0, 2))
    """
    ndim = len(kernel_shape)
    if isinstance(padding, str):
        mode = padding.strip().lower()
        if mode == "valid":
            return ((0, 0),) * ndim
        if mode == "same":
            return tuple(
                (d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2)
                for k, d in zip(kernel_shape, dilation, strict=True)
            )
        if mode.lstrip("-").isdigit():
            return resolve_padding(int(mode), kernel_shape, dilation)
        raise ParameterError(
            "padding", f'padding must be "valid", "same", a number or one per axis, got {padding!r}'
        )
    if isinstance(padding, int) and not isinstance(padding, bool):
        (p,) = as_tuple(padding, 1, "padding", minimum=0)
        return ((p, p),) * ndim
    if isinstance(padding, bool) or not isinstance(padding, Iterable):
        raise ParameterError("padding", f"padding must be a number or a list, got {padding!r}")
    items: list[object] = list(padding)
    if ndim == 1 and len(items) == 2 and all(isinstance(i, int) for i in items):
        items = [items]  # a 1-D input's [before, after]
    if len(items) != ndim:
        raise ParameterError("padding", f"padding needs {ndim} value(s), one per axis, got {len(items)}")
    pairs = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            (p,) = as_tuple(item, 1, "padding", minimum=0)
            pairs.append((p, p))
        elif isinstance(item, Sequence):
            before, after = as_tuple(item, 2, "padding", minimum=0)
            pairs.append((before, after))
        else:
            raise ParameterError("padding", f"padding must be whole numbers or [before, after] pairs, got {item!r}")
    return tuple(pairs)


@dataclass(frozen=True)
class Axis:
    """One axis of a sliding-window geometry: sizes, the output count and whether it tiles."""

    n: int
    k: int
    stride: int = 1
    pad: tuple[int, int] = (0, 0)
    dilation: int = 1
    name: str = "length"

    @cached_property  # read once per grid cell when pages lay out windows
    def span(self) -> int:
        """Size of the kernel once dilated: ``d·(k − 1) + 1``."""
        return self.dilation * (self.k - 1) + 1

    @cached_property
    def padded(self) -> int:
        return self.n + self.pad[0] + self.pad[1]

    @cached_property
    def slack(self) -> int:
        """``n + p_b + p_a − span``: how far the window can travel."""
        return self.padded - self.span

    @property
    def fits(self) -> bool:
        return self.slack >= 0

    @cached_property
    def out(self) -> int:
        return self.slack // self.stride + 1 if self.fits else 0

    @property
    def exact(self) -> bool:
        return self.fits and self.slack % self.stride == 0

    @property
    def tail(self) -> int:
        """Padded cells past the last window (the remainder frameworks drop)."""
        return self.slack % self.stride if self.fits else self.padded

    def tail_text(self) -> str:
        """The cells past the last window, in words (no "cell(s)").

        >>> Axis(4, 3, stride=2, pad=(1, 1)).tail_text()
        'the last padded cell is never visited'
        >>> Axis(7, 2, stride=3).tail_text()
        'the last 2 cells are never visited'
        """
        t = self.tail
        padded = self.pad[1] >= t  # every dropped cell is padding
        kind = "padded cell" if padded else "cell"
        if t == 1:
            return f"the last {kind} is never visited"
        return f"the last {t} {kind}s are never visited"

    def covered(self) -> list[bool]:
        """For each cell of the *unpadded* input: does any kernel tap ever read it?

        Tap j of every window reads the cells ``o·s − p_before + j·d``: one stride-``s`` slice of
        the input per tap, so this costs O(k + n) whatever the number of windows.

        >>> Axis(7, 2, stride=3).covered()  # windows at 0 and 3 read 0, 1, 3, 4; cells 2, 5, 6 never
        [True, True, False, True, True, False, False]
        """
        seen = bytearray(self.n)
        for j in range(self.k):
            start = j * self.dilation - self.pad[0]  # the cell window 0's tap j reads
            first = max(0, -(start // self.stride)) if start < 0 else 0  # first window whose tap j is inside
            last = min(self.out - 1, (self.n - 1 - start) // self.stride)
            if first <= last:
                lo = start + first * self.stride
                seen[lo : lo + (last - first) * self.stride + 1 : self.stride] = b"\x01" * (last - first + 1)
        return [bool(v) for v in seen]

    @property
    def unvisited(self) -> int:
        """How many real input cells no window tap ever reads (tail, stride gaps, dilation)."""
        if self.k > 100_000 or self.n > 10_000_000:  # counting exactly would be slow; the tail bounds it
            return max(0, self.tail - self.pad[1])
        return self.covered().count(False)

    def padding_text(self) -> str:
        before, after = self.pad
        if before == after:
            return f"2·{before}"
        return f"{before} + {after}"

    def formula(self) -> str:
        """The output formula with this axis's numbers filled in.

        >>> Axis(288, 4, stride=2).formula()
        '(288 + 2·0 − 4) / 2 + 1 = 142 + 1 = 143'
        """
        if self.dilation == 1:
            head = f"({self.n} + {self.padding_text()} − {self.k}) / {self.stride} + 1"
        else:
            head = (
                f"({self.n} + {self.padding_text()} − {self.dilation}·({self.k} − 1) − 1)"
                f" / {self.stride} + 1"
            )
        q = Fraction(self.slack, self.stride)
        if q.denominator == 1:
            return f"{head} = {q.numerator} + 1 = {q.numerator + 1}"
        total = q + 1
        return f"{head} = {q.numerator}/{q.denominator} + 1 = {total.numerator}/{total.denominator}"

    def explain(self) -> str:
        """One sentence: the formula and, if it does not tile, what frameworks do instead."""
        if not self.fits:
            return (
                f"{self.name}: the kernel spans {self.span} cells but the padded input has only "
                f"{self.padded} ({self.n} + {self.padding_text()}); it does not fit even once"
            )
        text = f"{self.name}: {self.formula()}"
        if not self.exact:
            text += (
                f" is not a whole number: stride {self.stride} does not fit exactly; frameworks"
                f" round down to {self.out} and {self.tail_text()}"
            )
        return text


@dataclass(frozen=True)
class Geometry:
    """A whole sliding-window geometry: one :class:`Axis` per spatial axis.

    Steps run row by row over the output (C order): step ``i`` is output cell
    ``np.unravel_index(i, out_shape)``.
    """

    axes: tuple[Axis, ...]

    @property
    def out_shape(self) -> tuple[int, ...]:
        return tuple(a.out for a in self.axes)

    @property
    def in_shape(self) -> tuple[int, ...]:
        return tuple(a.n for a in self.axes)

    @property
    def kernel_shape(self) -> tuple[int, ...]:
        return tuple(a.k for a in self.axes)

    @property
    def stride(self) -> tuple[int, ...]:
        return tuple(a.stride for a in self.axes)

    @property
    def dilation(self) -> tuple[int, ...]:
        return tuple(a.dilation for a in self.axes)

    @property
    def padding(self) -> tuple[tuple[int, int], ...]:
        return tuple(a.pad for a in self.axes)

    @property
    def padded_shape(self) -> tuple[int, ...]:
        return tuple(a.padded for a in self.axes)

    @property
    def exact(self) -> bool:
        return all(a.exact for a in self.axes)

    @property
    def steps(self) -> int:
        return prod(self.out_shape)

    def out_index(self, step: int) -> tuple[int, ...]:
        """Output cell of step ``step`` (0-based, row by row)."""
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < self.steps:
            raise ParameterError(
                "step", f"step must be between 0 and {self.steps - 1} (there are {self.steps}), got {step}"
            )
        index = []
        for size in reversed(self.out_shape):
            step, r = divmod(step, size)
            index.append(r)
        return tuple(reversed(index))

    def step_of(self, out_index: Sequence[int]) -> int:
        """Inverse of :meth:`out_index`."""
        step = 0
        for i, size in zip(out_index, self.out_shape, strict=True):
            step = step * size + i
        return step

    def origin(self, out_index: Sequence[int]) -> tuple[int, ...]:
        """Top-left input cell of the window, in *unpadded* coordinates (may be negative)."""
        return tuple(o * a.stride - a.pad[0] for o, a in zip(out_index, self.axes, strict=True))

    def explanations(self) -> list[str]:
        return [a.explain() for a in self.axes]

    def warnings(self) -> list[str]:
        return [a.explain() for a in self.axes if not a.exact]


def geometry(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
) -> Geometry:
    """Validate a sliding-window configuration and return its :class:`Geometry`.

    Raises :class:`ParameterError` naming the parameter when a rule is broken, including a
    kernel that does not fit the padded input. A stride that does not tile exactly is *not*
    an error (frameworks round down); see :attr:`Geometry.exact` and :meth:`Geometry.warnings`.

    >>> geometry((4, 4), (3, 3), padding=1).out_shape
    (4, 4)
    """
    ndim = len(input_shape)
    if ndim not in (1, 2):
        raise ParameterError("input", f"input must have 1 or 2 spatial axes, got {ndim}")
    in_shape = as_tuple(tuple(input_shape), ndim, "input", minimum=1)
    if len(kernel_shape) != ndim:
        raise ParameterError(
            "kernel", f"kernel must have {ndim} axis/axes like the input, got {len(kernel_shape)}"
        )
    k_shape = as_tuple(tuple(kernel_shape), ndim, "kernel", minimum=1)
    strides = as_tuple(stride, ndim, "stride", minimum=1)
    dilations = as_tuple(dilation, ndim, "dilation", minimum=1)
    pads = resolve_padding(padding, k_shape, dilations)
    axes = tuple(
        Axis(n, k, s, p, d, name)
        for n, k, s, p, d, name in zip(
            in_shape, k_shape, strides, pads, dilations, AXIS_NAMES[ndim], strict=True
        )
    )
    for a in axes:
        if not a.fits:
            raise ParameterError("kernel", f"kernel does not fit: {a.explain()}")
    return Geometry(axes)


# ---------------------------------------------------------------- parameter counts


@dataclass(frozen=True)
class ParamCount:
    weights: int
    biases: int

    @property
    def total(self) -> int:
        return self.weights + self.biases

    def as_dict(self) -> dict[str, int]:
        return {"weights": self.weights, "biases": self.biases, "total": self.total}


def conv_params(kernel: int | Sequence[int], channels: int, filters: int, *, bias: bool = True,
                groups: int = 1) -> ParamCount:
    """Learnable parameters of a conv layer: ``W_c = k²·(C/groups)·N`` weights and ``B_c = N`` biases
    (with groups g each filter spans C/g channels, so the weights fall by g).

    >>> conv_params(11, 3, 96).as_dict()
    {'weights': 34848, 'biases': 96, 'total': 34944}
    >>> conv_params(5, 96, 256, groups=2).weights  # AlexNet's conv2, split in two groups
    307200
    """
    ks = as_tuple(kernel, 2, "kernel", minimum=1) if isinstance(kernel, int) else tuple(kernel)
    as_tuple(ks, len(ks), "kernel", minimum=1)
    (c,) = as_tuple(channels, 1, "channels", minimum=1)
    (n,) = as_tuple(filters, 1, "filters", minimum=1)
    (gs,) = as_tuple(groups, 1, "groups", minimum=1)
    if c % gs or n % gs:
        raise ParameterError("groups", f"groups {gs} must divide the input channels ({c}) and the filters ({n})")
    return ParamCount(prod(ks) * (c // gs) * n, n if bias else 0)


POOL_PARAMS = ParamCount(0, 0)  # pooling learns nothing
