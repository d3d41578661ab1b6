"""The convolution weight matrix: correlation as one matrix product.

For an input ``x`` of shape ``(n,)`` or ``(H, W)`` and a kernel ``w``, the weight matrix ``W``
has one **row per output cell** (row-major over the output, ``prod(out_shape)`` rows) and one
**column per input cell** (row-major over the *unpadded* input, ``prod(input_shape)`` columns),
so that::

    W @ x.ravel() == correlate(x, w, stride=s, padding=p, dilation=d).ravel()

Element formula: for output cell ``o`` (row ``r``) and kernel tap ``j``, the tap reads input
cell ``i = o·s − p_before + j·d`` (per axis); if ``i`` is inside the input,
``W[r, ravel(i)] = w[j]``. Taps that land on zero padding have no column: padding contributes
nothing, which is why the columns can index the unpadded input.

In 1-D this is the banded Toeplitz matrix of the lecture (stride 2 makes consecutive rows skip
two columns). In 2-D it is *doubly-block Toeplitz*: an ``H' × H`` grid of ``W' × W`` blocks
where block ``(a, b)`` is the 1-D Toeplitz matrix of kernel row ``b − a·s + p_before`` (divided
by ``d``) and zero where no kernel row lands.

Every function takes a checked :class:`~app.engine.geometry.ConvGeometry` as ``geometry=``
(then ``input_shape`` and the kernel's shape must be the ones it was built for) or builds one
from ``stride=``, ``padding=``, ``dilation=`` and ``flip=``.

>>> W = weight_matrix((5,), [1, 2, 3])
>>> W.astype(int)
array([[1, 2, 3, 0, 0],
       [0, 1, 2, 3, 0],
       [0, 0, 1, 2, 3]])
>>> weight_matrix((4, 4), [[1, 0, 0], [0, 0, 0], [0, 0, 0]], padding=1).shape
(16, 16)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arrays import as_array
from .errors import ParameterError
from .geometry import ConvGeometry, conv_geometry, given_or_built
from .shapes import Geometry, PaddingSpec

DEFAULT_MAX_CELLS = 1_048_576


def _setup(
    input_shape: Sequence[int],
    kernel: object,
    stride: int | Sequence[int],
    padding: PaddingSpec,
    dilation: int | Sequence[int],
    flip: bool,
    geometry: ConvGeometry | None,
) -> tuple[ConvGeometry, np.ndarray]:
    """The checked geometry and the kernel as applied (flipped for true convolution)."""
    shape = tuple(int(v) for v in input_shape)
    if len(shape) not in (1, 2):
        raise ParameterError(
            "input_shape", f"the weight matrix needs an input of shape (n,) or (H, W), got {len(shape)} axes"
        )
    w = as_array(kernel, "kernel", ranks=(1, 2, 3))
    g = given_or_built(geometry, shape, w.shape, stride, padding, dilation, flip)
    return g, g.applied(w)


def _rows_of(g: Geometry, rows: range | slice | Sequence[int] | None) -> np.ndarray:
    total = g.steps
    if rows is None:
        return np.arange(total)
    if isinstance(rows, slice):
        rows = range(total)[rows]
    idx = np.asarray(rows, dtype=np.intp).reshape(-1)
    if idx.size and (idx.min() < 0 or idx.max() >= total):
        raise ParameterError("rows", f"rows must lie between 0 and {total - 1} (W has {total} rows)")
    return idx


def taps(g: Geometry, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns read by each tap of each row, and whether the tap is inside the input.

    Returns ``cols`` and ``inside``, both ``(len(rows), k_taps)``; ``cols`` is 0 where the tap
    reads padding (check ``inside``).
    """
    out_idx = np.unravel_index(rows, g.out_shape)
    k_idx = np.indices(g.kernel_shape).reshape(len(g.axes), -1)
    inside = np.ones((rows.size, k_idx.shape[1]), dtype=bool)
    cols = np.zeros((rows.size, k_idx.shape[1]), dtype=np.intp)
    for axis, a in enumerate(g.axes):
        pos = out_idx[axis][:, None] * a.stride - a.pad[0] + k_idx[axis][None, :] * a.dilation
        inside &= (pos >= 0) & (pos < a.n)
        cols = cols * a.n + np.minimum(np.maximum(pos, 0), a.n - 1)  # np.clip costs a few µs more per call
    return np.where(inside, cols, 0), inside


def weight_matrix(
    input_shape: Sequence[int],
    kernel: object,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    rows: range | slice | Sequence[int] | None = None,
    max_cells: int = DEFAULT_MAX_CELLS,
    geometry: ConvGeometry | None = None,
) -> np.ndarray:
    """Dense weight matrix ``W`` (or only the requested ``rows`` of it).

    Parameters
    ----------
    input_shape : (n,) or (H, W)
    kernel : array_like, same rank as the input
    rows : range, slice or sequence of int, optional
        Flat output indices to build; the rest of ``W`` is never built.
    max_cells : int
        Refuse (``ParameterError`` on ``input_shape``) a dense result larger than this.

    Returns
    -------
    ndarray, shape (len(rows), prod(input_shape))

    >>> weight_matrix((8,), [1, 2, 3], stride=2).astype(int)
    array([[1, 2, 3, 0, 0, 0, 0, 0],
           [0, 0, 1, 2, 3, 0, 0, 0],
           [0, 0, 0, 0, 1, 2, 3, 0]])
    """
    g, w = _setup(input_shape, kernel, stride, padding, dilation, flip, geometry)
    idx = _rows_of(g, rows)
    n_cols = int(np.prod(g.in_shape))
    if idx.size * n_cols > max_cells:
        raise ParameterError(
            "input_shape",
            f"the dense weight matrix would have {idx.size}×{n_cols} = {idx.size * n_cols} cells;"
            f" the limit is {max_cells}: ask for fewer rows",
        )
    cols, inside = taps(g, idx)
    values = np.broadcast_to(w.ravel(), cols.shape)
    out = np.zeros((idx.size, n_cols), dtype=w.dtype)
    row_of = np.broadcast_to(np.arange(idx.size)[:, None], cols.shape)
    out[row_of[inside], cols[inside]] = values[inside]
    return out


def matrix_row(
    input_shape: Sequence[int],
    kernel: object,
    row: int,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    geometry: ConvGeometry | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The nonzero pattern of one row of ``W``: ``(columns, values)``, sorted by column. O(k²).

    Zero kernel entries that land inside the input are kept (they are structural entries of
    the band), so the columns are exactly the input cells under the window.

    >>> cols, vals = matrix_row((4, 4), [[1, 2], [3, 4]], 0)
    >>> cols.tolist(), vals.tolist()
    ([0, 1, 4, 5], [1.0, 2.0, 3.0, 4.0])
    """
    g, w = _setup(input_shape, kernel, stride, padding, dilation, flip, geometry)
    g.out_index(row)  # validates the row number with the step message
    return sparse_rows(g, w, np.array([row], dtype=np.intp))[0]


def matrix_rows(
    input_shape: Sequence[int],
    kernel: object,
    rows: range | slice | Sequence[int] | None = None,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    flip: bool = False,
    geometry: ConvGeometry | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``matrix_row`` for several rows (all by default) in one pass: O(k²) per row.

    >>> [cols.tolist() for cols, _ in matrix_rows((5,), [1, 2, 3], padding=1)]
    [[0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4]]
    """
    g, w = _setup(input_shape, kernel, stride, padding, dilation, flip, geometry)
    return sparse_rows(g, w, _rows_of(g, rows))


def sparse_rows(g: Geometry, w: np.ndarray, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(columns, values)`` of each of ``rows`` (checked) for the kernel ``w`` as applied: O(k²) per row."""
    cols, inside = taps(g, rows)
    weights = w.ravel()
    result = []
    for row_cols, row_inside in zip(cols, inside, strict=True):
        c, v = row_cols[row_inside], weights[row_inside]
        order = np.argsort(c, kind="stable")
        result.append((c[order], v[order]))
    return result


def weight_matrix_many(
    input_shape: Sequence[int],
    kernels: object,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    groups: int = 1,
    flip: bool = False,
    max_cells: int = DEFAULT_MAX_CELLS,
) -> np.ndarray:
    """Dense ``W`` of a layer of N volume kernels on an (H, W, C) input, with ``groups``.

    Rows run over the output (H', W', N) and columns over the input (H, W, C), both row-major with the
    channels last, so ``W @ x.ravel() == correlate_many(x, kernels, groups=…).ravel()`` and
    ``W.T @ y.ravel()`` is the transposed convolution of ``y``. Kernel n (of shape (kh, kw, C/groups))
    reads only its group's channels: the other columns of its rows are zero.

    >>> W = weight_matrix_many((2, 2, 2), np.ones((2, 1, 1, 1)), groups=2)
    >>> W.astype(int).tolist()[:2]  # output (0, 0): kernel 0 reads channel 0, kernel 1 channel 1
    [[1, 0, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0, 0]]
    """
    ks = as_array(kernels, "kernels", ranks=(4,))
    g = conv_geometry(tuple(int(v) for v in input_shape), ks.shape[1:], stride=stride, padding=padding,
                      dilation=dilation, groups=groups, flip=flip, name="kernels")
    if g.kind != "volume":
        raise ParameterError("input_shape", "weight_matrix_many needs an (H, W, C) input and kernels (N, kh, kw, C/groups)")
    n = ks.shape[0]
    if n % groups:
        raise ParameterError("groups", f"groups {groups} must divide the number of kernels, {n}")
    ks = g.applied(ks, leading=1)  # each of the N kernels flipped as the correlation flips one
    channels, cg, per = g.channels, ks.shape[3], n // groups
    n_rows, n_cols = g.steps * n, int(np.prod(g.x_shape))
    if n_rows * n_cols > max_cells:
        raise ParameterError("input_shape", f"the dense weight matrix would have {n_rows}×{n_cols} = {n_rows * n_cols}"
                             f" cells; the limit is {max_cells}")
    out = np.zeros((n_rows, n_cols), dtype=ks.dtype)
    steps = np.arange(g.steps)
    cols, inside = taps(g, steps)  # spatial column (h·W + w) of each tap of each output cell
    for k in range(n):
        rows = np.broadcast_to((steps * n + k)[:, None], cols.shape)[inside]
        for c in range(cg):
            channel = k // per * cg + c
            values = np.broadcast_to(ks[k, :, :, c].ravel(), cols.shape)[inside]
            out[rows, cols[inside] * channels + channel] = values
    return out


def band_overview(
    input_shape: Sequence[int],
    kernel: object,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    max_side: int = 64,
    chunk: int = 65_536,
    geometry: ConvGeometry | None = None,
) -> np.ndarray:
    """A small picture of where ``W`` is nonzero, built without ``W``.

    Returns a boolean array of at most ``max_side × max_side``; pixel ``(a, b)`` is True when
    any row in row-bin ``a`` has a nonzero entry in column-bin ``b``. Cost O(rows·k²), in chunks.
    """
    g, w = _setup(input_shape, kernel, stride, padding, dilation, False, geometry)
    n_rows, n_cols = g.steps, int(np.prod(g.in_shape))
    ph, pw = min(max_side, n_rows), min(max_side, n_cols)
    picture = np.zeros((ph, pw), dtype=bool)
    nonzero_tap = w.ravel() != 0
    for start in range(0, n_rows, chunk):
        idx = np.arange(start, min(start + chunk, n_rows))
        cols, inside = taps(g, idx)
        keep = inside & nonzero_tap[None, :]
        r_bin = np.broadcast_to((idx * ph // n_rows)[:, None], cols.shape)[keep]
        picture[r_bin, cols[keep] * pw // n_cols] = True
    return picture


def block_structure(
    input_shape: Sequence[int],
    kernel: object,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    geometry: ConvGeometry | None = None,
) -> list[tuple[int, int, int]]:
    """For a 2-D input: the nonzero blocks of the doubly-block Toeplitz ``W``.

    Returns ``(output_row, input_row, kernel_row)`` triples: block ``(output_row, input_row)``
    of ``W`` is the 1-D Toeplitz matrix of kernel row ``kernel_row``.

    >>> block_structure((3, 3), [[1, 2], [3, 4]])
    [(0, 0, 0), (0, 1, 1), (1, 1, 0), (1, 2, 1)]
    """
    g, _ = _setup(input_shape, kernel, stride, padding, dilation, False, geometry)
    if len(g.axes) != 2:
        raise ParameterError("input_shape", "block structure needs a 2-D input (H, W)")
    a = g.axes[0]
    blocks = []
    for o in range(a.out):
        for j in range(a.k):
            i = o * a.stride - a.pad[0] + j * a.dilation
            if 0 <= i < a.n:
                blocks.append((o, i, j))
    return blocks


def weight_counts(
    input_shape: Sequence[int],
    kernel: object,
    *,
    stride: int | Sequence[int] = 1,
    padding: PaddingSpec = 0,
    dilation: int | Sequence[int] = 1,
    geometry: ConvGeometry | None = None,
) -> dict[str, int]:
    """Why ``W`` is sparse, in numbers, counted per axis without building ``W`` (O(k·out) per axis).

    Returns ``entries`` (rows × columns), ``connections`` (entries a kernel tap reaches: the
    only places ``W`` can be nonzero), ``nonzero`` (connections whose kernel weight is not 0),
    ``shared_weights`` (the kernel's taps: every row reuses them) and ``distinct_values`` (the
    different numbers among the taps), and ``fully_connected`` (what a dense layer between the
    same input and output learns: one weight per entry).

    >>> weight_counts((8,), [1, 2, 3], stride=2)
    {'entries': 24, 'connections': 9, 'nonzero': 9, 'shared_weights': 3, 'distinct_values': 3, 'fully_connected': 24}
    """
    g, w = _setup(input_shape, kernel, stride, padding, dilation, False, geometry)
    # per axis and tap: how many output positions put that tap inside the input
    per_axis = []
    for a in g.axes:
        o = np.arange(a.out)[:, None]
        pos = o * a.stride - a.pad[0] + np.arange(a.k)[None, :] * a.dilation
        per_axis.append(((pos >= 0) & (pos < a.n)).sum(axis=0))
    reach = per_axis[0]
    for counts in per_axis[1:]:
        reach = np.multiply.outer(reach, counts)
    if w.ndim != len(g.axes):
        raise ParameterError("kernel", f"the weight matrix counts need a {len(g.axes)}-D kernel, got {w.ndim} axes")
    plane = w
    entries = int(g.steps) * int(np.prod(g.in_shape))
    return {
        "entries": entries,
        "connections": int(reach.sum()),
        "nonzero": int(reach[plane != 0].sum()),
        "shared_weights": int(plane.size),
        "distinct_values": int(np.unique(plane).size),
        "fully_connected": entries,
    }
