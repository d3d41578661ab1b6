"""/docs: Swagger UI over /openapi.json, served from this server's own copy when it was fetched
(app/swagger.py), so an offline classroom's /docs works; otherwise from the CDN, with a note that
says what to do when that is unreachable too."""

from __future__ import annotations

import re

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse

from . import swagger

FALLBACK_NOTE = (
    '<style>#swagger-ui:not(:empty) + .offline-note { display: none; } .offline-note { font: 16px system-ui, sans-serif;'
    ' max-width: 60ch; margin: 2rem auto; }</style>'
    '<p class="offline-note">Swagger UI loads from {origin} here (its files were not fetched when this server was'
    ' installed: <code>make run</code> fetches them). If this stays blank, the CDN is unreachable: the API itself works,'
    ' and <a href="/openapi.json">/openapi.json</a> describes every route.</p>'
)


def install(app: FastAPI) -> None:
    """Replace FastAPI's /docs (always from the CDN) with one that prefers the local copy."""

    def docs(request: Request) -> HTMLResponse:
        assets = swagger.assets()
        page = get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} · API",
                                   swagger_js_url=assets.js, swagger_css_url=assets.css,
                                   swagger_favicon_url="/static/favicon.svg")
        body = bytes(page.body).decode()
        for url, name in ((assets.js, "swagger-ui-bundle.js"), (assets.css, "swagger-ui.css")):  # pinned, checked
            body = body.replace(f'"{url}"', f'"{url}" integrity="{swagger.FILES[name]}" crossorigin="anonymous"', 1)
        note = "" if assets.local else FALLBACK_NOTE.replace("{origin}", swagger.CDN_ORIGIN)
        body = re.sub(r'<div id="swagger-ui">\s*</div>', lambda m: '<div id="swagger-ui"></div>' + note, body, count=1)
        return HTMLResponse(body)

    app.add_api_route("/docs", docs, methods=["GET"], include_in_schema=False, response_class=HTMLResponse)
