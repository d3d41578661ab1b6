"""Output size as a picture: where the window goes on the padded input.

Every window position is drawn faintly on the (padded) input, the current window solid, the
previous one dashed, and the rows and columns no kernel tap ever reads (the stride's leftover at
the end, the gaps a stride larger than the span leaves, dilation's holes) hatched and named in
words. Beside it, the output-size rule with the current numbers. The template is
templates/partials/stride_picture.html; stepping moves the two windows through ``step_fields``.

A cell of the padded input is read when some window's tap lands on it; in 2-D that is one row
read on the height axis and one column read on the width axis, so unread cells are whole rows
and whole columns.

>>> from app.engine.shapes import Axis, Geometry
>>> p = picture(Geometry((Axis(5, 2, stride=2, name="height"), Axis(5, 2, stride=2, name="width"))), step=1)
>>> p["axes"][1]["starts"], p["axes"][1]["unread"], p["axes"][1]["words"]
([0, 2], [4], 'never covered: last column (column 4)')
"""

from __future__ import annotations

from typing import Any

from ..engine.shapes import Axis, Geometry

MAX_WINDOWS = 1024  # more window positions than this are not drawn one by one (an image's)


def _axis(a: Axis, what: str) -> dict[str, Any]:
    """One axis in padded coordinates (0 is the first padding cell; the label is ``u − pad_before``)."""
    starts = [o * a.stride for o in range(a.out)]
    taps = [j * a.dilation for j in range(a.k)]
    read = [False] * a.padded
    for s in starts:
        for t in taps:
            read[s + t] = True
    unread = [u for u in range(a.padded) if not read[u]]
    return {"name": a.name, "what": what, "n": a.n, "padded": a.padded, "before": a.pad[0], "span": a.span,
            "stride": a.stride, "out": a.out, "starts": starts, "taps": taps, "unread": unread,
            "labels": [u - a.pad[0] for u in range(a.padded)],
            "words": _words([u - a.pad[0] for u in unread], a, what), "formula": a.formula(), "exact": a.exact}


def _words(unread: list[int], a: Axis, what: str) -> str:
    """The unread rows or columns in words, indices as the grids label them (negative on padding).

    >>> _words([4], Axis(4, 3, stride=2, pad=(1, 1)), "column")
    'never covered: last column (column 4, padding)'
    >>> _words([1, 3, 5], Axis(7, 1, stride=2), "column")  # windows at 0, 2, 4, 6 read one cell each
    'never covered: columns 1, 3, 5'
    """
    if not unread:
        return f"every {what} is covered"
    last = a.n + a.pad[1] - 1  # the last padded index
    run = 0
    while run < len(unread) and unread[-1 - run] == last - run:
        run += 1
    names = ", ".join(_signed(i) + (", padding" if len(unread) == 1 and not 0 <= i < a.n else "") for i in unread)
    many = what + "s"
    if run == len(unread):
        where = f"last {what}" if run == 1 else f"last {run} {many}"
        if run > 1 and all(not 0 <= i < a.n for i in unread):
            names += ", all padding"
        return f"never covered: {where} ({what if run == 1 else many} {names})"
    return f"never covered: {what if len(unread) == 1 else many} {names}"


def _signed(v: int) -> str:
    return f"−{-v}" if v < 0 else str(v)


def picture(g: Geometry, step: int | None, what: str = "cell", max_cells: int | None = None) -> dict[str, Any] | None:
    """What the template draws, or None when there are too many windows (an image) or, with ``max_cells``,
    padded cells along an axis to draw legibly. ``step`` None: no current or previous window (a page
    that does not step, /shapes); ``what``: a 1-D axis's cells by name ("cell", or "column" on /shapes)."""
    if not g.steps or g.steps > MAX_WINDOWS:
        return None
    if max_cells is not None and max(a.padded for a in g.axes) > max_cells:
        return None
    if len(g.axes) == 1:
        axes = [_axis(Axis(1, 1, name="height"), "row"), _axis(g.axes[0], what)]
    else:
        axes = [_axis(g.axes[0], "row"), _axis(g.axes[1], "column")]
    rows, cols = axes
    return {"axes": axes, "one_d": len(g.axes) == 1,
            "windows": [(r, c) for r in rows["starts"] for c in cols["starts"]],
            **(step_fields(g, step) if step is not None else {})}


def step_fields(g: Geometry, step: int) -> dict[str, str]:
    """Where the current and the previous window sit at ``step`` (SVG transforms), for the template
    and for the embedded steps (``name@attr`` fields: stepper.js sets those attributes)."""
    out_w = g.out_shape[-1]
    strides = (1, g.stride[0]) if len(g.axes) == 1 else g.stride

    def at(i: int) -> str:
        r, c = divmod(i, out_w)
        return f"translate({c * strides[1]} {r * strides[0]})"

    return {"cur@transform": at(step), "prev@transform": at(max(step - 1, 0)),
            "prev@visibility": "visible" if step > 0 else "hidden"}
