"""The 2-D stepper in headless Chromium: buttons, keys, forms, upload, links, no-JS, projector, phone."""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from app import htmx
from tests.browser.conftest import open_settings, shot, wait_until

GRID = np.array([[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]], dtype=float)
SHARPEN = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
# the presets written out (not read from the engine's catalogue), and what the page multiplies products by
KERNELS = {"sharpen": (np.array(SHARPEN, dtype=float), 1), "box_blur": (np.full((3, 3), 1 / 9), 9)}


def expected_step(x: np.ndarray, kernel: np.ndarray, step: int, stride: int = 1, padding: int = 1):
    """Window (zero padding included), products, result and W's row of ``step``, by plain loops and
    slicing: an independent twin of the engine's trace, as the notes draw it."""
    k = kernel.shape[0]
    out_w = (x.shape[1] + 2 * padding - k) // stride + 1
    r, c = divmod(step, out_w)
    window = np.pad(x, padding)[r * stride:r * stride + k, c * stride:c * stride + k]
    products = window * kernel
    row = np.zeros(x.size)
    for a in range(k):
        for b in range(k):
            i, j = r * stride - padding + a, c * stride - padding + b
            if 0 <= i < x.shape[0] and 0 <= j < x.shape[1]:
                row[i * x.shape[1] + j] = kernel[a, b]
    return window, products, float(products.sum()), row


def shown_result(page) -> float:
    return float(page.locator(".sum .result").inner_text().replace("−", "-"))


def shown_step(page) -> int:
    return int(page.locator("#workspace").get_attribute("data-step"))


def wait_for_step(page, step: int) -> None:
    """htmx pushes the URL, swaps, then settles: for 20 ms the swapped-in #workspace keeps the old
    element's attributes, so wait for its data-step rather than reading it as soon as the URL moves."""
    expect(page.locator("#workspace")).to_have_attribute("data-step", str(step))  # no eval: the page's CSP forbids it


def check_numbers(page, step: int, kernel: str = "sharpen", **geo) -> None:
    """Window, products, sum, output cell and W row on screen agree with a plain-loop twin (not the engine)."""
    matrix, d = KERNELS[kernel]  # d: a 1/9 · [1 …] kernel's products are shown times 9 (35·1 = 35)
    expected_window, expected_products, expected_result, expected_row = expected_step(
        GRID, matrix, step, stride=geo.get("stride", 1), padding=geo.get("padding", 1))
    wait_for_step(page, step)
    assert shown_step(page) == step
    assert shown_result(page) == pytest.approx(expected_result, rel=1e-3)
    products = [float(t.replace("−", "-")) / d for t in page.locator("table.products .p").all_inner_texts()]
    np.testing.assert_allclose(products, expected_products.ravel(), rtol=1e-3, atol=1e-3)
    window = [float(t.replace("−", "-")) for t in page.locator("table.grid.input td.win").all_inner_texts()]
    assert sorted(window) == sorted(expected_window.ravel().tolist())
    assert page.locator("table.grid.output td.cur").inner_text().replace("−", "-") == page.locator(
        ".sum .result"
    ).inner_text().replace("−", "-")
    row = [float(t.replace("−", "-")) for t in page.locator("table.matrix tr.current td").all_inner_texts()]
    np.testing.assert_allclose(row, expected_row, rtol=1e-3, atol=1e-3)


def test_step_with_buttons_and_keys(page, server):
    page.goto(f"{server}/conv2d")
    check_numbers(page, 0)
    shot(page, "numbers-mode")
    page.locator('[data-key="next"]').click()
    page.wait_for_url(re.compile(r"step=1"))
    check_numbers(page, 1)
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=2\b"))
    check_numbers(page, 2)
    page.keyboard.press("Shift+ArrowRight")
    page.wait_for_url(re.compile(r"step=6\b"))
    check_numbers(page, 6)
    page.keyboard.press("End")
    page.wait_for_url(re.compile(r"step=15\b"))
    check_numbers(page, 15)
    page.keyboard.press("Home")
    page.wait_for_url(re.compile(r"/conv2d(\?step=0)?$"))  # the canonical URL leaves step 0 out; pushState may spell it
    page.go_back()
    page.wait_for_url(re.compile(r"step=15\b"))
    page.locator("table.grid.output td").nth(9).locator("button").click()
    page.wait_for_url(re.compile(r"step=9\b"))
    check_numbers(page, 9)


@pytest.mark.skipif(not htmx.LOCAL_FILE.is_file(), reason="pinned htmx not fetched (make htmx)")
def test_htmx_steps_without_reloading(page, server):
    page.goto(f"{server}/conv2d")
    wait_until(page, "window.htmx !== undefined")
    page.evaluate("window.__marker = 42")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=1"))
    wait_until(page, "document.querySelector('#workspace').dataset.step === '1'")
    assert page.evaluate("window.__marker") == 42  # same document: only the fragment moved
    check_numbers(page, 1)


def test_autoplay_advances_and_stops(page, server):
    page.goto(f"{server}/conv2d?step=13")
    page.locator("[data-speed]").select_option("60")
    page.keyboard.press(" ")
    page.wait_for_url(re.compile(r"step=15\b"), timeout=10_000)
    wait_until(page, "document.querySelector('[data-play]').getAttribute('aria-pressed') === 'false'")
    check_numbers(page, 15)


def test_switch_filter_stride_and_padding(page, server):
    page.goto(f"{server}/conv2d")
    page.select_option('select[name="kernel"]', "box_blur")
    page.fill('input[name="stride"]', "2")
    page.fill('input[name="padding"]', "1")
    page.click("button[type=submit]:has-text('Apply')")
    page.wait_for_url(re.compile(r"kernel=box_blur.*stride=2|stride=2.*kernel=box_blur"))
    page.wait_for_selector("text=1/9")
    check_numbers(page, 0, "box_blur", stride=2)
    assert page.locator("table.grid.output td").count() == 4
    open_settings(page)
    page.fill('input[name="padding"]', "wide")  # free text: only the server can say no
    page.click("button[type=submit]:has-text('Apply')")
    page.wait_for_selector(".error-panel")
    assert "padding" in page.locator(".error-panel").inner_text()
    page.console_errors.clear()  # the 422 behind the panel was the point
    assert page.locator('select[name="kernel"]').input_value() == "box_blur"  # other choices kept


def test_custom_kernel_validates_as_you_type(page, server):
    page.goto(f"{server}/conv2d")
    box = page.locator("[data-custom-kernel]")
    box.fill("1,0;0")
    assert "same number of values" in page.locator("#kernel-check").inner_text()
    box.fill("1,0;0,-1")
    assert "2×2" in page.locator("#kernel-check").inner_text()
    page.click("button[type=submit]:has-text('Apply')")
    page.wait_for_url(re.compile(r"/conv2d\?kernel=1,0;0,-1$"))  # the form's result, spelled canonically
    assert shown_result(page) == -35  # padding 1: the first window is 0, 0; 0, 35 → 1·0 + (−1)·35


def test_upload_an_image_and_step_it(page, server, rng):
    pixels = (rng.random((40, 60)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    page.goto(f"{server}/conv2d")
    page.locator("#pick-image > summary").click()
    page.set_input_files('input[type="file"]', files=[{"name": "mine.png", "mimeType": "image/png", "buffer": buf.getvalue()}])
    page.click("form.upload button")
    page.wait_for_url(re.compile(r"image=[0-9a-f]{32}"))
    assert "Magnifier" in page.content()
    assert shown_result(page) == expected_step(pixels.astype(float), KERNELS["sharpen"][0], 0)[2]
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=1"))
    wait_for_step(page, 1)  # the URL moves when the step is asked for; the panels when its answer arrives
    assert shown_result(page) == expected_step(pixels.astype(float), KERNELS["sharpen"][0], 1)[2]


def test_drop_an_image_on_the_upload_box(page, server, rng):
    pixels = (rng.random((24, 30)) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    page.goto(f"{server}/conv2d?image=digit#pick-image")  # the home page's link: opens the picker and its drop zone
    zone = page.locator("form.upload[data-dropzone]")
    assert zone.is_visible()
    # a real DataTransfer holding the file, dropped on the zone as a person's drag would
    data = page.evaluate_handle(
        """bytes => { const dt = new DataTransfer();
                      dt.items.add(new File([new Uint8Array(bytes)], "dropped.png", {type: "image/png"}));
                      return dt; }""",
        list(buf.getvalue()),
    )
    zone.dispatch_event("dragover", {"dataTransfer": data})
    zone.dispatch_event("drop", {"dataTransfer": data})
    page.wait_for_url(re.compile(r"image=[0-9a-f]{32}"))
    assert shown_result(page) == expected_step(pixels.astype(float), KERNELS["sharpen"][0], 0)[2]


def test_image_mode_click_to_jump(page, server):
    page.goto(f"{server}/conv2d?image=shapes&kernel=sobel_x")
    page.wait_for_selector("svg[data-click=output] image")
    page.locator("svg[data-click=output]").scroll_into_view_if_needed()  # the mouse clicks in the viewport only
    box = page.locator("svg[data-click=output]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_url(re.compile(r"step=\d{3,}"))
    step = int(re.search(r"step=(\d+)", page.url).group(1))
    wait_for_step(page, step)
    row, col = divmod(step, 96)
    assert 40 <= row <= 56 and 40 <= col <= 56
    shot(page, "image-mode")


def test_shared_link_reproduces_the_view(page, server):
    page.goto(f"{server}/conv2d?grid=1,2,3;4,5,6;7,8,9&kernel=1,1;1,1&stride=1&padding=0&step=3")
    assert shown_step(page) == 3 and shown_result(page) == 5 + 6 + 8 + 9
    assert page.locator('textarea[name="grid"]').input_value() == "1,2,3;4,5,6;7,8,9"


def test_without_javascript(browser, bare_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{bare_server}/conv2d")
    assert page.locator("[data-play]").is_hidden()  # JS-only controls stay out of the way
    page.locator('[data-key="next"]').click()
    page.wait_for_url(re.compile(r"step=1"))
    assert shown_result(page) == 13  # 5·19 − (35 + 25 + 22): the window's top row is padding
    page.fill("input[data-step-input]", "8")  # 1-based: "step 8 of 16" is step=7 in the URL
    page.click("form.jump button[type=submit]")
    page.wait_for_url(re.compile(r"step=7"))
    assert shown_result(page) == 233  # 5·53 − (6 + 16 + 10): the window's right column is padding
    context.close()


def test_projector_and_phone_layouts(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server}/conv2d?step=5&projector=1")
    assert page.locator(".settings").is_hidden()
    size = float(page.locator("table.grid.input td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size >= 26  # readable from the back of a classroom
    # the whole step is on one screen: every panel, the products and the sum, no scrolling
    for selector in (".input-panel", ".compute-panel", ".output-panel", "table.grid.products", ".sum .result", ".controls"):
        box = page.locator(selector).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720, selector
    assert page.locator(".sum .result").inner_text() == "59"
    shot(page, "projector-1280x720", full_page=False)
    context.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    page.goto(f"{server}/conv2d?step=5")
    inp, comp, out = (page.locator(f".{name}-panel").bounding_box() for name in ("input", "compute", "output"))
    assert abs(inp["y"] - out["y"]) < 2 and inp["x"] + inp["width"] <= out["x"]  # input and output side by side
    assert comp["y"] >= inp["y"] + inp["height"]  # the computation under them
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shot(page, "phone-390")
    phone.close()
