"""GET /api/classes/{code}/qr.svg decodes back to the join URL: the served SVG is drawn with Pillow
(its one path of horizontal runs, read here independently of segno) and read by zxing-cpp."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from app.main import create_app
from app.settings import Settings

zxingcpp = pytest.importorskip("zxingcpp", reason="zxing-cpp (QR decoding) is in the dev extra")

PX = 6  # pixels per module in the test's raster


def rasterise(svg: str) -> Image.Image:
    """Draw the SVG's QR path: ``M x y`` / ``m dx dy`` moves and ``h n`` runs of stroke width 1, under scale(s)."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = float(re.search(r'transform="scale\(([\d.]+)\)"', svg).group(1))
    d = re.search(r' d="([^"]+)"', svg).group(1)
    modules = round(width / scale)
    image = Image.new("L", (modules * PX, modules * PX), 255)
    draw = ImageDraw.Draw(image)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHhVv])([-\d.\s]+)", d):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        elif command == "h":
            top = int(y - 0.5)
            draw.rectangle([int(x) * PX, top * PX, int(x + values[0]) * PX - 1, (top + 1) * PX - 1], fill=0)
            x += values[0]
        else:  # segno writes only horizontal runs; anything else would be drawn wrong
            raise AssertionError(f"unexpected path command {command}")
    return image


@pytest.mark.parametrize("public_url", ["", "https://convstep.example.org"])
def test_the_qr_code_decodes_to_the_join_url(tmp_path, public_url):
    app = create_app(Settings(data_dir=tmp_path, htmx_source="none", public_url=public_url))
    with TestClient(app) as client:
        started = client.post("/api/classes").json()
        r = client.get(f"/api/classes/{started['code']}/qr.svg")
        assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
        image = rasterise(r.text)
        image.save(tmp_path / "qr.png")
        found = zxingcpp.read_barcodes(image)
        assert [b.format for b in found] == [zxingcpp.BarcodeFormat.QRCode]
        assert found[0].text == started["join_url"]
        assert found[0].text.endswith(f"/join/{started['code']}")
        if public_url:
            assert found[0].text.startswith(public_url)
