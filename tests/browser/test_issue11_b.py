"""Issue 11 (part B) in Chromium: the stride picture follows the step with no request."""

from __future__ import annotations

import re

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


def test_flip_toggle_keeps_the_step_and_the_double_sum_follows(page, server):
    page.goto(server + "/conv2d?kernel=1,2;3,4&symbols=1&step=6")
    dsum = page.locator("[data-b=dsum]")
    expect(dsum).to_contain_text("y[1, 1] = ")
    expect(dsum).to_contain_text("= 200")  # 35·1 + 19·2 + 13·3 + 22·4
    page.keyboard.press("ArrowRight")  # no request: the double sum and W's names follow the step
    expect(dsum).to_contain_text("y[1, 2] = ")
    expect(page.locator("[data-wx]")).to_contain_text("w₀·19 + w₁·25 + w₂·22 + w₃·16")
    page.locator("a[data-flip]").click()
    expect(page).to_have_url(re.compile(r"/conv2d\?kernel=1,2;3,4&flip=1&step=7&symbols=1#sum-formula$"))
    expect(page.locator(".corr-note")).to_contain_text("true convolution")
    expect(dsum).to_contain_text("k[1 − m, 1 − n]")
    expect(page.locator("[data-wx]")).to_contain_text("w₃·19 + w₂·25 + w₁·22 + w₀·16")  # the kernel reversed
    expect(dsum).to_contain_text("= 211")  # 19·4 + 25·3 + 22·2 + 16·1 = 76 + 75 + 44 + 16


def test_result_images_enlarge_by_keyboard_and_close_with_escape(page, server):
    page.goto(server + "/conv2d?image=shapes&kernel=edge")
    link = page.locator(".result-view a[data-enlarge]").nth(1)
    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog#enlarged")
    expect(dialog).to_be_visible()
    src = re.compile(r"/conv2d/output\.png\?image=shapes&kernel=edge&mapping=signed$")
    expect(dialog.locator("img")).to_have_attribute("src", src)
    expect(dialog).to_contain_text("Output · display: signed")
    natural = dialog.locator("img").evaluate("img => img.complete && img.naturalWidth")
    assert natural == 96  # the whole PNG, shown larger than the 16 rem thumbnail
    assert dialog.locator("img").bounding_box()["width"] > link.bounding_box()["width"]
    shot(page, "result-enlarged", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert page.evaluate("document.activeElement.getAttribute('href')") == link.get_attribute("href")


def test_the_window_stays_findable_on_a_picture(page, server):
    page.goto(server + "/conv2d?image=shapes&kernel=sobel_x")
    aim = page.locator("#aim")
    expect(aim).to_have_attribute("transform", "translate(-1 -1)")
    page.locator(".input-panel").scroll_into_view_if_needed()
    page.keyboard.press("ArrowRight")
    expect(aim).to_have_attribute("transform", "translate(0 -1)")
    halo = page.locator("svg.picture .window-halo").bounding_box()
    assert halo["width"] >= 14  # at least ~4.5% of the picture on screen, however small the window
    shot(page, "picture-window", full_page=False)


def test_conv1d_names_stay_while_stepping_and_the_toggle_keeps_the_step(page, server):
    page.goto(server + "/conv1d?input=1,2,3,4,5&kernel=1,2,3&symbols=1")
    page.keyboard.press("ArrowRight")
    expect(page.locator("[data-wx]")).to_contain_text("w₀·2 + w₁·3 + w₂·4")
    page.locator("#w-view a").click()  # back to numbers, on the step on screen
    expect(page).to_have_url(re.compile(r"/conv1d\?input=1,2,3,4,5&kernel=1,2,3&step=1#w-view$"))
    expect(page.locator("[data-wx]")).to_contain_text("1·2 + 2·3 + 3·4")
