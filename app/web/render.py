"""Rendering pages and fragments: the same URL answers a whole page, or only the fragment htmx
asked for (``HX-Request``), always with ``Vary: HX-Request`` so caches keep them apart."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import escape

from .. import htmx
from ..paths import TEMPLATES_DIR
from .hints import HINTS
from .params import format_number, format_signed
from .step_view import step_view

templates = Jinja2Templates(directory=TEMPLATES_DIR)  # autoescapes .html
# templates are read once per process (no server here reloads code either): Jinja would otherwise stat a
# template and every template it imports on each render (about ten stats per image step)
templates.env.auto_reload = False
templates.env.filters["num"] = format_number
templates.env.filters["signed_num"] = format_signed
templates.env.globals["hints"] = HINTS
templates.env.globals["step_view"] = step_view  # an image step's tables as data (conv2d_step_parts.html)

TOPICS = [  # the lecture in the notes' order; the home page and the nav both read this
    ("/conv1d", "1-D convolution"),
    ("/conv2d", "2-D stepper"),
    ("/pool", "Pooling"),
    ("/volume", "Volumes & filters"),
    ("/transpose", "Transposed"),
    ("/shapes", "Shapes & parameters"),
    ("/flip", "Convolution vs correlation"),
    ("/text", "CNN for text"),
    ("/network", "Trained network"),
]


def is_fragment_request(request: Request) -> bool:
    """htmx asks for a fragment, except when restoring history (then it needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(
    request: Request, page: str, fragments: str | dict[str, str], context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """Render ``page``, or for htmx the fragment for its target (``HX-Target`` → template;
    a plain string, or the ``"default"`` entry, serves any other target)."""
    html = render_html(request, page, fragments, context)
    return HTMLResponse(html, status_code=status_code, headers={"Vary": "HX-Request"})


def render_html(request: Request, page: str, fragments: str | dict[str, str], context: dict[str, Any]) -> str:
    """``render``'s text: the page, or the fragment htmx asked for followed by the head's link to the JSON twin."""
    fragment = is_fragment_request(request)
    if fragment:
        if isinstance(fragments, str):
            template = fragments
        else:
            template = fragments.get(request.headers.get("HX-Target", ""), fragments["default"])
    else:
        template = page
    context = {
        "request": request,
        # only a whole page loads htmx (base.html); asking for it costs a file check (app/htmx.py)
        "htmx": htmx.script(request.app.state.settings.htmx_source) if template == page else None,
        "topics": TOPICS,
        "path": request.scope["path"],
        **context,
    }
    html = templates.get_template(template).render(context)
    if fragment and context.get("json_url"):  # the head's link to the JSON twin follows the swapped state
        href = escape(context["json_url"])
        html += f'<link id="json-twin" rel="alternate" type="application/json" href="{href}" hx-swap-oob="true">'
    return html
