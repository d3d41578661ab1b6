"""The validated geometry of one correlation: built once, then passed down.

:func:`conv_geometry` checks every rule of a correlation once — the input's and the kernel's ranks
(the one rule for them is :func:`kernel_kind`), channel counts, stride, padding, dilation, whether
the kernel fits — and returns a frozen :class:`ConvGeometry`. ``correlate``, ``correlate_many``,
``conv_step``, ``conv_steps``, ``weight_matrix``, ``matrix_row`` and ``matrix_rows`` take it as
``geometry=`` and then check only that the arrays have the shapes it was built for, so one request
validates once however many engine calls it makes (Starlette's "parse once, keep it on the
object"). Called with ``stride=``, ``padding=``… instead, they build it themselves: those keyword
forms stay for doctests and the API.

>>> g = conv_geometry((5, 5, 3), (3, 3, 3), stride=2, padding=1)
>>> g.kind, g.out_shape, g.result_shape, g.padding
('volume', (3, 3), (3, 3), ((1, 1), (1, 1)))
>>> conv_geometry((5, 5, 3), (3, 3)).result_shape  # a 2-D kernel on each channel
(3, 3, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from math import prod
from typing import Literal

import numpy as np

from .errors import ParameterError
from .shapes import Axis, Geometry, PaddingSpec, as_tuple, geometry, resolve_padding

KernelKind = Literal["plain", "volume", "depthwise"]


def kernel_kind(
    input_shape: Sequence[int], kernel_shape: Sequence[int], name: str = "kernel", groups: int = 1
) -> KernelKind:
    """The one rule pairing a kernel with an input (channels last).

    - ``(n,)`` with ``(k,)`` and ``(H, W)`` with ``(kh, kw)``: ``"plain"``;
    - ``(H, W, C)`` with ``(kh, kw, C)``: ``"volume"``, summed over the channels (C must match);
      with ``groups`` g the kernel is ``(kh, kw, C/g)`` and sees one group of C/g channels
      (PyTorch's and ONNX's grouped convolution; depthwise is g = C);
    - ``(H, W, C)`` with ``(kh, kw)``: ``"depthwise"``, the kernel applied to each channel on its own.

    >>> kernel_kind((4, 4, 3), (3, 3))
    'depthwise'
    >>> kernel_kind((4, 4), (3,))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    app.engine.errors.ParameterError: kernel has rank 1 but the input has rank 2: a kernel needs the input's rank ...
    """
    x_rank, w_rank = len(input_shape), len(kernel_shape)
    if x_rank not in (1, 2, 3):
        raise ParameterError("input", f"input must have rank 1 or 2 or 3, got rank {x_rank}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
        raise ParameterError("groups", f"groups must be a whole number ≥ 1, got {groups!r}")
    if groups > 1:
        if not (x_rank == 3 and w_rank == 3):
            raise ParameterError(
                "groups", f"groups {groups} needs an (H, W, C) input and kernels (kh, kw, C/groups);"
                f" the input has rank {x_rank} and the {name} rank {w_rank}"
            )
        c = input_shape[2]
        if c % groups:
            raise ParameterError("groups", f"groups {groups} must divide the input's {c} channels")
        if kernel_shape[2] != c // groups:
            raise ParameterError(
                name, f"{name} has {kernel_shape[2]} channel(s) but groups {groups} split the input's {c} channels"
                f" into groups of {c // groups}: each kernel is (kh, kw, {c // groups})"
            )
        return "volume"
    if w_rank == x_rank:
        if x_rank == 3 and kernel_shape[2] != input_shape[2]:
            raise ParameterError(
                name, f"{name} has {kernel_shape[2]} channel(s) but the input has {input_shape[2]}:"
                " a volume kernel spans every input channel"
            )
        return "volume" if x_rank == 3 else "plain"
    if x_rank == 3 and w_rank == 2:
        return "depthwise"
    raise ParameterError(
        name, f"{name} has rank {w_rank} but the input has rank {x_rank}: a kernel needs the input's rank"
        " (or rank 2 on an H×W×C volume)"
    )


@dataclass(frozen=True)
class ConvGeometry(Geometry):
    """A checked correlation: the spatial :class:`~app.engine.shapes.Axis` per axis (``axes``, as in
    :class:`~app.engine.shapes.Geometry`: sizes, padding per side, stride, dilation, output count),
    plus the whole input and kernel shapes, how they pair, and whether the kernel is flipped.

    Build it with :func:`conv_geometry`; the constructor itself checks nothing.
    """

    x_shape: tuple[int, ...] = ()  # the whole input: (n,), (H, W) or (H, W, C)
    w_shape: tuple[int, ...] = ()  # the whole kernel: (k,), (kh, kw) or (kh, kw, C)
    kind: KernelKind = "plain"
    flip: bool = False  # True: the kernel's spatial axes are reversed first (true convolution)
    groups: int = 1  # input channels split into this many groups; each kernel sees one (C/groups channels)

    @property
    def channels(self) -> int:
        """Input channels C (1 for a 1-D or 2-D input)."""
        return self.x_shape[2] if len(self.x_shape) == 3 else 1

    @property
    def result_shape(self) -> tuple[int, ...]:
        """Shape of ``correlate``'s result: ``out_shape``, with the channels after it for a depthwise kernel."""
        return self.out_shape + ((self.channels,) if self.kind == "depthwise" else ())

    @property
    def taps(self) -> int:
        """Multiply-adds per output cell (kernel cells; a volume kernel's include its channels)."""
        return prod(self.w_shape)

    @cached_property
    def plane(self) -> Geometry:
        """The geometry as 2-D (a 1-D one becomes one row, unpadded vertically): what the fast paths run."""
        if len(self.axes) == 2:
            return Geometry(self.axes)
        a = self.axes[0]
        return Geometry((Axis(1, 1, 1, (0, 0), 1, "height"), Axis(a.n, a.k, a.stride, a.pad, a.dilation, "width")))

    def applied(self, kernel: np.ndarray, leading: int = 0) -> np.ndarray:
        """The kernel as this correlation applies it: its spatial axes reversed when ``flip`` (true
        convolution), never its channel axis; ``leading`` axes before them (N kernels) stay as they are.
        The one place the flip is written (the correlation, its trace and W all use it).

        >>> g = conv_geometry((3, 3), (2, 2), flip=True)
        >>> g.applied(np.array([[1, 2], [3, 4]])).tolist()
        [[4, 3], [2, 1]]
        """
        if not self.flip:
            return kernel
        return kernel[(slice(None),) * leading + (slice(None, None, -1),) * len(self.axes)]

    def check(self, x_shape: Sequence[int], w_shape: Sequence[int], name: str = "kernel") -> None:
        """Refuse arrays other than those this geometry was built for (cheap: it compares shapes)."""
        if tuple(x_shape) != self.x_shape:
            raise ParameterError("input", f"input has shape {tuple(x_shape)} but the geometry was built for {self.x_shape}")
        if tuple(w_shape) != self.w_shape:
            raise ParameterError(name, f"{name} has shape {tuple(w_shape)} but the geometry was built for {self.w_shape}")


def conv_geometry(
    input_shape: Sequence[int],
    kernel_shape: Sequence[int],
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    groups: int = 1,
    name: str = "kernel",
) -> ConvGeometry:
    """Check a correlation's configuration once and return its :class:`ConvGeometry`.

    Parameters
    ----------
    input_shape : (n,), (H, W) or (H, W, C)
    kernel_shape : (k,), (kh, kw) or (kh, kw, C); see :func:`kernel_kind`
    stride, padding, dilation : as for :func:`app.engine.shapes.geometry`, per spatial axis
    flip : reverse the kernel's spatial axes (true convolution)
    groups : split the input's channels into this many groups (see :func:`kernel_kind`)
    name : the field named in errors about the kernel (``"kernels"`` for a stack of filters)

    >>> conv_geometry((9,), (3,), stride=2, padding="same").out_shape
    (5,)
    """
    x_shape = as_tuple(tuple(input_shape), len(input_shape), "input", minimum=1)
    w_shape = as_tuple(tuple(kernel_shape), len(kernel_shape), name, minimum=1)
    kind = kernel_kind(x_shape, w_shape, name, groups)
    if not isinstance(flip, bool):
        raise ParameterError("flip", f"flip must be true or false, got {flip!r}")
    nd = 1 if len(x_shape) == 1 else 2
    g = geometry(x_shape[:nd], w_shape[:nd], stride, padding, dilation)
    return ConvGeometry(g.axes, x_shape, w_shape, kind, flip, groups)


def sequence_as_rows(
    kernel_length: int, stride: int | Sequence[int], padding: PaddingSpec, dilation: int | Sequence[int]
) -> tuple[tuple[int, int], list[tuple[int, int]], tuple[int, int]]:
    """Stride, padding and dilation of a 1-D problem over channels — input (n, C), kernels (k, C/g) —
    for the same problem as one row of a 2-D one: input (1, n, C), kernels (1, k, C/g).

    >>> sequence_as_rows(3, 2, "same", 1)
    ((1, 2), [(0, 0), (1, 1)], (1, 1))
    """
    (s,) = as_tuple(stride, 1, "stride", minimum=1)
    (d,) = as_tuple(dilation, 1, "dilation", minimum=1)
    ((before, after),) = resolve_padding(padding, (kernel_length,), (d,))
    return (1, s), [(0, 0), (before, after)], (1, d)


def given_or_built(
    geometry: ConvGeometry | None,
    x_shape: Sequence[int],
    w_shape: Sequence[int],
    stride: int | Sequence[int],
    padding: PaddingSpec,
    dilation: int | Sequence[int],
    flip: bool,
    name: str = "kernel",
    groups: int = 1,
) -> ConvGeometry:
    """The keyword wrappers' shared step: check ``geometry`` against the arrays, or build one."""
    if geometry is None:
        return conv_geometry(x_shape, w_shape, stride=stride, padding=padding, dilation=dilation, flip=flip,
                             groups=groups, name=name)
    if not (isinstance(stride, int) and stride == 1 and isinstance(padding, int) and padding == 0
            and isinstance(dilation, int) and dilation == 1 and flip is False and groups == 1):
        raise TypeError("pass either geometry= or stride/padding/dilation/flip, not both")
    geometry.check(x_shape, w_shape, name)
    return geometry
