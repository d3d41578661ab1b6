"""The one place where errors become answers: JSON, an htmx fragment, or a full page.

Domain modules raise framework-free errors (the engine's ``ParameterError``, everyone else's
``Problem``). Here they become, by where the request went (datasette's ``handle_exception``):

- a page (``/conv2d`` …, registered by app/web/page.py): the page, or the fragment htmx asked
  for, with an error panel and the user's values kept in the form, and the error's status (a busy
  server's 503 and its Retry-After stay);
- anything else, the API and the pages' ``.json`` twins: ``{"detail": ..., "field": ...}`` with
  the same status the page would have had.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .engine.errors import ParameterError
from .problems import Problem


class PageErrorRenderer(Protocol):
    def __call__(self, request: Request, message: str, field: str | None, status: int,
                 raw: Mapping[str, str] | None = None) -> Response: ...


HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
PAGES: dict[str, PageErrorRenderer] = {}  # page path → its error page


def register_page(path: str, renderer: PageErrorRenderer) -> None:
    PAGES[path] = renderer


def describe(exc: ParameterError | Problem) -> tuple[int, str, str | None]:
    """(status, message, field) of a domain error (a ParameterError is always 422)."""
    if isinstance(exc, ParameterError):
        return 422, exc.message, exc.param
    return exc.status_code, exc.detail, exc.param


def problem_json(status: int, message: str, field: str | None, headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, str] = {"detail": message}
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, headers=headers or None)


def answer(request: Request, exc: ParameterError | Problem, *, page: str | None = None,
           raw: Mapping[str, str] | None = None) -> Response:
    """The answer to ``exc`` for ``request``: the page ``page`` (default: the request's path) if it
    is a registered page, else JSON. ``raw`` overrides the form values the error page keeps."""
    status, message, field = describe(exc)
    headers = exc.headers if isinstance(exc, Problem) else {}
    renderer = PAGES.get(page or request.scope["path"])
    if renderer is None:
        return problem_json(status, message, field, headers)
    response = renderer(request, message, field, status, raw)
    response.headers.update(headers)
    return response


def describe_validation(exc: RequestValidationError) -> str:
    """One readable line per problem: ``stride: Input should be greater than or equal to 1``."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        field = ".".join(loc) or "request"
        parts.append(f"{field}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts) or "the request is not valid"


JSON_EXAMPLE = ' {"input": [[1, 2], [3, 4]], "kernel": [[1, 0], [0, 1]]}'


def position(text: str | bytes, index: int) -> str:
    r"""Where ``index`` falls in ``text``, as ``json`` says it: ``line 1 column 15 (char 14)``.

    >>> position('{"input": [1,\n2', 15)
    'line 2 column 2 (char 15)'
    """
    if isinstance(text, bytes):  # json counts bytes of a bytes document
        line, start = text.count(b"\n", 0, index) + 1, text.rfind(b"\n", 0, index)
    else:
        line, start = text.count("\n", 0, index) + 1, text.rfind("\n", 0, index)
    column = index - (start + 1) + 1
    return f"line {line} column {column} (char {index})"


def invalid_json(exc: RequestValidationError) -> str | None:
    """The parser's own words and position when the body is not JSON at all, else None."""
    errors = exc.errors()
    if len(errors) != 1 or errors[0].get("type") != "json_invalid":
        return None
    err = errors[0]
    loc = err.get("loc", ())
    index = loc[-1] if loc and isinstance(loc[-1], int) else 0
    reason = (err.get("ctx") or {}).get("error", "JSON decode error")
    doc = exc.body if isinstance(exc.body, (str, bytes)) else ""
    return f"the request body is not valid JSON: {reason} at {position(doc, index)}; send a JSON object such as{JSON_EXAMPLE}"


def unreadable_body(exc: BaseException) -> str:
    """Starlette's parse error (a body that is not UTF-8 text), with the byte where decoding stopped."""
    cause = exc.__cause__
    where = ""
    if isinstance(cause, UnicodeDecodeError):
        where = f" at {position(cause.object, cause.start)}"
    return f"the request body is not valid JSON: it is not UTF-8 text{where}; send a JSON object such as{JSON_EXAMPLE}"


# Starlette's words for a body it cannot parse, and what a caller should do instead.
UNPARSABLE_BODY = {
    "Invalid multipart data.": (
        "file", "the multipart form is malformed: send the image as the form field 'file'"
        " (curl -F file=@photo.png)",
    ),
}


def allowed_methods(request: Request) -> str:
    """Every method the OpenAPI document gives this path (``DELETE, GET`` for /api/classes/{code}), or "".
    Starlette's 405 names only the first route that matched the path, though each method has a route of its own."""
    path = request.scope["path"]
    methods: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods |= {method.upper() for method in item if method in HTTP_METHODS}
    return ", ".join(sorted(methods))


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            return JSONResponse({"detail": unreadable_body(exc), "field": None}, status_code=400)
        if exc.status_code == 400 and exc.detail in UNPARSABLE_BODY:
            field, detail = UNPARSABLE_BODY[exc.detail]
            return JSONResponse({"detail": detail, "field": field}, status_code=400)
        if exc.status_code == 405 and (methods := allowed_methods(request)):
            exc.headers = {**(exc.headers or {}), "Allow": methods}
        return await http_exception_handler(request, exc)

    @app.exception_handler(ParameterError)
    def _parameter_error(request: Request, exc: ParameterError) -> Response:
        return answer(request, exc)

    @app.exception_handler(Problem)
    def _problem(request: Request, exc: Problem) -> Response:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        not_json = invalid_json(exc)
        if not_json is not None:  # no field is wrong: the text is not JSON at all
            return JSONResponse({"detail": not_json, "field": None}, status_code=400)
        return JSONResponse(
            {"detail": describe_validation(exc), "errors": _jsonable(exc.errors())},
            status_code=422,
        )


def _jsonable(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # pydantic puts exception objects in ``ctx``; keep only what JSON can carry
    return [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in errors]
