"""The preset kernel catalogue: exact matrices (integer numerators over a denominator).

The lecture notes' filter table has two slips, corrected here and flagged in ``notes_slip``:
its "sharpen" matrix is a Laplacian (it sums to 0, so flat areas go black), and its "edge
detection" matrix has a 1 in the centre (it sums to 1, so it keeps the image instead of finding
edges). A kernel that sums to 1 keeps flat areas unchanged; one that sums to 0 maps them to 0.

>>> PRESETS["gaussian_blur"].display
'1/16 · [[1, 2, 1], [2, 4, 2], [1, 2, 1]]'
>>> float(PRESETS["sharpen"].matrix.sum())
1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from .arrays import as_array
from .errors import ParameterError

MAX_CUSTOM_SIDE = 31


@dataclass(frozen=True)
class Preset:
    name: str
    label: str
    numerators: tuple[tuple[int, ...], ...]
    denominator: int
    description: str
    notes_slip: str | None = None
    photo_note: str | None = None  # what to expect on a photo, said beside the result

    @cached_property
    def matrix(self) -> np.ndarray:
        """The exact weights, float64, read-only (built once: every request stepping a preset reads it)."""
        matrix = np.array(self.numerators, dtype=np.float64) / self.denominator
        matrix.flags.writeable = False
        return matrix

    @property
    def sum(self) -> Fraction:
        return Fraction(sum(map(sum, self.numerators)), self.denominator)

    @property
    def display(self) -> str:
        rows = ", ".join("[" + ", ".join(map(str, r)) + "]" for r in self.numerators)
        prefix = "" if self.denominator == 1 else f"1/{self.denominator} · "
        return f"{prefix}[{rows}]"

    def as_dict(self) -> dict[str, object]:
        total = self.sum
        return {
            "name": self.name,
            "label": self.label,
            "matrix": self.matrix.tolist(),
            "numerators": [list(r) for r in self.numerators],
            "denominator": self.denominator,
            "display": self.display,
            "sum": total.numerator if total.denominator == 1 else float(total),
            "description": self.description,
            "notes_slip": self.notes_slip,
        }


def _p(
    name: str, label: str, rows: Sequence[Sequence[int]], description: str, denominator: int = 1,
    notes_slip: str | None = None, photo_note: str | None = None,
) -> Preset:
    return Preset(name, label, tuple(tuple(r) for r in rows), denominator, description, notes_slip, photo_note)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _p("identity", "Identity", [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
           "Copies the input: the output cell equals the centre of the window."),
        _p("edge", "Edge detection", [[1, 0, -1], [0, 0, 0], [-1, 0, 1]],
           "Responds to diagonal changes; flat areas give 0 (the entries sum to 0).",
           notes_slip="The notes print this with a 1 in the centre; that kernel sums to 1 and"
           " mostly copies the image. An edge detector's entries sum to 0.",
           photo_note="It finds diagonal changes only: on a straight horizontal or vertical edge its +1 and −1"
           " corners cancel to 0, so a rectangle's sides vanish (Sobel x + y finds every edge). Values are negative"
           " where brightness changes the other way; the signed mapping shows negatives blue, positives orange,"
           " 0 white."),
        _p("sharpen", "Sharpen", [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
           "Boosts the centre against its neighbours; flat areas stay the same (sums to 1).",
           notes_slip="The notes label [[0, 1, 0], [1, -4, 1], [0, 1, 0]] 'sharpen'; that is a"
           " Laplacian (it sums to 0). Sharpen = identity − Laplacian."),
        _p("box_blur", "Box blur", [[1, 1, 1], [1, 1, 1], [1, 1, 1]],
           "The plain average of the 3×3 window (sums to 1).", denominator=9),
        _p("gaussian_blur", "Gaussian blur (3×3)", [[1, 2, 1], [2, 4, 2], [1, 2, 1]],
           "A weighted average that favours the centre: a smoother blur (sums to 1).",
           denominator=16),
        _p("laplacian", "Laplacian", [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
           "Second derivative: outlines where brightness bends; flat areas give 0."),
        _p("outline", "Outline", [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
           "Edges in every direction, strongly (sums to 0)."),
        _p("sobel_x", "Sobel x", [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
           "Horizontal change: bright where the left is brighter than the right (vertical edges)."),
        _p("sobel_y", "Sobel y", [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
           "Vertical change: bright where the top is brighter than the bottom (horizontal edges)."),
        _p("prewitt_x", "Prewitt x", [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
           "Like Sobel x without the extra weight on the middle row."),
        _p("emboss", "Emboss", [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
           "Lights the image from the top-left, like a relief (sums to 1)."),
        _p("motion_blur", "Motion blur", [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
           "Averages along the diagonal, like a camera moving while the shutter is open.",
           denominator=3),
        _p("gaussian_blur_5", "Gaussian blur (5×5)",
           [[1, 4, 6, 4, 1], [4, 16, 24, 16, 4], [6, 24, 36, 24, 6], [4, 16, 24, 16, 4],
            [1, 4, 6, 4, 1]],
           "A wider Gaussian: stronger smoothing (sums to 1).", denominator=256),
    )
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except (KeyError, TypeError):
        raise ParameterError(
            "kernel", f"unknown kernel preset {str(name)[:60]!r}; choose one of {', '.join(PRESETS)}"
        ) from None


def kernel_from(value: object, *, max_side: int = MAX_CUSTOM_SIDE, ranks: Sequence[int] = (1, 2, 3)) -> np.ndarray:
    """A preset name or a nested list of numbers → kernel array (float64).

    >>> kernel_from("box_blur").sum().round(12)
    np.float64(1.0)
    >>> kernel_from([[1, 2], [3, 4]]).shape
    (2, 2)
    """
    if isinstance(value, str):
        return get_preset(value).matrix
    kernel = as_array(value, "kernel", ranks=ranks)
    spatial = kernel.shape[:2] if kernel.ndim == 3 else kernel.shape
    if max(spatial) > max_side:
        raise ParameterError(
            "kernel", f"kernel is {'×'.join(map(str, spatial))}; the largest side allowed is {max_side}"
        )
    return kernel
