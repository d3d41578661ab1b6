"""Page weight of the numbers pages, and the grid cells' step form with JavaScript off.

Every grid cell that jumps to a step is a button of one hidden GET form (``form#cells``: the state's
fields once) instead of a link repeating the whole query, and the embedded step data carries only what
stepper.js cannot derive from the geometry (app/web/step_data.py). Before: the 12×12 numbers page
was 297 KB (98 KB of hrefs, 96 KB of step data).
"""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import urlencode

import pytest

GRID12 = ";".join(",".join(str((r * 12 + c) % 10) for c in range(12)) for r in range(12))
GRID16 = ";".join(",".join(f"{((r * 16 + c) * 37 % 200 - 100) / 8:g}" for c in range(16)) for r in range(16))  # decimals
VECTOR32 = ",".join(str(i % 7) for i in range(32))


@pytest.mark.parametrize(
    ("url", "most"),
    [
        (f"/conv2d?grid={GRID12}", 150_000),  # 144 steps, 3×3 sharpen, same padding
        (f"/conv1d?input={VECTOR32}&kernel=1,2,3,4,5,6,7,8,9&padding=10", 100_000),  # the longest: 44 steps
        (f"/pool?input={GRID12}&stride=1&padding=1&op=avg&count_include_pad=0", 150_000),  # 169 steps
        # the biggest pool page: 16×16 decimals, 289 steps, its what-if grids (ceil mode, padding counted, a shift)
        (f"/pool?input={GRID16}&stride=1&padding=1&op=avg&count_include_pad=0", 200_000),
        ("/volume?size=9&channels=8&filters=4&stride=1", 200_000),  # 324 steps, every channel's slice drawn (572 KB before)
    ],
)
def test_numbers_pages_stay_light(client, url, most):
    r = client.get(url)
    assert r.status_code == 200 and "step-data" in r.text
    assert len(r.content) <= most, len(r.content)
    assert re.search(r'<td[^>]*data-order="3"><button form="cells" name="step" value="3" tabindex="-1">', r.text)


def form_fields(html: str) -> tuple[str, list[tuple[str, str]]]:
    """The step form's action and hidden fields, in document order (what a browser submits)."""
    form = re.search(r'<form id="cells" action="([^"]*)" method="get" hidden>(.*?)</form>', html)
    assert form, "no step form"
    fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(2))
    return unescape(form.group(1)), [(k, unescape(v)) for k, v in fields]


def submit(client, page: str, html: str, step: str):
    """What a browser with JavaScript off does when a cell's button is pressed: GET the form's action
    (relative to the page's URL: "#workspace" is the page's own path) with its fields in document order,
    then the button's name=value (the buttons come after the form)."""
    action, fields = form_fields(html)
    path, fragment = action.split("#")
    assert path in ("", page) and fragment == "workspace"  # a load lands on the stepper
    return client.get(f"{page}?{urlencode([*fields, ('step', step)], safe=',;:')}", follow_redirects=False)


def test_a_cell_button_without_javascript_lands_on_its_step(client):
    start = f"/conv2d?grid={GRID12}&step=30"
    html = client.get(start).text
    # output cell 37 and input cell (4, 5) (the window nearest it starts at (3, 4): step 4·12 + 5 = 53)
    assert ('<td class="out todo" title="output cell 37" data-order="37">'
            '<button form="cells" name="step" value="37" tabindex="-1">') in html
    assert re.search(r'title="row 4, column 5" data-cell="\d+"><button form="cells" name="step" value="53" tabindex="-1">', html)
    r = submit(client, "/conv2d", html, "37")
    assert r.status_code == 200  # grid then step: already the canonical order
    assert str(r.url).endswith(f"/conv2d?grid={GRID12}&step=37")
    assert "Step 38 of 144 · output cell (row 3, column 1) · window starts at (row 2, column 0)" in r.text


def test_a_cell_button_on_a_state_with_fields_after_the_step_is_redirected_to_the_canonical_url(client):
    start = f"/conv2d?grid={GRID12}&step=3&symbols=1&projector=1"
    first = client.get(start)
    assert first.status_code == 200  # canonical
    html = first.text
    r = submit(client, "/conv2d", html, "53")  # the form puts step last
    assert r.status_code == 302
    assert r.headers["location"] == f"/conv2d?grid={GRID12}&step=53&symbols=1&projector=1"
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "Step 54 of 144 · output cell (row 4, column 5)" in page.text
    # step 0 is the page without a step
    r = submit(client, "/conv2d", html, "0")
    assert r.status_code == 302 and r.headers["location"] == f"/conv2d?grid={GRID12}&symbols=1&projector=1"


@pytest.mark.parametrize(
    ("url", "cell", "expect"),
    [
        ("/conv1d?kernel=1,2,3&padding=1", "5", "Step 6 of 8 · output Y5"),
        ("/pool", "2", "Step 3 of 4 · pooled cell (row 1, column 0)"),
        ("/volume", "7", "Step 8 of"),
    ],
)
def test_every_stepping_page_has_the_step_form(client, url, cell, expect):
    html = client.get(url).text
    assert f'name="step" value="{cell}"' in html
    path = url.split("?")[0]
    r = submit(client, path, html, cell)
    if r.status_code == 302:
        r = client.get(r.headers["location"])
    assert r.status_code == 200 and expect in r.text
