"""The fast paths behind :func:`app.engine.conv.correlate` (private: call ``correlate``).

How it is computed (measured in bench/engine.py, see docs/performance.md): shift-and-add over
kernel taps, in bands of output rows small enough that the band's padded input rows and the
accumulator stay in the CPU's L2 cache. Padding is done band by band into a reused buffer (never
a padded copy of the whole image), converting to the working dtype on the way. At stride 1 each
tap is one contiguous 1-D slice of the flattened band (rows computed at the padded width, the
extra columns dropped); at other strides each tap is a strided 2-D view, so stride 2 does a
quarter of the work. All taps of a band go to one ``np.einsum`` over a strided view
``(kh, kw, cells)``, iterated with the cells innermost: its inner loop is a SIMD fused
multiply-add into the accumulator, one pass per tap instead of a multiply and an add. Kernels
that are mostly zeros (identity, shifts) instead multiply and add only their nonzero taps.
float32 stays float32 throughout. Scratch buffers are lent per call from a small pool (one set
per core) and reused, so a small image does not pay page faults on fresh buffers every call.

Everything here takes a checked 2-D :class:`~app.engine.shapes.Geometry` and validates nothing.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .shapes import Axis, Geometry

BAND_BYTES = 768 * 1024  # input band + accumulator + scratch, near the 512 KiB per-core L2 (measured, docs/performance.md)


def work_dtype(*arrays: np.ndarray) -> type:
    return np.float32 if all(a.dtype == np.float32 for a in arrays) else np.float64


Taps = list[tuple[int, int, Any]]  # nonzero (i, j, weight) of a sparse kernel
Scratch = dict[tuple[str, str], np.ndarray]  # one thread's scratch set: buffers by (name, dtype char)


def _taps(w: np.ndarray, dtype: np.dtype[Any]) -> Taps:
    """Nonzero taps ``(i, j, weight)`` of a 2-D kernel: zero weights cost nothing."""
    return [(i, j, dtype.type(w[i, j])) for i in range(w.shape[0]) for j in range(w.shape[1]) if w[i, j] != 0]


_scratch = threading.local()  # .bufs: the scratch set this thread holds for the call in progress
_idle_sets: list[Scratch] = []  # sets returned after a call, lent to the next one
_idle_lock = threading.Lock()
IDLE_SETS = os.cpu_count() or 2  # only about one thread per core computes at once: keep no more sets than that
POLYPHASE = True  # stride 2, kernels with few padded taps: polyphase split + contiguous einsum (measured)
SCRATCH_KEEP = 4 * 1024 * 1024  # bytes: scratch up to this size is kept in a set and reused across calls


@contextmanager
def _borrowed_scratch() -> Iterator[None]:
    """Lend this thread a set of scratch buffers for one call, from a small shared pool.

    Sets kept per thread cost memory per thread, and the web server's thread pool has 40 threads
    (a 3-minute soak grew a worker by ~100 MiB); a pool of at most one set per core reuses them as
    well. A nested call keeps the set it already holds.
    """
    if getattr(_scratch, "bufs", None) is not None:
        yield
        return
    with _idle_lock:
        bufs = _idle_sets.pop() if _idle_sets else {}
    _scratch.bufs = bufs
    try:
        yield
    finally:
        _scratch.bufs = None
        with _idle_lock:
            if len(_idle_sets) < IDLE_SETS:
                _idle_sets.append(bufs)


def _scratch_buffer(name: str, size: int, dtype: type) -> np.ndarray:
    """A flat ``size``-element buffer from the scratch set this thread has borrowed.

    A fresh ``np.empty`` of a band (hundreds of KiB) is mapped fresh by the allocator, and the page
    faults on first touch cost as much as the arithmetic on a 256² image. Nothing returned to a
    caller ever views a scratch buffer.
    """
    itemsize = np.dtype(dtype).itemsize
    bufs: Scratch | None = getattr(_scratch, "bufs", None)  # None outside _borrowed_scratch: nothing to reuse
    if bufs is None or size * itemsize > SCRATCH_KEEP:
        return np.empty(size, dtype=dtype)
    key = (name, np.dtype(dtype).char)
    buf = bufs.get(key)
    if buf is None or buf.size < size:
        buf = bufs[key] = np.empty(max(size, SCRATCH_KEEP // (8 * itemsize)), dtype=dtype)
    return buf[:size]


def _view(a: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...]) -> np.ndarray:
    """Read-only strided view of ``a`` from its first element (``as_strided`` without its ~10 µs of setup)."""
    assert a.flags.c_contiguous  # bands and their flattenings are C-contiguous
    view = np.ndarray(shape, dtype=a.dtype, buffer=a, strides=strides)
    view.flags.writeable = False
    return view


class _PaddedRows:
    """Rows of the zero-padded plane, made one band at a time in a reused buffer.

    Padding the whole plane would allocate, zero and copy a second image; a band of padded
    rows stays in cache, and the copy also converts to the working dtype (uint8 → float).
    """

    def __init__(self, plane: np.ndarray, g: Geometry, max_rows: int, dtype: type) -> None:
        self.plane = plane  # (H, W), any strides and dtype
        (self.top, bottom), (self.left, right) = g.padding
        self.width = plane.shape[1] + self.left + right
        self.direct = (self.top == bottom == self.left == right == 0 and plane.dtype == dtype
                       and plane.flags.c_contiguous)  # already laid out as needed: no copy
        self.buf: np.ndarray | None = None
        if not self.direct:
            self.buf = _scratch_buffer("pad", max_rows * self.width, dtype).reshape(max_rows, self.width)
            self.buf[:, : self.left] = 0  # the padding columns are zeroed once and never written
            self.buf[:, self.left + plane.shape[1] :] = 0

    def rows(self, p0: int, p1: int) -> np.ndarray:
        """Padded rows ``p0:p1`` as an ``(p1 − p0, Wp)`` C-contiguous array."""
        if self.direct:
            return self.plane[p0:p1]
        h, w = self.plane.shape
        assert self.buf is not None
        band = self.buf[: p1 - p0]
        lo, hi = min(max(p0, self.top), p1), max(min(p1, self.top + h), p0)  # rows inside the image
        band[: lo - p0] = 0
        band[hi - p0 :] = 0
        if hi > lo:
            band[lo - p0 : hi - p0, self.left : self.left + w] = self.plane[lo - self.top : hi - self.top]
        return band


def accumulate(plane: np.ndarray, w: np.ndarray, g: Geometry, out: np.ndarray, add: bool = True) -> None:
    """``out += correlate(plane, w)`` (``out = …`` when ``add`` is False), band by band."""
    with _borrowed_scratch():
        _accumulate_bands(plane, w, g, out, add)


def _accumulate_bands(plane: np.ndarray, w: np.ndarray, g: Geometry, out: np.ndarray, add: bool) -> None:
    """The body of :func:`accumulate`, with a scratch set borrowed.

    Parameters
    ----------
    plane : (H, W) unpadded input, any numeric dtype; padding comes from ``g``
    w : (kh, kw) kernel
    out : (H', W') output view (any strides), written in place
    """
    nonzero = np.count_nonzero(w)
    if not nonzero:
        if not add:
            out.fill(0)
        return
    fused = 2 * nonzero > w.size  # einsum pays for zero weights too: sparse kernels keep the tap loop
    taps: np.ndarray | Taps = w if fused else _taps(w, out.dtype)
    (sh, sw), (dh, dw) = g.stride, g.dilation
    h_out, w_out = out.shape
    halo = (w.shape[0] - 1) * dh + 1  # padded rows one output row reads
    wp = plane.shape[1] + sum(g.padding[1])
    flat = (sh, sw) == (1, 1)
    kh, kw = w.shape
    # zero-padding sub-kernels to ⌈kh/2⌉ × ⌈kw/2⌉ adds taps (3×3: 16 for 9, lost 6–13 %; 5×5: 36 for 25, won 21–28 %)
    poly = POLYPHASE and fused and (sh, sw) == (2, 2) and (dh, dw) == (1, 1) and 4 * -(-kh // 2) * -(-kw // 2) <= 1.5 * kh * kw
    w2 = -(-wp // 2)  # width of a polyphase component
    row_bytes = out.itemsize * ((wp if flat else w_out) * (1 if fused else 2) + wp * sh)  # acc (+ tmp) + input rows
    if poly:
        row_bytes = out.itemsize * (w2 + 2 * wp * sh)  # acc + input rows + their polyphase copy
    rows_per_band = max(1, min(h_out, BAND_BYTES // row_bytes))
    bands = -(-h_out // rows_per_band)
    rows_per_band = -(-h_out // bands)  # equal bands: no short last band paying full per-call overhead
    source = _PaddedRows(plane, g, (rows_per_band - 1) * sh + halo, out.dtype.type)
    acc_buf = _scratch_buffer("acc", rows_per_band * (wp if flat else w2 if poly else w_out), out.dtype.type)
    if poly:
        w_poly = np.zeros((2, 2, -(-kh // 2), -(-kw // 2)), dtype=out.dtype)  # w_poly[a, b, i, j] = w[2i + a, 2j + b]
        for a in range(2):
            for b in range(2):
                sub = w[a::2, b::2]
                w_poly[a, b, : sub.shape[0], : sub.shape[1]] = sub
        r2 = rows_per_band - 1 + w_poly.shape[2]
        phase_buf = _scratch_buffer("phases", 4 * r2 * w2, out.dtype.type).reshape(2, 2, r2, w2)
    tmp_buf = None if fused else _scratch_buffer("tmp", acc_buf.size, out.dtype.type)
    for r0 in range(0, h_out, rows_per_band):
        rows = min(rows_per_band, h_out - r0)
        band = source.rows(r0 * sh, (r0 + rows - 1) * sh + halo)
        if flat:
            valid = _band_flat(band, taps, (dh, dw), rows, w_out, acc_buf, tmp_buf)
        elif poly:
            valid = _band_polyphase(band, w_poly, rows, w_out, acc_buf, phase_buf)
        else:
            valid = _band_strided(band, taps, g, rows, w_out, acc_buf, tmp_buf)
        if add:
            out[r0 : r0 + rows] += valid
        else:
            out[r0 : r0 + rows] = valid


def _band_flat(
    band: np.ndarray, taps: np.ndarray | Taps, dilation: tuple[int, ...], rows: int, w_out: int,
    acc_buf: np.ndarray, tmp_buf: np.ndarray | None,
) -> np.ndarray:
    """Stride 1: each tap is one contiguous 1-D slice of the flattened band.

    Output row ``r`` is computed at the padded width ``Wp`` (its last ``Wp − W'`` cells are
    garbage, never copied out), so tap ``(i, j)`` reads ``flat[m + i·dh·Wp + j·dw]`` for flat
    output index ``m``: contiguous multiply and add run about twice as fast as strided rows.
    ``taps`` is either the dense kernel, done in one ``einsum`` whose inner loop is a fused
    multiply-add over ``m`` (one pass per tap), or the list of nonzero taps, two passes each.
    Returns the ``(rows, W')`` valid view of the accumulator.
    """
    dh, dw = dilation
    wp = band.shape[1]
    flat = band.reshape(-1)
    n = (rows - 1) * wp + w_out  # through the last valid cell of the band's last row
    acc = acc_buf[:n]
    if isinstance(taps, np.ndarray):
        kh, kw = taps.shape
        step = flat.strides[0]
        view = _view(flat, (kh, kw, n), (dh * wp * step, dw * step, step))
        np.einsum("ijm,ij->m", view, taps, out=acc, order="F")  # order F: m innermost, one pass per tap
        return acc_buf[: rows * wp].reshape(rows, wp)[:, :w_out]
    offsets = ((i * dh * wp + j * dw, weight) for i, j, weight in taps)
    assert tmp_buf is not None  # sparse kernels are given one
    _multiply_add(((flat[off : off + n], weight) for off, weight in offsets), acc, tmp_buf[:n])
    return acc_buf[: rows * wp].reshape(rows, wp)[:, :w_out]


def _multiply_add(products: Iterable[tuple[np.ndarray, Any]], acc: np.ndarray, tmp: np.ndarray) -> None:
    """``acc = Σ source · weight`` over ``(source, weight)`` pairs, two passes per tap: the first
    tap writes ``acc`` (no zero fill, no add), the others multiply into ``tmp`` and add."""
    for t, (source, weight) in enumerate(products):
        if t == 0:
            np.multiply(source, weight, out=acc)
            continue
        np.multiply(source, weight, out=tmp)
        acc += tmp


def _band_polyphase(
    band: np.ndarray, w_poly: np.ndarray, rows: int, w_out: int, acc_buf: np.ndarray, phase_buf: np.ndarray
) -> np.ndarray:
    """Stride 2 (no dilation): split the band into its 4 even/odd row/column components, then run
    the contiguous stride-1 flat einsum over all of them at once.

    Output ``(r, c)`` reads ``band[2r + 2i + a, 2c + 2j + b] = P[a, b][r + i, c + j]``: a stride-1
    correlation of each component ``P[a, b]`` with the sub-kernel ``w[a::2, b::2]``. The components
    sit in one buffer at a fixed distance apart, so one strided view ``(2, 2, ki, kj, cells)`` covers
    every tap (sub-kernels are zero-padded to ``ki × kj``) and the inner loop reads contiguously
    instead of every other cell. Cells a component lacks are zeroed: they meet only zero weights.
    """
    r2, w2 = phase_buf.shape[2:]
    for a in range(2):
        for b in range(2):
            part = band[a::2, b::2]
            dst = phase_buf[a, b]
            dst[: part.shape[0], : part.shape[1]] = part
            dst[part.shape[0] :] = 0
            dst[: part.shape[0], part.shape[1] :] = 0
    flat = phase_buf.reshape(-1)
    n = (rows - 1) * w2 + w_out
    step = flat.strides[0]
    _, _, ki, kj = w_poly.shape
    view = _view(flat, (2, 2, ki, kj, n), (2 * r2 * w2 * step, r2 * w2 * step, w2 * step, step, step))
    np.einsum("abijm,abij->m", view, w_poly, out=acc_buf[:n], order="F")
    return acc_buf[: rows * w2].reshape(rows, w2)[:, :w_out]


def _band_strided(
    band: np.ndarray, taps: np.ndarray | Taps, g: Geometry, rows: int, w_out: int, acc_buf: np.ndarray,
    tmp_buf: np.ndarray | None,
) -> np.ndarray:
    """Any stride: a strided 2-D view under each tap, so stride 2 does a quarter of the work."""
    (sh, sw), (dh, dw) = g.stride, g.dilation
    acc = acc_buf[: rows * w_out].reshape(rows, w_out)
    if isinstance(taps, np.ndarray):
        kh, kw = taps.shape
        s0, s1 = band.strides
        view = _view(band, (kh, kw, rows, w_out), (dh * s0, dw * s1, sh * s0, sw * s1))
        np.einsum("ijrc,ij->cr", view, taps, out=acc.T, order="F")  # c innermost, then r, then the taps
        return acc
    col_stop = (w_out - 1) * sw + 1
    sources = ((band[i * dh : i * dh + (rows - 1) * sh + 1 : sh, j * dw : j * dw + col_stop : sw], weight)
               for i, j, weight in taps)
    assert tmp_buf is not None  # sparse kernels are given one
    _multiply_add(sources, acc, tmp_buf[: rows * w_out].reshape(rows, w_out))
    return acc


def depthwise_interleaved(x: np.ndarray, w: np.ndarray, g: Geometry, dtype: type) -> np.ndarray:
    """A 2-D kernel on each channel of a C-contiguous (H, W, C) input at column stride 1, as one plane.

    Row-major (H, W, C) is the (H, W·C) plane whose columns interleave the channels: tap (i, j) of
    channel c's output cell (r, q) reads plane cell (r·sh + i·dh, (q + j·dw)·C + c). So correlating
    that plane with the kernel dilated C times wider (and the width padding scaled by C) computes
    every channel at once, with contiguous reads and writes instead of a strided pass per channel.
    """
    h, width, c = x.shape
    rows, cols = g.axes
    wide = Axis(width * c, cols.k, 1, (cols.pad[0] * c, cols.pad[1] * c), cols.dilation * c, "width")
    g2 = Geometry((rows, wide))
    assert g2.out_shape == (g.out_shape[0], g.out_shape[1] * c)
    out: np.ndarray = np.empty(g2.out_shape, dtype=dtype)
    accumulate(x.reshape(h, width * c), w, g2, out, add=False)
    return out.reshape(g.out_shape + (c,))
