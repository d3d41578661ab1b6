"""Layers: grouped and depthwise convolution against the same per-group calls, and the transposed
convolution against the forward convolution of the same layer (issue 12's targets)."""

from __future__ import annotations

import numpy as np

from app.engine.conv import correlate_many
from app.engine.transpose import conv_transpose_many

from .timing import compare, ms, table


def _per_group(x: np.ndarray, ks: np.ndarray, groups: int, **geo: object):
    """What grouped convolution replaces: one correlate_many per group on that group's channels, stacked."""
    cg, per = x.shape[2] // groups, ks.shape[0] // groups

    def run() -> np.ndarray:
        return np.concatenate([correlate_many(x[..., g * cg : (g + 1) * cg], ks[g * per : (g + 1) * per], **geo)
                               for g in range(groups)], axis=-1)

    return run


def group_rows(quick: bool) -> list[list[object]]:
    rng = np.random.default_rng(3)
    n = 64 if quick else 256
    rows = []
    for c, n_kernels, groups in ((16, 16, 2), (16, 16, 4), (16, 16, 16)):
        x = rng.random((n, n, c), dtype=np.float32)
        ks = rng.standard_normal((n_kernels, 3, 3, c // groups)).astype(np.float32)
        fns = {"grouped": lambda x=x, ks=ks, g=groups: correlate_many(x, ks, groups=g, padding=1),
               "per-group calls": _per_group(x, ks, groups, padding=1)}
        np.testing.assert_allclose(fns["grouped"](), fns["per-group calls"](), rtol=1e-5, atol=1e-4)
        t = compare(fns, repeat=3, min_time=0.01 if quick else 0.05)
        name = "depthwise" if groups == c else f"groups {groups}"
        rows.append([f"{n}²×{c}", f"{n_kernels} × 3×3×{c // groups}", name, ms(t["grouped"]), ms(t["per-group calls"]),
                     f"{t['grouped'] / t['per-group calls']:.2f}×"])
    return rows


def transpose_rows(quick: bool) -> list[list[object]]:
    rng = np.random.default_rng(4)
    n = 64 if quick else 512
    x = rng.random((n, n, 8), dtype=np.float32)
    ks = rng.standard_normal((16, 4, 4, 8)).astype(np.float32)
    y = correlate_many(x, ks, stride=2, padding=1)
    fns = {"forward": lambda: correlate_many(x, ks, stride=2, padding=1),
           "transposed": lambda: conv_transpose_many(y, ks, stride=2, padding=1)}
    assert fns["transposed"]().shape == x.shape
    t = compare(fns, repeat=3, min_time=0.01 if quick else 0.05)
    return [[f"{n}²×8 → {y.shape[0]}²×16", f"{y.shape[0]}²×16 → {n}²×8", "16 × 4×4×8, stride 2, padding 1",
             ms(t["forward"]), ms(t["transposed"]), f"{t['transposed'] / t['forward']:.2f}×"]]


def run(quick: bool = False) -> str:
    return "\n".join([
        "## Layers: groups, depthwise and transposed convolution (targets: grouped ≤ the per-group calls; "
        "transposed within 3× of the forward layer)",
        "float32, interleaved medians. The per-group column runs one correlate_many per group on that group's "
        "channels and stacks the maps: what grouped convolution replaces.",
        table(["input", "kernels", "grouping", "grouped ms", "per-group calls ms", "grouped / per-group"], group_rows(quick)),
        "", "### Transposed convolution (Wᵀ·y, scattering) against the forward layer it turns over",
        table(["forward", "transposed", "layer", "forward ms", "transposed ms", "transposed / forward"], transpose_rows(quick)),
    ])
