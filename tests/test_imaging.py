"""Safe decoding of hostile and awkward uploads, and PNG rendering."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image

from app.imaging import decode_upload, render_png, to_display
from app.problems import Problem
from app.settings import Settings
from tests import badfiles

SETTINGS = Settings(max_upload_bytes=2_000_000, max_image_pixels=20_000_000, working_size=512)


def problem(data: bytes) -> Problem:
    with pytest.raises(Problem) as e:
        decode_upload(data, SETTINGS)
    assert e.value.param == "file"
    return e.value


@pytest.mark.parametrize(
    ("make", "status", "text"),
    [
        (lambda: b"", 422, "empty"),
        (lambda: b"\x00garbage" * 100, 415, "not an image"),
        (lambda: b"hello, I am text pretending to be a .png\n", 415, "not an image"),
        (badfiles.truncated_png, 422, "truncated or corrupt"),
        (badfiles.truncated_jpeg, 422, "truncated or corrupt"),
        (badfiles.huge_png, 413, "limit is 20000000"),
        (badfiles.huge_gif, 413, "pixels"),
        (badfiles.polyglot, 415, "not an image"),
        (badfiles.tiff, 415, "TIFF"),
        (lambda: b"x" * 2_000_001, 413, "limit is 2000000 bytes"),
    ],
)
def test_bad_files_get_a_clear_status(make, status, text):
    e = problem(make())
    assert e.status_code == status and text in e.detail


def test_bomb_is_refused_fast():
    data = badfiles.huge_png()
    start = time.perf_counter()
    problem(data)
    assert len(data) < 1_000_000
    # refused from the header: no 900-megapixel buffer was ever allocated
    assert time.perf_counter() - start < 5  # generous; the point is it never decodes


def test_modes_are_normalised():
    grey = decode_upload(badfiles.png_bytes(np.full((5, 6), 77, np.uint8)), SETTINGS)
    assert grey.pixels.shape == (5, 6) and grey.channels == 1 and grey.pixels[0, 0] == 77
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 255
    rgba[..., 3] = 0  # fully transparent red → white background
    out = decode_upload(badfiles.png_bytes(rgba, "RGBA"), SETTINGS)
    assert (out.pixels == 255).all()
    la = decode_upload(badfiles.encode(Image.new("LA", (3, 3), (50, 255)), "PNG"), SETTINGS)
    assert la.channels == 1 and la.pixels[0, 0] == 50
    pal = decode_upload(
        badfiles.encode(Image.new("RGB", (3, 3), (10, 200, 30)).convert("P", palette=Image.Palette.ADAPTIVE), "PNG"), SETTINGS
    )
    assert pal.channels == 3 and tuple(pal.pixels[0, 0]) == (10, 200, 30)
    bw = decode_upload(badfiles.encode(Image.new("1", (3, 3), 1), "PNG"), SETTINGS)
    assert bw.pixels.dtype == np.uint8 and bw.pixels[0, 0] == 255


def test_16_bit_png_scales_to_8_bit():
    out = decode_upload(badfiles.png_16bit(), SETTINGS)
    assert out.pixels.dtype == np.uint8 and out.channels == 1
    assert out.pixels[0, 0] == 0 and out.pixels[-1, -1] == round(15 * 4096 / 65535 * 255)


def test_cmyk_jpeg_becomes_rgb():
    out = decode_upload(badfiles.cmyk_jpeg(), SETTINGS)
    assert out.channels == 3 and out.format == "JPEG"
    r, g, b = (int(v) for v in out.pixels[4, 4])
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_is_honoured():
    data, pixels = badfiles.exif_rotated_jpeg()
    out = decode_upload(data, SETTINGS)
    assert out.pixels.shape == (40, 20)  # rotated: now taller than wide
    assert (out.original_width, out.original_height) == (20, 40)
    assert out.pixels[:20].mean() > 200 and out.pixels[20:].mean() < 50  # white half now on top


def test_animated_gif_takes_the_first_frame():
    out = decode_upload(badfiles.animated_gif(), SETTINGS)
    assert out.pixels.shape == (8, 8) and (out.pixels == 10).all()


@pytest.mark.parametrize("size", [(1, 1), (2, 1)])
def test_tiny_images(size):
    out = decode_upload(badfiles.encode(Image.new("L", size, 9), "PNG"), SETTINGS)
    assert out.pixels.shape == size[::-1]


def test_large_jpeg_is_reduced_to_working_size(rng):
    data = badfiles.encode(Image.fromarray(rng.integers(0, 255, (1500, 2000, 3), dtype=np.uint8)), "JPEG")
    out = decode_upload(data, SETTINGS)
    assert max(out.pixels.shape[:2]) == 512 and out.downsized
    assert (out.original_width, out.original_height) == (2000, 1500)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP", "BMP"])
def test_allowed_formats(fmt):
    out = decode_upload(badfiles.encode(Image.new("RGB", (6, 4), (120, 120, 120)), fmt), SETTINGS)
    assert out.pixels.shape == (4, 6) and out.format == fmt


def test_render_mappings():
    values = np.array([[-10.0, 0.0], [5.0, 300.0]])
    assert to_display(values, "clip").tolist() == [[0, 0], [5, 255]]
    assert to_display(values, "stretch").tolist() == [[0, 8], [12, 255]]
    signed = to_display(values, "signed")
    assert signed.shape == (2, 2, 3) and tuple(signed[0, 1]) == (255, 255, 255)
    assert signed[0, 0, 2] > signed[0, 0, 0]  # negative leans blue
    assert signed[1, 1, 0] > signed[1, 1, 2]  # positive leans orange
    png = Image.open(io.BytesIO(render_png(values, "signed")))
    assert png.size == (2, 2) and png.mode == "RGB"
    with pytest.raises(Problem):
        to_display(values, "rainbow")


def test_big_landscape_images_shrink_on_two_threads_to_exactly_thumbnails_pixels(monkeypatch):
    """The two-thread shrink (rows, then columns) must give Pillow's own thumbnail, pixel for pixel:
    the stored image and its content-addressed id must not depend on which path resized it."""
    from app import imaging

    calls = []
    real = imaging._resize_helpers.submit
    monkeypatch.setattr(imaging._resize_helpers, "submit", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(7)
    sizes = [(1000, 750), (1500, 1000), (1024, 1024), (1001, 751), (2000, 1125), (1600, 257), (6000, 600)]
    sizes += [(int(w), int(rng.integers(200, w + 1))) for w in rng.integers(700, 2600, 24)]
    for i, (width, height) in enumerate(sizes):
        mode = ("L", "RGB")[i % 2]
        shape = (height, width) if mode == "L" else (height, width, 3)
        image = Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode)
        expected = image.copy()
        expected.thumbnail((512, 512), Image.Resampling.LANCZOS, reducing_gap=3.0)
        out = imaging._shrink(image.copy(), 512)
        assert out.size == expected.size and out.mode == mode, (width, height)
        assert np.array_equal(np.asarray(out), np.asarray(expected)), (width, height, mode)
    assert len(calls) >= 2 * 20  # most took the two-thread path (two helper jobs each)


@pytest.mark.parametrize("size", [(750, 1000), (600, 2000), (300, 200), (512, 300)])
def test_tall_and_small_images_shrink_as_thumbnail_does(size):
    from app import imaging

    image = Image.fromarray(np.random.default_rng(3).integers(0, 256, size[::-1], dtype=np.uint8))
    expected = image.copy()
    expected.thumbnail((512, 512), Image.Resampling.LANCZOS, reducing_gap=3.0)
    assert np.array_equal(np.asarray(imaging._shrink(image.copy(), 512)), np.asarray(expected))
