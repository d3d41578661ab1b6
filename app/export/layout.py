"""A frame of an exported step, and where each of its parts goes: one layout, drawn by two backends.

A :class:`Frame` holds labelled grids of cell texts with a role per cell (window, padding, done …),
a title and lines of text (the products and the sum). :func:`lay_out` places them left to right
under the title, the lines below, and returns plain rectangles and texts in pixels, so the raster
(Pillow) and vector (SVG) slides show the same picture.

>>> f = Frame("Step 0", [Grid("Input", [["1", "2"]], [["win", ""]], "input")], ["1·2 = 2"])
>>> box = lay_out(f)
>>> box.width > 0 and box.height > 0, [t.text for t in box.texts][:2], [c.text for c in box.cells]
(True, ['Step 0', 'Input'], ['1', '2'])
"""

from __future__ import annotations

from dataclasses import dataclass, field

# the house palette (static/style.css): window, kernel and output hues, their light backgrounds and inks
PALETTE = {
    "win": "#0072b2", "win-bg": "#dcebf7", "win-ink": "#005f94",
    "ker": "#d55e00", "ker-bg": "#fbe3cc", "ker-ink": "#9e4500",
    "out": "#009e73", "out-bg": "#d4f0e6", "out-ink": "#00694d",
    "pad": "#8a9097", "ink": "#1d2330", "muted": "#5a6270", "paper": "#ffffff", "wash": "#f4f6f9",
    "line": "#d5dae1", "winner": "#fff1b8",
}
KIND_INK = {"input": "win-ink", "kernel": "ker-ink", "output": "out-ink"}
CELL, GAP, MARGIN, BETWEEN = 46, 3, 24, 36
TITLE, LABEL, NUMBER, LINE = 22, 17, 17, 18


@dataclass(frozen=True)
class Grid:
    """A labelled grid: ``cells[r][c]`` texts, ``roles[r][c]`` one of "", "pad", "win", "winner", "kernel",
    "done", "cur", "empty"; ``kind`` ("input", "kernel", "output") colours the label."""

    label: str
    cells: list[list[str]]
    roles: list[list[str]]
    kind: str


@dataclass(frozen=True)
class Frame:
    title: str
    grids: list[Grid]
    lines: list[str]  # the products, then the sum
    emphasis: int = 1  # how many of the last lines are set large and bold (the sum)


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int
    fill: str
    stroke: str
    stroke_width: int = 1


@dataclass(frozen=True)
class Text:
    x: int
    y: int  # the baseline's middle for cells (anchor "middle"), the top for lines (anchor "start")
    text: str
    size: int
    color: str
    anchor: str = "start"  # "start": x is the left edge, y the top; "middle": (x, y) is the centre
    bold: bool = False


@dataclass(frozen=True)
class Cell:
    """One grid cell: a square box and its centred text (the raster draws each distinct one once and pastes it)."""

    x: int
    y: int
    size: int
    fill: str
    stroke: str
    stroke_width: int
    text: str
    text_size: int
    color: str
    bold: bool

    @property
    def look(self) -> tuple[object, ...]:
        """Everything but the position: equal looks draw the same pixels."""
        return (self.size, self.fill, self.stroke, self.stroke_width, self.text, self.text_size, self.color, self.bold)


@dataclass
class Layout:
    width: int
    height: int
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


def text_width(text: str, size: int) -> int:
    """A generous estimate of a line's width (the backends' fonts are narrower): used to wrap and to size."""
    return int(len(text) * size * 0.62) + 1


def wrap(line: str, size: int, width: int) -> list[str]:
    """Break a long line at ``" + "`` joins (the products), else at spaces, to fit ``width`` pixels."""
    words = line.split(" ")
    rows: list[str] = []
    current = ""
    for word in words:
        trial = f"{current} {word}" if current else word
        if current and text_width(trial, size) > width:
            rows.append(current)
            current = word
        else:
            current = trial
    return rows + ([current] if current else [])


def _cell_style(role: str, kind: str) -> tuple[str, str, int, str]:
    """fill, stroke, stroke width, text colour of a cell."""
    p = PALETTE
    styles = {
        "pad": (p["wash"], p["line"], 1, p["pad"]),
        "win": (p["win-bg"], p["win"], 3, p["ink"]),
        "winner": (p["winner"], p["win"], 3, p["ink"]),
        "kernel": (p["ker-bg"], p["ker"], 2, p["ink"]),
        "done": (p["out-bg"], p["line"], 1, p["ink"]),
        "cur": (p["out-bg"], p["out"], 3, p["ink"]),
        "empty": (p["paper"], p["line"], 1, p["muted"]),
    }
    return styles.get(role, (p["paper"], p["line"], 1, p["ink"]))


def grid_size(g: Grid) -> tuple[int, int]:
    rows, cols = len(g.cells), max((len(r) for r in g.cells), default=0)
    width = max(cols * (CELL + GAP) - GAP, text_width(g.label, LABEL))
    return width, LABEL + 10 + rows * (CELL + GAP) - GAP


def frame_size(frame: Frame) -> tuple[int, int]:
    """The pixel size :func:`lay_out` gives ``frame`` (before drawing anything: for the size limit)."""
    box = lay_out(frame, measure_only=True)
    return box.width, box.height


def lay_out(frame: Frame, *, measure_only: bool = False, size: tuple[int, int] | None = None) -> Layout:
    """Place ``frame``; ``size`` (at least its own) gives every frame of an animation one canvas."""
    p = PALETTE
    sizes = [grid_size(g) for g in frame.grids]
    grids_w = sum(w for w, _ in sizes) + BETWEEN * max(0, len(sizes) - 1)
    width = max(grids_w, 720, text_width(frame.title, TITLE)) + 2 * MARGIN
    inner = width - 2 * MARGIN
    lines: list[tuple[str, int, bool]] = []
    for i, line in enumerate(frame.lines):
        big = i >= len(frame.lines) - frame.emphasis
        line_size = LINE + 6 if big else LINE
        lines += [(part, line_size, big) for part in wrap(line, line_size, inner)]
    top = MARGIN + TITLE + 18
    grids_h = max((h for _, h in sizes), default=0)
    height = top + grids_h + 20 + sum(s + 10 for _, s, _ in lines) + MARGIN
    if size is not None:
        width, height = max(width, size[0]), max(height, size[1])
    box = Layout(width, height)
    if measure_only:
        return box
    box.rects.append(Rect(0, 0, width, height, p["paper"], p["paper"], 0))
    box.texts.append(Text(MARGIN, MARGIN, frame.title, TITLE, p["ink"], bold=True))
    x = MARGIN
    for g, (w, _) in zip(frame.grids, sizes, strict=True):
        box.texts.append(Text(x, top, g.label, LABEL, p[KIND_INK.get(g.kind, "ink")], bold=True))
        y0 = top + LABEL + 10
        for r, (row, roles) in enumerate(zip(g.cells, g.roles, strict=True)):
            for c, (text, role) in enumerate(zip(row, roles, strict=True)):
                fill, stroke, sw, ink = _cell_style(role, g.kind)
                cx, cy = x + c * (CELL + GAP), y0 + r * (CELL + GAP)
                fit = NUMBER if len(text) <= 4 else max(10, NUMBER * 4 // len(text) + 3)
                box.cells.append(Cell(cx, cy, CELL, fill, stroke, sw, text, fit, ink, role in ("cur", "winner")))
        x += w + BETWEEN
    y = top + grids_h + 20
    for part, line_size, big in lines:
        box.texts.append(Text(MARGIN, y, part, line_size, p["ink"] if big else p["muted"], bold=big))
        y += line_size + 10
    return box
