"""POST /upload: the stepper's upload form (file picker or drag-and-drop), then back to /conv2d."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import errors
from ..engine.errors import ParameterError
from ..problems import Problem
from ..state.conv2d import Conv2dState, upload_name
from ..store import get_store
from ..uploads import receive_upload

router = APIRouter()


@router.post("/upload")
async def upload(request: Request) -> Response:
    """The form's fields: ``file``, and ``kernel`` (default sharpen) and ``projector`` to carry over.
    Parsed by ``app/uploads.receive_upload``, which decodes the image while it arrives."""
    received = await receive_upload(request)
    kernel = received.fields.get("kernel", "sharpen")
    if received.problem is not None:
        exc = received.problem
        # a busy server's 503 stays a 503 with its Retry-After (the panel says when to retry)
        return errors.answer(request, Problem(exc.status_code, exc.detail, "file", exc.headers), page="/conv2d",
                             raw={"kernel": kernel})
    decoded, projector = received.decoded, received.fields.get("projector", "")
    assert decoded is not None and received.image_id is not None  # no problem: the image was stored
    orig = f"{decoded.original_width}x{decoded.original_height}" if decoded.downsized else ""
    # the file name is kept with the upload (app/store.py), not carried in the link: the page names it from the id
    settings = request.app.state.settings
    await run_in_threadpool(get_store(settings).put_name, received.image_id, upload_name(received.filename))
    query = {"image": received.image_id, "orig": orig, "kernel": kernel, "projector": projector}
    try:
        target = Conv2dState.parse(query, settings).url()
    except ParameterError as exc:  # a kernel the form should never send: the stepper's page says so
        return errors.answer(request, exc, page="/conv2d", raw={"kernel": kernel})
    return RedirectResponse(target, status_code=303)
