"""/api/images and /api/samples: upload an image (received by app/uploads.py), fetch stored images and samples as PNG."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ..imaging import render_png
from ..problems import Problem
from ..responses import png_response
from ..samples import SAMPLES
from ..sources import load_image
from ..store import ID_PATTERN, get_store
from ..uploads import receive_upload
from .schemas import ERROR_RESPONSES, UPLOAD_LINKS

router = APIRouter(tags=["images"])

PNG_BODY = {"image/png": {"schema": {"type": "string", "format": "binary"}}}


def png_responses(description: str, missing: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: a 200 whose body is a PNG (not JSON), 304 for a matching ETag, 404, and the error bodies."""
    return {200: {"content": PNG_BODY, "description": description},
            304: {"description": "Not modified (If-None-Match matched the ETag)"},
            404: {"description": missing}, **ERROR_RESPONSES}


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "title": "Upload", "required": ["file"],
    "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream", "title": "File"}},
}}}}}


@router.post(
    "/images", status_code=201,
    responses={201: {"description": "Stored; `id` names it in /api/conv, /api/trace and /api/images/{id}.png",
                     "links": UPLOAD_LINKS},
               **ERROR_RESPONSES, 408: {"description": "The body did not arrive within the deadline"},
               415: {"description": "Not an allowed image format"},
               429: {"description": "Too many uploads from this address at once (Retry-After)"},
               503: {"description": "The worker is busy decoding other uploads (Retry-After)"}},
    summary="Upload an image (PNG, JPEG, GIF, WebP, BMP)", openapi_extra=UPLOAD_BODY,
)
async def upload(request: Request) -> dict[str, Any]:
    """Decoded safely (byte and pixel limits before decoding, EXIF orientation, first frame,
    L or RGB) and downsized to the working size; stored by content hash, so the id is stable."""
    received = await receive_upload(request)
    if received.problem is not None:
        raise received.problem
    decoded = received.decoded
    assert decoded is not None  # no problem means the image was decoded
    return {
        "id": received.image_id, "width": decoded.width, "height": decoded.height, "channels": decoded.channels,
        "original_width": decoded.original_width, "original_height": decoded.original_height,
        "downsized": decoded.downsized, "format": decoded.format,
    }


@router.get("/images/{image_id}.png", responses=png_responses("The stored image", "Not stored (evicted?)"),
            response_class=Response, summary="A stored image as PNG")
def image_png(
    request: Request, image_id: str = Path(pattern=ID_PATTERN.pattern, description="An upload's id (32 hex digits)"),
) -> Response:
    return png_response(request, get_store(request.app.state.settings).png(image_id), image_id)


@router.get("/samples", summary="The built-in sample images")
def samples() -> list[dict[str, Any]]:
    return [s.as_dict() for s in SAMPLES.values()]


@router.get("/samples/{name}.png", response_class=Response, responses=png_responses("The sample", "No such sample"),
            summary="A sample as PNG")
def sample_png(name: str, request: Request) -> Response:
    if name not in SAMPLES:
        raise Problem(404, f"no sample named {name[:40]!r}; samples are {', '.join(SAMPLES)}", "name")
    return png_response(request, render_png(load_image(name, request.app.state.settings)), f"sample-{name}")
