"""Wire the app together: settings, middleware, routers, static files. No logic lives here."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import api, docs, errors, head, security, upload_limits, web
from .api import openapi
from .classes.service import lifespan
from .paths import STATIC_DIR
from .settings import Settings, get_settings
from .web import page as pages
from .web import page_cache


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="convstep",
        summary="Convolution, step by step: every window, every product, the weight matrix.",
        version="0.1.0",
        lifespan=lifespan,  # closes the classroom's bus (Redis connections) when the server stops
        docs_url=None,  # app/docs.py: Swagger UI from this server's own copy when it was fetched
    )
    app.state.settings = settings
    upload_limits.install(app)
    security.install(app, settings)
    head.install(app)
    errors.install(app)
    app.include_router(api.router)
    openapi.install(app, settings)
    docs.install(app)
    app.include_router(web.router)
    pages.install(app)  # the HTML pages by one lookup, ahead of the route list (app/web/page.py)
    page_cache.install(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


app = create_app()
