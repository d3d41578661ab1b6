"""Engine: convstep's correlate and pool against scipy.ndimage, OpenCV and a bandwidth floor."""

from __future__ import annotations

import numpy as np

from app.engine.conv import correlate
from app.engine.pool import pool

from .timing import compare, ms, table


def _peers(x, w, stride):
    import cv2
    from scipy import ndimage

    pad = w.shape[0] // 2

    def scipy_run():
        out = ndimage.correlate(x, w, mode="constant")
        return out[::stride, ::stride] if stride > 1 else out

    def cv2_run():
        out = cv2.filter2D(x, -1, w, borderType=cv2.BORDER_CONSTANT)
        return out[::stride, ::stride] if stride > 1 else out

    return {
        "convstep": lambda: correlate(x, w, padding=pad, stride=stride),
        "scipy.ndimage": scipy_run,
        "opencv": cv2_run,
        "floor x*2": lambda: x * np.float32(2),
    }


def conv_rows(quick: bool) -> list[list[object]]:
    rng = np.random.default_rng(0)
    sizes = (256, 1024) if quick else (256, 1024, 2048)
    kernels = (3, 5) if quick else (3, 5, 11)
    rows = []
    for n in sizes:
        for k in kernels:
            for stride in (1, 2):
                x = rng.random((n, n), dtype=np.float32)
                w = rng.standard_normal((k, k)).astype(np.float32)
                fns = _peers(x, w, stride)
                ref = fns["scipy.ndimage"]()
                for name in ("convstep", "opencv"):  # honest comparison: same numbers first
                    np.testing.assert_allclose(fns[name](), ref, rtol=1e-3, atol=1e-3 * k * k)
                t = compare(fns, repeat=3 if quick else 5, min_time=0.02 if quick else 0.1)
                rows.append([f"{n}²", f"{k}×{k}", stride, ms(t["convstep"]), ms(t["scipy.ndimage"]), ms(t["opencv"]),
                             ms(t["floor x*2"]), f"{t['scipy.ndimage'] / t['convstep']:.2f}×",
                             f"{t['convstep'] / t['opencv']:.2f}×"])
    return rows


def rgb_rows(quick: bool) -> list[list[object]]:
    from scipy import ndimage

    rng = np.random.default_rng(1)
    n = 256 if quick else 1024
    x = rng.random((n, n, 3), dtype=np.float32)
    w = rng.standard_normal((3, 3)).astype(np.float32)
    t = compare({
        "convstep": lambda: correlate(x, w, padding=1),
        "scipy.ndimage": lambda: np.stack([ndimage.correlate(x[..., c], w, mode="constant") for c in range(3)], -1),
    }, repeat=3)
    return [[f"{n}²×3", "3×3", ms(t["convstep"]), ms(t["scipy.ndimage"]), f"{t['scipy.ndimage'] / t['convstep']:.2f}×"]]


def pool_rows(quick: bool) -> list[list[object]]:
    from numpy.lib.stride_tricks import sliding_window_view

    rng = np.random.default_rng(2)
    rows = []
    for n in (256,) if quick else (256, 1024, 2048):
        x = rng.random((n, n), dtype=np.float32)
        t = compare({
            "convstep": lambda: pool(x, 2, op="max").output,
            "reshape": lambda: x.reshape(n // 2, 2, n // 2, 2).max(axis=(1, 3)),
            "sliding_window_view": lambda: sliding_window_view(x, (2, 2))[::2, ::2].max(axis=(2, 3)),
        }, repeat=3)
        rows.append([f"{n}²", ms(t["convstep"]), ms(t["reshape"]), ms(t["sliding_window_view"]),
                     f"{t['sliding_window_view'] / t['convstep']:.2f}×", f"{t['reshape'] / t['convstep']:.2f}×"])
    return rows


def run(quick: bool = False) -> str:
    parts = ["## 1. Engine: 2-D correlation, float32, zero padding \"same\"",
             "scipy.ndimage has no stride: for stride 2 it computes everything and we slice (said plainly).",
             table(["input", "kernel", "stride", "convstep ms", "scipy ms", "opencv ms", "floor ms",
                    "speed-up vs scipy", "convstep / opencv"], conv_rows(quick)),
             "", "RGB (a 2-D kernel on each channel):",
             table(["input", "kernel", "convstep ms", "scipy ms", "speed-up"], rgb_rows(quick)),
             "", "### Max pooling 2×2",
             table(["input", "convstep ms", "reshape ms", "sliding_window_view ms", "vs sliding window", "vs reshape"], pool_rows(quick))]
    return "\n".join(parts)
