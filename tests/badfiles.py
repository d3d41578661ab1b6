"""A corpus of bad and awkward image files, made by the tests themselves (no fixtures on disk)."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, fmt, **options)
    return buf.getvalue()


def png_bytes(array: np.ndarray, mode: str | None = None) -> bytes:
    return encode(Image.fromarray(array, mode) if mode else Image.fromarray(array), "PNG")


def huge_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG header declaring a huge image, with a tiny compressed body: a decompression bomb."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 16, 9)  # only a few rows: the header is what matters
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def huge_gif() -> bytes:
    """A GIF whose logical screen is 65535×65535."""
    small = encode(Image.new("L", (4, 4), 128), "GIF")
    return small[:6] + struct.pack("<HH", 65535, 65535) + small[10:]


def truncated_png() -> bytes:
    data = png_bytes(np.random.default_rng(1).integers(0, 255, (64, 64), dtype=np.uint8))
    return data[: len(data) // 2]


def truncated_jpeg() -> bytes:
    data = encode(Image.fromarray(np.random.default_rng(2).integers(0, 255, (64, 64, 3), dtype=np.uint8)), "JPEG")
    return data[: len(data) // 2]


def animated_gif() -> bytes:
    frames = [Image.new("L", (8, 8), v) for v in (10, 200, 90)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def png_16bit() -> bytes:
    values = (np.arange(16, dtype=np.uint16).reshape(4, 4) * 4096)
    return encode(Image.fromarray(values), "PNG")


def cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG", quality=95)  # red in CMYK


def exif_rotated_jpeg() -> tuple[bytes, np.ndarray]:
    """A 4 wide × 2 high JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6)."""
    pixels = np.zeros((20, 40), dtype=np.uint8)
    pixels[:, :20] = 255  # the left half is white
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 6
    return encode(image, "JPEG", exif=exif.tobytes(), quality=95), pixels


def polyglot() -> bytes:
    """Bytes that start like a PDF and carry a PNG later: not an image in an allowed format."""
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + png_bytes(np.zeros((4, 4), dtype=np.uint8))


def tiff() -> bytes:
    return encode(Image.new("L", (8, 8), 7), "TIFF")


# ---------------------------------------------------------------- worst cases for memory (issue 10)


def striped_png(width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> bytes:
    """A valid PNG of any size, written row by row (never a whole image in memory): diagonal stripes.

    ``colour_type`` 0 grey, 2 RGB, 4 grey+alpha, 6 RGBA; ``bit_depth`` 8 or 16. Stripes compress to
    almost nothing, so a 7000×7000 16-bit PNG is under 200 KB: a tiny upload that asks for a big decode.
    """
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    samples = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    step = bit_depth // 8 * samples
    period = 64
    pattern = bytes(
        (x * 4 + s * 50) % 256 for x in range(width + period) for s in range(step)
    )
    squeeze = zlib.compressobj(9)
    parts = []
    for y in range(height):
        shift = (y % period) * step
        parts.append(squeeze.compress(b"\x00" + pattern[shift:shift + width * step]))
    parts.append(squeeze.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(parts)) + chunk(b"IEND", b"")


def progressive_jpeg(width: int, height: int, seed: int = 3) -> bytes:
    """A progressive 4:4:4 JPEG of noise-textured gradients (libjpeg keeps every coefficient while decoding one)."""
    rng = np.random.default_rng(seed)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[..., 0] = (x * 0.5 + y * 0.5).astype(np.uint8)
    rgb[..., 1] = ((x + y) % 256).astype(np.uint8)
    rgb[..., 2] = rng.integers(0, 256, (height, width), dtype=np.uint8)
    return encode(Image.fromarray(rgb), "JPEG", progressive=True, quality=90, subsampling=0)
