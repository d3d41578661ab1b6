"""An image step's tables arrive as data (#step-view, app/web/step_view.py) and stepper.js lays them out:
after a step in the page, the magnifier, the products, W's rows and the row times x are the same DOM the
server draws when that step's URL is loaded whole."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shot

TABLES = ("#magnifier", "#products", "#w-table", "#wx")


def drawn(page) -> dict[str, str]:
    """Each table's markup and label as the page holds it now."""
    return page.evaluate("""(ids) => Object.fromEntries(ids.map((id) => {
        const e = document.querySelector(id);
        return [id, e.getAttribute('aria-label') + ' | ' + e.innerHTML];
    }))""", list(TABLES))


@pytest.mark.parametrize(("query", "start", "how"), [
    ("image=shapes&kernel=edge", 0, "ArrowRight"),  # step 1: the window's top row on padding
    ("image=shapes&kernel=edge", 95, "ArrowRight"),  # step 96: the first cell of the second output row
    ("image=shapes&kernel=edge", 4000, "Shift+ArrowRight"),  # a row down: step 4096
    ("image=shapes&kernel=edge", 9214, "ArrowRight"),  # the last step: no W row below
    ("image=shapes&kernel=gaussian_blur_5", 4000, "ArrowRight"),  # 5×5, 1/256 · […]: products shown times 256
    ("image=shapes&kernel=edge&stride=2&dilation=2&bias=2", 300, "ArrowRight"),  # gaps in the window, a bias
    ("image=shapes&kernel=sharpen&symbols=1&flip=1", 500, "ArrowLeft"),  # W by the weights' names, flipped
])
def test_a_step_drawn_from_data_matches_the_page_the_server_draws(page, server, query, start, how):
    page.goto(f"{server}/conv2d?{query}&step={start}")
    before = drawn(page)
    page.keyboard.press(how)
    step = int(re.search(r"step=(\d+)", page.url).group(1))
    assert step != start
    expect(page.locator("#workspace")).to_have_attribute("data-step", str(step))
    expect(page.locator("#w-table")).to_have_attribute("aria-label", f"Rows of W around step {step}")
    stepped = drawn(page)
    assert stepped != before
    page.goto(f"{server}/conv2d?{query}&step={step}")
    assert drawn(page) == stepped


def test_stepping_on_then_back_draws_the_first_step_again(page, server):
    page.goto(f"{server}/conv2d?image=shapes&kernel=edge&step=4000")
    first = drawn(page)
    for step in range(4001, 4004):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#w-table")).to_have_attribute("aria-label", f"Rows of W around step {step}")
    expect(page.locator("#magnifier td.win")).to_have_count(9)
    expect(page.locator("#magnifier td.win").first).to_have_attribute("aria-label", "30, in window")
    shot(page, "image-step-view")
    for step in range(4002, 3999, -1):
        page.go_back()
        expect(page.locator("#w-table")).to_have_attribute("aria-label", f"Rows of W around step {step}")
    assert drawn(page) == first
