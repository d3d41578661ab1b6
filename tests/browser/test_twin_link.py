"""Stepping with no request moves the URL with pushState; the head's <link id="json-twin"> follows,
so a program handed the page's twin link gets the step on screen (and back/forward keep it true).

Expected numbers are worked by hand: the 7×7 grid 1…49 under kernel [[1, 0], [0, 1]] gives
y[r, c] = 14r + 2c + 10 (tests/browser/test_stepping.py)."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser.conftest import shot
from tests.browser.test_stepping import SEVEN, requests_during


def twin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}.json?{parts.query}" if parts.query else f"{parts.path}.json"


def twin_href(page) -> str:
    return page.locator("head link#json-twin").get_attribute("href")


def test_the_twin_link_follows_stepping_with_no_request(page, server):
    page.goto(server + SEVEN)
    assert twin_href(page) == twin_of(page.url)

    def press() -> None:
        for _ in range(30):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert "step=30" in page.url
    href = twin_href(page)
    assert href == twin_of(page.url) and "step=30" in href
    data = page.request.get(server + href).json()
    assert data["step"] == 30 and data["trace"]["result"] == 80  # (5, 0): 36 + 44
    shot(page, "twin-link-step30")
    page.go_back()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "29")
    assert twin_href(page) == twin_of(page.url) and "step=29" in twin_href(page)
    assert page.request.get(server + twin_href(page)).json()["trace"]["result"] == 76  # (4, 5): 34 + 42
    for _ in range(29):
        page.keyboard.press("ArrowLeft")
    assert twin_href(page) == twin_of(page.url) and "step=" not in twin_href(page)


def test_the_twin_link_follows_a_lecture_page(page, server):
    page.goto(server + "/conv1d?input=1,2,3,4,5&kernel=1,1")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert twin_href(page) == "/conv1d.json?input=1,2,3,4,5&kernel=1,1&step=2"
    assert page.request.get(server + twin_href(page)).json()["state"]["step"] == 2


def test_transpose_checks_a_typed_kernel_against_its_setting(page, server):
    """The kernel box on /transpose is checked while typing against CONVSTEP_MAX_TRANSPOSE_KERNEL (4 by default),
    read from the container's data-max-kernel."""
    page.goto(server + "/transpose")
    box = page.locator('textarea[name="kernel"]')
    box.fill(";".join(["1,2,3,4,5"] * 5))
    box.dispatch_event("input")
    assert box.evaluate("e => e.validationMessage") == "At most 4×4"
    box.fill(";".join(["1,2,3,4"] * 4))
    box.dispatch_event("input")
    assert box.evaluate("e => e.validationMessage") == ""
