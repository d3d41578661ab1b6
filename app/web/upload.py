"""POST /upload: the stepper's upload form (file picker or drag-and-drop), then back to /conv2d."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from ..uploads import receive_upload
from .conv2d import error_response
from .params import link

router = APIRouter()


@router.post("/upload")
async def upload(request: Request):
    """The form's fields: ``file``, and ``kernel`` (default sharpen) and ``projector`` to carry over.
    Parsed by ``app/uploads.receive_upload``, which decodes the image while it arrives."""
    received = await receive_upload(request)
    kernel = received.fields.get("kernel", "sharpen")
    if received.problem is not None:
        exc = received.problem
        response = error_response(request, {"kernel": kernel}, exc.detail, "file", exc.status_code)
        response.status_code = exc.status_code  # a busy server's 503 stays a 503 (the panel says when to retry)
        response.headers.update(exc.headers)
        return response
    decoded, projector = received.decoded, received.fields.get("projector", "")
    orig = f"{decoded.original_width}x{decoded.original_height}" if decoded.downsized else None
    target = link("/conv2d", {"image": received.image_id, "orig": orig, "kernel": kernel, "padding": "1",
                              "projector": projector or None})
    return RedirectResponse(target, status_code=303)
