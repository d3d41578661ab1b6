"""Stepping without a round trip: small configurations carry every step, so keys, buttons, the
scrubber and autoplay make no request; the URL follows (back, forward and reload keep the step);
a live region outside the swapped area reads each step; htmx may be missing altogether.

Expected numbers are worked out by hand from the grids below, not by the engine.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_settings, shot, violations

# 7×7 grid holding 1…49 row by row; kernel [[1, 0], [0, 1]], no padding: 6×6 = 36 steps and
# y[r, c] = x[r, c] + x[r+1, c+1] = (7r + c + 1) + (7r + c + 9) = 14r + 2c + 10.
GRID = ";".join(",".join(str(7 * r + c + 1) for c in range(7)) for r in range(7))
SEVEN = f"/conv2d?grid={GRID}&kernel=1,0;0,1&padding=0"


def requests_during(page, action) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    action()
    page.wait_for_timeout(200)  # anything late would show up here
    return seen


def step_of(page) -> str:
    return page.locator("#workspace").get_attribute("data-step")


def test_thirty_presses_make_no_request_and_land_on_step_30(page, server):
    page.goto(server + SEVEN)

    def press() -> None:
        for _ in range(30):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == "30"
    assert re.search(r"[?&]step=30(&|$)", page.url)
    # step 30 is output cell (5, 0): x[5, 0] = 36 and x[6, 1] = 44
    assert page.locator("[data-b=result]").first.inner_text() == "80"
    assert page.locator("table.products .p").all_inner_texts() == ["36", "0", "0", "44"]
    assert sorted(page.locator("table.grid.input td.win").all_inner_texts(), key=int) == ["36", "37", "43", "44"]
    assert page.locator("table.grid.output td.cur").inner_text() == "80"
    assert page.locator("table.grid.output td.done").count() == 30
    assert page.locator("table.grid.output td.todo").count() == 5
    assert page.locator("table.grid.output td.todo").first.inner_text() == "·"
    status = "Step 31 of 36 · output cell (row 5, column 0) · window starts at (row 5, column 0)"
    assert page.locator("#status").inner_text() == status
    assert page.locator("#announcer").inner_text() == status  # the live region outside #workspace
    assert page.locator("#announcer").evaluate("e => !e.closest('#workspace') && e.getAttribute('aria-live')") == "polite"
    # W: row 30 holds the kernel's 1 0 0 1 under the window's columns; y30 = W30·x written out
    assert page.locator("table.matrix tr.current td.nz").all_inner_texts() == ["1", "0", "0", "1"]
    assert page.locator("table.matrix thead th.wcol").all_inner_texts() == ["x5,0", "x5,1", "x6,0", "x6,1"]
    assert page.locator(".wx").inner_text().replace("\n", "").endswith("= 80")
    assert page.locator('[data-key="next"]').get_attribute("href").endswith("step=31")
    assert page.locator("[data-scrubber]").input_value() == "30"


def test_back_forward_and_reload_keep_the_step(page, server):
    page.goto(server + SEVEN)
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    page.go_back()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "29")
    assert re.search(r"step=29\b", page.url)
    assert page.locator("[data-b=result]").first.inner_text() == "76"  # (4, 5): 34 + 42
    page.go_forward()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "30")
    assert page.locator("[data-b=result]").first.inner_text() == "80"
    page.reload()
    assert step_of(page) == "30" and page.locator("[data-b=result]").first.inner_text() == "80"
    for _ in range(3):
        page.go_back()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "27")
    assert page.locator("[data-b=result]").first.inner_text() == "72"  # (4, 3): 32 + 40


def test_buttons_cells_scrubber_and_box_step_in_the_page(page, server):
    page.goto(server + SEVEN)

    def use_everything() -> None:
        page.locator('[data-key="last"]').click()
        assert step_of(page) == "35"
        page.locator("table.grid.output td").nth(8).locator("button").click()  # (1, 2): 14 + 4 + 10
        assert page.locator("[data-b=result]").first.inner_text() == "28"
        page.locator("table.matrix tbody th a", has_text=re.compile(r"^12$")).click()
        assert step_of(page) == "12"
        page.fill("[data-step-input]", "21")  # the box is 1-based: step 21 of 36 is step=20
        page.click("form.jump button[type=submit]")
        assert step_of(page) == "20" and page.locator("[data-b=result]").first.inner_text() == "56"  # (3, 2): 25 + 31
        page.locator("[data-scrubber]").fill("6")
        assert step_of(page) == "6" and page.locator("[data-b=result]").first.inner_text() == "24"  # (1, 0)

    assert requests_during(page, use_everything) == []
    assert re.search(r"step=6\b", page.url)


def test_after_apply_the_new_grid_steps_with_no_request_too(page, server):
    page.goto(server + "/conv2d")
    page.fill('textarea[name="grid"]', GRID)
    page.select_option('select[name="kernel"]', "")
    page.fill("[data-custom-kernel]", "1,0;0,1")
    page.fill('input[name="padding"]', "0")
    page.click("button[type=submit]:has-text('Apply')")  # htmx swaps #app: the new step data comes with it
    expect(page.locator("#workspace")).to_have_attribute("data-last", "35")
    page.wait_for_load_state("networkidle")  # the swapped-in form's sample thumbnails are fetched once

    def press() -> None:
        for _ in range(30):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == "30" and page.locator("[data-b=result]").first.inner_text() == "80"


def test_autoplay_steps_with_no_request(page, server):
    page.goto(server + "/conv2d?step=12")  # the notes' grid: 16 steps
    page.locator("[data-speed]").select_option("60")

    def play() -> None:
        page.keyboard.press(" ")
        expect(page.locator("[data-play]")).to_have_attribute("aria-pressed", "false", timeout=10_000)

    assert requests_during(page, play) == []
    assert step_of(page) == "15" and re.search(r"step=15\b", page.url)
    assert page.locator("[data-b=result]").first.inner_text() == "4"  # sharpen, last cell: 5·3 − 10 − 1


@pytest.mark.parametrize(("path", "presses", "step", "result"), [
    ("/conv1d", 4, 4, "4"),  # x[4..6] = 7, 5, 3 with kernel 1, 0, −1: 7 − 3
    ("/pool?op=max", 3, 3, "4"),  # bottom-right window 1, 0; 3, 4
    ("/pool?op=avg&stride=1", 7, 7, "2"),  # window 2, 1; 2, 3 → 8 ÷ 4
    ("/volume", 7, 7, "8"),  # channel sums −1 + 2 + 6, bias 1
])
def test_lecture_pages_step_with_no_request(page, server, path, presses, step, result):
    page.goto(server + path)

    def press() -> None:
        for _ in range(presses):
            page.keyboard.press("ArrowRight")

    assert requests_during(page, press) == []
    assert step_of(page) == str(step) and re.search(rf"step={step}\b", page.url)
    assert page.locator("#workspace [data-b=result]").last.inner_text() == result
    assert page.locator("#announcer").inner_text().startswith(f"Step {step + 1} of ")  # shown 1-based


def test_single_key_shortcuts_can_be_switched_off(page, server):
    page.goto(server + "/conv2d?step=3")
    page.locator("[data-single-keys]").uncheck()
    page.locator("h1").click()
    page.keyboard.press("p")
    page.keyboard.press(" ")
    page.wait_for_timeout(200)
    assert "projector" not in page.url and page.locator("[data-play]").get_attribute("aria-pressed") == "false"
    page.reload()
    assert not page.locator("[data-single-keys]").is_checked()  # remembered
    page.keyboard.press("ArrowRight")  # arrows are not character keys: they always work
    assert step_of(page) == "4"
    page.locator("[data-single-keys]").check()
    page.locator("h1").click()
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r"projector=1"))


def test_autoplay_starts_slow_when_reduced_motion_is_asked_for(browser, server):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(server + "/conv2d")
    assert page.locator("[data-speed]").input_value() == page.locator("[data-speed]").get_attribute("data-reduced-motion")
    assert page.locator("[data-speed] option:checked").inner_text() == "slow"
    context.close()
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/conv2d")
    assert page.locator("[data-speed] option:checked").inner_text() == "normal"
    context.close()


def test_space_on_a_button_activates_the_button(page, server):
    page.goto(server + "/conv2d?step=2")
    page.locator('[data-key="next"]').focus()
    page.keyboard.press(" ")
    page.wait_for_timeout(200)
    assert page.locator("[data-play]").get_attribute("aria-pressed") == "false"


def test_without_htmx_everything_still_works(page, server):
    page.route(re.compile(r"htmx[^/]*\.js"), lambda route: route.abort())
    page.goto(server + SEVEN)
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert step_of(page) == "3" and page.locator("[data-b=result]").first.inner_text() == "16"  # (0, 3)
    page.goto(server + "/conv2d?image=shapes&kernel=edge&step=5")  # image mode: each step a real link
    page.locator('[data-key="next"]').click()
    page.wait_for_url(re.compile(r"step=6\b"))
    assert step_of(page) == "6"
    open_settings(page)
    page.select_option('select[name="kernel"]', "box_blur")
    page.click("button[type=submit]:has-text('Apply')")
    page.wait_for_url(re.compile(r"kernel=box_blur"))
    page.console_errors.clear()  # the aborted script is reported as a console error


def test_axe_is_clean_after_stepping_in_the_page(browser, server, axe_source):
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(server + "/conv2d?grid=" + ";".join(",".join(["1"] * 12) for _ in range(12)))  # W too big: rows around the step
    for _ in range(14):
        page.keyboard.press("ArrowRight")
    assert violations(page, axe_source) == []
    page.goto(server + "/conv2d?image=shapes&kernel=edge")  # an image page after its step data arrived
    for step in range(1, 4):
        page.keyboard.press("ArrowRight")
        expect(page.locator("#workspace")).to_have_attribute("data-step", str(step))
    assert violations(page, axe_source) == []
    context.close()


@pytest.mark.parametrize(("name", "size", "path"), [
    ("laptop", (1400, 1000), SEVEN),
    ("phone", (390, 844), SEVEN),
    ("projector", (1280, 720), SEVEN + "&projector=1"),
    ("image-laptop", (1400, 1000), "/conv2d?image=shapes&kernel=edge"),
])
def test_screenshots_after_stepping(browser, server, name, size, path):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, is_mobile=name == "phone")
    page = context.new_page()
    page.goto(server + path)
    for step in range(1, 10):  # image mode asks the server each time: wait for each answer
        page.keyboard.press("ArrowRight")
        expect(page.locator("#workspace")).to_have_attribute("data-step", str(step))
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0] + 1  # nothing scrolls sideways
    shot(page, f"stepping-{name}", full_page=name != "projector")
    context.close()


# steps shown 1-based: step s (URL) is "Step s + 1 of 9216"
IMAGE_STATUS = "Step {} of 9216 · output cell (row 0, column {}) · window starts at (row -1, column {}), partly on zero padding"


def test_image_steps_swap_only_the_changed_panels_and_quick_presses_add_up(page, server):
    page.goto(server + "/conv2d?image=shapes&kernel=edge")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.locator("svg[data-click=input] image").evaluate("image => image.dataset.kept = 'yes'")  # gone if re-swapped
    for _ in range(10):  # faster than the answers come
        page.keyboard.press("ArrowRight")
    expect(page.locator("#workspace")).to_have_attribute("data-step", "10")
    assert re.search(r"step=10\b", page.url)
    assert asked and all("/conv2d?image=shapes&kernel=edge&step=" in url for url in asked)  # step answers only: no PNG
    # expect() waits: under load the last answer may still be swapping in when data-step has moved
    expect(page.locator("#status")).to_have_text(IMAGE_STATUS.format(11, 10, 9))
    expect(page.locator("#announcer")).to_have_text(IMAGE_STATUS.format(11, 10, 9))
    # the shapes sample's background is 30; the top row of the window is padding: only −1·30 and 1·30 remain
    expect(page.locator("table.products .p")).to_have_text(["0", "0", "0", "0", "0", "0", "−30", "0", "30"])
    expect(page.locator("svg .window-box")).to_have_attribute("x", "9")
    expect(page.locator("#out-marks .current-box")).to_have_attribute("x", "10")
    expect(page.locator("#cell-value")).to_have_text("y[0, 10] = 0")
    expect(page.locator("table.matrix tr.current th")).to_have_text(re.compile(r"10$"))
    expect(page.locator("#magnifier th[scope=col]:not(.corner)")).to_have_text(["7", "8", "9", "10", "11", "12", "13"])
    expect(page.locator("#json-twin")).to_have_attribute("href", "/conv2d.json?image=shapes&kernel=edge&step=10")
    expect(page.locator("svg[data-click=input] image")).to_have_attribute("data-kept", "yes")  # the picture stays
    page.go_back()  # one history entry per press: back is the step before
    page.wait_for_url(re.compile(r"step=9\b"))
    expect(page.locator("#workspace")).to_have_attribute("data-step", "9")
    expect(page.locator("svg .window-box")).to_have_attribute("x", "8")
    expect(page.locator("#status")).to_have_text(IMAGE_STATUS.format(10, 9, 8))
    page.go_back()
    page.wait_for_url(re.compile(r"step=8\b"))
    expect(page.locator("svg .window-box")).to_have_attribute("x", "7")
    page.go_forward()
    page.go_forward()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "10")
    expect(page.locator("svg .window-box")).to_have_attribute("x", "9")
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "10")
    expect(page.locator("#status")).to_have_text(IMAGE_STATUS.format(11, 10, 9))
    shot(page, "image-step-oob")


def test_image_steps_without_htmx_are_plain_links(page, server):
    page.route(re.compile(r"htmx[^/]*\.js"), lambda route: route.abort())
    page.goto(server + "/conv2d?image=shapes&kernel=edge&step=9")
    page.keyboard.press("ArrowRight")  # stepper.js without htmx: the next step's link, a whole page
    page.wait_for_url(re.compile(r"step=10\b"))
    expect(page.locator("#status")).to_have_text(IMAGE_STATUS.format(11, 10, 9))
    expect(page.locator("svg .window-box")).to_have_attribute("x", "9")
    page.locator("table.matrix tr.current + tr th a").click()  # W's next row is a link to step 11
    page.wait_for_url(re.compile(r"step=11\b"))
    expect(page.locator("#status")).to_have_text(IMAGE_STATUS.format(12, 11, 10))
    page.go_back()
    page.wait_for_url(re.compile(r"step=10\b"))
    expect(page.locator("#status")).to_have_text(IMAGE_STATUS.format(11, 10, 9))
    page.console_errors.clear()  # the aborted script is reported as a console error
