"""Engine: convstep's correlate and pool against scipy.ndimage, OpenCV and a bandwidth floor."""

from __future__ import annotations

import numpy as np

from app.engine.conv import correlate
from app.engine.pool import pool

from .timing import compare, ms, table


def _scipy_correlate(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """scipy.ndimage on (H, W) or channel by channel on (H, W, 3) (its nd kernel would mix channels)."""
    from scipy import ndimage

    if x.ndim == 2:
        return ndimage.correlate(x, w, mode="constant")
    return np.stack([ndimage.correlate(x[..., c], w, mode="constant") for c in range(x.shape[2])], axis=-1)


def _opencv(x: np.ndarray, w: np.ndarray, sub: tuple, threads: int):
    import cv2

    def filter2d():
        cv2.setNumThreads(threads)
        return cv2.filter2D(x, -1, w, borderType=cv2.BORDER_CONSTANT)[sub]

    return filter2d


def _peers(x: np.ndarray, w: np.ndarray, stride: int, threads: int) -> dict:
    """The same "same"-padded correlation three ways (+ the floor); peers without stride slice after."""
    pad = w.shape[0] // 2
    sub = (slice(None, None, stride),) * 2
    return {
        "convstep": lambda: correlate(x, w, padding=pad, stride=stride),
        "scipy.ndimage": lambda: _scipy_correlate(x, w)[sub],
        "opencv 1 thread": _opencv(x, w, sub, 1),
        "opencv default": _opencv(x, w, sub, threads),
        "floor x*2": lambda: x * np.float32(2),
    }


def conv_rows(quick: bool, threads: int) -> list[list[object]]:
    rng = np.random.default_rng(0)
    sizes = (64, 256) if quick else (256, 1024, 2048)
    kernels = (3, 5) if quick else (3, 5, 11)
    rows = []
    for channels in (1, 3):
        for n in sizes:
            x = rng.random((n, n) if channels == 1 else (n, n, channels), dtype=np.float32)
            for k in kernels:
                w = rng.standard_normal((k, k)).astype(np.float32)
                for stride in (1, 2):
                    fns = _peers(x, w, stride, threads)
                    ref = fns["scipy.ndimage"]()
                    for name in ("convstep", "opencv 1 thread"):  # honest comparison: same numbers first
                        np.testing.assert_allclose(fns[name](), ref, rtol=1e-3, atol=1e-3 * k * k)
                    big = n * n * channels * k * k >= 1024 * 1024 * 25
                    t = compare(fns, repeat=3 if quick or big else 5, min_time=0.01 if quick else 0.05)
                    rows.append(["grey" if channels == 1 else "RGB", f"{n}²", f"{k}×{k}", stride, ms(t["convstep"]),
                                 ms(t["scipy.ndimage"]), ms(t["opencv 1 thread"]), ms(t["opencv default"]),
                                 ms(t["floor x*2"]), f"{t['scipy.ndimage'] / t['convstep']:.2f}×",
                                 f"{t['convstep'] / t['opencv 1 thread']:.2f}×", f"{t['convstep'] / t['opencv default']:.2f}×",
                                 f"{t['convstep'] / t['floor x*2']:.1f}×"])
    return rows


def _pool_peers(x: np.ndarray, op: str) -> dict:
    from numpy.lib.stride_tricks import sliding_window_view

    n = x.shape[0]
    reduce = np.max if op == "max" else np.mean
    return {
        "convstep": lambda: pool(x, 2, op=op).output,
        "reshape": lambda: reduce(x.reshape(n // 2, 2, n // 2, 2), axis=(1, 3)),
        "sliding_window_view": lambda: reduce(sliding_window_view(x, (2, 2))[::2, ::2], axis=(2, 3)),
        "floor x*2": lambda: x * np.float32(2),
    }


def pool_rows(quick: bool) -> list[list[object]]:
    rng = np.random.default_rng(2)
    rows = []
    for n in (64, 256) if quick else (256, 1024, 2048):
        x = rng.random((n, n), dtype=np.float32)
        for op in ("max", "avg"):
            fns = _pool_peers(x, op)
            np.testing.assert_allclose(fns["convstep"](), fns["reshape"](), rtol=1e-6)
            t = compare(fns, repeat=3 if quick else 5, min_time=0.01 if quick else 0.05)
            rows.append([f"{n}²", op, ms(t["convstep"]), ms(t["reshape"]), ms(t["sliding_window_view"]), ms(t["floor x*2"]),
                         f"{t['sliding_window_view'] / t['convstep']:.2f}×", f"{t['reshape'] / t['convstep']:.2f}×"])
    return rows


def run(quick: bool = False) -> str:
    import cv2

    threads = cv2.getNumThreads()
    conv, pooling = conv_rows(quick, threads), pool_rows(quick)
    parts = ["## 1. Engine: 2-D correlation, float32, zero padding \"same\" (targets: ≥ 2× scipy; ≤ 3× OpenCV for 3×3 "
             "and 5×5 at 1024² and 2048²)",
             "Each row's timings are interleaved in the same run (medians). scipy.ndimage and OpenCV have no stride: "
             "for stride 2 they compute everything and we slice, said plainly. RGB applies the 2-D kernel to each "
             "channel (scipy one channel at a time, OpenCV natively). convstep is single-threaded NumPy; OpenCV is "
             f"shown with 1 thread (1T) and with its default pool ({threads} threads). "
             "The floor is one pass `x * 2` over the input.",
             table(["image", "input", "kernel", "stride", "convstep ms", "scipy ms", "opencv 1T ms", "opencv ms", "floor ms",
                    "speed-up vs scipy", "convstep / opencv 1T", "convstep / opencv", "convstep / floor"], conv),
             "", "### Pooling 2×2, stride 2 (convstep also returns the winning cell of every max window)",
             table(["input", "op", "convstep ms", "reshape ms", "sliding_window_view ms", "floor ms", "vs sliding window",
                    "vs reshape"], pooling)]
    return "\n".join(parts)
