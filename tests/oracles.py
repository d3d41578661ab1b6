"""Independent plain-loop twins of the engine: slow, obvious, and written without it."""

from __future__ import annotations

import itertools

import numpy as np


def _out_len(n, k, s, before, after, d):
    return (n + before + after - d * (k - 1) - 1) // s + 1


def _pads(padding, kshape, d):
    """Padding spec → (before, after) per axis, written out independently of the engine."""
    nd = len(kshape)
    if padding == "valid":
        return [(0, 0)] * nd
    if padding == "same":
        return [(d[a] * (kshape[a] - 1) // 2, d[a] * (kshape[a] - 1) - d[a] * (kshape[a] - 1) // 2) for a in range(nd)]
    if isinstance(padding, int):
        return [(padding, padding)] * nd
    if nd == 1 and len(padding) == 2 and all(isinstance(p, int) for p in padding):
        return [tuple(padding)]
    return [(p, p) if isinstance(p, int) else tuple(p) for p in padding]


def loop_correlate(x, w, stride=1, padding=0, dilation=1):
    """Correlate rank-1/2 ``x`` with ``w``; ``padding`` an int or per-axis (before, after) pairs."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    nd = x.ndim
    s = (stride,) * nd if np.ndim(stride) == 0 else tuple(stride)
    d = (dilation,) * nd if np.ndim(dilation) == 0 else tuple(dilation)
    pads = _pads(padding, w.shape, d)
    out_shape = [_out_len(x.shape[a], w.shape[a], s[a], *pads[a], d[a]) for a in range(nd)]
    out = np.zeros(out_shape)
    for o in itertools.product(*(range(n) for n in out_shape)):
        total = 0.0
        for j in itertools.product(*(range(k) for k in w.shape)):
            i = tuple(o[a] * s[a] - pads[a][0] + j[a] * d[a] for a in range(nd))
            if all(0 <= i[a] < x.shape[a] for a in range(nd)):
                total += x[i] * w[j]
        out[o] = total
    return out


def loop_pool(x, size, stride, pad, op):
    """2-D pooling with loops; returns (output, {out_index: winning input cell})."""
    x = np.asarray(x, float)
    n_out = [(n + 2 * pad - size) // stride + 1 for n in x.shape]
    out, winners = np.zeros(n_out), {}
    for i in range(n_out[0]):
        for j in range(n_out[1]):
            cells = [(i * stride - pad + a, j * stride - pad + b) for a in range(size) for b in range(size)]
            real = [c for c in cells if 0 <= c[0] < x.shape[0] and 0 <= c[1] < x.shape[1]]
            if op == "max":
                best = max(real, key=lambda c: x[c])
                out[i, j], winners[i, j] = x[best], best
            else:
                out[i, j] = sum(x[c] for c in real) / size**2
    return out, winners


def derived_steps(d):
    """A numbers page's embedded ``derive`` block (app/web/step_data.py) read by its documented rule, as
    stepper.js reads it: for each step (output cell (r, c), row by row) the window's taps, each an input
    cell's flat index or −1 on padding, its padded-grid ``data-cell`` ids, and W's row (columns, texts)."""
    (h, w), (kh, kw), ow = d["in"], d["k"], d["out"][1]
    steps = []
    for step in range(d["out"][0] * ow):
        r, c = divmod(step, ow)
        taps, ids, cols, texts = [], [], [], []
        for m, n in itertools.product(range(kh), range(kw)):
            pr = r * d["stride"][0] - d["pad"][0] + m * d["dil"][0]
            pc = c * d["stride"][1] - d["pad"][1] + n * d["dil"][1]
            inside = 0 <= pr < h and 0 <= pc < w
            taps.append(pr * w + pc if inside else -1)
            ids.append((pr + d["pad"][0]) * d["pw"] + pc + d["pad"][1])
            if inside and "wtext" in d:
                cols.append(pr * w + pc)
                texts.append(d["wtext"][m * kw + n])
        steps.append({"taps": taps, "ids": ids, "row": [cols, texts]})
    return steps
