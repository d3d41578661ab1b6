"""Issue 11 (part B) in Chromium: the stride picture follows the step with no request."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import shot


def test_stride_picture_follows_the_keyboard(page, server):
    page.goto(server + "/conv2d?stride=2")
    cur = page.locator(".stride-picture [data-b='cur@transform']")
    prev = page.locator(".stride-picture [data-b='prev@transform prev@visibility']")
    expect(cur).to_have_attribute("transform", "translate(0 0)")
    expect(prev).to_have_attribute("visibility", "hidden")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # step 2: the second row of windows, two rows down
    expect(cur).to_have_attribute("transform", "translate(0 2)")
    expect(prev).to_have_attribute("transform", "translate(2 0)")
    expect(prev).to_have_attribute("visibility", "visible")
    expect(page.locator(".stride-picture")).to_contain_text("Never covered: last column (column 4, padding).")
    shot(page, "stride-picture")
