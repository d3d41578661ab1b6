"""Stepping without a round trip on every numbers page, not only /conv2d: /conv1d, /pool and /volume
carry every step, so 30 presses of → make no request, end on step 30 with its canonical URL, the live
region outside #workspace reads it, back/forward/reload keep it, and none of it needs htmx. With
JavaScript off each page still steps through real links.

Expected numbers are worked out by hand from the inputs below, not by the engine.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

# x[r, c] = 7r + c + 1 (1…49 row by row); a 2×2 window at (r, c) holds 7r+c+1, 7r+c+2, 7r+c+8, 7r+c+9
GRID = ";".join(",".join(str(7 * r + c + 1) for c in range(7)) for r in range(7))
ONE_TO_32 = ",".join(str(i) for i in range(1, 33))

# (page URL, canonical URL of its step 30, number of steps, results at steps 30, 29 and 27)
PAGES = {
    # kernel [[1, 0], [0, 1]], no padding: y[r, c] = x[r, c] + x[r+1, c+1] = 14r + 2c + 10; step 30 = (5, 0)
    "conv2d": (f"/conv2d?grid={GRID}&kernel=1,0;0,1&padding=0",
               f"/conv2d?grid={GRID}&kernel=1,0;0,1&padding=0&step=30", 36, ("80", "76", "72")),
    # x = 1…32, kernel (1, 2), one zero each side: y[j] = x[j−1] + 2·x[j] = j + 2(j + 1) = 3j + 2 (33 steps)
    "conv1d": (f"/conv1d?input={ONE_TO_32}&kernel=1,2&padding=1",
               f"/conv1d?input={ONE_TO_32}&kernel=1,2&padding=1&step=30", 33, ("92", "89", "83")),
    # 2×2 max pooling, stride 1: the window's largest cell is its bottom right, x[r+1, c+1] = 7r + c + 9
    "pool": (f"/pool?input={GRID}&size=2&stride=1",
             f"/pool?input={GRID}&stride=1&step=30", 36, ("44", "42", "40")),
    # the same grid as a 7×7×1 volume and the filter [[1, 0], [0, 1]]: as /conv2d
    "volume": (f"/volume?input={GRID}&weights=1,0;0,1&stride=1&padding=0",
               f"/volume?stride=1&padding=0&input={GRID}&weights=1,0;0,1&step=30", 36, ("80", "76", "72")),
}
HTMX = re.compile(r"htmx[^/]*\.js")


def result(page) -> str:
    return page.locator("#workspace [data-b=result]").last.inner_text()


def step(page) -> str:
    return page.locator("#workspace").get_attribute("data-step")


@pytest.mark.parametrize("htmx", ["htmx", "no htmx"])
@pytest.mark.parametrize("name", list(PAGES))
def test_thirty_presses_stay_in_the_page_and_history_keeps_the_step(page, server, name, htmx):
    url, canonical, steps, (at30, at29, at27) = PAGES[name]
    if htmx == "no htmx":
        page.route(HTMX, lambda route: route.abort())
    page.goto(server + url, wait_until="networkidle")
    if htmx == "no htmx":
        assert page.evaluate("typeof window.htmx") == "undefined"
        page.console_errors.clear()  # the aborted script is reported as a console error
    asked: list[tuple[str, str]] = []
    page.on("request", lambda r: asked.append((r.resource_type, r.url)))
    for _ in range(30):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(200)  # anything late would show up here
    assert asked == []
    assert step(page) == "30" and result(page) == at30
    assert page.url == server + canonical  # the state's one URL, as links and the JSON twin write it
    announcer = page.locator("#announcer")
    assert announcer.inner_text().startswith(f"Step 31 of {steps}")  # shown 1-based
    assert announcer.evaluate("e => !e.closest('#workspace') && e.getAttribute('aria-live')") == "polite"

    page.go_back()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "29")
    assert result(page) == at29 and re.search(r"[?&]step=29$", page.url)
    assert announcer.inner_text().startswith(f"Step 30 of {steps}")
    page.go_forward()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "30")
    assert result(page) == at30
    page.reload()
    assert step(page) == "30" and result(page) == at30
    for _ in range(3):
        page.go_back()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "27")
    assert result(page) == at27
    # the reload (a page load fetches its style and pictures again), and no other page, fragment or fetch
    assert [(kind, u) for kind, u in asked if kind in ("document", "xhr", "fetch")] == [("document", server + canonical)]
    if htmx == "no htmx":
        page.console_errors.clear()  # the reload aborted the script again


NO_JS = [  # (page, the result after one step by the "next" link): worked out by hand
    ("/conv2d?grid=1,2,3;4,5,6;7,8,9&kernel=1,0;0,1&padding=0", "8"),  # window 2, 3; 5, 6 → 2 + 6
    ("/conv1d?input=1,2,3,4&kernel=1,2", "8"),  # 2 + 2·3
    ("/pool?input=1,2,3;4,5,6;7,8,9&size=2&stride=1", "6"),  # max of 2, 3, 5, 6
    ("/volume?input=1,2,3;4,5,6;7,8,9&weights=1,0;0,1&stride=1&padding=0", "8"),  # 2 + 6, as on /conv2d
]


@pytest.mark.parametrize(("url", "expected"), NO_JS)
def test_without_javascript_the_next_link_loads_the_next_step(browser, bare_server, url, expected):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(bare_server + url)
    assert step(page) == "0"
    page.locator('#workspace a[data-key="next"]').first.click()
    page.wait_for_url(re.compile(r"[?&]step=1(#workspace)?$"))
    assert step(page) == "1" and result(page) == expected
    context.close()


@pytest.mark.parametrize("path", ["/conv1d", "/pool", "/volume", "/transpose", "/network"])
def test_every_stepping_page_can_switch_single_key_shortcuts_off(page, server, path):
    """WCAG 2.1.4: P (projector, where a page has one), F and Space are character keys; the on-screen
    switch turns them off, and the keys line names P only where it does something."""
    page.goto(server + path, wait_until="networkidle")
    projector = path in ("/transpose", "/network")
    if path != "/network":  # /network says its keys in its own line
        assert ("<kbd class=\"single\">P</kbd> projector" in page.content()) == projector
    key, on = ("p", lambda: re.search(r"projector=1", page.url)) if projector else (
        " ", lambda: page.locator("[data-play]").get_attribute("aria-pressed") == "true")
    page.locator("[data-single-keys]").uncheck()
    page.locator("h1").click()
    page.keyboard.press(key)
    page.wait_for_timeout(200)
    assert not on()
    page.reload()
    assert not page.locator("[data-single-keys]").is_checked()  # remembered across pages
    page.locator("[data-single-keys]").check()
    page.locator("h1").click()
    page.keyboard.press(key)
    if projector:
        page.wait_for_url(re.compile(r"projector=1"))
    else:
        expect(page.locator("[data-play]")).to_have_attribute("aria-pressed", "true")
        page.keyboard.press(key)  # and Space stops it again
        expect(page.locator("[data-play]")).to_have_attribute("aria-pressed", "false")


def test_transpose_announces_each_step_outside_the_workspace(page, server):
    page.goto(server + "/transpose", wait_until="networkidle")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#workspace")).to_have_attribute("data-step", "1")
    # y = 1, 2; 3, 4 (the default): step 1 stamps y0,1 = 2
    assert page.locator("#announcer").inner_text().startswith("Step 2 of 4 · input y0,1 = 2 stamps")


def test_a_late_answer_for_an_earlier_image_step_is_never_shown(page, server):
    """hx-sync and the stepper drop stale answers: the answer for step 1 is held back until step 2
    was asked for, then let through; the page ends on step 2, whatever order the answers come in."""
    held: list = []

    def hold_step_1(route) -> None:
        if re.search(r"[?&]step=1(&|$)", route.request.url) and not held:
            held.append(route)
        else:
            route.continue_()

    page.goto(server + "/conv2d?image=shapes&kernel=edge", wait_until="networkidle")
    page.route(re.compile(r"/conv2d\?"), hold_step_1)
    page.evaluate("""() => { window.shownSteps = []; let last = 'Step 1 of 9216';  // each step shown after
        new MutationObserver(() => { const now = document.querySelector('#status')?.textContent.split(' · ')[0];
            if (now !== last) { window.shownSteps.push(now); last = now; } })
          .observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}); }""")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(r"[?&]step=2$"))
    assert held, "the step 1 answer was asked for"
    held[0].continue_()
    expect(page.locator("#workspace")).to_have_attribute("data-step", "2")
    page.wait_for_timeout(500)  # a stale swap would land here
    expect(page.locator("#workspace")).to_have_attribute("data-step", "2")
    # the shapes sample's background is 30 and the window's top row is padding (see test_stepping.py)
    expect(page.locator("#status")).to_have_text(
        "Step 3 of 9216 · output cell (row 0, column 2) · window starts at (row -1, column 1), partly on zero padding")
    expect(page.locator("svg .window-box")).to_have_attribute("x", "1")
    assert re.search(r"[?&]step=2$", page.url)
    assert page.evaluate("window.shownSteps") == ["Step 3 of 9216"]  # step 1's answer came, and was dropped


def test_a_raised_grid_limit_reaches_the_form_check_and_the_stepper(browser, tmp_path):
    """CONVSTEP_MAX_GRID_SIZE=20: the typed-grid check in stepper.js reads 20 from the page (not a
    literal 16), an 18×18 grid stays a numbers grid that steps in the page, and 21×21 is refused."""
    from app import htmx
    from scripts.local_server import running_server

    g18 = ";".join(",".join(str((r * 18 + c) % 10) for c in range(18)) for r in range(18))
    g21 = ";".join(",".join("1" for _ in range(21)) for _ in range(21))
    source = "local" if htmx.LOCAL_FILE.is_file() else "none"
    with running_server(data_dir=tmp_path, max_grid_size="20", htmx_source=source) as s:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(s.base + "/conv2d")
        box = page.locator('textarea[name="grid"]')
        box.fill(g21)
        assert box.evaluate("a => a.validationMessage") == "At most 20×20"
        box.fill(g18)
        assert box.evaluate("a => a.validationMessage") == ""
        page.click("button[type=submit]:has-text('Apply')")
        expect(page.locator("#workspace")).to_have_attribute("data-last", "323")  # 3×3 sharpen, padding 1: 18×18 steps
        assert page.locator("table.grid.input").count() == 1  # every number shown, not the image view
        page.keyboard.press("ArrowRight")
        expect(page.locator("#workspace")).to_have_attribute("data-step", "1")
        context.close()
