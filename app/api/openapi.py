"""The OpenAPI document, built for this app's ``Settings``.

FastAPI's generator builds it once; while it runs, the body fields declared with
``rules.FromSettings`` render their bounds from the app's settings, through the same spec
objects (app/state/specs.py) that parse them. So ``CONVSTEP_MAX_KERNEL_SIZE=5`` both makes the
API refuse a 6×6 kernel and makes the document say ``maxItems: 5``.

Every page's JSON twin is described too (``GET /conv2d.json``, tag "pages"): its state class states
its query (``query_schema``: the parameters in the state's ``ORDER``, then a form's own keys and the
step box's ``goto``, with the bounds and defaults its parser uses, from the same spec objects), and
app/api/twin_schemas.py its answer (the state's fields typed from the state class, the view's keys).
The schema gives the canonical spelling (what links carry); the page also forgives hand-typed
spellings (``01``, ``1.0``, blanks), which it redirects to the canonical URL. Rules that relate two
values (a kernel that must fit the padded input, a step below the number of steps) are stated in the
parameters' descriptions; the pages check them once the geometry is known.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..settings import Settings
from ..web.page import PAGES
from .rules import rendering_for
from .schemas import ERROR_RESPONSES
from .twin_schemas import response_schema

PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/ProblemBody"}}}  # app/api/schemas.py


def twin_paths(settings: Settings) -> dict[str, Any]:
    """``GET /<page>.json`` for every page whose state states its query parameters."""
    paths: dict[str, Any] = {}
    for path, page in PAGES.items():
        described = getattr(page.state, "query_schema", None)
        if described is None:
            continue
        query = dict(described(settings))
        if "step" in page.state.ORDER:  # every stepping page reads the step box (app/web/page.py's ``parse``)
            query["goto"] = ({"type": "integer", "minimum": 1, "maximum": query["step"][0]["maximum"] + 1},
                             "The step box: a 1-based step (replaces step)")
        parameters = [{"name": name, "in": "query", "required": False, "schema": schema, "description": text}
                      for name, (schema, text) in query.items()]
        errors = {str(code): {"description": ERROR_RESPONSES[code]["description"], "content": PROBLEM} for code in (422,)}
        paths[f"{path}.json"] = {"get": {
            "tags": ["pages"], "operationId": f"{path.strip('/')}_json",
            "summary": f"The JSON twin of {path}: its canonical state, URL and computed view",
            "parameters": parameters,
            "responses": {
                "200": {"description": "`state` (every field typed), `url` (the canonical page URL) and the view",
                        "content": {"application/json": {"schema": response_schema(path, page.state)}}},
                "404": {"description": "`image` names no stored image", "content": PROBLEM},
                **errors,
            },
        }}
    return paths


def install(app: FastAPI, settings: Settings) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            with rendering_for(settings):
                app.openapi_schema = get_openapi(
                    title=app.title, version=app.version, summary=app.summary, description=app.description,
                    routes=app.routes, tags=app.openapi_tags, servers=app.servers,
                )
                app.openapi_schema["paths"].update(twin_paths(settings))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
