"""Draw a :class:`~app.export.layout.Layout` with Pillow and encode frames as an animated GIF or APNG.

With app/imaging.py, the only module that imports Pillow. Text is set in DejaVu Sans (Debian's
fonts-dejavu-core, which .ci/run and the Dockerfile install) for its − × → ∞ signs; without it, in
Pillow's built-in font with those signs spelled in ASCII (-, x, ->, inf), so an export never fails.

>>> from app.export.layout import Frame, Grid, lay_out
>>> boxes = [lay_out(Frame(f"Step {i}", [Grid("In", [["1", "2"]], [["win", ""]], "input")], ["= 3"])) for i in (0, 1)]
>>> data = animation(boxes, "gif", 500)
>>> data[:6], Image.open(io.BytesIO(data)).n_frames
(b'GIF89a', 2)
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .layout import Cell, Layout

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
ASCII = str.maketrans({"−": "-", "×": "x", "→": "->", "∞": "inf"})


@cache
def _font(size: int, bold: bool) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The font, and whether it has the signs (else the text is spelled in ASCII)."""
    try:
        return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def _cell(c: Cell) -> Image.Image:
    """One cell drawn on its own (a tile), to be pasted wherever a cell looks the same."""
    tile = Image.new("RGB", (c.size, c.size), "#ffffff")
    pen = ImageDraw.Draw(tile)
    pen.rounded_rectangle((0, 0, c.size - 1, c.size - 1), radius=4, fill=c.fill,
                          outline=c.stroke if c.stroke_width else None, width=c.stroke_width)
    if c.text:
        font, signs = _font(c.text_size, c.bold)
        pen.text((c.size // 2, c.size // 2), c.text if signs else c.text.translate(ASCII), fill=c.color, font=font,
                 anchor="mm")
    return tile


def draw(box: Layout, tiles: dict[tuple[object, ...], Image.Image] | None = None) -> Image.Image:
    """The layout as an RGB picture of ``box.width × box.height`` pixels; ``tiles`` keeps drawn cells between frames."""
    tiles = {} if tiles is None else tiles
    image = Image.new("RGB", (box.width, box.height), "#ffffff")
    pen = ImageDraw.Draw(image)
    for r in box.rects:
        pen.rectangle((r.x, r.y, r.x + r.w - 1, r.y + r.h - 1), fill=r.fill,
                      outline=r.stroke if r.stroke_width else None, width=r.stroke_width)
    for c in box.cells:
        tile = tiles.get(c.look)
        if tile is None:
            tile = tiles[c.look] = _cell(c)
        image.paste(tile, (c.x, c.y))
    for t in box.texts:
        font, signs = _font(t.size, t.bold)
        pen.text((t.x, t.y), t.text if signs else t.text.translate(ASCII), fill=t.color, font=font,
                 anchor="mm" if t.anchor == "middle" else "la")
    return image


def animation(boxes: Iterable[Layout], fmt: str, frame_ms: int, last_ms: int | None = None) -> bytes:
    """Frames of one size as an animated ``"gif"`` or ``"apng"`` that loops, the last frame held ``last_ms``.

    Frames are drawn one at a time and kept as palette images (one byte a pixel) on the first frame's palette:
    the drawing has few colours, and a shared palette keeps both formats small in memory and on disk.
    """
    tiles: dict[tuple[object, ...], Image.Image] = {}
    frames: list[Image.Image] = []
    palette: Image.Image | None = None
    for box in boxes:
        image = draw(box, tiles)
        if palette is None:
            palette = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
            frames.append(palette)
        else:
            frames.append(image.quantize(palette=palette, dither=Image.Dither.NONE))
    durations = [frame_ms] * len(frames)
    durations[-1] = last_ms or frame_ms
    out = io.BytesIO()
    if fmt == "gif":
        frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                       optimize=False, disposal=1)
    else:
        frames[0].save(out, format="PNG", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                       default_image=False)
    return out.getvalue()
