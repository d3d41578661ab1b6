"""An image step asks for the panels that change only (#step-parts): the lines as HTML swapped out of band
by id, the tables as data (#step-view) that stepper.js lays out (tests/browser/test_step_view.py holds that
to the server's markup), with the numbers the page shows at that step. Expected values are worked out by
hand from the geometry."""

from __future__ import annotations

import json
import re
from html import unescape

from tests.oracles import derived_steps

STEP_PARTS = {"HX-Request": "true", "HX-Target": "step-parts"}
BEFORE = 18_700  # bytes of the whole #workspace fragment an image step sent before (issue 9)


def oob_ids(text: str) -> list[str]:
    return re.findall(r'<\w+ [^>]*?id="([\w-]+)"[^>]*hx-swap-oob="true"', text)


def part(text: str, element_id: str) -> str:
    """The element with this id, up to its closing tag (the parts are not nested)."""
    start = text.index(f'id="{element_id}"')
    tag = text[text.rindex("<", 0, start) + 1:start].split()[0]
    return text[start:text.index(f"</{tag}>", start)]


def cells(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", unescape(td)) for td in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]


def view(text: str) -> dict:
    """The tables of an image step, sent as data in #step-view (app/web/step_view.py) for stepper.js to lay out."""
    holder = re.search(r"<div id=\"step-view\" hidden hx-swap-oob=\"true\" data-json='([^']*)'>", text)
    return json.loads(unescape(holder.group(1)))


def test_an_image_step_sends_only_the_panels_that_change(client):
    r = client.get("/conv2d?image=shapes&kernel=edge&step=4000", headers={**STEP_PARTS, "Accept-Encoding": "identity"})
    assert r.status_code == 200 and "Content-Encoding" not in r.headers
    # each changing line as HTML, swapped out of band by its id, the tables as data, and the head's link to the step's JSON twin
    assert oob_ids(r.text) == ["status", "win-box", "aim", "out-marks", "sum", "cell-value", "w-row", "dsum", "step-view",
                               "json-twin"]
    assert r.text.endswith('<link id="json-twin" rel="alternate" type="application/json"'
                           ' href="/conv2d.json?image=shapes&amp;kernel=edge&amp;step=4000" hx-swap-oob="true">')
    # 4000 = 41·96 + 64: output cell (41, 64); padding 1 puts the window's corner at (40, 63)
    status = "Step 4001 of 9216 · output cell (row 41, column 64) · window starts at (row 40, column 63)"
    assert f'data-step="4000" hx-swap-oob="true">{status}</p>' in r.text
    assert '<rect id="win-box" hx-swap-oob="true" class="window-box" x="63" y="40" width="3" height="3"/>' in r.text
    assert '<rect class="current-box" x="64" y="41" width="1" height="1"/>' in r.text
    assert "y[41, 64] = <strong>0</strong>" in part(r.text, "cell-value")
    assert "Σₘ Σₙ x[40 + m, 63 + n]·k[m, n] = x[40, 63]·k[0, 0] + x[40, 64]·k[0, 1]" in part(r.text, "dsum")
    data = view(r.text)
    assert data["at"] == 4000
    magnifier = data["m"]  # two pixels around the window: rows 38–44, columns 61–67, all the sample's flat background 30
    assert magnifier["r"] == "38 39 40 41 42 43 44" and magnifier["c"] == "61 62 63 64 65 66 67"
    assert magnifier["v"] == [" ".join(["30"] * 7)] * 7
    assert magnifier["k"] == {"win": [16, 17, 18, 23, 24, 25, 30, 31, 32]}  # rows 2–4, columns 2–4 of the 7×7
    # the edge preset over a flat 30: 30 − 30 − 30 + 30 = 0; none of the window on padding
    assert data["p"] == {"x": " ".join(["30"] * 9), "p": "30 0 −30 0 0 0 −30 0 30", "pad": []}
    w = data["w"]  # rows 3999–4001 of W; row 4000 holds the kernel under the window's columns: x[40..42, 63..65]
    assert (w["n"], w["cols"], w["around"], w["whole"], w["result"], w["bias"]) == (9216, 9216, 1, False, "0", None)
    kernel = "1 0 −1 0 0 0 −1 0 1"
    assert w["rows"] == {"3999": [[3902, 3903, 3904, 3998, 3999, 4000, 4094, 4095, 4096], kernel],
                         "4000": [[3903, 3904, 3905, 3999, 4000, 4001, 4095, 4096, 4097], kernel],
                         "4001": [[3904, 3905, 3906, 4000, 4001, 4002, 4096, 4097, 4098], kernel]}
    # shown: each window row's columns 61–67 (the rows' columns and one either side); x = 40·96 + 61 = 3901
    assert w["c"] == [*range(3901, 3908), *range(3997, 4004), *range(4093, 4100)]
    assert w["labels"].split() == [f"x{r},{c}" for r in (40, 41, 42) for c in range(61, 68)]
    assert w["x"] == " ".join(["30"] * 21)


def test_an_image_step_is_within_30_percent_of_the_old_fragment_as_plain_html(client):
    """Issue 9: 18.7 KB then (BEFORE), ≤ 30 % now (5,600 bytes), at every step, with a 5×5 kernel too, and on an upload."""
    import io

    import numpy as np
    from PIL import Image

    def size(query: str, step: int) -> int:
        r = client.get(f"/conv2d?{query}&step={step}", headers={**STEP_PARTS, "Accept-Encoding": "identity"})
        assert r.status_code == 200 and 'id="step-view"' in r.text, (query, step)
        return len(r.content)

    for step in (0, 1, 95, 96, 4000, 9000, 9215):  # the corners, the edges and the middle of 96×96
        assert size("image=shapes&kernel=edge", step) <= 5_600, step
    for step in (0, 4000, 8835):  # 5×5 with padding 1: 94×94 steps (96 + 2 − 5 + 1), the last 8835
        assert size("image=shapes&kernel=gaussian_blur_5", step) <= 5_600, step
    rng = np.random.default_rng(9)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (384, 512), dtype=np.uint8)).save(buf, "PNG")  # values of 1 to 3 digits
    image = client.post("/api/images", files={"file": ("p.png", buf.getvalue(), "image/png")}).json()["id"]
    for step in (0, 100_000, 196_607):
        assert size(f"image={image}&kernel=edge", step) <= 5_600, step  # 30 KB before (issue 9)


def test_the_step_answer_goes_compressed_too(client):
    r = client.get("/conv2d?image=shapes&kernel=edge&step=4000", headers={**STEP_PARTS, "Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert int(r.headers["Content-Length"]) <= 0.3 * BEFORE  # ≈ 1.4 KB on the wire
    assert oob_ids(r.text)[0] == "status"  # the same answer, decoded
    page = client.get("/conv2d?image=shapes&kernel=edge&step=4000", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in page.headers  # only the step answers are compressed here


def test_the_page_has_the_step_target_and_draws_the_same_panels(client):
    html = client.get("/conv2d?image=shapes&kernel=edge&step=7").text
    assert 'id="step-parts"' in html and 'hx-target="#step-parts"' in html and 'hx-swap="none"' in html
    assert 'data-first-url="/conv2d?image=shapes&amp;kernel=edge"' in html
    for element_id in ("status", "win-box", "aim", "out-marks", "magnifier", "products", "sum", "cell-value", "w-row", "w-table",
                       "wx", "dsum"):
        assert html.count(f'id="{element_id}"') == 1, element_id
    assert "hx-swap-oob" not in html[html.index('id="workspace"'):]
    assert 'data-step="7"' in part(html, "status")


def test_numbers_mode_embeds_every_step_instead(client):
    html = client.get("/conv2d").text
    assert 'id="step-parts"' not in html
    data = json.loads(unescape(re.search(r"<div id=\"step-data\" hidden data-json='([^']*)'", html).group(1)))
    assert len(data["values"]) == 16 and data["last"] == 15
    values = dict(zip(data["fields"], data["values"][5], strict=True))
    assert values["result"] == "59"  # the notes' grid, sharpen, step 5: 5·22 − 19 − 13 − 16 − 3
    windows = derived_steps(data["derive"])  # the window follows from the geometry (as stepper.js reads it)
    assert windows[5]["ids"] == [7, 8, 9, 13, 14, 15, 19, 20, 21]  # padded 6-wide grid, rows 1–3, columns 1–3
    assert windows[5]["taps"] == [0, 1, 2, 4, 5, 6, 8, 9, 10]  # the 4×4 input's rows 0–2, columns 0–2
    assert windows[0]["taps"] == [-1, -1, -1, -1, 0, 1, -1, 4, 5]  # output (0, 0) hangs over the padding


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

