"""Limits on what one request may cost, checked from the geometry before any array is built.

The input-size limit alone is not enough: padding, dilation and many filters multiply the work.
Three budgets, each quoted in the error with the caller's numbers and the setting that moves it:

- the padded input (allocated by the engine) holds at most 4 × ``max_array_cells`` cells;
- the output (sent back as JSON) holds at most ``max_array_cells`` cells;
- the multiply-adds (output cells × kernel taps) stay within ``max_work``, about a second here.
"""

from __future__ import annotations

from math import prod

from ..engine.shapes import Geometry
from ..problems import Problem
from ..settings import Settings

PADDED_FACTOR = 4  # padding may grow an input at the limit a little, not without bound


def _size(shape: tuple[int, ...], extra: int = 1) -> str:
    return "×".join(map(str, shape)) + (f"×{extra}" if extra > 1 else "")


def check_cost(g: Geometry, *, channels: int, maps: int, taps: int, settings: Settings) -> None:
    """Refuse (413) a request whose padded input, output or work passes its budget.

    Parameters
    ----------
    g : the validated geometry (spatial axes only)
    channels : input channels the engine pads (1 for a plain array)
    maps : output cells per spatial position (filters N, channels C for a per-channel kernel, or 1)
    taps : multiply-adds per output cell (kernel cells, times C for a volume kernel)
    """
    padded = prod(g.padded_shape) * channels
    if padded > PADDED_FACTOR * settings.max_array_cells:
        raise Problem(
            413, f"padding makes the input {_size(g.padded_shape, channels)} = {padded} cells; the limit is"
            f" {PADDED_FACTOR * settings.max_array_cells} (4 × CONVSTEP_MAX_ARRAY_CELLS)", "padding",
        )
    out = prod(g.out_shape) * maps
    if out > settings.max_array_cells:
        raise Problem(
            413, f"the output would be {_size(g.out_shape, maps)} = {out} cells; the limit is"
            f" {settings.max_array_cells} (CONVSTEP_MAX_ARRAY_CELLS): use less padding or a larger stride",
            "padding" if any(p != (0, 0) for p in g.padding) else "input",
        )
    work = out * taps
    if work > settings.max_work:
        raise Problem(
            413, f"this needs {out} output cells × {taps} multiply-adds = {work}; the limit is"
            f" {settings.max_work} (CONVSTEP_MAX_WORK): use fewer or smaller kernels, a larger stride or a smaller input",
            "kernels" if maps > 1 else "kernel",
        )
