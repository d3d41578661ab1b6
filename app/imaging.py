"""Pillow at the edges: decode uploads safely, render arrays to PNG. The only Pillow importer.

Decoding checks the cheap things first: byte size, then the format and the pixel count from
the header (``Image.open`` is lazy), and only then decodes — with JPEG draft mode, so a
12-megapixel photo is decoded already reduced. Everything comes out as uint8 L or RGB.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import math
import os
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
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

Gate = Callable[[int], AbstractContextManager[object]]  # held around a decode of that many bytes

MMAP_THRESHOLD = 8 * 1024 * 1024  # buffers at least this large are the kernel's, returned on free


def _return_big_buffers_on_free() -> None:
    """Make glibc's malloc give big buffers back to the kernel when they are freed.

    Pillow allocates decoded images in 16 MiB blocks. glibc's default threshold for serving an
    allocation by ``mmap`` grows to the largest block ever freed, so after the first large image
    every later block comes from a malloc arena instead, one arena per decoder thread, and an
    arena keeps what is freed in it: a worker that decoded eight 4096² images on eight threads, one
    after the other, kept about 1 GiB. A fixed threshold (``M_MMAP_THRESHOLD``) keeps every
    block at or above it in its own mapping, returned on free. Elsewhere than glibc: nothing to do.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-3, MMAP_THRESHOLD)  # M_MMAP_THRESHOLD (malloc.h)


_return_big_buffers_on_free()

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


# Formats we refuse, told apart by their first bytes, so the 415 can say what the file is.
# (offset, signature, name); checked in order, the first match wins.
MAGIC = (
    (0, b"II*\x00", "TIFF"), (0, b"MM\x00*", "TIFF"), (0, b"%PDF-", "PDF"), (0, b"8BPS", "PSD (Photoshop)"),
    (4, b"ftypavif", "AVIF"), (4, b"ftypavis", "AVIF"), (4, b"ftypheic", "HEIF"), (4, b"ftypheix", "HEIF"),
    (4, b"ftyphevc", "HEIF"), (4, b"ftypmif1", "HEIF"), (4, b"ftypmsf1", "HEIF"), (0, b"<?xml", "SVG or XML"),
    (0, b"<svg", "SVG"), (0, b"\x00\x00\x01\x00", "ICO"), (0, b"\x00\x00\x02\x00", "CUR"),
    (0, b"\x00\x00\x00\x0cjP  ", "JPEG 2000"), (0, b"\xff\x4f\xff\x51", "JPEG 2000"), (0, b"\xff\x0a", "JPEG XL"),
    (0, b"\x00\x00\x00\x0cJXL ", "JPEG XL"), (0, b"%!PS", "PostScript"), (0, b"\xc5\xd0\xd3\xc6", "EPS"),
    (0, b"8BIM", "PSD (Photoshop)"), (0, b"DDS ", "DDS"), (0, b"qoif", "QOI"), (0, b"#?RADIANCE", "HDR"),
    (0, b"\x76\x2f\x31\x01", "OpenEXR"), (0, b"gimp xcf", "XCF (GIMP)"), (0, b"PK\x03\x04", "ZIP"),
    (0, b"\x1f\x8b", "gzip"), (0, b"BM", "BMP"), (8, b"WEBP", "WebP"), (0, b"GIF8", "GIF"),
    (0, b"\x89PNG\r\n\x1a\n", "PNG"), (0, b"\xff\xd8\xff", "JPEG"),
)


def refused_format(head: bytes) -> str | None:
    r"""The name of the format ``head`` (a file's first bytes) starts like, from :data:`MAGIC`.

    >>> refused_format(b"II*\x00\x08\x00"), refused_format(b"\x00\x00\x00\x1cftypavif"), refused_format(b"hello")
    ('TIFF', 'AVIF', None)
    """
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")  # SVG and XML may start with a BOM or blank lines
    for offset, signature, name in MAGIC:
        if head[offset:offset + len(signature)] == signature or (offset == 0 and stripped.startswith(signature)):
            return name
    return None


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
        fp.seek(0)
        other = refused_format(fp.read(64))  # named from its first bytes, never by asking every decoder
        if other:
            raise _problem(415, f"file is {other}, not an allowed image format; allowed formats are {allowed}") from None
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


# Bytes per pixel of Pillow's own storage for each mode (RGB is stored in four bytes, like RGBA).
def pixel_bytes(mode: str) -> int:
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


SIXTEEN_BIT = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
WITH_ALPHA = ("LA", "La", "PA", "RGBA", "RGBa")
TILE_PIXELS = 1 << 17  # conversions work on bands of rows of about this many pixels (1 MiB as float64)
BAND_SCRATCH = TILE_PIXELS * 64  # a band's copies and int32/float64 arrays while it is converted (8 MiB)


def _normal_mode(image: Image.Image) -> str | None:
    """The mode ``image`` becomes (L or RGB), or None when it already is one of them."""
    mode = image.mode
    if mode in ("L", "RGB"):
        return None
    if mode == "1" or mode in SIXTEEN_BIT or mode in ("LA", "La"):
        return "L"
    return "RGB"


def _bands(image: Image.Image) -> Iterator[tuple[int, Image.Image]]:
    """The image in bands of whole rows (each a small copy): ``(top, band)``."""
    width, height = image.size
    rows = max(1, TILE_PIXELS // width)
    for top in range(0, height, rows):
        yield top, image.crop((0, top, width, min(height, top + rows)))


def _composite_on_white(band: np.ndarray) -> np.ndarray:
    """``Image.alpha_composite`` over opaque white, bit for bit, for (h, w, c+1) uint8 with alpha last.

    >>> _composite_on_white(np.array([[[255, 0, 0, 0], [10, 20, 30, 255], [0, 0, 0, 128]]], np.uint8)).tolist()
    [[[255, 255, 255], [10, 20, 30], [127, 127, 127]]]
    """
    colour = band[..., :-1].astype(np.int32)
    alpha = band[..., -1:].astype(np.int32)
    x = 128 * (colour * alpha + 255 * (255 - alpha) + 128)  # Pillow's fixed point (7 bits)
    return ((((x >> 8) + x) >> 8) >> 7).astype(np.uint8)


def _sixteen_bit_scale(image: Image.Image) -> float:
    """What 16-bit and float values are multiplied by to become 0–255 (from the whole image's maximum)."""
    top = max((float(np.asarray(band).max(initial=0)) for _, band in _bands(image)), default=0.0)
    if top > 255:
        return 255 / (65535.0 if top <= 65535 and image.mode != "F" else top)
    if image.mode == "F" and top <= 1.0:
        return 255.0
    return 1.0


def _to_l_or_rgb(image: Image.Image) -> Image.Image:
    """Normalise any mode to L or RGB (alpha composited on white, 16-bit and float rescaled).

    Band by band into a new image: the only full-size arrays are Pillow's decoded image and the
    8-bit result, never a float64 or RGBA copy of the whole picture.
    """
    target = _normal_mode(image)
    if target is None:
        return image
    mode = image.mode
    out = Image.new(target, image.size)
    scale = _sixteen_bit_scale(image) if mode in SIXTEEN_BIT else 1.0
    has_alpha = mode in WITH_ALPHA or (mode == "P" and "transparency" in image.info)
    for top, band in _bands(image):
        if mode in SIXTEEN_BIT:
            values = np.asarray(band, dtype=np.float64)
            if scale != 1.0:
                values = values * scale
            band = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8), "L")
        elif has_alpha:
            rgba = np.asarray(band.convert("LA" if target == "L" else "RGBA"))
            flat = _composite_on_white(rgba)
            band = Image.fromarray(flat[..., 0] if target == "L" else flat, target)
        else:  # 1, P, CMYK, YCbCr, LAB, HSV: Pillow's per-pixel conversion
            band = band.convert(target)
        out.paste(band, (0, top))
    return out


def header_orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 = upright) from what has been read, never decoding the pixels for it.

    Pillow's ``PngImageFile.getexif()`` decodes the whole image when no eXIf chunk came before the
    pixels (one may follow them): that would be the full decode before any budget is checked. So a
    PNG's orientation here comes only from an eXIf chunk before IDAT.
    """
    if image.format == "PNG":
        raw = image.info.get("exif")
        if not raw:
            return 1
        exif = Image.Exif()
        exif.load(raw)
        return int(exif.get(0x0112, 1))
    return int(image.getexif().get(0x0112, 1))


def decode_cost(image: Image.Image, target: int, draft_scale: int = 1) -> int:
    """Bytes that decoding and normalising ``image`` holds at its peak, from the header alone.

    Two phases, the larger counts. Decoding: Pillow's image (``pixel_bytes(mode)`` per pixel, after
    JPEG draft reduction), a rotated copy when EXIF says so, libwebp's own output buffer, for a
    progressive JPEG libjpeg's coefficient arrays (two bytes per sample of every component at full
    size, whatever the draft scale), and the L or RGB image it is converted into. Shrinking (the
    decoded image is gone by then): the L or RGB image and its copy (whole for the two-thread
    shrink, a quarter when Pillow first reduces it). Plus the bands' scratch arrays.

    >>> from PIL import Image
    >>> decode_cost(Image.new("RGBA", (4096, 4096)), 512) // 2**20  # RGBA 4 B + RGB 4 B per pixel, + the bands' scratch
    136
    """
    width, height = image.size
    pixels = width * height
    base = pixel_bytes(image.mode)
    target_mode = _normal_mode(image)
    out = pixel_bytes(target_mode or image.mode)
    decoding = base
    if header_orientation(image) != 1:
        decoding += base
    if image.format == "WEBP":
        decoding += base
    decoding *= pixels
    if image.format == "JPEG" and image.info.get("progressive"):
        layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * len(image.mode)
        h_max = max(layer[1] for layer in layers)
        v_max = max(layer[2] for layer in layers)
        full = pixels * draft_scale * draft_scale
        coefficients = sum(int(full * layer[1] * layer[2] / (h_max * v_max)) * 2 for layer in layers)
        decoding += coefficients + coefficients // 10  # and libjpeg's row buffers
    if target_mode is not None:
        decoding += pixels * out
    whole_copy = max(width, height) > target and _two_thread_shrink_possible(width, height, target)
    shrinking = pixels * out + (pixels * out if whole_copy else pixels * out // 4)
    return max(decoding, shrinking) + BAND_SCRATCH


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB" if n >= 2**20 else f"{n} bytes"


# Shrinking a decoded photo to the working size (Lanczos; 1000×750 → 512×384 for a draft-decoded
# 12-megapixel JPEG) costs about 15% of the decode itself; big landscape images do it on two threads.
PARALLEL_RESIZE_PIXELS = 400_000
_resize_helpers = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="convstep-resize")


def _thumbnail_size(width: int, height: int, target: int) -> tuple[int, int]:
    """The size ``thumbnail((target, target))`` gives a landscape or square image (its rounding)."""
    aspect = width / height
    h = max(min(math.floor(target / aspect), math.ceil(target / aspect),
                key=lambda n: 0 if n == 0 else abs(aspect - target / n)), 1)
    return target, h


def _two_thread_shrink_possible(width: int, height: int, target: int) -> bool:
    """Whether :func:`_shrink` splits the work (landscape, big enough, and Pillow would not reduce() first)."""
    if width < height or width * height < PARALLEL_RESIZE_PIXELS:
        return False
    w, h = _thumbnail_size(width, height, target)
    return not (w >= width or h >= height or int(width / w / 3.0) > 1 or int(height / h / 3.0) > 1)


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
    if not _two_thread_shrink_possible(width, height, target):
        image.thumbnail((target, target), Image.Resampling.LANCZOS, reducing_gap=3.0)
        return image
    w, h = _thumbnail_size(width, height, target)
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


def decode_upload(data: bytes | BinaryIO, settings: Settings, gate: Gate | None = None) -> DecodedImage:
    """Decode untrusted bytes into a working image (longest side ≤ ``settings.working_size``).

    ``data`` may also be a readable, seekable binary file: the upload route passes one whose bytes
    are still arriving, so decoding overlaps the upload (its caller enforces the byte limit).
    The memory the decode will hold is computed from the header (:func:`decode_cost`) and checked
    against ``settings.max_decode_bytes``; ``gate(cost)``, when given, is held around the decode
    (the upload route's per-worker memory gate, which may refuse with 503).
    Raises :class:`Problem` 413 (too many bytes, pixels or bytes to decode), 415 (format not
    allowed) or 422 (empty, truncated or corrupt), each naming the field ``file`` and the limit.
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
        early = header_orientation(image)
        if early in (5, 6, 7, 8):  # EXIF says: rotate by 90°
            declared = declared[::-1]
        draft_scale = 1
        if fmt == "JPEG":  # decode at 1/2, 1/4 or 1/8 scale when the result is still ≥ target
            full_width = image.size[0]
            image.draft("RGB" if image.mode not in ("L", "1") else "L", (target, target))
            draft_scale = max(1, round(full_width / image.size[0]))
        cost = decode_cost(image, target, draft_scale)
        if cost > settings.max_decode_bytes:
            raise _problem(413, f"file is {declared[0]}×{declared[1]} pixels in mode {image.mode}: decoding it needs"
                           f" about {_mib(cost)} of memory; the budget per image is {_mib(settings.max_decode_bytes)}"
                           " (CONVSTEP_MAX_DECODE_BYTES)")
        with gate(cost) if gate is not None else contextlib.nullcontext():
            image.seek(0)  # first frame of an animation
            image.load()
            orientation = image.getexif().get(0x0112, 1)  # now also a PNG's eXIf chunk after its pixels
            if (orientation in (5, 6, 7, 8)) != (early in (5, 6, 7, 8)):
                declared = declared[::-1]
            if orientation != 1:
                image = ImageOps.exif_transpose(image)  # no copy when upright
            normal = _to_l_or_rgb(image)
            del image  # the decoded image goes before the shrinking allocates
            if max(normal.size) > target:
                normal = _shrink(normal, target)
            pixels = np.asarray(normal, dtype=np.uint8)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _problem(422, f"file is truncated or corrupt: {exc}") from None
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


def resize_area(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` (H, W) or (H, W, C) resized to ``size`` = (rows, columns), float64 on the same scale: each new
    cell is the area-weighted mean of the pixels it covers (Pillow's BOX filter on 32-bit float bands, so
    shrinking by a whole factor gives exactly the block means; growing repeats pixels).

    >>> resize_area(np.arange(16, dtype=np.uint8).reshape(4, 4), (2, 2)).tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    h, w = size
    bands = pixels[..., None] if pixels.ndim == 2 else pixels
    out = np.stack([np.asarray(Image.fromarray(bands[..., c].astype(np.float32), mode="F")
                               .resize((w, h), Image.Resampling.BOX), dtype=np.float64)
                    for c in range(bands.shape[2])], axis=-1)
    return out[..., 0] if pixels.ndim == 2 else out
