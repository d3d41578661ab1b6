"""Every page checked by axe-core in Chromium: WCAG 2 A/AA and best practices, no violations.

axe-core is third-party code, so it is fetched at test time with ``npm pack`` into the git-ignored
tests/browser/.vendor/ and never committed. Pages run under our strict CSP; the test context
bypasses it only so that axe itself can be injected.
"""

from __future__ import annotations

import pytest

from .conftest import violations

PAGES = [
    "/",
    "/conv2d",
    "/conv2d?step=7&stride=2",
    "/conv2d?image=shapes&kernel=sobel_x&step=4000",
    "/conv2d?image=colour&kernel=box_blur",
    "/conv2d?projector=1&step=5",
    "/conv2d?stride=0",
    "/conv1d",
    "/conv2d?kernel=1,2;3,4&flip=1&step=6&symbols=1",
    "/conv2d?image=shapes&kernel=edge&step=300",
    "/conv1d?input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride=2&step=1&symbols=1",
    "/conv2d?kernel=box_blur&compare=sharpen&step=5&projector=1&dense=1",
    "/conv2d?image=shapes&projector=1",
    "/pool?op=avg",
    "/pool?input=0,0,0,0;0,9,0,0;0,0,0,0;0,0,0,0&shift=down",
    "/volume",
    "/transpose?step=2",
    "/pool?padding=1&op=avg&count_include_pad=0",
    "/volume?channels=4&filters=4&groups=2&step=10",
    "/transpose?mode=gather&step=5",
    "/shapes?input=5&kernel=3&padding=1&stride=3",
    "/shapes?input=288&stride=2&padding=0&output=143&unknown=kernel",
    "/flip",
    "/text",
    "/network",
    "/network?sample=5&at=conv2,3,1,2",
    "/network?at=pool1,2,1,3&projector=1",
    "/volume?padding=1&input=1:2,3:4;5:6,7:8&weights=1:0&bias=0.5",
]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("width", [1280, 390])
def test_no_accessibility_violations(browser, server, axe_source, path, width):
    context = browser.new_context(bypass_csp=True, viewport={"width": width, "height": 800})
    page = context.new_page()
    page.goto(server + path)
    assert violations(page, axe_source) == []
    context.close()
