"""Take it home in Chromium: the print stylesheet turns a step into a one-page handout (no navigation, settings or
controls; the numbers large), the download links name the step on screen, and the GIF they point at is a GIF."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import shot


def test_print_shows_one_step_without_controls(page, server):
    page.goto(server + "/conv2d?step=5")
    assert page.locator("header.top").is_visible() and page.locator("nav.controls").is_visible()
    page.emulate_media(media="print")
    for hidden in ("header.top", "nav.controls", ".settings", ".downloads", "footer.bottom"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert page.locator("#status").is_visible()
    assert "Step 6 of 16" in page.locator("#status").inner_text()  # shown 1-based: step=5 is the sixth
    out = page.locator(".output-panel table.grid td.cur")
    expect(out).to_have_text("59")  # output (1, 1) of the notes' grid under sharpen
    size = float(page.locator(".output-panel table.grid td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert size >= 20  # the numbers large
    page.set_viewport_size({"width": 1123, "height": 794})  # A4 landscape at 96 dpi
    height = page.evaluate("document.documentElement.scrollHeight")
    shot(page, "export-print-conv2d")
    assert height <= 794 * 1.5, height  # about one page (the print margins aside)
    page.emulate_media(media="screen")
    assert page.locator("header.top").is_visible()


def test_the_slide_link_follows_the_step(page, server):
    page.goto(server + "/conv1d")
    link = page.locator("a[data-export-step]")
    assert link.get_attribute("href") == "/conv1d.svg"
    page.locator("h1").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#workspace")).to_have_attribute("data-step", "2")
    link.dispatch_event("click")  # the href is rewritten on click (a download would leave the page)
    assert re.search(r"/conv1d\.svg\?step=2$", link.get_attribute("href"))
    gif = page.request.get(server + page.locator(".downloads a", has_text="GIF").get_attribute("href"))
    assert gif.ok and gif.body()[:6] == b"GIF89a"
    page.emulate_media(media="print")
    shot(page, "export-print-conv1d")
    page.goto(server + "/pool?op=avg&padding=1&step=3")
    page.emulate_media(media="print")
    assert page.locator("nav.controls").is_hidden()
    shot(page, "export-print-pool")
