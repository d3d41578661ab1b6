"""In the browser, a form's result and a typed URL both end on the state's one canonical URL."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import wait_until


@pytest.mark.parametrize("fixture", ["server", "bare_server"])  # with htmx (HX-Push-Url) and without (302)
def test_applying_the_form_lands_on_the_canonical_url(page, request, fixture):
    base = request.getfixturevalue(fixture)
    page.goto(f"{base}/conv2d")
    page.fill('#settings input[name="stride"]', "02")
    page.fill('#settings input[name="padding"]', "VALID")
    page.fill('#settings input[name="bias"]', "0.50")
    page.click("button[type=submit]:has-text('Apply')")
    page.wait_for_url(re.compile(r"/conv2d\?bias=0\.5&stride=2&padding=0$"))
    wait_until(page, "document.querySelector('#workspace')?.dataset.last === '0'")  # 4×4, 3×3, s 2, p 0: 1 step
    assert page.locator('#settings input[name="stride"]').input_value() == "2"  # the form shows the canonical spelling
    # a new page's head names its twin; with htmx the fragment swaps the head's link out of band
    assert page.locator('link[rel="alternate"]').get_attribute("href") == "/conv2d.json?bias=0.5&stride=2&padding=0"


def test_a_typed_url_is_redirected_and_its_twin_is_linked(page, server):
    page.goto(f"{server}/conv2d?step=3&kernel=edge&padding=1&grid=1%2C2%3B3%2C4")
    assert page.url.endswith("/conv2d?grid=1,2;3,4&kernel=edge&step=3")
    assert page.locator('link[rel="alternate"]').get_attribute("href") == "/conv2d.json?grid=1,2;3,4&kernel=edge&step=3"
    twin = page.request.get(f"{server}/conv2d.json?grid=1,2;3,4&kernel=edge&step=3").json()
    assert twin["url"] == "/conv2d?grid=1,2;3,4&kernel=edge&step=3" and twin["trace"]["out_index"] == [1, 1]
