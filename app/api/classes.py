"""/api/classes: start, step and end a class (the teacher), read and follow it (the students), its QR code.

The rules live in app/classes/ (framework-free); this module only speaks HTTP: bodies, headers,
the event stream (sse-starlette) and the QR code (segno).
"""

from __future__ import annotations

import functools
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any

import segno
from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from ..classes import get_classroom, iso
from ..classes.codes import CODE_SCHEMA_PATTERN
from ..classes.service import Event
from ..classes.urls import MAX_URL_LENGTH, URL_SCHEMA_PATTERN
from ..settings import Settings
from .schemas import ERROR_RESPONSES, ProblemBody

router = APIRouter(tags=["classes"])

Code = Annotated[str, Path(pattern=CODE_SCHEMA_PATTERN, description="The class code: 6 characters without 0/O/1/I/L"
                           " (lower case is read as upper case)", examples=["K7P2QX"])]
TeacherKey = Annotated[str | None, Header(alias="X-Teacher-Key", description="The `teacher_key` the class was started with")]

Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: {"model": ProblemBody, "description": "No class has this code, or it has expired"},
                        410: {"model": ProblemBody, "description": "Its teacher ended the class (until it would have"
                              " expired; `detail` names the last page shown)"}}
INVALID: Responses = {422: {"model": ProblemBody, "description": "Invalid: the message names the field and the rule"}}
BUS_DOWN: Responses = {503: {"model": ProblemBody, "description": "The class bus (Redis) does not answer (Retry-After)"}}


class ClassStart(BaseModel):
    model_config = ConfigDict(extra="forbid", title="ClassStart")

    url: str | None = Field(None, max_length=MAX_URL_LENGTH, json_schema_extra={"pattern": URL_SCHEMA_PATTERN},
                            description="The page the class starts on (default `/`)",
                            examples=["/conv2d?kernel=sharpen&padding=1"])


class ClassStarted(BaseModel):
    code: str = Field(description="What students type or scan", examples=["K7P2QX"])
    teacher_key: str = Field(description="The secret that steps the class (X-Teacher-Key); shown only here")
    join_url: str = Field(description="The student's address: /join/{code} on CONVSTEP_PUBLIC_URL or this server")
    expires_at: str = Field(description="When the class ends (UTC)", json_schema_extra={"format": "date-time"})


class ClassState(BaseModel):
    code: str
    url: str = Field(description="The canonical URL of the teacher's current page")
    followers: int = Field(ge=0, description="Students following now")
    expires_at: str = Field(description="When the class ends (UTC)", json_schema_extra={"format": "date-time"})


class StateChange(BaseModel):
    model_config = ConfigDict(extra="forbid", title="StateChange")

    url: str = Field(max_length=MAX_URL_LENGTH, json_schema_extra={"pattern": URL_SCHEMA_PATTERN},
                     examples=["/conv2d?kernel=sharpen&padding=1&step=5"],
                     description="A page of this app (a path such as `/conv2d?...`: no scheme, host, `//` or `/\\`);"
                     " stored and sent to the followers as the page's canonical URL")


# OpenAPI links from a started class to what its code and key open (clients and Schemathesis's stateful phase follow them)
CLASS_LINKS: dict[str, Any] = {
    "StepTheClass": {"operationId": "step_class_api_classes__code__state_put",
                     "parameters": {"path.code": "$response.body#/code", "header.X-Teacher-Key": "$response.body#/teacher_key"},
                     "description": "Publish the teacher's page (`code`, `teacher_key`)"},
    "ReadTheClass": {"operationId": "read_class_api_classes__code__get", "parameters": {"path.code": "$response.body#/code"},
                     "description": "The class's current page and followers"},
    "FollowTheClass": {"operationId": "follow_class_api_classes__code__events_get",
                       "parameters": {"path.code": "$response.body#/code"}, "description": "The class's event stream"},
    "EndTheClass": {"operationId": "end_class_api_classes__code__delete",
                    "parameters": {"path.code": "$response.body#/code", "header.X-Teacher-Key": "$response.body#/teacher_key"},
                    "description": "End the class (`code`, `teacher_key`)"},
    "TheClassQrCode": {"operationId": "class_qr_api_classes__code__qr_svg_get",
                       "parameters": {"path.code": "$response.body#/code"}, "description": "The join URL as a QR code"},
}


def encode(event: Event) -> bytes:
    return ServerSentEvent(event.text, event=event.event, id=event.id).encode()


_encoded_states = functools.lru_cache(maxsize=1024)(encode)
PING = ServerSentEvent(comment="ping").encode()


def encoded(event: Event) -> bytes:
    """An event on the wire. A state's event is one object per worker (service.state_event), so it is
    encoded once for all the worker's followers; the rare others each time."""
    if event.event == "ping":
        return PING
    return _encoded_states(event) if event.event == "state" else encode(event)


def join_url(request: Request, code: str) -> str:
    settings: Settings = request.app.state.settings
    base = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return f"{base}/join/{code}"


@router.post("/classes", status_code=201, response_model=ClassStarted, summary="Start a class",
             responses={201: {"description": "Started; keep `teacher_key` secret", "links": CLASS_LINKS}, **ERROR_RESPONSES,
                        429: {"model": ProblemBody, "description": "Too many classes from this address this hour"
                              " (CONVSTEP_CLASSES_PER_ADDRESS_HOUR; Retry-After)"}, **BUS_DOWN})
async def start_class(request: Request, response: Response, body: ClassStart | None = None) -> dict[str, Any]:
    """A class with a new code and teacher key, on `body.url` (or `/`) until `expires_at` (CONVSTEP_CLASS_TTL_S)."""
    address = request.client.host if request.client else "unknown"
    started = await get_classroom(request.app).start(address, body.url if body else None)
    response.headers["Location"] = f"/api/classes/{started.code}"
    response.headers["Cache-Control"] = "no-store"
    return {"code": started.code, "teacher_key": started.teacher_key, "join_url": join_url(request, started.code),
            "expires_at": iso(started.expires_at)}


@router.get("/classes/{code}", response_model=ClassState, summary="A class's current page and followers",
            responses={**NOT_FOUND, **INVALID, **BUS_DOWN})
async def read_class(request: Request, response: Response, code: Code) -> dict[str, Any]:
    info = await get_classroom(request.app).info(code)
    response.headers["Cache-Control"] = "no-store"
    return info.as_json()


@router.put("/classes/{code}/state", status_code=204, response_class=Response, summary="Step the class (the teacher)",
            responses={204: {"description": "Published to every follower"},
                       403: {"model": ProblemBody, "description": "X-Teacher-Key missing or wrong"},
                       **NOT_FOUND, **ERROR_RESPONSES,
                       429: {"model": ProblemBody, "description": "Too many steps a second"
                             " (CONVSTEP_CLASS_POSTS_PER_SECOND; Retry-After)"}, **BUS_DOWN})
async def step_class(request: Request, code: Code, body: StateChange, x_teacher_key: TeacherKey = None) -> Response:
    """Publish the teacher's page: stored as its canonical URL with the next sequence number and sent to every follower."""
    await get_classroom(request.app).step(code, x_teacher_key, body.url)
    return Response(status_code=204)


@router.delete("/classes/{code}", status_code=204, response_class=Response, summary="End the class (the teacher)",
               responses={204: {"description": "Ended (or already ended): every follower got `event: ended`"},
                          403: {"model": ProblemBody, "description": "X-Teacher-Key missing or wrong"},
                          404: NOT_FOUND[404], **INVALID, **BUS_DOWN})
async def end_class(request: Request, code: Code, x_teacher_key: TeacherKey = None) -> Response:
    """End the class now: every follower's stream gets `event: ended` (with the last page) and closes, and the
    class answers 410 Gone from then on (until it would have expired; then 404). Ending it again answers 204."""
    await get_classroom(request.app).end(code, x_teacher_key)
    return Response(status_code=204)


# One event of the stream (OpenAPI 3.1: a text/event-stream's schema describes each event)
EVENT_SCHEMA: dict[str, Any] = {
    "type": "object", "title": "ClassEvent", "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["state", "reconnecting", "ended"]},
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The state's sequence number (state events)"},
        "data": {"type": "string", "contentMediaType": "application/json", "contentSchema": {
            "type": "object", "properties": {
                "url": {"type": "string", "description": "The canonical URL of the teacher's page (state; ended: the last one)"},
                "seq": {"type": "integer", "minimum": -1, "description": "Its sequence number (-1: none sent yet)"},
                "code": {"type": "string"}, "detail": {"type": "string"}}}},
        "retry": {"type": "integer"},
    },
}

EVENTS_DOC = """`text/event-stream`: the current state first, then every change, each as
`event: state`, `id: <seq>`, `data: {"url", "seq"}`. A reconnect (with `Last-Event-ID`) gets the
latest state at once. A comment line (`: ping`) every CONVSTEP_CLASS_PING_S keeps proxies open.
`event: reconnecting` when the class bus (Redis) stops answering (the stream stays open and sends
the latest state again once it answers); `event: ended` when the class is over (its teacher ended it,
`DELETE /api/classes/{code}`, or it expired), with `data: {"code", "detail", "url", "seq"}` (the last
page shown, when there was one); then the stream closes.
The stream counts as a follower while open."""


@router.get("/classes/{code}/events", summary="Follow the class (Server-Sent Events)", description=EVENTS_DOC,
            response_class=Response,
            responses={200: {"description": "The event stream", "content": {"text/event-stream": {"schema": EVENT_SCHEMA}}},
                       **NOT_FOUND, **INVALID,
                       503: {"model": ProblemBody, "description": "Past CONVSTEP_CLASS_MAX_FOLLOWERS or"
                             " CONVSTEP_MAX_EVENT_STREAMS, or the bus does not answer (Retry-After)"}})
async def follow_class(request: Request, code: Code,
                       last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", description="The last `id` seen"
                                                                   " (browsers send it when they reconnect)")] = None
                       ) -> Response:
    classroom = get_classroom(request.app)
    code = await classroom.admit(code)
    headers = {"Cache-Control": "no-store"}
    if request.scope.get("convstep.head"):  # HEAD: the headers a GET would have, not an endless body
        return Response(media_type="text/event-stream", headers=headers)

    async def events() -> AsyncIterator[bytes]:
        async for event in classroom.events(code):
            yield encoded(event)

    # ping=0: no ping task per stream; classroom.events sends the heartbeats (CONVSTEP_CLASS_PING_S)
    return EventSourceResponse(events(), ping=0, headers=headers, send_timeout=30)


@router.get("/classes/{code}/qr.svg", summary="The join URL as a QR code (SVG)", response_class=Response,
            responses={200: {"description": "SVG", "content": {"image/svg+xml": {"schema": {"type": "string"}}}},
                       **NOT_FOUND, **INVALID, **BUS_DOWN})
async def class_qr(request: Request, code: Code) -> Response:
    info = await get_classroom(request.app).info(code)
    buffer = io.BytesIO()
    segno.make(join_url(request, info.code), error="m", micro=False).save(
        buffer, kind="svg", scale=8, border=4, title=f"Join class {info.code}", unit=None)
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "private, max-age=300"})
