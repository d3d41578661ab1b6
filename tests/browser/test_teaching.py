"""Issue 11 (part A): the projector keeps the step, the keyboard reaches every control and no
disabled one, autoplay keeps its rate, the step box fits the largest step.

Expected numbers come from the 7×7 grid of test_stepping (y[r, c] = 14r + 2c + 10), not the engine.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from app.engine.kernels import PRESETS
from tests.browser.conftest import open_settings, shot
from tests.browser.test_stepping import SEVEN, step_of


def test_p_after_stepping_keeps_the_step(page, server):
    page.goto(server + SEVEN)
    for _ in range(7):
        page.keyboard.press("ArrowRight")
    assert step_of(page) == "7"
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r"projector=1"))
    assert re.search(r"[?&]step=7(&|$)", page.url)
    assert step_of(page) == "7"
    assert page.locator("[data-b=result]").first.inner_text() == "26"  # (1, 1): 14 + 2 + 10
    page.keyboard.press("ArrowRight")
    page.keyboard.press("p")  # and back out, still on the step reached in projector mode
    page.wait_for_url(lambda url: "projector" not in url)
    assert step_of(page) == "8" and re.search(r"[?&]step=8(&|$)", page.url)


def test_disabled_step_buttons_leave_the_tab_order(page, server):
    page.goto(server + SEVEN)
    for key in ("first", "prev", "prev-row"):
        assert page.locator(f'a[data-key="{key}"]').get_attribute("tabindex") == "-1"
    assert page.locator('a[data-key="next"]').get_attribute("tabindex") is None
    page.keyboard.press("ArrowRight")  # stepping in the page: the links follow
    assert page.locator('a[data-key="prev"]').get_attribute("tabindex") is None
    page.keyboard.press("End")
    assert step_of(page) == "35"
    assert page.locator('a[data-key="next"]').get_attribute("tabindex") == "-1"
    # Tab from the play button skips the disabled next, next-row and last links
    page.locator("[data-play]").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.key || document.activeElement.tagName") not in (
        "next", "next-row", "last")


def test_very_fast_autoplay_reaches_its_rate(page, server):
    page.goto(server + SEVEN)
    page.select_option("[data-speed]", "60")
    page.locator("[data-play]").click()
    page.wait_for_timeout(1000)
    page.locator("[data-play]").click()
    # 60 ms a step: about 16 steps in a second; per-step timing (the old way) loses the drawing time.
    # The bound is loose (a shared machine), but a timer restarted after each step on a slow
    # machine stays far below it.
    assert int(step_of(page)) >= 10


def test_the_step_box_fits_the_largest_step(page, server):
    pixels = np.zeros((400, 600), dtype=np.uint8)  # 400×600 with padding 1: 240 000 steps, six digits
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    page.goto(f"{server}/conv2d")
    page.locator("#pick-image > summary").click()
    page.set_input_files('input[type="file"]', files=[{"name": "wide.png", "mimeType": "image/png", "buffer": buf.getvalue()}])
    page.click("form.upload button")
    page.wait_for_url(re.compile(r"image=[0-9a-f]{32}"))
    last = int(page.locator("#workspace").get_attribute("data-last"))
    assert last >= 100_000
    box = page.locator("[data-step-input]")
    box.fill(str(last + 1))  # shown 1-based
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    expect(page.locator(".jump .of")).to_have_text(f"of {last + 1}")


PANELS = ".panels > .panel"


def overflowing(page) -> list[str]:
    """Panels (and the sum line) whose content is wider than their box."""
    return page.evaluate("""() => [...document.querySelectorAll('.panels > .panel, .sum')]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => `${e.getAttribute('aria-label') || e.className}: ${e.scrollWidth} > ${e.clientWidth}`)""")


# what a class must see of a step without scrolling: the window, the kernel, the products, the sum, the output
ON_SCREEN = ("table.grid.input td.win", "table.grid.kernel", "table.grid.products", ".sum", "table.grid.output", ".controls",
             "#status")


def off_screen(page, width: int, height: int) -> list[str]:
    """What of ON_SCREEN lies (even partly) outside the first screen."""
    bad = []
    for selector in ON_SCREEN:
        for box in (loc.bounding_box() for loc in page.locator(selector).all()):
            inside = box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width \
                and box["y"] + box["height"] <= height
            if not inside:
                bad.append(f"{selector}: {box}")
    return bad


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_every_preset_fits_projector_mode(browser, server, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    problems = {}
    for name in PRESETS:
        # step 1, and a step whose window is all grid numbers (the widest products): 5, or 3 for the 5×5 kernel
        # (2×2 steps on the 4×4 grid)
        for step in (1, 5 if PRESETS[name].matrix.shape == (3, 3) else 3):
            page.goto(f"{server}/conv2d?kernel={name}&step={step}&projector=1")
            assert page.locator(PANELS).count() == 3, name
            if bad := overflowing(page) + off_screen(page, *size):
                problems[name, step] = bad
        if name in ("box_blur", "gaussian_blur_5"):
            shot(page, f"projector-{name}-{size[0]}", full_page=False)
    context.close()
    assert problems == {}


# every pair of presets of one shape, once: the two kernels' rows are laid out alike, so (a, b) and (b, a) differ
# only in which row is on top
SAME_SHAPE = [(a, b) for i, a in enumerate(PRESETS) for b in list(PRESETS)[i + 1:]
              if PRESETS[a].matrix.shape == PRESETS[b].matrix.shape]


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_every_compare_pair_fits_projector_mode(browser, server, size):
    """Two kernels side by side on a projector: both kernels, product tables, sums and outputs on the first screen,
    for every pair of presets of one shape. Step 5 (output cell (1, 1)) has the widest products (the window is all
    grid numbers, no padding zeros); the output grids keep their final width from the first step (out-chN)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    problems = {}
    assert len(SAME_SHAPE) == 66  # the twelve 3×3 presets (the one 5×5 preset has no partner)
    for a, b in SAME_SHAPE:
        page.goto(f"{server}/conv2d?kernel={a}&compare={b}&step=5&projector=1")
        assert page.locator("table.grid.products").count() == 2, (a, b)
        if bad := overflowing(page) + off_screen(page, *size):
            problems[a, b] = bad
    page.goto(f"{server}/conv2d?kernel=gaussian_blur&compare=emboss&step=5&projector=1")
    shot(page, f"compare-projector-gaussian-emboss-{size[0]}", full_page=False)
    context.close()
    assert problems == {}


@pytest.mark.parametrize("projector", ["", "&projector=1"])
def test_compare_on_a_phone_stays_readable(browser, server, projector):
    """390×844: no sideways scroll, no panel whose content is cut off, both outputs and both sums there to read."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/conv2d?kernel=gaussian_blur&compare=emboss&step=5{projector}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert overflowing(page) == []
    for selector in ("table.grid.output", ".sum", "table.grid.products", ".controls .buttons a"):
        for box in (loc.bounding_box() for loc in page.locator(selector).all()):
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (selector, box)
    # emboss at (1, 1): −2·35 − 19 + 0·25 − 13 + 22 + 16 + 0·4 + 3 + 2·7 = −47
    expect(page.locator("[data-values=outputs_b] td.cur")).to_have_text("−47")
    shot(page, f"compare-phone-390{'-projector' if projector else ''}")
    context.close()


def test_projector_kernel_quick_switch_keeps_the_step(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server}/conv2d?step=5&projector=1")
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    assert step_of(page) == "7"
    expect(page.locator("a[data-key=next-kernel]")).to_contain_text("Box blur")
    page.keyboard.press("k")  # sharpen → the next preset, box blur, on step 7
    page.wait_for_url(re.compile(r"kernel=box_blur"))
    assert re.search(r"[?&]step=7(&|$)", page.url)
    expect(page.locator("#workspace")).to_have_attribute("data-step", "7")
    expect(page.locator("figure.kernel .grid-label").first).to_have_text("Kernel · Box blur")
    # notes' grid, step 7 = output (1, 3): window rows 0-2, columns 2-4 (4 is padding): 25+6+16+53+7+10 = 117
    expect(page.locator("[data-b=sumn]").first).to_have_text("117")
    page.select_option("select[name=kernel][data-switch]", "gaussian_blur_5")  # 2×2 output: step min(7, 3) = 3
    page.wait_for_url(re.compile(r"kernel=gaussian_blur_5"))
    assert re.search(r"[?&]step=3(&|$)", page.url)
    expect(page.locator("#workspace")).to_have_attribute("data-step", "3")
    assert off_screen(page, 1280, 720) == []
    context.close()


def test_compare_two_kernels_on_the_same_window(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server}/conv2d?kernel=box_blur&step=4&projector=1")
    page.select_option("select[name=compare][data-switch]", "sharpen")
    page.wait_for_url(re.compile(r"compare=sharpen"))
    assert re.search(r"[?&]step=4(&|$)", page.url)
    expect(page.locator("table.grid.products")).to_have_count(2)
    page.keyboard.press("ArrowRight")  # step 5 in the page: both sums follow, both outputs fill in
    assert step_of(page) == "5"
    expect(page.locator("[data-b=sumn]")).to_have_text("144")  # box blur: 144 ÷ 9 = 16
    expect(page.locator("[data-b=bresult]")).to_have_text("59")  # sharpen: 5·22 − 19 − 13 − 16 − 3 = 59
    assert page.locator("[data-values=outputs_b] td.cur").inner_text() == "59"
    assert page.locator("[data-values=outputs_b] td.done").all_inner_texts() == ["143", "13", "84", "−48", "4"]
    shot(page, "compare-projector-1280", full_page=False)
    expect(page.locator(".compare-bar")).to_be_hidden()  # in projector mode the quick-switch row offers the swap
    page.locator(".kernel-switch a", has_text="Swap them").click()
    page.wait_for_url(re.compile(r"compare=box_blur"))
    expect(page.locator("[data-b=result]").first).to_have_text("59")
    context.close()


def test_a_normalised_kernel_is_an_integer_matrix_times_its_factor(page, server):
    # the notes' 4×4 grid, box blur, step 5: output (1, 1), window rows 0-2, columns 0-2 of the grid
    page.goto(f"{server}/conv2d?kernel=box_blur&step=5")
    kernel = page.locator("figure.kernel")
    assert kernel.locator(".factor").inner_text() == "1/9 ·"
    assert set(kernel.locator("td").all_inner_texts()) == {"1"}
    assert kernel.locator(".grid-label").text_content() == "Kernel · Box blur"
    xs = page.locator("table.products .x").all_inner_texts()
    ws = page.locator("table.products .w").all_inner_texts()
    ps = page.locator("table.products .p").all_inner_texts()
    assert ws == ["1"] * 9 and ps == xs  # x·1 = x: the products are the window's own numbers
    total = sum(int(x.replace("−", "-")) for x in xs)
    assert page.locator("[data-b=sumn]").inner_text() == str(total).replace("-", "−")
    assert page.locator(".sum .op").first.inner_text() == "÷ 9 ="
    shown = page.locator("[data-b=sum]").inner_text()
    assert abs(float(shown.replace("−", "-")) - total / 9) < 5e-3 * max(1, abs(total / 9))
    page.keyboard.press("ArrowRight")  # stepping in the page keeps the integer products
    xs = page.locator("table.products .x").all_inner_texts()
    assert page.locator("table.products .p").all_inner_texts() == xs
    assert page.locator("[data-b=sumn]").inner_text() == str(sum(int(x.replace("−", "-")) for x in xs)).replace("-", "−")


def test_text_page_does_not_scroll_sideways_on_a_phone(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/text")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator('input[name="sentence"]').bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    shot(page, "text-phone-390")
    context.close()


@pytest.mark.parametrize("which", ["server", "bare_server"])  # with htmx, and without (Apply loads a page)
def test_apply_keeps_the_step_the_view_and_focus_when_the_shape_is_unchanged(browser, request, which):
    server = request.getfixturevalue(which)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{server}/conv2d?step=5")
    open_settings(page)  # a state in the URL: the settings are one line until unfolded; after Apply they stay open
    page.select_option('select[name="kernel"]', "box_blur")  # 3×3 like sharpen: the output stays 4×4
    apply = page.locator("#settings button[type=submit]")
    apply.scroll_into_view_if_needed()
    y = page.evaluate("window.scrollY")
    apply.click()
    page.wait_for_url(re.compile(r"kernel=box_blur"))
    expect(page.locator("#workspace")).to_have_attribute("data-step", "5")
    assert re.search(r"[?&]step=5(&|$)", page.url)
    # the notes' grid, window rows 0-2 × columns 0-2: 35+19+25+13+22+16+4+3+7 = 144
    assert page.locator("[data-b=sumn]").inner_text() == "144"
    expect(page.locator("#workspace .formula")).to_be_focused()  # not <body>: the next Tab goes on from here
    assert abs(page.evaluate("window.scrollY") - y) < 50  # the view stays where it was
    page.select_option('select[name="kernel"]', "gaussian_blur_5")  # 5×5: a 2×2 output, so min(5, 3) = step 3
    page.locator("#settings button[type=submit]").click()
    page.wait_for_url(re.compile(r"kernel=gaussian_blur_5"))
    expect(page.locator("#workspace")).to_have_attribute("data-step", "3")
    assert re.search(r"[?&]step=3(&|$)", page.url)
    context.close()


def test_a_skip_link_reaches_the_stepper(page, server):
    page.goto(f"{server}/conv2d?step=3")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    link = page.locator("a.skip[href='#workspace']")
    expect(link).to_be_focused()
    assert link.is_visible()  # shown when focused
    page.keyboard.press("Enter")
    assert page.url.endswith("#workspace") and step_of(page) == "3"


STEPPING_PAGES = ["/conv2d?step=5", "/conv1d?step=2", "/pool?step=1", "/volume?step=1", "/transpose?step=1", "/flip?at=2"]


@pytest.mark.parametrize("path", STEPPING_PAGES)
def test_a_state_in_the_url_folds_the_settings_into_one_line(page, server, path):
    page.goto(server + path.split("?")[0])  # a first visit: the settings are open
    bar = page.locator("details.settings-bar")
    assert bar.evaluate("e => e.open")
    page.goto(server + path)
    assert not bar.evaluate("e => e.open")
    summary = bar.locator("> summary")
    assert summary.bounding_box()["height"] < 60  # one line
    assert page.locator("#settings").is_hidden()
    summary.click()  # Edit unfolds it (a <details>: no script needed)
    expect(page.locator("#settings")).to_be_visible()


def test_the_summary_bar_says_what_is_on_screen(page, server):
    page.goto(f"{server}/conv2d?kernel=box_blur&stride=2")
    expect(page.locator(".settings-summary")).to_have_text("4×4 grid · Box blur · stride 2 · padding 1")
    page.goto(f"{server}/conv2d?image=shapes&crop=0,0,8&kernel=sobel_x&compare=sobel_y&dilation=2&padding=0")
    expect(page.locator(".settings-summary")).to_have_text(
        "Shapes, crop 8×8 · Sobel x vs Sobel y · stride 1 · padding 0 · dilation 2")


def test_the_output_size_lines_show_once(page, server):
    page.goto(f"{server}/conv2d")  # settings open: the live explorer's lines, not the applied ones again
    assert page.locator("[data-explorer] [data-axis]").count() == 2
    assert page.locator("#workspace [data-axis-line]:visible").count() == 0
    page.goto(f"{server}/conv2d?step=3")  # settings folded: the applied lines
    assert page.locator("#workspace [data-axis-line]:visible").count() == 2
    assert page.locator("[data-explorer] [data-axis]:visible").count() == 0


def test_the_laptop_first_screen_shows_the_grids(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{server}/conv2d?step=5")
    for selector in ("table.grid.input td.win", "table.grid.output td.cur", ".controls .buttons"):
        box = page.locator(selector).first.bounding_box()
        assert box["y"] + box["height"] <= 720, selector
    shot(page, "conv2d-1280x720", full_page=False)
    context.close()


def test_the_phone_first_screen_holds_the_whole_step(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{server}/conv2d?step=5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    bar = page.locator(".controls .buttons").bounding_box()
    assert bar["y"] + bar["height"] <= 844 + 1 and bar["y"] > 700  # the step buttons: a bar at the bottom
    for selector in ("table.grid.input td.win", "table.grid.kernel", "table.grid.products", ".sum .result", "table.grid.output"):
        for loc in page.locator(selector).all():
            box = loc.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= bar["y"], selector
    inp, out = page.locator(".input-panel").bounding_box(), page.locator(".output-panel").bounding_box()
    assert abs(inp["y"] - out["y"]) < 2  # side by side
    shot(page, "conv2d-phone-390", full_page=False)
    page.mouse.wheel(0, 1500)  # far down the page, the buttons are still there and still step
    page.locator('.controls a[data-key="next"]').click()
    assert step_of(page) == "6"
    expect(page.locator(".sum .result").first).to_have_text("−27")
    context.close()


def test_steps_are_shown_one_based_while_urls_keep_step_zero_based(page, server):
    page.goto(server + SEVEN)
    expect(page.locator("#status")).to_contain_text("Step 1 of 36 ·")
    assert page.locator("[data-scrubber]").get_attribute("aria-valuetext") == "step 1 of 36"
    assert page.locator("[data-step-input]").input_value() == "1"
    expect(page.locator(".jump .of")).to_have_text("of 36")
    page.keyboard.press("ArrowRight")
    assert step_of(page) == "1" and re.search(r"[?&]step=1(&|$)", page.url)
    expect(page.locator("#status")).to_contain_text("Step 2 of 36 ·")
    assert page.locator("[data-scrubber]").get_attribute("aria-valuetext") == "step 2 of 36"
    assert page.locator("[data-step-input]").input_value() == "2"
    page.fill("[data-step-input]", "36")
    page.click("form.jump button[type=submit]")
    assert step_of(page) == "35" and re.search(r"[?&]step=35(&|$)", page.url)
    expect(page.locator("#status")).to_contain_text("Step 36 of 36 ·")


def test_output_grid_arrow_keys_and_enter_move_the_window(page, server):
    page.goto(server + SEVEN)
    out = page.locator("table.grid.output")
    # one Tab stop in the grid: the current cell
    assert out.locator("button[tabindex='0']").count() == 1
    assert out.locator("td.cur button").get_attribute("tabindex") == "0"
    out.locator("td.cur button").focus()
    page.keyboard.press("ArrowRight")  # moves focus in the grid, does not step
    page.keyboard.press("ArrowDown")
    assert step_of(page) == "0"
    focused = page.evaluate("document.activeElement.closest('td').dataset.order")
    assert focused == "7"  # (1, 1) of the 6×6 output
    assert out.locator("button[tabindex='0']").count() == 1
    page.keyboard.press("Enter")  # the window moves there
    expect(page.locator("#workspace")).to_have_attribute("data-step", "7")
    assert re.search(r"[?&]step=7(&|$)", page.url)
    assert page.locator("[data-b=result]").first.inner_text() == "26"  # 14 + 2 + 10
    # window cells say "in window" to screen readers, not only by colour; stepping moves it
    win = page.locator("table.grid.input td.win")
    labels = sorted(win.evaluate_all("cells => cells.map(c => c.getAttribute('aria-label'))"))
    assert labels == ["10, in window", "16, in window", "17, in window", "9, in window"]  # x[1,1], x[1,2], x[2,1], x[2,2]
    assert page.locator("table.grid.input td:not(.win)[aria-label]").count() == 0


def test_key_presses_20_ms_apart_never_drop_a_step(page, server):
    page.goto(server + SEVEN)
    # like key auto-repeat: 30 keydowns 20 ms apart, dispatched in the page
    page.evaluate("""() => new Promise(done => {
        let n = 0;
        const tick = () => {
            document.body.dispatchEvent(new KeyboardEvent("keydown", {key: "ArrowRight", bubbles: true}));
            if (++n < 30) setTimeout(tick, 20); else done();
        };
        tick();
    })""")
    expect(page.locator("#workspace")).to_have_attribute("data-step", "30")
    assert re.search(r"[?&]step=30(&|$)", page.url)
    assert page.locator("[data-b=result]").first.inner_text() == "80"  # (5, 0): 14·5 + 10


def test_key_presses_20_ms_apart_on_an_image_page(page, server):
    page.goto(f"{server}/conv2d?image=shapes")  # each step asked of the server: quick presses must add up
    for _ in range(12):
        page.keyboard.press("ArrowRight", delay=0)
        page.evaluate("() => new Promise(r => setTimeout(r, 20))")
    expect(page.locator("#workspace")).to_have_attribute("data-step", "12", timeout=15000)
    page.wait_for_url(re.compile(r"[?&]step=12(&|$)"))
    expect(page.locator("#status")).to_contain_text("Step 13 of ")


def test_no_js_step_links_land_on_the_stepper(browser, bare_server):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{bare_server}/conv2d?step=5")
    assert page.evaluate("window.scrollY") == 0
    page.locator('a[data-key="next"]').click()
    page.wait_for_url(re.compile(r"step=6#workspace$"))
    top = page.locator("#workspace").bounding_box()["y"]
    assert abs(top) < 5 and page.evaluate("window.scrollY") > 0  # the stepper at the top of the screen, not the page
    page.fill("input[data-step-input]", "10")  # the step box (1-based) lands there too
    page.locator("form.jump button[type=submit]").click()
    page.wait_for_url(re.compile(r"step=9#workspace$"))
    assert abs(page.locator("#workspace").bounding_box()["y"]) < 5
    context.close()


def test_docs_work_with_no_cdn(page, server):
    from app import swagger

    if not swagger.local():
        pytest.skip("Swagger UI not fetched (make swagger; make test fetches it)")
    outside: list[str] = []

    def only_here(route):
        if route.request.url.startswith(server):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    page.goto(f"{server}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("convstep")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    assert outside == []


@pytest.mark.parametrize("javascript", [True, False])
def test_the_fully_connected_view_is_in_the_url(browser, server, javascript):
    """The W panel's fully connected contrast is dense=1: opened by a link that keeps the step on screen (with JS,
    after stepping in the page), kept on reload, closed again by back; without JS the same links work."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{server}/conv2d?kernel=box_blur&step=5")
    dense = page.locator("table.matrix.dense")
    expect(dense).to_have_count(0)
    if javascript:
        page.keyboard.press("ArrowRight")  # step 6 in the page, no request
        expect(page.locator("#workspace")).to_have_attribute("data-step", "6")
    toggle = page.locator(".dense-toggle a")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    step = "6" if javascript else "5"
    expect(page).to_have_url(re.compile(rf"/conv2d\?kernel=box_blur&step={step}&dense=1#dense-w$"))
    expect(dense).to_be_visible()
    expect(page.locator(".dense-counts")).to_contain_text("16·16 = 256 weights")
    expect(page.locator(".dense-toggle a")).to_have_attribute("aria-expanded", "true")
    page.reload()
    expect(dense).to_be_visible()
    page.go_back()  # to the step the link was followed from (with JS, stepping made its own history entry)
    expect(page).to_have_url(re.compile(rf"/conv2d\?kernel=box_blur&step={step}$"))
    expect(dense).to_have_count(0)
    page.go_forward()
    expect(dense).to_be_visible()
    page.locator(".dense-toggle a").click()  # and closed by the same link
    expect(page).to_have_url(re.compile(rf"/conv2d\?kernel=box_blur&step={step}#dense-w$"))
    expect(dense).to_have_count(0)
    context.close()
