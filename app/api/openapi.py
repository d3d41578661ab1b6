"""The OpenAPI document, built for this app's ``Settings``.

FastAPI's generator builds it once; while it runs, the body fields declared with
``rules.FromSettings`` render their bounds from the app's settings, through the same spec
objects (app/state/specs.py) that parse them. So ``CONVSTEP_MAX_KERNEL_SIZE=5`` both makes the
API refuse a 6×6 kernel and makes the document say ``maxItems: 5``.

Each page whose state class states its query (``query_schema``) has its JSON twin described too
(``GET /conv2d.json``, tag "pages"): the parameters in the state's ``ORDER``, with the bounds and
defaults its parser uses. The schema gives the canonical spelling (what links carry); the page
also forgives hand-typed spellings (``01``, ``1.0``, blanks), which it redirects to the canonical URL.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..settings import Settings
from ..web.page import PAGES
from .rules import rendering_for
from .schemas import ERROR_RESPONSES

PROBLEM = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def twin_paths(settings: Settings) -> dict[str, Any]:
    """``GET /<page>.json`` for every page whose state states its query parameters."""
    paths: dict[str, Any] = {}
    for path, page in PAGES.items():
        described = getattr(page.state, "query_schema", None)
        if described is None:
            continue
        parameters = [{"name": name, "in": "query", "required": False, "schema": schema, "description": text}
                      for name, (schema, text) in described(settings).items()]
        errors = {str(code): {"description": ERROR_RESPONSES[code]["description"], "content": PROBLEM} for code in (422,)}
        paths[f"{path}.json"] = {"get": {
            "tags": ["pages"], "operationId": f"{path.strip('/')}_json",
            "summary": f"The JSON twin of {path}: its canonical state, URL and computed view",
            "parameters": parameters,
            "responses": {
                "200": {"description": "`state` (every field typed), `url` (the canonical page URL) and the view",
                        "content": {"application/json": {"schema": {"type": "object", "required": ["state", "url"]}}}},
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
