"""Every step of a small configuration as data, so the browser steps with no request at all.

A page whose whole trace is small (the numbers grid, 1-D, pooling, the volume example: at most
``Settings.max_client_steps`` steps) embeds one JSON block (``<div id="step-data" data-json='…'>``)
built here from the engine's traces.
static/js/stepper.js only copies these values into the page: it never computes a number.

The block is generic, so one small script serves every page:

- ``url``: the canonical link of the page with ``STEP`` in place of the step, ``first`` the link of
  step 0 (canonical links leave a default step out);
- ``last``, ``row``: the last step and how many steps Shift+arrow moves;
- ``fields``: names of elements marked ``data-b="name …"``; the name says what a value does:
  ``pad3``, ``mpad3`` (a number after it) toggle class ``pad``, ``win3`` class ``win``,
  ``name@attr`` sets attribute ``attr``, any other name sets the element's text (``None`` hides it);
- ``values``: per step, one value per field, in the fields' order;
- ``marks``: per class (``win``, ``winner``), per step, the ``data-cell`` ids that carry it;
- output cells carry ``data-order``: before the step they are ``done``, at it ``cur``, after ``todo``
  (a dot); ``outputs`` holds their values by order;
- ``matrix`` (optional): every row of W as (columns, texts), the column labels and x's values, so
  the rows around the current step can be laid out without a request;
- ``every`` (optional): fields that change only every ``size`` steps (a filter's weights and labels on
  /volume), their ``values`` once per run of steps;
- ``derive`` (optional, :func:`window_data`): what stepper.js needs to lay out the fields that follow
  from the geometry alone instead of carrying them per step: the window's cells and values, the
  padding flags, the status line, the double sum's indices, the stride picture's transforms, W's rows
  and their labels. Numbers it cannot derive without arithmetic travel as text the server formatted:
  the products as a table (each distinct input value × each kernel tap, :func:`product_table`), the
  sums and results per step. tests/browser/test_step_data.py compares the steps stepper.js draws with
  the pages the server renders.

>>> block = StepBlock(lambda step: "/p" if step == 0 else f"/p?step={step}", last=1, row=2)
>>> block.add_step({"sum": "3", "pad0": True})
>>> block.add_step({"sum": "−1", "pad0": False})
>>> block.as_dict()["fields"], block.as_dict()["values"]
(['sum', 'pad0'], [['3', True], ['−1', False]])
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, cast

import numpy as np
from markupsafe import Markup

from ..engine.matrix import matrix_rows
from ..engine.pool import PoolGeometry
from ..engine.shapes import Geometry
from ..engine.trace import ConvStep, PoolStep, conv_steps, pool_step
from ..settings import Settings
from .params import format_signed
from .stride_picture import step_fields as stride_fields

MATRIX_AROUND = 2  # rows of W shown either side of the current one when W is too big to show whole


SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def weight_name(i: int) -> str:
    """The name of kernel weight ``i`` (row by row), as the notes write them: ``w₀``, ``w₁``, … ``w₁₂``."""
    return "w" + str(i).translate(SUBSCRIPTS)


def weight_numbers(shape: tuple[int, ...], flip: bool = False) -> np.ndarray:
    """A stand-in kernel holding 1 + each weight's index (row by row), laid out as applied (``flip``:
    reversed, as true convolution applies it): W built from it holds in each entry which weight sits there.

    >>> weight_numbers((2, 2), flip=True).tolist()
    [[4.0, 3.0], [2.0, 1.0]]
    """
    numbers = np.arange(1, int(np.prod(shape)) + 1, dtype=np.float64).reshape(shape)
    return numbers[(slice(None, None, -1),) * len(shape)].copy() if flip else numbers


def _names(vals: list[float]) -> list[str]:
    return [weight_name(int(v) - 1) for v in vals]


def embed(data: dict[str, Any]) -> Markup:
    """Compact JSON to put in a single-quoted attribute (``data-json='…'``): <, >, & and ' are escaped
    inside the JSON strings, as Jinja's tojson does. (Not a script block: htmx removes scripts from
    the content it swaps in when allowScriptTags is off, as it is here.)"""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027"))


class StepBlock:
    """Collects the per-step values of one page; ``as_dict()`` is what the page embeds."""

    def __init__(self, here: Callable[..., str], last: int, row: int) -> None:
        self.url, self.first, self.last, self.row = here(step="STEP"), here(step=0), last, row
        self.fields: list[str] = []
        self.values: list[list[object]] = []
        self.marks: dict[str, list[list[int]]] = {}
        self.matrix: dict[str, Any] | None = None
        self.outputs: list[str] = []
        self.extra: dict[str, Any] = {}  # more keys for the block (a second output grid: ``outputs_b``)
        self.derive: dict[str, Any] | None = None
        # fields that change only every ``size`` steps (one filter's on /volume): their values once per run
        self.every: dict[str, Any] | None = None

    def add_step(self, values: dict[str, object], **marks: Iterable[int]) -> None:
        if not self.fields:
            self.fields = list(values)
        self.values.append([values[f] for f in self.fields])
        for name, cells in marks.items():
            self.marks.setdefault(name, []).append(sorted(set(cells)))

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"url": self.url, "first": self.first, "last": self.last, "row": self.row,
               "fields": self.fields, "values": self.values, "marks": self.marks,
               "outputs": self.outputs}
        if self.matrix is not None:
            out["matrix"] = self.matrix
        if self.derive is not None:
            out["derive"] = self.derive
        if self.every is not None:
            out["every"] = self.every
        out.update(self.extra)
        return out


def fits(steps: int, settings: Settings) -> bool:
    """Whether a configuration is small enough to embed every step."""
    return 0 < steps <= int(settings.max_client_steps)


def padded_cell(position: Sequence[int] | np.ndarray, g: Geometry, width: int) -> int:
    """The ``data-cell`` id of an input position: its flat index in the padded grid (1-D: one row)."""
    if len(position) == 1:
        return int(position[0]) + g.padding[0][0]
    return (int(position[0]) + g.padding[0][0]) * width + int(position[1]) + g.padding[1][0]


def padded_width(g: Geometry) -> int:
    return g.axes[-1].padded


def window_cells(trace: ConvStep | PoolStep, g: Geometry) -> list[int]:
    width = padded_width(g)
    return [padded_cell(p, g, width) for p in trace.positions.reshape(-1, trace.positions.shape[-1])]


def scaled(value: float, denominator: int) -> str:
    """A product or sum of a preset kernel written over its denominator (1/9 · [1 …]) shown as the
    integer weights give it: the engine's value times the denominator, so that 35·1 reads 35, not
    3.889; rounded off the last float bits (35·(1/9)·9 is 35.000000000000004).

    >>> scaled(35 / 9, 9), scaled(-2.5, 1)
    ('35', '−2.5')
    """
    return format_signed(round(float(value) * denominator, 9) if denominator != 1 else float(value))


def _index(base: int, tap: str, d: int) -> str:
    """``base + m`` with its sign: ``−1 + m``, ``m``, ``2 + 2m``."""
    t = tap if d == 1 else f"{d}{tap}"
    return t if base == 0 else f"{format_signed(base)} + {t}"


DSUM_TERMS = 9  # the double sum writes out at most this many terms (the first ones, "…", the last)


def double_sum(trace: ConvStep, g: Geometry, flip: bool = False, most: int = DSUM_TERMS) -> str:
    """The notes' double sum for this output cell with the numbers put in: the indices, then every
    term (the first ``most − 1`` and the last when there are more), then the result.

    >>> from app.engine.trace import conv_step
    >>> import numpy as np
    >>> t = conv_step(np.arange(16.0).reshape(4, 4), np.ones((2, 2)), 4, stride=2, padding=1)
    >>> from app.engine.geometry import conv_geometry
    >>> for part in double_sum(t, conv_geometry((4, 4), (2, 2), stride=2, padding=1)).split(" = "): print(part)
    y[1, 1]
    Σₘ Σₙ x[1·2 − 1 + m, 1·2 − 1 + n]·k[m, n]
    Σₘ Σₙ x[1 + m, 1 + n]·k[m, n]
    x[1, 1]·k[0, 0] + x[1, 2]·k[0, 1] + x[2, 1]·k[1, 0] + x[2, 2]·k[1, 1]
    30
    """
    i, j = (int(v) for v in trace.out_index)
    (s0, s1), (d0, d1) = g.stride, g.dilation
    p0, p1 = g.padding[0][0], g.padding[1][0]
    kh, kw = trace.kernel.shape

    def at(o: int, s: int, p: int, d: int, tap: str) -> str:
        return f"{o}·{s}" + (f" − {p}" if p else "") + f" + {tap if d == 1 else f'{d}{tap}'}"

    k_index = f"k[{kh - 1} − m, {kw - 1} − n]" if flip else "k[m, n]"
    head = (f"y[{i}, {j}] = Σₘ Σₙ x[{at(i, s0, p0, d0, 'm')}, {at(j, s1, p1, d1, 'n')}]·{k_index}"
            f" = Σₘ Σₙ x[{_index(i * s0 - p0, 'm', d0)}, {_index(j * s1 - p1, 'n', d1)}]·{k_index}")
    terms = []
    for m in range(kh):
        for n in range(kw):
            km, kn = (kh - 1 - m, kw - 1 - n) if flip else (m, n)
            r, c = i * s0 - p0 + d0 * m, j * s1 - p1 + d1 * n
            terms.append(f"x[{format_signed(r)}, {format_signed(c)}]·k[{km}, {kn}]")
    if len(terms) > most:
        terms = [*terms[: most - 1], "…", terms[-1]]
    bias = " + b" if trace.bias else ""
    return f"{head} = {' + '.join(terms)}{bias} = {format_signed(trace.result)}"


def conv_status(trace: ConvStep, last: int) -> str:
    """The status line of a 2-D step, shown on the page and read out by the live region."""
    r, c = trace.out_index
    text = (f"Step {trace.index + 1} of {last + 1} · output cell (row {r}, column {c}) · window starts at"
            f" (row {trace.origin[0]}, column {trace.origin[1]})")
    return text + (", partly on zero padding" if not trace.inside.all() else "")


def matrix_data(x: np.ndarray, kernel: np.ndarray, g: Geometry, whole: bool, symbols: np.ndarray | None = None) -> dict[str, Any]:
    """Every row of W (sparse), labels and x's values, for laying out W around any step. ``symbols``:
    :func:`weight_numbers` as applied; W then holds the weights' names instead of their values."""
    n_rows, n_cols = g.steps, x.size
    rows = matrix_rows(g.in_shape, kernel if symbols is None else symbols, list(range(n_rows)), stride=g.stride,
                       padding=g.padding, dilation=g.dilation)
    texts: dict[float, str] = {}

    def text(v: float) -> str:
        if v not in texts:
            texts[v] = format_signed(v)
        return texts[v]

    width = g.in_shape[-1]
    flat = x.reshape(-1)
    return {
        "whole": whole,
        "around": MATRIX_AROUND,
        "rows": [[cols.tolist(), [text(v) for v in vals.tolist()] if symbols is None else _names(vals.tolist())]
                 for cols, vals in rows],
        "labels": [f"x{c}" if len(g.axes) == 1 else f"x{c // width},{c % width}" for c in range(n_cols)],
        "x": [format_signed(v) for v in flat.tolist()],
    }


def product_table(values: Sequence[float], kernel: np.ndarray, denominator: int = 1) -> list[list[str]]:
    """Each distinct input value times each kernel tap (row by row), formatted as the products table shows
    it, once per value instead of once per step and tap.
    The engine's product is ``window * kernel`` in float64, so this is the same number.

    >>> product_table([2.0, 0.0], np.array([[1.0, -0.5]]))
    [['2', '−1'], ['0', '0']]
    """
    taps = kernel.reshape(-1).astype(np.float64)
    return [[scaled(float(np.float64(v) * w), denominator) for w in taps.tolist()] for v in values]


def _window_geometry(x: np.ndarray, g: Geometry) -> tuple[dict[str, Any], list[float]]:
    """Where every window is (stepper.js ``windowAt``) and the input's distinct values: ``vals`` formatted,
    ``xv`` each cell's index into them, ``zero`` the index a padding cell reads; and the values themselves."""
    distinct: dict[float, int] = {}
    xv = [distinct.setdefault(v, len(distinct)) for v in x.reshape(-1).astype(np.float64).tolist()]
    zero = distinct.setdefault(0.0, len(distinct))
    vals = list(distinct)
    return {"in": list(g.in_shape), "out": list(g.out_shape), "stride": list(g.stride), "pad": [a.pad[0] for a in g.axes],
            "pw": padded_width(g), "dil": list(g.dilation), "k": list(g.kernel_shape),
            "vals": [format_signed(v) for v in vals], "xv": xv, "zero": zero}, vals


def window_data(x: np.ndarray, kernel: np.ndarray, g: Geometry, bias: float, flip: bool, denominator: int = 1,
                symbols: np.ndarray | None = None, second: tuple[np.ndarray, int] | None = None) -> dict[str, Any]:
    """The ``derive`` block of a 2-D numbers page (stepper.js ``derived``): the geometry, the input's distinct
    values (``vals``, formatted; ``xv``: each cell's index into them; ``zero``: the index padding reads),
    the products of each value with each tap (``prod``) and W's entries per tap (``wtext``: the applied
    kernel's values, or the weights' names with ``symbols``); ``second``: the compare view's kernel as applied
    and its denominator, whose products are ``bprod``."""
    data, vals = _window_geometry(x, g)
    taps = kernel.reshape(-1).tolist()
    data.update({
        "flip": flip, "bias": bool(bias), "most": DSUM_TERMS, "prod": product_table(vals, kernel, denominator),
        "wtext": [format_signed(v) for v in taps] if symbols is None else _names(symbols.reshape(-1).tolist()),
    })
    if second is not None:
        data["bprod"] = product_table(vals, second[0], second[1])
    return data


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: float, g: Geometry, output: np.ndarray, here: Callable[..., str],
           whole_matrix: bool, settings: Settings, denominator: int = 1,
           compare: tuple[np.ndarray, np.ndarray, int] | None = None, symbols: np.ndarray | None = None,
           flip: bool = False) -> Markup | None:
    """Every step of a 2-D numbers-mode page, or None when there are too many to embed.

    ``kernel``: as applied (flipped for true convolution, ``flip``); ``symbols``: W by the weights' names.
    ``compare``: a second kernel on the same window (its matrix, its whole output, its denominator): its
    products (``bp{i}``, from ``derive.bprod``), sum and result travel as ``bsumn``, ``bsum``, ``bresult``, its
    output as ``outputs_b``.

    Per step only the sums and results travel (``sumn`` too for a preset written over a denominator); the
    window, its values, products, padding, the status line, the double sum, the stride picture and W's rows
    follow from ``derive`` (:func:`window_data`)."""
    if not fits(g.steps, settings):
        return None
    last = g.steps - 1
    block = StepBlock(here, last, g.out_shape[1])
    steps = range(g.steps)
    second = None if compare is None else (compare[0][::-1, ::-1] if flip else compare[0])  # as applied, like kernel
    others = iter(conv_steps(x, second, steps, bias=bias, stride=g.stride, padding=g.padding, dilation=g.dilation)
              if second is not None else iter(()))
    for trace in conv_steps(x, kernel, steps, bias=bias, stride=g.stride, padding=g.padding, dilation=g.dilation):
        values: dict[str, object] = {"sum": format_signed(trace.sum), "result": format_signed(trace.result)}
        if denominator != 1:
            values["sumn"] = scaled(trace.sum, denominator)
        if compare:
            other = next(others)
            if compare[2] != 1:
                values["bsumn"] = scaled(other.sum, compare[2])
            values.update(bsum=format_signed(other.sum), bresult=format_signed(other.result))
        block.add_step(values)
    block.outputs = [format_signed(v) for v in output.reshape(-1).tolist()]
    block.derive = window_data(x, kernel, g, bias, flip, denominator, symbols,
                               None if compare is None or second is None else (second, compare[2]))
    if compare:
        block.extra["outputs_b"] = [format_signed(v) for v in compare[1].reshape(-1).tolist()]
    block.matrix = {"whole": whole_matrix, "around": MATRIX_AROUND, "bias": format_signed(bias) if bias else None}
    return embed(block.as_dict())


def conv1d(x: np.ndarray, kernel: np.ndarray, g: Geometry, output: np.ndarray, here: Callable[..., str],
           settings: Settings, symbols: np.ndarray | None = None) -> Markup | None:
    """Every step of /conv1d: the Y_n line's terms, the window, the output, W (``symbols``: by the weights' names)."""
    if not fits(g.steps, settings):
        return None
    last = g.steps - 1
    block = StepBlock(here, last, g.steps)
    for trace in conv_steps(x, kernel, range(g.steps), stride=g.stride, padding=g.padding):
        values: dict[str, object] = {"status": conv1d_status(trace, last), "step": str(trace.index)}
        for i, (p, v, inside) in enumerate(zip(trace.positions, trace.window, trace.inside, strict=True)):
            values[f"tx{i}"] = format_signed(v)
            values[f"ti{i}"] = f"x{int(p[0])}" if inside else "pad"
        values["result"] = format_signed(trace.result)
        values.update(stride_fields(g, trace.index))
        block.add_step(values, win=window_cells(trace, g))
    block.outputs = [format_signed(v) for v in output.reshape(-1).tolist()]
    block.matrix = matrix_data(x, kernel, g, True, symbols)
    block.matrix["bias"] = None
    return embed(block.as_dict())


def conv1d_status(trace: ConvStep, last: int) -> str:
    first = int(trace.origin[0])
    text = f"Step {trace.index + 1} of {last + 1} · output Y{trace.index} · window starts at x[{first}]"
    return text + (", partly on zero padding" if not trace.inside.all() else "")


def pool_status(trace: PoolStep, last: int) -> str:
    r, c = trace.out_index
    text = (f"Step {trace.index + 1} of {last + 1} · pooled cell (row {r}, column {c}) · window starts at"
            f" (row {trace.origin[0]}, column {trace.origin[1]})")
    return text + (", partly on zero padding" if not trace.inside.all() else "")


def pool(x: np.ndarray, op: str, g: PoolGeometry, count_include_pad: bool, counts: np.ndarray | None, output: np.ndarray,
         here: Callable[..., str], settings: Settings) -> Markup | None:
    """Every step of /pool: the max and its winner (a ``winner`` mark; its words follow from it), or the
    average (``counts``: the cells each window divides by, from the engine's window_counts). The window's
    cells, values and padding and the status line follow from ``derive`` (``pool``: true), as on /conv2d."""
    if not fits(g.steps, settings):
        return None
    last = g.steps - 1
    width = padded_width(g)
    block = StepBlock(here, last, g.out_shape[1])
    for step in range(g.steps):
        trace = pool_step(x, step=step, op=cast(Literal["max", "avg"], op), geometry=g, count_include_pad=count_include_pad)
        values: dict[str, object] = {"result": format_signed(trace.result)}
        if trace.winner is None and counts is not None:
            count = float(counts[trace.out_index])
            values["total"] = f"{format_signed(trace.result * count)} ÷ {format_signed(count)}"
        winner = [] if trace.winner is None else [padded_cell(trace.winner, g, width)]
        block.add_step(values, winner=winner)
    block.outputs = [format_signed(v) for v in output.reshape(-1).tolist()]
    block.derive = {**_window_geometry(x, g)[0], "pool": True}
    return embed(block.as_dict())


def volume_status(n: int, trace: ConvStep, step: int, last: int) -> str:
    r, c = trace.out_index
    return f"Step {step + 1} of {last + 1} · filter {n} · output cell (row {r}, column {c}) of feature map {n}"


def volume_data(x: np.ndarray, w: np.ndarray, g: Geometry, sees: Sequence[range] | None) -> dict[str, Any]:
    """/volume's ``derive`` block: the window's geometry on the H×W slices (as :func:`window_data`), each
    channel's distinct values (``xv[cell·C + ch]``: an index into channel ch's own list, ``zero[ch]`` the one
    padding reads) and, per filter and channel, the products of each of those values with each tap of the
    filter's slice (``vprod[n][ch]``; None for a channel filter n does not see). Per channel, so a table is
    never longer than the steps it replaces."""
    data = _window_geometry(x[..., 0], g)[0]
    for key in ("vals", "xv", "zero"):
        del data[key]
    channels = x.shape[-1]
    lists: list[list[float]] = []
    xv = np.zeros(x[..., 0].size * channels, dtype=np.int64)
    zeros = []
    for ch in range(channels):
        distinct: dict[float, int] = {}
        xv[ch::channels] = [distinct.setdefault(v, len(distinct)) for v in x[..., ch].reshape(-1).astype(np.float64).tolist()]
        zeros.append(distinct.setdefault(0.0, len(distinct)))
        lists.append(list(distinct))
    vprod = []
    for n in range(w.shape[0]):
        seen = range(channels) if sees is None else sees[n]
        vprod.append([product_table(lists[ch], w[n, ..., ch - seen.start]) if ch in seen else None for ch in range(channels)])
    return {**data, "volume": True, "channels": channels, "xv": xv.tolist(), "zero": zeros, "vprod": vprod}


SEES_ROW = 9000  # data-cell id of /volume's "filter n sees channels" row n


def volume(x: np.ndarray, w: np.ndarray, b: np.ndarray, g: Geometry, output: np.ndarray, here: Callable[..., str],
           settings: Settings, sees: Sequence[range] | None = None) -> Markup | None:
    """Every step of /volume: filter by filter, the channel slices' products and sums, the maps.
    ``sees[n]``: the input channels filter n sees (its group); default all of them."""
    filters, per_map = w.shape[0], g.steps
    if not fits(per_map * filters, settings):
        return None
    last = per_map * filters - 1
    block = StepBlock(here, last, per_map)
    channels = x.shape[-1]
    per_filter: list[dict[str, object]] = []  # what stays the same for all of a filter's steps: sent once (``every``)
    for n in range(filters):
        seen = range(channels) if sees is None else sees[n]
        part = x[..., seen.start : seen.stop]
        fixed: dict[str, object] = {"bias": format_signed(b[n])}
        for ch in range(channels):
            j = ch - seen.start
            label = f"Filter {n}, slice {j}" if ch in seen else f"Filter {n} does not see channel {ch}"
            fixed[f"flabel{ch}"] = label
            fixed[f"flabel{ch}@aria-label"] = label
            fixed[f"seen{ch}@data-seen"] = "1" if ch in seen else "0"
            for i in range(w.shape[1] * w.shape[2]):
                fixed[f"f{ch}_{i}"] = format_signed(w[n, ..., j].reshape(-1)[i]) if ch in seen else "·"
        per_filter.append(fixed)
        for trace in conv_steps(part, w[n], range(per_map), bias=float(b[n]), stride=g.stride, padding=g.padding):
            sums = trace.channel_sums  # a volume's trace always has them
            assert sums is not None
            values: dict[str, object] = {f"csum{ch}": format_signed(float(sums[ch - seen.start])) if ch in seen else "—"
                                         for ch in range(channels)}
            values["result"] = format_signed(trace.result)
            block.add_step(values, current=[SEES_ROW + n])
    block.every = {"size": per_map, "fields": list(per_filter[0]), "values": [list(f.values()) for f in per_filter]}
    block.derive = volume_data(x, w, g, sees)
    block.outputs = [format_signed(v) for m in range(filters) for v in output[..., m].reshape(-1).tolist()]
    return embed(block.as_dict())
