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
        (badfiles.polyglot, 415, "file is PDF, not an allowed image format"),
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


# ---------------------------------------------------------------- memory per decode (issue 10)


def test_the_default_pixel_ceiling_is_4096_squared():
    assert Settings().max_image_pixels == 4096 * 4096
    e = problem(badfiles.striped_png(7000, 7000, 16, 0))  # 346 KB that would need 1.2 GB before
    assert e.status_code == 413 and "7000×7000 = 49000000 pixels; the limit is 20000000" in e.detail


@pytest.mark.parametrize(
    ("make", "mode", "mib"),
    [
        (lambda: badfiles.striped_png(6000, 3000, 16, 0), "I;16", 59),  # 2 B decoded + 1 B 8-bit copy per pixel
        (lambda: badfiles.striped_png(6000, 3000, 8, 6), "RGBA", 145),  # 4 B RGBA + 4 B RGB
        (lambda: badfiles.striped_png(6000, 3000, 8, 4), "LA", 94),  # Pillow keeps LA in 4 B
        (lambda: badfiles.striped_png(6000, 3000, 8, 2), "RGB", 94),  # 4 B + a quarter for Pillow's reduce()
    ],
)
def test_a_decode_over_the_memory_budget_is_413_naming_the_budget(make, mode, mib):
    data = make()
    settings = Settings(max_image_pixels=20_000_000, max_decode_bytes=50 * 2**20)
    with pytest.raises(Problem) as e:
        decode_upload(data, settings)
    assert e.value.status_code == 413 and e.value.param == "file"
    assert e.value.detail == (f"file is 6000×3000 pixels in mode {mode}: decoding it needs about {mib} MiB of memory;"
                              " the budget per image is 50 MiB (CONVSTEP_MAX_DECODE_BYTES)")
    ok = decode_upload(data, Settings(max_image_pixels=20_000_000, max_decode_bytes=(mib + 1) * 2**20))
    assert ok.width == 512


def test_a_progressive_jpeg_counts_libjpegs_full_size_coefficients():
    from app.imaging import decode_cost

    data = badfiles.progressive_jpeg(1024, 1024)
    image = Image.open(io.BytesIO(data))
    assert image.info.get("progressive")
    image.draft("RGB", (128, 128))
    assert image.size == (128, 128)
    cost = decode_cost(image, 128, draft_scale=8)
    coefficients = 1024 * 1024 * 3 * 2  # three full-size components (4:4:4), two bytes per sample
    assert coefficients < cost < coefficients * 1.1 + 10 * 2**20
    baseline = Image.open(io.BytesIO(badfiles.encode(Image.new("RGB", (1024, 1024)), "JPEG")))
    baseline.draft("RGB", (128, 128))
    assert decode_cost(baseline, 128, draft_scale=8) < 10 * 2**20  # drafted: only the reduced image


def _float64_reference(image: Image.Image) -> np.ndarray:
    """What the decoder did before bands: the whole image as float64, scaled by its maximum."""
    values = np.asarray(image, dtype=np.float64)
    top = values.max(initial=0)
    if top > 255:
        values = values / (65535.0 if top <= 65535 and image.mode != "F" else top) * 255
    elif image.mode == "F" and top <= 1.0:
        values = values * 255
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("mode", "top"), [(m, t) for m in ("I;16", "I", "F") for t in (200, 1.0, 40000, 1e6)
                                            if not (m == "I;16" and t > 65535)])
def test_16_bit_and_float_bands_equal_the_whole_image_in_float64(rng, mode, top):
    from app.imaging import _to_l_or_rgb

    values = rng.uniform(0, top, (300, 500))  # 300 rows: several bands of 262 rows
    if mode == "F":
        image = Image.fromarray(values.astype(np.float32), "F")
    elif mode == "I":
        image = Image.fromarray(np.rint(values).astype(np.int32), "I")
    else:
        image = Image.frombytes("I;16", (500, 300), np.rint(values).astype("<u2").tobytes())
    out = _to_l_or_rgb(image)
    assert out.mode == "L" and np.array_equal(np.asarray(out), _float64_reference(image))


@pytest.mark.parametrize("mode", ["RGBA", "LA", "PA", "P"])
def test_alpha_bands_equal_pillows_alpha_composite_on_white(rng, mode):
    from app.imaging import _to_l_or_rgb

    rgba = rng.integers(0, 256, (700, 400, 4), dtype=np.uint8)  # 700 rows: bands of 327
    image = Image.fromarray(rgba, "RGBA")
    if mode == "LA":
        image = image.convert("LA")
    elif mode in ("P", "PA"):
        image = Image.fromarray(rgba[..., :3], "RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
        if mode == "P":
            image.info["transparency"] = bytes(range(0, 256, 4))  # index i has alpha 4·i
        else:
            image = image.convert("PA")
            image.putalpha(Image.fromarray(rgba[..., 3], "L"))
    white = Image.new("RGBA", image.size, (255, 255, 255, 255))
    expected = Image.alpha_composite(white, image.convert("RGBA")).convert("RGB")
    if mode == "LA":
        expected = expected.convert("L")
    out = _to_l_or_rgb(image)
    assert out.mode == ("L" if mode == "LA" else "RGB")
    assert np.array_equal(np.asarray(out), np.asarray(expected))


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"II*\x00\x08\x00\x00\x00", "TIFF"), (b"MM\x00*\x00\x00\x00\x08", "TIFF"), (b"%PDF-1.7\n", "PDF"),
        (b"8BPS\x00\x01", "PSD (Photoshop)"), (b"\x00\x00\x00\x1cftypavif\x00\x00", "AVIF"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "HEIF"), (b"\x00\x00\x00\x18ftypmif1\x00\x00", "HEIF"),
        (b'<?xml version="1.0"?><svg/>', "SVG or XML"), (b"\xef\xbb\xbf\n  <svg xmlns='x'>", "SVG"),
        (b"\x00\x00\x01\x00\x01\x00\x10\x10", "ICO"), (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
        (b"\xff\x0a\xfa", "JPEG XL"), (b"%!PS-Adobe-3.0", "PostScript"), (b"PK\x03\x04\x14\x00", "ZIP"),
    ],
)
def test_refused_formats_are_named_from_their_first_bytes(head, name):
    e = problem(head + b"\x00" * 200)
    assert e.status_code == 415 and e.detail.startswith(f"file is {name}, not an allowed image format; allowed formats are PNG")


def test_an_unknown_file_is_never_handed_to_every_decoder(monkeypatch):
    opened = []
    real = Image.open
    monkeypatch.setattr(Image, "open", lambda fp, mode="r", formats=None: opened.append(formats) or real(fp, mode, formats))
    e = problem(b"\x00garbage" * 100)
    assert e.status_code == 415 and "not an image in an allowed format" in e.detail
    assert opened == [("PNG", "JPEG", "GIF", "WEBP", "BMP")]  # one call, restricted to the allowed plugins


def test_the_budget_is_checked_before_any_pixel_is_decoded():
    """Pillow's PNG getexif() decodes the whole image when no eXIf chunk precedes the pixels."""
    from app.imaging import decode_cost, header_orientation

    image = Image.open(io.BytesIO(badfiles.striped_png(3000, 2000, 8, 6)))
    assert header_orientation(image) == 1 and decode_cost(image, 512) > 0
    assert image._im is None  # still only the header: nothing decoded


def test_a_pngs_orientation_after_its_pixels_still_turns_it():
    pixels = np.zeros((20, 40), np.uint8)
    pixels[:, :20] = 255
    exif = Image.Exif()
    exif[0x0112] = 6
    data = badfiles.encode(Image.fromarray(pixels), "PNG", exif=exif.tobytes())
    out = decode_upload(data, SETTINGS)
    assert out.pixels.shape == (40, 20) and (out.original_width, out.original_height) == (20, 40)
    assert out.pixels[:20].mean() > 200 and out.pixels[20:].mean() < 50


def test_big_buffers_go_back_to_the_kernel_when_freed():
    """After decoding eight 16.8 MP RGBA images one after another on eight threads, the process
    holds little more than after one (each thread's malloc arena used to keep its ~130 MiB)."""
    import threading

    from app.imaging import MMAP_THRESHOLD

    def rss_mib() -> float:
        from pathlib import Path

        return int(Path("/proc/self/statm").read_text().split()[1]) * 4096 / 2**20

    data = badfiles.striped_png(2048, 2048, 8, 6)  # 16 MiB of RGBA: one Pillow block, above the threshold
    assert MMAP_THRESHOLD <= 2048 * 2048 * 4
    settings = Settings(max_image_pixels=20_000_000)
    decode_upload(data, settings)
    before = rss_mib()
    for _ in range(8):
        t = threading.Thread(target=decode_upload, args=(data, settings))
        t.start()
        t.join()
    assert rss_mib() - before < 40
