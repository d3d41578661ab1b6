"""/join/{code} — the student view of a class (issue 14); /join — type a class code.

The class (app/classes/) holds the canonical URL of the teacher's current page. This page renders
that page here, server side, through the page's own state, view and template (the one route family
that answers it), with the follow bar on top: so without JavaScript a student still sees the
teacher's current step and a "Refresh" link to catch up. With JavaScript, static/js/classroom.js
takes over: it follows the class's event stream and shows every new state without a reload.

An unknown or expired code is a 404 page that says so and offers the code box again; a class its
teacher ended is a 410 page that says so and links the last step shown; a bus that does not answer
(Redis down) is never a 5xx here: the student view opens and says it is reconnecting.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..classes import ClassInfo, get_classroom
from ..classes.codes import ALPHABET, CODE_LENGTH, normalise_code
from ..engine.errors import ParameterError
from ..problems import Problem
from ..settings import Settings
from .page import PAGES, common_context
from .render import render

router = APIRouter()

TEMPLATE = "pages/join.html"
NO_STORE = {"Cache-Control": "no-store"}  # the teacher moves on: a kept copy would be a stale step
CODE_RULE = f"a class code is {CODE_LENGTH} letters and digits (no 0, O, 1, I or L)"


def _join_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    context = {"join": {"alphabet": ALPHABET, "length": CODE_LENGTH, **context}, "classroom": context.get("classroom")}
    response = render(request, TEMPLATE, TEMPLATE, context, status_code=status)
    response.headers.update(NO_STORE)
    return response


@router.get("/join", response_class=HTMLResponse)
async def join_form(request: Request, code: str | None = None) -> Response:
    """The code box; a typed code goes to its class (``/join?code=abc234`` → ``/join/ABC234``)."""
    if code is None or not code.strip():
        return _join_page(request)
    normal = normalise_code(code.strip().replace(" ", "").replace("-", ""))
    if normal is None:
        return _join_page(request, 422, typed=code[:20], error=f"code: {CODE_RULE}; got {code[:20]!r}")
    return RedirectResponse(f"/join/{normal}", status_code=303, headers=NO_STORE)


@router.get("/join/{code}", response_class=HTMLResponse)
async def join(request: Request, code: str) -> Response:
    """The teacher's current step, rendered by its own page, under the follow bar."""
    try:
        info = await get_classroom(request.app).info(code, ended=True)
    except Problem as problem:
        if problem.status_code == 404:
            return _join_page(request, 404, typed=code[:20], missing=True, error=problem.detail)
        # the bus does not answer: the student view opens anyway and keeps trying (classroom.js)
        shown = normalise_code(code) or code[:20]
        return _join_page(request, classroom={"code": shown, "followers": "…"}, waiting=True, reconnecting=True)
    if info.ended:  # no follow bar: nothing is left to follow
        return _join_page(request, 410, ended=info.code, url=info.url)
    bar = {"code": info.code, "followers": info.followers}
    page = _teacher_page(request, info, bar)
    if page is not None:
        return page
    return _join_page(request, classroom=bar, waiting=True, url=info.url)


def _teacher_page(request: Request, info: ClassInfo, bar: dict[str, Any]) -> HTMLResponse | None:
    """The page at the class's URL, rendered whole, or None when it is not a page with a state
    (the home page: the student view then waits with a link to it)."""
    parts = urlsplit(info.url)
    page = PAGES.get(parts.path)
    if page is None:
        return None
    settings: Settings = request.app.state.settings
    try:
        state = page.state.parse(dict(parse_qsl(parts.query, keep_blank_values=True)), settings)
        view = page.build(state, settings)
    except (ParameterError, Problem):  # a URL this deployment's limits now refuse: the link still explains it
        return None
    context = {**common_context(state), **page.context(state, view, settings),
               "classroom": {**bar, "url": state.url()}, "path": page.path}
    response = render(request, page.template, page.template, context)  # always the whole page, never a fragment
    response.headers.update(NO_STORE)
    return response
