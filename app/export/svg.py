"""Write a :class:`~app.export.layout.Layout` as a standalone SVG slide: hand-built text, every string escaped.

>>> from app.export.layout import Frame, Grid, lay_out
>>> text = svg(lay_out(Frame("a < b", [Grid("In", [["−1"]], [["win"]], "input")], ["= 3"])))
>>> text.startswith("<svg") and "a &lt; b" in text and ">−1</text>" in text
True
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from .layout import Layout

FONT = "system-ui, 'DejaVu Sans', 'Segoe UI', Roboto, sans-serif"


def svg(box: Layout, title: str = "") -> str:
    """The slide as SVG text (UTF-8), sized in pixels and scalable (``viewBox``)."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{box.width}" height="{box.height}"'
             f' viewBox="0 0 {box.width} {box.height}" font-family={quoteattr(FONT)} role="img">']
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for r in box.rects:
        stroke = f' stroke={quoteattr(r.stroke)} stroke-width="{r.stroke_width}"' if r.stroke_width else ""
        radius = ' rx="4"' if r.w < 200 else ""
        parts.append(f'<rect x="{r.x}" y="{r.y}" width="{r.w}" height="{r.h}"{radius} fill={quoteattr(r.fill)}{stroke}/>')
    for c in box.cells:
        stroke = f' stroke={quoteattr(c.stroke)} stroke-width="{c.stroke_width}"' if c.stroke_width else ""
        parts.append(f'<rect x="{c.x}" y="{c.y}" width="{c.size}" height="{c.size}" rx="4" fill={quoteattr(c.fill)}{stroke}/>')
        if c.text:
            weight = ' font-weight="700"' if c.bold else ""
            parts.append(f'<text x="{c.x + c.size // 2}" y="{c.y + c.size // 2}" text-anchor="middle"'
                         f' dominant-baseline="central" font-size="{c.text_size}" fill={quoteattr(c.color)}{weight}>'
                         f"{escape(c.text)}</text>")
    for t in box.texts:
        weight = ' font-weight="700"' if t.bold else ""
        if t.anchor == "middle":
            place = f'x="{t.x}" y="{t.y}" text-anchor="middle" dominant-baseline="central"'
        else:
            place = f'x="{t.x}" y="{t.y}" dominant-baseline="hanging"'
        parts.append(f'<text {place} font-size="{t.size}" fill={quoteattr(t.color)}{weight}>{escape(t.text)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
