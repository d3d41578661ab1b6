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
