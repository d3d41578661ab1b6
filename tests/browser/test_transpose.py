"""/transpose in Chromium: both ways of stepping move in the page with no request, the URL follows,
every grid is labelled input or output, W's row and Wᵀ's column (scatter) or Wᵀ's row (gather) follow
the step, axe finds nothing after stepping, and the projector and phone layouts are photographed.

Expected numbers are worked by hand for the default layer: the notes' 4×4 input, kernel 1…9 row by
row, stride 2, padding 1, y = 1, 2; 3, 4.
"""

from __future__ import annotations

import re

from tests.browser.conftest import shot, violations
from tests.browser.test_stepping import requests_during, step_of


def test_scatter_stamps_add_up_with_no_request(page, server):
    page.goto(server + "/transpose")
    labels = page.locator(".grid-label").all_inner_texts()
    assert [t.lower() for t in labels] == ["input y", "stamp = y × kernel", "output"]

    def press() -> None:
        for _ in range(2):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == "2" and re.search(r"step=2\b", page.url)
    # y1,0 = 3 stamps 3·kernel at (1, −1): its left column falls outside the output
    assert page.locator("table.products td:not(.pad) .p").all_inner_texts() == ["6", "9", "15", "18", "24", "27"]
    assert page.locator("table.products td.pad").count() == 3
    # after three stamps x1,1 = 1·9 + 2·7 + 3·3 = 32, x3,0 = 3·8 = 24
    out = page.locator("table.grid.output td")
    assert out.nth(5).inner_text() == "32" and out.nth(12).inner_text() == "24"
    assert page.locator("table.grid.output td.win").count() == 6
    assert page.locator("table.grid.input td.win").inner_text() == "3"
    assert page.locator("table.matrix tr.current th").inner_text() == "y1,0"  # row 2 of W
    assert page.locator("table.matrix td.tcol").count() == 16  # column 2 of Wᵀ
    assert page.locator("#announcer").inner_text().startswith("Step 3 of 4 · input y1,0 = 3")  # 1-based; URL step=2
    page.keyboard.press("ArrowRight")
    assert [out.nth(i).inner_text() for i in (5, 6, 9, 10, 15)] == ["36", "24", "34", "20", "36"]  # 4 adds in
    shot(page, "transpose-scatter")


def test_gather_reads_rows_of_w_transposed(page, server, axe_source):
    page.goto(server + "/transpose?mode=gather")
    labels = [t.lower() for t in page.locator(".grid-label").all_inner_texts()]
    assert labels == ["input y, zero-stuffed and padded", "kernel, flipped", "window × flipped kernel", "output"]

    def press() -> None:
        for _ in range(6):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == "6"
    # output x1,2: the flipped kernel over the stuffed y at (1, 2) meets 2 under 8 and 4 under 2
    assert page.locator("table.products td:not(.pad) .p").all_inner_texts() == ["16", "8"]
    assert page.locator("[data-b=sum]").inner_text() == "24"
    assert page.locator("table.grid.output td.cur").inner_text() == "24"
    assert page.locator("table.grid.output td.done").count() == 6
    assert page.locator("table.matrix tr.current th").inner_text() == "x1,2"  # row 6 of Wᵀ
    assert page.locator("[data-b=wty]").inner_text() == "x1,2 = row 6 of Wᵀ · y = 8·2 + 2·4 = 24"
    assert violations(page, axe_source) == []
    page.go_back()
    page.wait_for_url(re.compile(r"step=5\b"))
    assert step_of(page) == "5"
    page.locator("a", has_text="Scatter: one input cell").click()
    page.wait_for_url(re.compile(r"/transpose$"))
    assert page.locator(".grid-label").first.inner_text().lower() == "input y"
    shot(page, "transpose-gather")


def test_projector_and_phone_layouts(browser, server):
    for name, viewport, url in [("transpose-phone", {"width": 390, "height": 900}, "/transpose?mode=gather&step=5"),
                                ("transpose-projector", {"width": 1280, "height": 720}, "/transpose?step=1")]:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(server + url)
        if name.endswith("projector"):
            page.locator("h1").click()
            page.keyboard.press("p")
            page.wait_for_url(re.compile(r"projector=1"))
            assert "projector" in page.locator("body").get_attribute("class")
            assert page.locator("table.grid.output td").first.inner_text() == "5"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: the page scrolls sideways ({width}px)"
        shot(page, name)
        context.close()


NON_SQUARE = "/transpose?size=5x6&kernel=1,2,3;4,5,6&dilation=2"


def test_a_non_square_dilated_layer_steps_in_the_page(page, server, axe_source):
    """5×6 input, 2×3 kernel 1…6, stride 2, padding 1, dilation 2 → y 3×2 = 1…6, turned back into 5×6. Worked by hand:
    y0,0 = 1 stamps at (−1, −1) with taps 2 apart, so only the taps (1, 1) and (1, 2) land, on x1,1 = 5 and x1,3 = 6."""
    page.goto(server + NON_SQUARE)
    assert page.locator("table.grid.output tbody tr").count() == 5
    assert page.locator("table.grid.output tbody tr").first.locator("td").count() == 6
    assert page.locator("table.products td:not(.pad) .p").all_inner_texts() == ["5", "6"]
    out = page.locator("table.grid.output td")
    assert out.nth(7).inner_text() == "5" and out.nth(9).inner_text() == "6"

    def press() -> None:
        for _ in range(3):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == "3" and re.search(r"step=3\b", page.url)
    # after four stamps (y = 1, 2, 3, 4) x1,1 = 4·1 + 3·2 + 2·4 + 1·5 = 23, the value the whole layer has there
    assert out.nth(7).inner_text() == "23"
    assert "taps 2 apart" in page.locator("#status").inner_text()
    assert violations(page, axe_source) == []
    shot(page, "transpose-dilated-laptop")
    page.locator("a", has_text="Gather: one output cell").click()
    page.wait_for_url(re.compile(r"mode=gather"))
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert page.locator("[data-b=sum]").inner_text() == "23"  # output x1,1 gathered: the same number
    shot(page, "transpose-dilated-gather")


def test_non_square_dilated_on_phone_and_projector(browser, server):
    for name, viewport, url in [("transpose-dilated-phone", {"width": 390, "height": 900}, NON_SQUARE + "&step=2"),
                                ("transpose-dilated-projector", {"width": 1280, "height": 720},
                                 NON_SQUARE + "&step=2&projector=1"),
                                ("transpose-channels", {"width": 1400, "height": 1000},
                                 "/transpose?size=4x5&channels=2&kernel=1,0;0,1%7C0,1;1,0%7C1,1;1,1%7C1,-1;-1,1"
                                 "&padding=0&pair=1,1"),
                                ("transpose-channels-phone", {"width": 390, "height": 900},
                                 "/transpose?size=4x5&channels=2&kernel=1,0;0,1%7C0,1;1,0%7C1,1;1,1%7C1,-1;-1,1"
                                 "&padding=0&pair=0,1")]:
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        page.goto(server + url)
        assert page.locator(".grid-label").first.inner_text().lower() == "input y"
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name}: the page scrolls sideways ({width}px)"
        shot(page, name)
        context.close()


THREE_BY_THREE = ("/transpose?size=3x3&channels=3&kernel=1,0;0,1%7C0,1;1,0%7C1,1;1,1%7C1,-1;-1,1%7C2,0;0,2%7C0,3;3,0"
                  "%7C1,2;3,4%7C4,3;2,1%7C0,0;0,5&stride=1&padding=0&pair=2,1")


def test_the_block_w_transposed_reads_at_1280x720(browser, server, axe_source):
    """3 kernels × 3 channels on a 3×3 input: the layer's Wᵀ is 27×12 in 3×3 blocks of 9×4. At 1280×720 the table
    fits the width with numbers of a readable size, every block is labelled (out c, in n), the stepped pair's block
    (out 1, in 2: kernel 2's channel 1 = 4, 3; 2, 1) is highlighted, and its label steps another pair."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server + THREE_BY_THREE)
    table = page.locator("table.matrix.blocks")
    table.scroll_into_view_if_needed()
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    assert page.locator("table.matrix.blocks td").count() == 27 * 12
    size = float(page.evaluate("getComputedStyle(document.querySelector('table.matrix.blocks td')).fontSize")[:-2])
    assert size >= 11
    labels = page.locator("table.matrix.blocks tr.block-label th a").all_inner_texts()
    assert labels == [f"block (out {c}, in {n})" for c in range(3) for n in range(3)]
    lit = page.locator("table.matrix.blocks td.pairblock")
    assert lit.count() == 9 * 4
    assert lit.all_inner_texts()[:8] == ["4", "0", "0", "0", "3", "4", "0", "0"]  # y0,0 stamps 4, 3; 2, 1 at x0,0
    assert violations(page, axe_source) == []
    page.evaluate("document.getElementById('block-wt').scrollIntoView()")
    shot(page, "transpose-block-wt", full_page=False)
    page.locator("a", has_text="block (out 0, in 1)").click()
    page.wait_for_url(re.compile(r"pair=1,0"))
    assert page.locator("table.matrix.blocks tr.block-label th.pairblock").inner_text() == "block (out 0, in 1)"
    context.close()
