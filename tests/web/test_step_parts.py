"""An image step asks for its data only (#step-parts): one out-of-band element, a few KB, with the
numbers the page shows at that step. Expected values are worked out by hand from the geometry."""

from __future__ import annotations

import json
import re
from html import unescape

STEP_PARTS = {"HX-Request": "true", "HX-Target": "step-parts"}
BEFORE = 18_700  # bytes of the whole #workspace fragment an image step sent before (issue 9)


def step_data(text: str) -> dict:
    return json.loads(unescape(re.search(r"data-json='([^']*)'", text).group(1)))


def test_an_image_step_sends_only_its_data(client):
    r = client.get("/conv2d?image=shapes&kernel=edge&step=4000", headers=STEP_PARTS)
    assert r.status_code == 200
    assert len(r.content) <= 0.3 * BEFORE
    # the step's data, and the head's link to the JSON twin of the new step: both swapped out of band
    assert re.findall(r"<(\w+)", r.text) == ["div", "link"]
    assert r.text.endswith('<link id="json-twin" rel="alternate" type="application/json"'
                           ' href="/conv2d.json?image=shapes&amp;kernel=edge&amp;step=4000" hx-swap-oob="true">')
    assert 'id="step-now"' in r.text and 'hx-swap-oob="true"' in r.text
    data = step_data(r.text)
    assert data["at"] == 4000 and data["last"] == 96 * 96 - 1 and data["row"] == 96
    values = dict(zip(data["fields"], data["values"][0], strict=True))
    # 4000 = 41·96 + 64: output cell (41, 64); padding 1 puts the window's corner at (40, 63)
    assert values["status"] == "Step 4000 of 9215 · output cell (row 41, column 64) · window starts at (row 40, column 63)"
    assert (values["win@x"], values["win@y"], values["cur@x"], values["cur@y"]) == ("63", "40", "64", "41")
    assert values["cell"] == "[41, 64]" and values["mr0"] == "38" and values["mc0"] == "61"  # magnifier: 2 around
    rows = data["matrix"]["rows"]
    assert sorted(map(int, rows)) == [3998, 3999, 4000, 4001, 4002]
    # row 4000 of W: the 3×3 window's cells, flattened row by row (r·96 + c)
    assert rows["4000"][0] == [3903, 3904, 3905, 3999, 4000, 4001, 4095, 4096, 4097]
    assert rows["4000"][1] == ["1", "0", "−1", "0", "0", "0", "−1", "0", "1"]  # the edge preset, as applied
    assert data["matrix"]["labels"]["3903"] == "x40,63"


def test_the_page_carries_the_first_steps_data_and_a_target(client):
    html = client.get("/conv2d?image=shapes&kernel=edge&step=7").text
    assert 'id="step-parts"' in html and 'hx-target="#step-parts"' in html and 'hx-swap="none"' in html
    assert step_data(html)["at"] == 7


def test_numbers_mode_embeds_every_step_instead(client):
    html = client.get("/conv2d").text
    assert 'id="step-parts"' not in html
    data = json.loads(unescape(re.search(r"<div id=\"step-data\" hidden data-json='([^']*)'", html).group(1)))
    assert len(data["values"]) == 16 and data["last"] == 15
    values = dict(zip(data["fields"], data["values"][5], strict=True))
    assert values["result"] == "59"  # the notes' grid, sharpen, step 5: 5·22 − 19 − 13 − 16 − 3
    assert data["marks"]["win"][5] == [7, 8, 9, 13, 14, 15, 19, 20, 21]  # padded 6-wide grid, rows 1–3, columns 1–3


def test_max_client_steps_decides_which_pages_carry_every_step(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    small = create_app(Settings(data_dir=tmp_path / "d", htmx_source="none", max_client_steps=15))
    with TestClient(small) as client:
        assert 'id="step-data"' not in client.get("/conv2d").text  # 16 steps: one too many, htmx fragments instead
        assert 'id="step-data"' in client.get("/conv2d?grid=1,2,3;4,5,6;7,8,9").text  # 9 steps
        assert 'id="step-data"' in client.get("/pool").text  # 4 steps
        assert 'id="step-data"' not in client.get("/volume").text  # 18 steps


def test_grids_have_row_and_column_headers_negative_on_padding(client):
    html = client.get("/conv2d").text  # 4×4 grid, padding 1
    table = re.search(r'<table class="grid input".*?</table>', html, re.S).group(0)
    columns = re.findall(r'<th scope="col"[^>]*>([^<]*)</th>', table)
    rows = re.findall(r'<th scope="row"[^>]*>([^<]*)</th>', table)
    assert columns == ["−1", "0", "1", "2", "3", "4"] and rows == ["−1", "0", "1", "2", "3", "4"]
    output = re.search(r'<table class="grid output".*?</table>', html, re.S).group(0)
    assert re.findall(r'<th scope="row"[^>]*>([^<]*)</th>', output) == ["0", "1", "2", "3"]


def test_the_live_region_is_outside_what_htmx_swaps(client):
    html = client.get("/conv2d").text
    region = html.index('id="announcer"')
    assert 'aria-live="polite"' in html[region - 120:region + 120]
    assert region < html.index('id="app"')  # #app and #workspace are swapped; the region stays
    assert "aria-live" not in html[html.index('id="workspace"'):]
