"""/network in Chromium: drawing a digit with the mouse (a pointer on the pad), the sample picker
and its keys, selecting a cell, and the layouts (laptop, phone, projector) as screenshots.

The prediction shown after drawing is checked against /network.json for the same URL, and the
drawn grid against the pad's rule (each 4×4 block of the 32×32 bitmap counts its inked pixels).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
from playwright.sync_api import expect

from tests.browser.conftest import shot, violations


def twin(server: str, url: str) -> dict:
    parts = urlsplit(url)
    return httpx.get(f"{server}/network.json?{parts.query}").json()


def draw(page, strokes):
    """Each stroke: points in pad fractions (0–1)."""
    box = page.locator("canvas[data-draw]").bounding_box()
    for stroke in strokes:
        (x0, y0), rest = stroke[0], stroke[1:]
        page.mouse.move(box["x"] + x0 * box["width"], box["y"] + y0 * box["height"])
        page.mouse.down()
        for x, y in rest:
            page.mouse.move(box["x"] + x * box["width"], box["y"] + y * box["height"], steps=8)
        page.mouse.up()


def test_drawing_a_digit_makes_the_url_and_the_prediction_is_the_engines(page, server):
    page.goto(server + "/network?sample=3")
    draw(page, [[(0.3, 0.2), (0.7, 0.2), (0.45, 0.85)]])  # a 7: the top bar, then the slanted stroke
    page.wait_for_url(re.compile(r"grid="))
    assert "sample=" not in page.url
    grid = np.array([[float(v) for v in r.split(",")] for r in parse_qs(urlsplit(page.url).query)["grid"][0].split(";")])
    assert grid.shape == (8, 8) and grid.max() <= 16 and grid.min() >= 0 and grid.sum() > 40
    assert (grid[0] + grid[1]).sum() > 0 and grid[:, 0].sum() == 0  # the bar is near the top; nothing at the left edge
    body = twin(server, page.url)
    assert body["input"] == grid.tolist()
    expect(page.locator(".net-controls .prediction")).to_have_text(str(body["prediction"]))
    expect(page.locator("#h-softmax strong")).to_have_text(str(body["prediction"]))
    # a second stroke adds to the same drawing (the pad keeps its bitmap across the swap)
    draw(page, [[(0.35, 0.55), (0.65, 0.55)]])
    page.wait_for_url(lambda url: "grid=" in url and parse_qs(urlsplit(url).query)["grid"][0] != ";".join(
        ",".join(f"{v:g}" for v in row) for row in grid))
    grid2 = np.array(twin(server, page.url)["input"])
    assert (grid2 >= grid).all() and grid2.sum() > grid.sum()
    expect(page.locator(".net-controls .prediction")).to_have_text(str(twin(server, page.url)["prediction"]))
    shot(page, "network-drawn", full_page=False)


def test_sample_picker_keys_and_selecting_a_cell(page, server):
    page.goto(server + "/network?sample=10")
    page.locator("select[name=sample]").select_option("20")
    page.wait_for_url(re.compile(r"sample=20"))
    page.locator("body").press("ArrowRight")
    page.wait_for_url(re.compile(r"sample=21"))
    body = twin(server, page.url)
    expect(page.locator(".net-controls .source")).to_contain_text(f"labelled {body['source']['label']}")
    page.locator("button[name=at][value='conv2,4,2,1']").click()
    page.wait_for_url(re.compile(r"at=conv2,4,2,1"))
    expect(page.locator("#h-sel")).to_contain_text("conv2 map 4, row 2, column 1")
    sel = twin(server, page.url)["selection"]
    (r0, r1), (c0, c1) = sel["field"]["rows"], sel["field"]["cols"]
    expect(page.locator("#h-input ~ .net-channels td.rf")).to_have_count((r1 - r0 + 1) * (c1 - c0 + 1))
    expect(page.locator("section[aria-labelledby=h-pool1] td.src")).to_have_count(8 * 9)  # 3×3 window × 8 channels, all inside
    page.locator("a:has-text('Step it in the volume stepper')").click()
    page.wait_for_url(re.compile(r"/volume\?"))
    expect(page.locator("#given")).to_be_visible()
    expect(page.locator("[data-b=result]").first).to_contain_text(f"{sel['value']:.4g}".replace("-", "−"))


def test_layouts(browser, server):
    for name, w, h, url in (("network-laptop", 1280, 720, "/network?sample=5&at=conv1,2,3,4"),
                            ("network-phone", 390, 844, "/network?sample=5&at=relu1,2,3,4"),
                            ("network-projector", 1920, 1080, "/network?sample=5&at=conv2,3,1,2&projector=1")):
        context = browser.new_context(viewport={"width": w, "height": h})
        page = context.new_page()
        page.goto(server + url)
        expect(page.locator("#h-softmax")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= w, name  # never sideways
        shot(page, name, full_page=False)
        shot(page, name + "-full")
        context.close()


def test_uploading_a_model_shows_it_layer_by_layer(page, server, tmp_path):
    from tests.web.test_network_models import small_cnn

    path = tmp_path / "small.onnx"
    path.write_bytes(small_cnn().SerializeToString())
    page.goto(server + "/network")
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    page.locator("button:has-text('Upload')").click()
    page.wait_for_url(re.compile(r"/network\?model=[0-9a-f]{32}"))
    expect(page.locator("h1")).to_have_text("Your model, layer by layer")
    body = twin(server, page.url)
    expect(page.locator("#h-softmax strong")).to_have_text(str(body["prediction"]))
    page.locator(f"button[name=at][value='{body['summary'][3]['name']},1,0,0']").click()
    expect(page.locator("#h-sel")).to_contain_text("map 1, row 0, column 0")
    shot(page, "network-uploaded")


def test_feeding_an_image_to_an_uploaded_model(browser, server, tmp_path, axe_source):
    """A 3-channel model uploaded, then an RGB image fed through the page's form: the input shows three channel
    tables resized to the model's 6×6, the prediction is the twin's, a selected cell marks its field in every
    channel, and axe finds nothing; at 1280×720 nothing scrolls sideways."""
    from PIL import Image

    from tests.web.test_network_image import RGB, cnn

    model_path, image_path = tmp_path / "rgb.onnx", tmp_path / "pic.png"
    model_path.write_bytes(cnn(3, 6).SerializeToString())
    Image.fromarray(RGB).save(image_path)
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server + "/network")
    page.locator("form.net-upload input[type=file]").set_input_files(str(model_path))
    page.locator("form.net-upload button:has-text('Upload')").click()
    page.wait_for_url(re.compile(r"/network\?model=[0-9a-f]{32}$"))
    page.locator("form.net-image-upload input[type=file]").set_input_files(str(image_path))
    page.locator("form.net-image-upload button:has-text('Feed')").click()
    page.wait_for_url(re.compile(r"/network\?model=[0-9a-f]{32}&image=[0-9a-f]{32}$"))
    expect(page.locator("#h-input")).to_have_text("Input 6×6×3")
    expect(page.locator(".net-channel figcaption")).to_have_text(["red", "green", "blue"])
    body = twin(server, page.url)
    expect(page.locator("#h-softmax strong")).to_have_text(str(body["prediction"]))
    page.locator("button[name=at][value='c,0,2,3']").click()
    expect(page.locator("#h-sel")).to_contain_text("map 0, row 2, column 3")
    expect(page.locator(".net-channels td.rf")).to_have_count(3 * 9)
    assert violations(page, axe_source) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shot(page, "network-image-fed", full_page=False)
    context.close()
