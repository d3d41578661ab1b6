"""Pillow at the edges: decode uploads safely, render arrays to PNG. The only Pillow importer.

Decoding checks the cheap things first: byte size, then the format and the pixel count from
the header (``Image.open`` is lazy), and only then decodes — with JPEG draft mode, so a
12-megapixel photo is decoded already reduced. Everything comes out as uint8 L or RGB.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .problems import Problem
from .settings import Settings

ALLOWED_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "BMP")
MAPPINGS = ("clip", "stretch", "signed")
# Okabe–Ito blue and orange: a diverging pair that colour-blind viewers can tell apart.
NEGATIVE = np.array([0, 114, 178], dtype=np.float64)
POSITIVE = np.array([230, 159, 0], dtype=np.float64)

# We enforce our own (lower) pixel limit before decoding; keep Pillow's guard as a backstop.
Image.MAX_IMAGE_PIXELS = 200_000_000


@dataclass(frozen=True)
class DecodedImage:
    pixels: np.ndarray  # uint8, (H, W) or (H, W, 3)
    format: str
    original_width: int
    original_height: int

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return 1 if self.pixels.ndim == 2 else int(self.pixels.shape[2])

    @property
    def downsized(self) -> bool:
        return (self.width, self.height) != (self.original_width, self.original_height)


def _problem(status: int, detail: str) -> Problem:
    return Problem(status, detail, param="file")


def _open(fp: BinaryIO, settings: Settings) -> Image.Image:
    if not fp.read(1):  # a stream waits here for its first byte
        raise _problem(422, "file is empty")
    fp.seek(0)
    allowed = ", ".join(ALLOWED_FORMATS)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fp, formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        try:  # name the format when Pillow knows it, so the message is actionable
            fp.seek(0)
            other = Image.open(fp).format
        except Exception:  # noqa: BLE001 - anything unreadable is simply "not an image"
            other = None
        if other:
            raise _problem(415, f"file is a {other} image; allowed formats are {allowed}") from None
        raise _problem(415, f"file is not an image in an allowed format ({allowed})") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _problem(413, "file declares far too many pixels (a decompression bomb); the limit is"
                       f" {settings.max_image_pixels} pixels (CONVSTEP_MAX_IMAGE_PIXELS)") from None
    except Exception as exc:  # noqa: BLE001 - a broken header is the client's problem
        raise _problem(422, f"file could not be read as an image: {exc}") from None
    width, height = image.size
    if width < 1 or height < 1:
        raise _problem(422, f"file has no pixels ({width}×{height})")
    if width * height > settings.max_image_pixels:
        raise _problem(413, f"file is {width}×{height} = {width * height} pixels; the limit is"
                       f" {settings.max_image_pixels} pixels (CONVSTEP_MAX_IMAGE_PIXELS)")
    return image


def _to_l_or_rgb(image: Image.Image) -> Image.Image:
    """Normalise any mode to L or RGB (alpha composited on white, 16-bit and float rescaled)."""
    mode = image.mode
    if mode in ("L", "RGB"):
        return image
    if mode == "1":
        return image.convert("L")
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = values.max(initial=0)
        if top > 255:
            values = values / (65535.0 if top <= 65535 and mode != "F" else top) * 255
        elif mode == "F" and top <= 1.0:
            values = values * 255
        return Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")
    if mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
        return image.convert("L") if mode in ("LA", "La") else image
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV…


# Shrinking a decoded photo to the working size (Lanczos; 1000×750 → 512×384 for a draft-decoded
# 12-megapixel JPEG) costs about 15% of the decode itself; big landscape images do it on two threads.
PARALLEL_RESIZE_PIXELS = 400_000
_resize_helpers = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="convstep-resize")


def _shrink(image: Image.Image, target: int) -> Image.Image:
    """Exactly ``image.thumbnail((target, target), LANCZOS, reducing_gap=3.0)``, on two threads when it pays.

    Pillow resizes in two passes through an 8-bit intermediate: horizontal (each row on its own),
    then vertical (each column on its own), and it releases the GIL while it resamples. So the
    horizontal pass is done as two bands of rows and the vertical pass as two bands of columns, at
    once, with the same coefficients (no ``box``, whose float32 coordinates would round differently).
    Only for landscape or square images: Pillow 13 does the vertical pass first when the height
    shrinks much more than the width, and tall images may do so. Only L and RGB images come here.
    """
    width, height = image.size
    aspect = width / height
    w = target
    h = max(min(math.floor(target / aspect), math.ceil(target / aspect),
                key=lambda n: 0 if n == 0 else abs(aspect - target / n)), 1)  # thumbnail()'s rounding
    if (width < height or width * height < PARALLEL_RESIZE_PIXELS or w >= width or h >= height
            or int(width / w / 3.0) > 1 or int(height / h / 3.0) > 1):  # small, tall, or Pillow would reduce() first
        image.thumbnail((target, target), Image.Resampling.LANCZOS, reducing_gap=3.0)
        return image
    lanczos = Image.Resampling.LANCZOS

    def rows(top: int, bottom: int) -> Image.Image:  # horizontal pass only: the crop keeps its height
        return image.crop((0, top, width, bottom)).resize((w, bottom - top), lanczos)

    def columns(left: int, right: int) -> Image.Image:  # vertical pass only: the crop keeps its width
        return wide.crop((left, 0, right, height)).resize((right - left, h), lanczos)

    lower = _resize_helpers.submit(rows, height // 2, height)
    wide = Image.new(image.mode, (w, height))
    wide.paste(rows(0, height // 2), (0, 0))
    wide.paste(lower.result(), (0, height // 2))
    right = _resize_helpers.submit(columns, w // 2, w)
    out = Image.new(image.mode, (w, h))
    out.paste(columns(0, w // 2), (0, 0))
    out.paste(right.result(), (w // 2, 0))
    return out


def decode_upload(data: bytes | BinaryIO, settings: Settings) -> DecodedImage:
    """Decode untrusted bytes into a working image (longest side ≤ ``settings.working_size``).

    ``data`` may also be a readable, seekable binary file: the upload route passes one whose bytes
    are still arriving, so decoding overlaps the upload (its caller enforces the byte limit).
    Raises :class:`Problem` 413 (too many bytes or pixels), 415 (format not allowed) or
    422 (empty, truncated or corrupt), each naming the field ``file`` and the limit.
    """
    if isinstance(data, (bytes, bytearray, memoryview)):
        if len(data) > settings.max_upload_bytes:
            raise _problem(413, f"file is {len(data)} bytes; the limit is {settings.max_upload_bytes}"
                           " bytes (CONVSTEP_MAX_UPLOAD_BYTES)")
        data = io.BytesIO(data)
    image = _open(data, settings)
    fmt = image.format or "unknown"
    target = settings.working_size
    declared = image.size  # before draft mode reduces it
    try:
        orientation = image.getexif().get(0x0112, 1)
        if orientation in (5, 6, 7, 8):  # EXIF says: rotate by 90°
            declared = declared[::-1]
        if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when the result is still ≥ target
            image.draft("RGB" if image.mode not in ("L", "1") else "L", (target, target))
        image.seek(0)  # first frame of an animation
        image.load()
        normal = _to_l_or_rgb(ImageOps.exif_transpose(image) if orientation != 1 else image)  # no copy when upright
        if max(normal.size) > target:
            normal = _shrink(normal, target)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _problem(422, f"file is truncated or corrupt: {exc}") from None
    pixels = np.asarray(normal, dtype=np.uint8)
    if pixels.ndim == 3 and (pixels[..., 0] == pixels[..., 1]).all() and (
        pixels[..., 1] == pixels[..., 2]
    ).all():
        pixels = pixels[..., 0]  # a grey picture saved as RGB steps as one channel
    return DecodedImage(np.ascontiguousarray(pixels), fmt, declared[0], declared[1])


# ---------------------------------------------------------------- rendering


def to_display(array: np.ndarray, mapping: str = "clip") -> np.ndarray:
    """Map any real array to uint8 pixels: ``clip`` to 0–255, ``stretch`` min–max to 0–255,
    or ``signed``: white at 0, blue for negative and orange for positive (RGB output)."""
    values = np.asarray(array, dtype=np.float64)
    if mapping == "clip":
        return np.clip(np.rint(values), 0, 255).astype(np.uint8)
    if mapping == "stretch":
        lo, hi = float(values.min()), float(values.max())
        if hi == lo:
            return np.full(values.shape, 128, dtype=np.uint8)
        return np.rint((values - lo) / (hi - lo) * 255).astype(np.uint8)
    if mapping == "signed":
        if values.ndim == 3:  # colour: show the channel mean's sign
            values = values.mean(axis=2)
        scale = float(np.abs(values).max()) or 1.0
        t = (values / scale)[..., None]
        colour = np.where(t < 0, NEGATIVE, POSITIVE)
        rgb = 255 + (colour - 255) * np.abs(t)
        return np.rint(rgb).astype(np.uint8)
    raise Problem(422, f"mapping must be one of {', '.join(MAPPINGS)}, got {mapping!r}", "mapping")


def mapping_description(mapping: str) -> str:
    return {
        "clip": "clip: values below 0 show black, above 255 white",
        "stretch": "stretch: the smallest value shows black, the largest white",
        "signed": "signed: white is 0, blue negative, orange positive (stronger = larger)",
    }[mapping]


def render_png(array: np.ndarray, mapping: str = "clip") -> bytes:
    """Encode an array as PNG under a named display mapping (fast compression: outputs change)."""
    pixels = to_display(array, mapping)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
