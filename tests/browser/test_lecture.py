"""Every lecture page in Chromium: it renders without console errors, steps, and looks right."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import shot

PAGES = ["/", "/conv1d", "/pool", "/volume", "/transpose", "/shapes", "/flip", "/text"]


@pytest.mark.parametrize("path", PAGES)
def test_page_renders(page, server, path):
    page.goto(f"{server}{path}")
    assert page.locator("h1").first.is_visible()
    shot(page, "lecture" + (path.replace("/", "-") if path != "/" else "-home"))


def test_stepping_a_lecture_page_with_keys(page, server):
    page.goto(f"{server}/conv1d?input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride=2")
    page.keyboard.press("ArrowRight")
    page.wait_for_url(re.compile(r"step=1"))
    assert page.locator(".sum .result").inner_text() == "26"
    page.keyboard.press("End")
    page.wait_for_url(re.compile(r"step=2"))
    assert page.locator(".sum .result").inner_text() == "38"


def test_home_card_opens_a_worked_example(page, server):
    page.goto(server)
    page.click("text=Ex2 a: F = ?")
    page.wait_for_url(re.compile(r"/shapes"))
    assert "kernel = 4" in page.locator("h2").first.inner_text()
