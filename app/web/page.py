"""One page family = one state class, one view builder, and two faces: HTML and its JSON twin.

``add_page`` registers ``GET /<page>`` and ``GET /<page>.json`` (datasette's twins). Both parse
the query once into the page's state (app/state/), build the view data once, then either render
the template (the whole page, or the fragment htmx asked for) or ``json.dumps`` it. A bad query
raises ``ParameterError`` or ``Problem``; app/errors.py turns it into the page with an error
panel, the fragment, or the JSON problem form (for .json), with the same status.

Every HTML answer names its twin in a ``Link`` header and ``<link id="json-twin" rel="alternate">``
(base.html; an htmx fragment swaps that link out of band, render.py, so it follows the state on screen).
A full-page request whose query is not canonical is redirected (302) to the canonical URL, so a
form's result, a typed URL and a link all end on the one URL a state has; htmx requests are not
redirected but told the canonical URL to push (``HX-Push-Url``).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Receive, Scope, Send

from .. import errors
from ..engine.errors import ParameterError
from ..settings import Settings
from ..state.base import PageState, StepLinks, encode
from . import page_cache
from .render import is_fragment_request, render, render_html


@dataclass(frozen=True)
class Page:
    """How one page family answers. ``build`` does the work once; ``context`` and ``data`` only
    arrange its result for the template and for JSON; ``fallback`` is the context of the error page
    (the form with what the user typed)."""

    state: type[PageState]
    template: str
    fragments: str | dict[str, str]
    build: Callable[[Any, Settings], Any]
    context: Callable[[Any, Any, Settings], dict[str, Any]]
    data: Callable[[Any, Any], dict[str, Any]]
    fallback: Callable[[Mapping[str, str], Settings], dict[str, Any]] = lambda raw, settings: {}
    error_fragments: str | dict[str, str] | None = None  # default: ``fragments``
    # a state that needs its input to be settled (a form's "keep my step", clamped to the new last step): the
    # settled state is the one redirected to, rendered and linked
    resolve: Callable[[Any, Settings], Any] | None = None
    compressed: frozenset[str] = frozenset()  # htmx targets whose answers go gzip-compressed (see ``compress``)
    # htmx targets answered by a few panels of the page (an image step's #step-parts), each with its own context:
    # a step builds what it sends (the panels that change), not the form, the menus and the toggles around them
    parts: Mapping[str, Callable[[Any, Any, Settings], dict[str, Any]]] = field(default_factory=dict)
    # whether the page's inputs named by this query are in this process's memory (no disk, no network read):
    # a part is then answered on the event loop (``on_loop``)
    in_memory: Callable[[Mapping[str, str], Settings], bool] | None = None

    @property
    def path(self) -> str:
        return self.state.PATH


def link_header(state: PageState) -> str:
    return f'<{state.json_url()}>; rel="alternate"; type="application/json"'


def common_context(state: PageState) -> dict[str, Any]:
    """What every page template gets from its state: the canonical query (``state``, strings), the
    state object, the form values, step links (``link``) and the twin's URL."""
    return {"state": state.canonical(), "page_state": state, "form": state.form(), "json_url": state.json_url(),
            "link": Links(state), "settings_summary": state.summary()}


def parts_context(state: PageState) -> dict[str, Any]:
    """What every part (``Page.parts``) gets from its state: step links and the twin's URL."""
    return {"link": Links(state), "json_url": state.json_url()}


class Links:
    """``link(step=3)``, ``link(mapping="clip")`` in templates: canonical URLs of nearby states."""

    def __init__(self, state: PageState) -> None:
        self.state = state
        self._steps: StepLinks | None = None  # built on the first step link (an image step's answer has none)

    def __call__(self, **changes: Any) -> str:
        if "step" in self.state.ORDER and changes.keys() == {"step"} and isinstance(changes["step"], int):
            if self._steps is None:
                self._steps = StepLinks(self.state)
            return self._steps(changes["step"])
        return self.state.url(**changes)


def parse(page: Page, query: Mapping[str, str], settings: Settings) -> Any:
    if query.get("goto") and "step" in page.state.ORDER:
        query = {**{k: v for k, v in query.items() if k != "goto"}, "step": str(one_based(query["goto"]) - 1)}
    state = page.state.parse(query, settings)
    return page.resolve(state, settings) if page.resolve else state


def one_based(text: str) -> int:
    """The step box's ``goto``: steps are shown 1-based ("Step 1 of 16"), URLs keep ``step`` 0-based."""
    if not text.strip().isdigit() or int(text) < 1 or len(text) > 10:
        raise ParameterError("goto", f"goto (the step box) must be a whole number from 1, got {text[:20]!r}")
    return int(text)


def on_loop(request: Request, page: Page) -> bool:
    """Whether to answer on the event loop instead of a worker thread: only a part (an image step's panels,
    O(k²) work, about a millisecond) whose inputs are already in memory. The hop to a thread and back costs
    about as much CPU as the part's own rendering; anything that may read a disk or wait on the network (an
    upload this worker has not decoded yet), and whole pages, still go to a thread, so the loop never waits."""
    return (page.in_memory is not None and is_fragment_request(request)
            and request.headers.get("HX-Target", "") in page.parts
            and page.in_memory(request.query_params, request.app.state.settings))


async def html_endpoint(request: Request, page: Page) -> Response:
    if on_loop(request, page):
        return html_answer(request, page)
    return await run_in_threadpool(html_answer, request, page)


def html_answer(request: Request, page: Page) -> Response:
    settings: Settings = request.app.state.settings
    state = parse(page, request.query_params, settings)
    fragment = is_fragment_request(request)
    canonical = state.query_string
    asked = request.scope.get("query_string", b"").decode("latin-1")  # never request.url (see page_cache)
    if not fragment and asked != canonical:
        return RedirectResponse(state.url(), status_code=302, headers={"Cache-Control": "no-store"})
    headers = {"Vary": "HX-Request", "Link": link_header(state)}
    if fragment and asked != canonical:
        headers["HX-Push-Url"] = state.url()
    target = request.headers.get("HX-Target", "") if fragment else ""
    pages = request.app.state.pages
    key = page_cache.key(request, state)
    kept = pages.get(key) if key else None
    if kept is not None:
        body = kept
        headers["X-Convstep-Cache"] = "hit"
    else:
        view = page.build(state, settings)
        part = page.parts.get(target)
        if part is not None:
            context = {**parts_context(state), **part(state, view, settings)}
        else:
            context = {**common_context(state), **page.context(state, view, settings)}
        body = render_html(request, page.template, page.fragments, context).encode()
        if key:
            pages.put(key, body)
    if target in page.compressed:
        # gzip an answer sent on every step (an image step's panels) when the browser accepts it; every browser does
        headers["Vary"] = "HX-Request, Accept-Encoding"
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body, compresslevel=6, mtime=0)
            headers["Content-Encoding"] = "gzip"
    return HTMLResponse(body, headers=headers)  # headers set once (Starlette's header list is scanned per change)


def json_answer(request: Request, page: Page) -> JSONResponse:
    settings: Settings = request.app.state.settings
    state = parse(page, request.query_params, settings)
    view = page.build(state, settings)
    body = {"state": state.as_json(), "url": state.url(), **page.data(state, view)}
    return JSONResponse(body, headers={"Link": f'<{state.url()}>; rel="canonical"; type="text/html"'})


def error_page(page: Page) -> errors.PageErrorRenderer:
    """The page with the error panel, keeping what the user typed in the form."""

    def answer(request: Request, message: str, field: str | None, status: int, raw: Mapping[str, str] | None = None) -> Response:
        settings: Settings = request.app.state.settings
        raw = dict(request.query_params) if raw is None else dict(raw)
        context = {"state": raw, "form": {**page.state().form(), **raw}, "error": {"message": message, "field": field},
                   "link": lambda **changes: f"{page.path}?{encode({**raw, **{k: str(v) for k, v in changes.items()}})}",
                   **page.fallback(raw, settings)}
        return render(request, page.template, page.error_fragments or page.fragments, context, status_code=status)

    return answer


PAGES: dict[str, Page] = {}  # path → page, filled by add_page


def canonical_href(href: str, settings: Settings) -> str:
    """A link the app writes by hand (``/shapes?input=5&kernel=3…#part``), spelled canonically,
    so following it never costs a redirect. Links to other places are returned as they are, and so
    is a link this deployment's settings refuse (a lowered limit): it leads to the page's 422 naming it."""
    parts = urlsplit(href)
    page = PAGES.get(parts.path)
    if page is None:
        return href
    try:
        url = parse(page, dict(parse_qsl(parts.query)), settings).url()
    except ParameterError:
        return href
    return f"{url}#{parts.fragment}" if parts.fragment else url


def add_page(router: APIRouter, page: Page) -> None:
    """Register the page, its JSON twin and its error page."""
    PAGES[page.path] = page

    async def html(request: Request) -> Response:
        return await html_endpoint(request, page)

    def twin(request: Request) -> JSONResponse:
        return json_answer(request, page)

    router.add_api_route(page.path, html, methods=["GET"], response_class=HTMLResponse, name=page.path.strip("/"))
    router.add_api_route(f"{page.path}.json", twin, methods=["GET"], name=f"{page.path.strip('/')}_json")
    errors.register_page(page.path, error_page(page))


class PageRoutes(BaseRoute):
    """Every page's HTML route (``GET /conv2d`` …) found by one dictionary lookup, ahead of the app's route list.

    FastAPI matches a path against its routers one route at a time, nested routers again when it dispatches
    (about a tenth of an image step's CPU, the pages being registered after the whole API). The pages' own
    FastAPI routes stay registered (same handler; the OpenAPI document and anything else reading the route
    list see them); errors still reach app/errors.py, which sits outside every route."""

    def __init__(self, pages: Mapping[str, Page]) -> None:
        self.pages = pages

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == "GET":
            page = self.pages.get(scope["path"])
            if page is not None:
                return Match.FULL, {"convstep.page": page}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # url_for names the FastAPI routes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await html_endpoint(Request(scope, receive), scope["convstep.page"])
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """Put the pages' dictionary lookup first in ``app``'s routes (after every ``add_page``)."""
    app.router.routes.insert(0, PageRoutes(PAGES))
