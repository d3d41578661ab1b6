"""POST /upload: the stepper's upload form (file picker or drag-and-drop), then back to /conv2d."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse

from ..api.images import read_capped
from ..errors import HTTPProblem
from ..imaging import decode_upload
from ..store import get_store
from .conv2d import error_response
from .params import link

router = APIRouter()


@router.post("/upload")
async def upload(request: Request, file: UploadFile, kernel: str = Form("sharpen"), projector: str = Form("")):
    settings = request.app.state.settings
    try:
        decoded = decode_upload(await read_capped(file, settings.max_upload_bytes), settings)
    except HTTPProblem as exc:
        return error_response(request, {"kernel": kernel}, exc.detail, "file", exc.status_code)
    image_id = get_store(settings).put(decoded.pixels)
    orig = f"{decoded.original_width}x{decoded.original_height}" if decoded.downsized else None
    target = link("/conv2d", {"image": image_id, "orig": orig, "kernel": kernel, "padding": "1", "projector": projector or None})
    return RedirectResponse(target, status_code=303)
