"""Images: upload (POST /api/images), stored image PNGs, and the built-in samples."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response

from ..errors import HTTPProblem
from ..imaging import decode_upload, render_png
from ..samples import SAMPLES
from ..sources import load_image
from ..store import get_store
from .schemas import ERROR_RESPONSES

router = APIRouter(tags=["images"])
IMMUTABLE = "public, max-age=31536000, immutable"


async def read_capped(upload: UploadFile, limit: int) -> bytes:
    """Read at most ``limit`` + 1 bytes: enough to know the file is too large."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise HTTPProblem(413, f"file is larger than {limit} bytes, the limit (CONVSTEP_MAX_UPLOAD_BYTES)", "file")
    return data


def png_response(request: Request, data: bytes, etag: str) -> Response:
    tag = f'"{etag}"'
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": IMMUTABLE})
    return Response(data, media_type="image/png", headers={"ETag": tag, "Cache-Control": IMMUTABLE})


@router.post(
    "/images", status_code=201,
    responses={**ERROR_RESPONSES, 415: {"description": "Not an allowed image format"}},
    summary="Upload an image (PNG, JPEG, GIF, WebP, BMP)",
)
async def upload(request: Request, file: UploadFile) -> dict:
    """Decoded safely (byte and pixel limits before decoding, EXIF orientation, first frame,
    L or RGB) and downsized to the working size; stored by content hash, so the id is stable."""
    settings = request.app.state.settings
    decoded = decode_upload(await read_capped(file, settings.max_upload_bytes), settings)
    image_id = get_store(settings).put(decoded.pixels)
    return {
        "id": image_id, "width": decoded.width, "height": decoded.height, "channels": decoded.channels,
        "original_width": decoded.original_width, "original_height": decoded.original_height,
        "downsized": decoded.downsized, "format": decoded.format,
    }


@router.get("/images/{image_id}.png", responses={404: {"description": "Not stored (evicted?)"}, **ERROR_RESPONSES},
            response_class=Response, summary="A stored image as PNG")
def image_png(image_id: str, request: Request) -> Response:
    return png_response(request, get_store(request.app.state.settings).png(image_id), image_id)


@router.get("/samples", summary="The built-in sample images")
def samples() -> list[dict]:
    return [s.as_dict() for s in SAMPLES.values()]


@router.get("/samples/{name}.png", response_class=Response, responses={404: {"description": "No such sample"}, **ERROR_RESPONSES},
            summary="A sample as PNG")
def sample_png(name: str, request: Request) -> Response:
    if name not in SAMPLES:
        raise HTTPProblem(404, f"no sample named {name[:40]!r}; samples are {', '.join(SAMPLES)}", "name")
    return png_response(request, render_png(load_image(name, request.app.state.settings)), f"sample-{name}")
