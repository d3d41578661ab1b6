"""One-line hints for the terms the pages use without explaining them, written once and shown beside
the term (visible text inside its label, so a screen reader reads it with the field's name).
Templates read them as ``hints.dilation`` (a Jinja global set in render.py)."""

from __future__ import annotations

HINTS: dict[str, str] = {
    "dilation": "gaps between the kernel's taps: d = 2 spreads a 3×3 kernel over 5×5 cells (1 = no gaps)",
    "padding": "valid = no padding, the output shrinks · same = zeros so that stride 1 keeps the size"
               " · a number = zeros on every side",
    "receptive_field": "Receptive field: how many input cells (per side) one output cell depends on; it grows with"
                       " every layer",
    "toeplitz": "Toeplitz: each diagonal holds one value; doubly-block: W's blocks repeat along its diagonals and are"
                " Toeplitz themselves",
    "example": "a seed: each number draws another random input and filters, the same number always the same ones",
}
