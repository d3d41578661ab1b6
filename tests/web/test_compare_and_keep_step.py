"""/conv2d's compare view (two kernels on the same window) and the forms' keep_step (Apply keeps the step,
clamped to the new last step). Expected numbers are the hand-worked ones of test_conv2d (OUTPUTS, WINDOWS)."""

from __future__ import annotations

import pytest

from tests.web.test_conv2d import OUTPUTS, cells, num


def test_compare_shows_both_kernels_on_the_same_window(client):
    r = client.get("/conv2d?kernel=box_blur&compare=sharpen&step=5")
    assert r.status_code == 200
    assert r.text.count('class="grid products"') == 2 and r.text.count('class="grid output"') == 2
    # box blur's products are the window itself (x·1), sharpen's are 0, −19, 0, −13, 5·22, −16, 0, −3, 0
    box = [c.split("=")[-1] for c in cells(r.text, "products")]
    assert box == ["35", "19", "25", "13", "22", "16", "4", "3", "7"]
    second = r.text[r.text.index("compute-panel compare-b"):]
    sharpen = [c.split("=")[-1] for c in cells(second, "products")]
    assert sharpen == ["0", "−19", "0", "−13", "110", "−16", "0", "−3", "0"]
    outs = cells(r.text[r.text.rindex('<table class="grid output"'):], "output")  # the second output grid
    assert [num(v) for v in outs[:6]] == OUTPUTS["sharpen"][:6]  # steps 0-5 computed, the rest still dots
    assert outs[6:] == ["·"] * 10


def test_compare_in_the_json_twin(client):
    body = client.get("/conv2d.json?kernel=box_blur&compare=sharpen&step=5").json()
    assert body["state"]["compare"] == "sharpen" and "keep_step" not in body["state"]
    assert body["url"] == "/conv2d?kernel=box_blur&compare=sharpen&step=5"
    assert body["trace"]["sum"] == pytest.approx(16) and body["compare"]["trace"]["result"] == 59
    assert [v for row in body["compare"]["output"] for v in row] == OUTPUTS["sharpen"]
    assert client.get("/conv2d.json").json()["compare"] is None


def test_compare_is_canonical(client):
    r = client.get("/conv2d?compare=sharpen&kernel=box_blur&step=05", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/conv2d?kernel=box_blur&compare=sharpen&step=5"


@pytest.mark.parametrize("query, words", [
    ("compare=blurry", "compare"),
    ("compare=gaussian_blur_5", "shape (3×3) so both read the same window and fill an output of one size, got 5×5"),
    ("compare=1,2;3", "compare"),
    ("image=shapes&compare=sharpen", "a crop of the image (crop=top,left,size, size up to"),
])
def test_a_bad_compare_is_a_422_naming_it(client, query, words):
    r = client.get(f"/conv2d?{query}")
    assert r.status_code == 422 and words in r.text
    twin = client.get(f"/conv2d.json?{query}")
    assert twin.status_code == 422 and twin.json()["field"] == "compare"


@pytest.mark.parametrize("query, location", [
    ("keep_step=9", "/conv2d?step=9"),  # same shape: the step stays
    ("kernel=gaussian_blur_5&keep_step=9", "/conv2d?kernel=gaussian_blur_5&step=3"),  # 2×2 output: min(9, 3)
    ("stride=2&keep_step=15", "/conv2d?stride=2&step=3"),
    ("keep_step=0", "/conv2d"),
    ("step=2&keep_step=9", "/conv2d?step=2"),  # an explicit step wins
])
def test_keep_step_is_clamped_to_the_new_last_step(client, query, location):
    r = client.get(f"/conv2d?{query}", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == location


def test_an_explicit_step_past_the_end_is_still_refused(client):
    assert client.get("/conv2d?kernel=gaussian_blur_5&step=9").status_code == 422
    assert client.get("/conv2d?keep_step=x").status_code == 422


def test_the_settings_form_carries_the_step_and_projector_mode_has_a_quick_switch(client):
    page = client.get("/conv2d?step=7").text
    assert '<input type="hidden" name="keep_step" value="7" data-keep-step>' in page
    assert "kernel-switch" not in page
    projector = client.get("/conv2d?step=7&projector=1").text
    assert 'class="kernel-switch"' in projector
    # every preset, its link on step 7 (the 5×5 one clamped to its last step, 3), the K key's link: the next preset
    assert 'href="/conv2d?kernel=gaussian_blur_5&amp;step=3&amp;projector=1"' in projector
    assert 'data-key="next-kernel"' in projector and "Next: Box blur" in projector  # sharpen → box blur


def test_the_step_box_is_one_based_without_script_too(client):
    r = client.get("/conv2d?goto=8", follow_redirects=False)  # the box's field: "step 8 of 16" is step=7
    assert r.status_code == 302 and r.headers["location"] == "/conv2d?step=7"
    bad = client.get("/conv2d?goto=0")
    assert bad.status_code == 422 and "goto" in bad.text
    assert client.get("/pool?goto=2", follow_redirects=False).headers["location"].endswith("step=1")
    page = client.get("/conv2d?step=7").text
    assert 'name="goto" min="1" max="16" value="8"' in page and '<span class="of">of 16</span>' in page
    assert "Step 8 of 16 · output cell (row 1, column 3)" in page


def test_an_image_page_says_why_compare_needs_a_crop(client):
    """On a whole picture the projector's quick-switch offers no compare menu but says what to do; the settings
    form says it too; a crop of the same picture compares (both kernels' numbers on screen)."""
    html = client.get("/conv2d?image=shapes&projector=1").text
    assert 'select name="compare" data-switch' not in html
    assert "Compare shows every number: crop the picture first" in html
    assert "(crop this picture first)" in client.get("/conv2d?image=shapes").text
    cropped = client.get("/conv2d?image=shapes&crop=0,0,6&compare=sharpen&kernel=box_blur&projector=1")
    assert cropped.status_code == 200 and cropped.text.count('class="grid products"') == 2
    assert 'select name="compare" data-switch' in cropped.text
