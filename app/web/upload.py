"""POST /upload: the stepper's upload form (file picker or drag-and-drop), then back to /conv2d."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from .. import errors
from ..problems import Problem
from ..state.conv2d import Conv2dState
from ..uploads import receive_upload

router = APIRouter()


@router.post("/upload")
async def upload(request: Request):
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
    orig = f"{decoded.original_width}x{decoded.original_height}" if decoded.downsized else ""
    query = {"image": received.image_id, "orig": orig, "kernel": kernel, "projector": projector}
    target = Conv2dState.parse(query, request.app.state.settings).url()
    return RedirectResponse(target, status_code=303)
