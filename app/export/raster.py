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
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .layout import Layout

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
ASCII = str.maketrans({"−": "-", "×": "x", "→": "->", "∞": "inf"})


@cache
def _font(size: int, bold: bool) -> tuple[ImageFont.FreeTypeFont | ImageFont.ImageFont, bool]:
    """The font, and whether it has the signs (else the text is spelled in ASCII)."""
    try:
        return ImageFont.truetype(str(FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size), True
    except OSError:
        return ImageFont.load_default(size=size), False


def draw(box: Layout) -> Image.Image:
    """The layout as an RGB picture of ``box.width × box.height`` pixels."""
    image = Image.new("RGB", (box.width, box.height), "#ffffff")
    pen = ImageDraw.Draw(image)
    for r in box.rects:
        pen.rounded_rectangle((r.x, r.y, r.x + r.w - 1, r.y + r.h - 1), radius=4 if r.w < 200 else 0, fill=r.fill,
                              outline=r.stroke if r.stroke_width else None, width=r.stroke_width)
    for t in box.texts:
        font, signs = _font(t.size, t.bold)
        pen.text((t.x, t.y), t.text if signs else t.text.translate(ASCII), fill=t.color, font=font,
                 anchor="mm" if t.anchor == "middle" else "la")
    return image


def animation(boxes: list[Layout], fmt: str, frame_ms: int, last_ms: int | None = None) -> bytes:
    """Frames of one size as an animated ``"gif"`` or ``"apng"`` that loops, the last frame held ``last_ms``."""
    images = [draw(b) for b in boxes]
    durations = [frame_ms] * len(images)
    durations[-1] = last_ms or frame_ms
    out = io.BytesIO()
    if fmt == "gif":
        frames = [im.quantize(colors=64, method=Image.Quantize.MEDIANCUT) for im in images]
        frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=durations, loop=0,
                       optimize=False, disposal=1)
    else:
        images[0].save(out, format="PNG", save_all=True, append_images=images[1:], duration=durations, loop=0,
                       default_image=False)
    return out.getvalue()
