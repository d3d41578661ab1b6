"""The /conv2d page through TestClient: page vs fragment, URL state, numbers from the engine."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from app.engine.kernels import PRESETS

GRID = np.array([[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]], dtype=float)
# The notes' grid with padding 1, worked out by hand (and checked with scipy.signal.correlate2d): literal
# numbers, so a page that shows what the engine computes is checked against something else than the engine.
WINDOWS = {0: [[0, 0, 0], [0, 35, 19], [0, 13, 22]], 5: [[35, 19, 25], [13, 22, 16], [4, 3, 7]],
           15: [[7, 10, 0], [1, 3, 0], [0, 0, 0]]}
OUTPUTS = {
    "sharpen": [143, 13, 84, -48, 4, 59, -27, 233, -5, -26, 5, -13, 33, 27, -13, 4],
    "edge": [22, 3, 31, -16, -16, 13, 20, 18, -14, -11, -36, 15, -3, -3, -7, 7],
    "box_blur": [v / 9 for v in (89, 130, 141, 100, 96, 144, 161, 117, 59, 83, 123, 90, 24, 32, 32, 21)],
}


def cells(html: str, table_class: str) -> list[str]:
    """Text of every <td> of the first table whose class list contains ``table_class``."""
    m = re.search(rf'<table class="[^"]*\b{table_class}\b[^"]*".*?</table>', html, re.S)
    assert m, f"no table .{table_class}"
    return [re.sub(r"<[^>]+>", "", unescape(td)).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", m.group(0), re.S)]


def num(text: str) -> float:
    return float(text.replace("−", "-"))


def test_default_page_is_the_notes_grid_with_ghost_padding(client):
    r = client.get("/conv2d")
    assert r.status_code == 200 and r.headers["vary"] == "HX-Request"
    assert "<html" in r.text and 'id="workspace"' in r.text
    padded = cells(r.text, "input")
    assert len(padded) == 36  # 4×4 grid + padding 1 all round
    assert padded[:6] == ["0"] * 6 and padded[7:11] == ["35", "19", "25", "6"]
    table = re.search(r'<table class="grid input".*?</table>', r.text, re.S).group(0)
    assert table.count('class="pad') == 20  # 36 − 16 ghost zero cells


@pytest.mark.parametrize("step", [0, 5, 15])
@pytest.mark.parametrize("kernel", ["sharpen", "edge", "box_blur"])
def test_numbers_shown_are_the_engines(client, step, kernel):
    html = client.get(f"/conv2d?kernel={kernel}&step={step}").text
    window = np.array(WINDOWS[step], dtype=float)
    d = PRESETS[kernel].denominator  # 1/9 · [1 …]: weights and products are shown times it, then ÷ 9
    kernel_cells = [num(c) / d for c in cells(html, "kernel")]
    np.testing.assert_allclose(kernel_cells, PRESETS[kernel].matrix.ravel(), rtol=1e-3)
    products = cells(html, "products")  # "x·w=p"
    np.testing.assert_allclose([num(p.split("=")[-1]) / d for p in products], (window * PRESETS[kernel].matrix).ravel(),
                               rtol=1e-3, atol=1e-3)
    if d != 1:  # the products' sum, then ÷ d: exact integers, as a hand check gives them
        total = re.search(r'data-b="sumn" class="big">([^<]+)<', html).group(1)
        assert num(total) == (window * np.array(PRESETS[kernel].numerators)).sum()
        assert f"÷ {d} =" in html
    np.testing.assert_allclose([num(p.split("·")[0]) for p in products], window.ravel(), atol=1e-3)
    out = OUTPUTS[kernel]
    shown = cells(html, "output")
    for i, text in enumerate(shown):
        if i <= step:
            assert num(text) == pytest.approx(out[i], rel=1e-3, abs=1e-3)  # shown to 4 significant digits
        else:
            assert text == "·"
    result = re.search(r'class="big result">([^<]+)<', html).group(1)
    assert num(result) == pytest.approx(out[step], abs=1e-3)


def test_weight_matrix_row_matches_w(client):
    html = client.get("/conv2d?kernel=sharpen&step=5").text
    m = re.search(r'<table class="matrix whole".*?</table>', html, re.S).group(0)
    current = re.search(r'<tr class="current">(.*?)</tr>', m, re.S).group(1)
    values = [num(re.sub(r"<[^>]+>", "", v)) for v in re.findall(r"<td[^>]*>(.*?)</td>", current)]
    # row 5 = output (1, 1): its window covers input rows 0–2 and columns 0–2, so the sharpen kernel's rows
    # land at columns 0–2, 4–6 and 8–10 of the 16
    np.testing.assert_allclose(values, [0, -1, 0, 0, -1, 5, -1, 0, 0, -1, 0, 0, 0, 0, 0, 0])
    assert m.count("<tr") == 16 + 2  # 16 rows of W, plus header and the x row


def test_fragment_on_htmx_request(client):
    r = client.get("/conv2d?step=3", headers={"HX-Request": "true", "HX-Target": "workspace"})
    assert r.status_code == 200 and r.text.lstrip().startswith('<section id="workspace"')
    assert "<html" not in r.text and r.headers["vary"] == "HX-Request"
    r = client.get("/conv2d?step=3", headers={"HX-Request": "true", "HX-Target": "app"})
    assert r.text.lstrip().startswith('<div id="app"')
    r = client.get("/conv2d?step=3", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in r.text


def test_links_carry_every_parameter_that_is_not_a_default(client):
    query = "grid=1,2,3;4,5,6;7,8,9&kernel=1,0;0,-1&bias=0.5&stride=2&padding=2&dilation=2&step=1&projector=1"
    html = client.get(f"/conv2d?{query}").text
    nxt = unescape(re.search(r'href="([^"]+)"[^>]*data-key="next"', html).group(1))
    assert nxt == "/conv2d?" + query.replace("step=1", "step=2") + "#workspace"  # the canonical order, , and ; kept
    got = {k: v[0] for k, v in parse_qs(urlparse(nxt).query).items()}
    assert got == {
        "grid": "1,2,3;4,5,6;7,8,9",
        "kernel": "1,0;0,-1",
        "stride": "2",
        "padding": "2",
        "dilation": "2",
        "bias": "0.5",
        "step": "2",
        "projector": "1",
    }
    defaults = client.get("/conv2d?grid=1,2;3,4&padding=1&dilation=1&stride=1&step=1&kernel=sharpen").text
    nxt = unescape(re.search(r'href="([^"]+)"[^>]*data-key="next"', defaults).group(1))
    assert nxt == "/conv2d?grid=1,2;3,4&step=2#workspace"  # a page load lands on the stepper
    assert 'class="projector"' in html


def test_custom_kernel_from_the_form(client):
    html = client.get("/conv2d?kernel=&custom_kernel=1,0,-1;2,0,-2;1,0,-1&step=0").text
    # window [[0, 0, 0], [0, 35, 19], [0, 13, 22]]: 0 + 0 − 2·19 + 0 − 22 = −60
    assert 'class="big result">−60<' in html


def test_stride_that_does_not_tile_is_explained(client):
    html = client.get("/conv2d?grid=1,2,3,4,5;1,2,3,4,5;1,2,3,4,5;1,2,3,4,5;1,2,3,4,5&kernel=box_blur&stride=3&padding=1").text
    assert "7/3" in html and "round down to 2" in html
    assert "the last padded cell is never visited" in html and "cell(s)" not in html


def test_one_step_is_singular_and_negative_weights_subtract(client):
    html = client.get("/conv2d?grid=1,2;3,4&kernel=1,1;1,1&padding=0").text
    assert "= 1 step<" in html and "1 steps" not in html
    wx = unescape(re.sub(r"<[^>]+>", "", re.search(r"<p class=\"wx\".*?</p>", client.get("/conv2d").text, re.S).group(0)))
    assert re.sub(r"\s+", " ", wx).strip() == "y0 = W0·x = 5·35 − 1·19 − 1·13 + 0·22 = 143"


def test_image_mode_and_cached_pictures(client):
    r = client.get("/conv2d?image=shapes&kernel=sobel_x&step=200")
    assert r.status_code == 200
    assert 'class="picture"' in r.text and "Magnifier" in r.text and "band.png" in r.text
    for url in re.findall(r'(?:href|src)="(/conv2d/(?:output|input|band)\.png\?[^"]+)"', r.text):
        png = client.get(unescape(url))
        assert png.status_code == 200 and png.headers["content-type"] == "image/png", url
        assert "immutable" in png.headers["cache-control"]
        again = client.get(unescape(url), headers={"If-None-Match": png.headers["etag"]})
        assert again.status_code == 304


def test_colour_image_channel_and_crop(client):
    html = client.get("/conv2d?image=colour&channel=2&crop=50,40,8&kernel=identity&step=9").text
    from app.samples import sample_pixels

    crop = sample_pixels("colour")[50:58, 40:48, 2]
    # step 9 of the 8×8 crop is output (1, 1); the identity kernel picks the crop's cell (1, 1)
    assert num(re.search(r'class="big result">([^<]+)<', html).group(1)) == crop[1, 1] == 235
    assert "blue" in html


def test_colour_photos_default_to_brightness(client):
    """A colour image is stepped on its luma (ITU-R BT.601), checked against Pillow's own RGB → L conversion."""
    from PIL import Image

    from app.samples import sample_pixels

    body = client.get("/conv2d.json?image=colour&crop=50,40,8&kernel=identity&padding=0").json()
    assert body["state"]["channel"] == "luma"
    pillow = np.asarray(Image.fromarray(sample_pixels("colour")).convert("L"), dtype=float)[50:58, 40:48]
    np.testing.assert_allclose(body["output"], pillow[1:7, 1:7], atol=0.5)  # the identity's 6×6 valid output
    html = client.get("/conv2d?image=colour").text
    assert '<option value="luma" selected>brightness</option>' in html and "ITU-R BT.601" in html
    assert "brightness (luma)" in html
    typed = client.get("/conv2d?image=colour&channel=luma", follow_redirects=False)
    assert typed.status_code == 302 and typed.headers["location"] == "/conv2d?image=colour"  # the default is left out
    assert client.get("/conv2d.json?image=colour&channel=3").status_code == 422


@pytest.mark.parametrize(
    ("query", "field", "status"),
    [
        ("stride=0", "stride", 422),
        ("padding=-2", "padding", 422),
        ("padding=wide", "padding", 422),
        ("kernel=blurry", "kernel", 422),
        ("kernel=1,2;3", "kernel", 422),
        ("grid=1,a", "grid", 422),
        ("step=99", "step", 422),
        ("dilation=9", "dilation", 422),
        ("bias=nan", "bias", 422),
        ("grid=1,2;3,4&kernel=box_blur&padding=0", "kernel", 422),
        ("image=nope", "image", 422),
        ("image=" + "a" * 32, "image", 404),
        ("image=colour&channel=5", "channel", 422),
        ("image=colour&crop=1,2", "crop", 422),
        ("mapping=rainbow", "mapping", 422),
        ("kernel=" + ";".join(["1,1,1,1,1,1,1,1"] * 8), "kernel", 422),
        ("image=digit&orig=huge", "orig", 422),
    ],
)
def test_bad_parameters_get_a_friendly_panel(client, query, field, status):
    r = client.get(f"/conv2d?{query}&stride_keep=1&kernel_keep=1")
    assert r.status_code == status
    assert 'class="error-panel"' in r.text and f"<code>{field}</code>" in r.text
    assert 'id="settings"' in r.text  # the form stays, with the user's other choices
    frag = client.get(f"/conv2d?{query}", headers={"HX-Request": "true", "HX-Target": "workspace"})
    assert frag.status_code == status and frag.text.lstrip().startswith('<div class="error-panel"')
    app_frag = client.get(f"/conv2d?{query}", headers={"HX-Request": "true", "HX-Target": "app"})
    assert app_frag.text.lstrip().startswith('<div id="app"') and 'class="error-panel"' in app_frag.text


def test_errors_keep_other_choices(client):
    html = client.get("/conv2d?stride=0&padding=2&kernel=emboss&bias=3").text
    assert 'name="padding" list="padding-modes" value="2"' in html
    assert '<option value="emboss" data-shape="3x3" selected>' in html and 'name="bias" inputmode="decimal" value="3"' in html


def test_works_without_htmx_and_loads_pinned_htmx_when_asked(tmp_path):
    from fastapi.testclient import TestClient

    from app import htmx
    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none"))) as c:
        assert "htmx" not in c.get("/conv2d").text.split("</head>")[0].replace("htmx-config", "")
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="cdn"))) as c:
        r = c.get("/conv2d")
        assert f'src="{htmx.CDN_URL}" integrity="{htmx.SRI}" crossorigin="anonymous"' in r.text
        assert htmx.CDN_ORIGIN in r.headers["content-security-policy"]


def test_upload_form_redirects_to_the_stepper(client):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(buf, "PNG")
    r = client.post(
        "/upload", files={"file": ("x.png", buf.getvalue(), "image/png")}, data={"kernel": "edge"}, follow_redirects=False
    )
    assert r.status_code == 303
    target = r.headers["location"]
    assert target.startswith("/conv2d?image=") and "kernel=edge" in target
    page = client.get(target)
    assert page.status_code == 200 and "35" not in cells(page.text, "input")[:8]
    bad = client.post("/upload", files={"file": ("x.png", b"not an image", "image/png")})
    assert bad.status_code == 415 and 'class="error-panel"' in bad.text


def test_a_reduced_upload_states_its_working_size_and_original_size(client, rng):
    import io

    from PIL import Image

    pixels = (rng.random((300, 1200)) * 255).astype(np.uint8)  # wider than the 512 px working size
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    r = client.post("/upload", files={"file": ("wide.png", buf.getvalue(), "image/png")}, follow_redirects=False)
    target = r.headers["location"]
    assert "orig=1200x300" in target
    html = client.get(target).text
    assert "working size 512×128 (your upload was 1200×300, reduced to 512 px on the longest side)" in html
    step = client.get(target + "&step=7").text  # the size survives stepping: it is in every link
    next_href = unescape(re.search(r'href="([^"]+)"[^>]*data-key="next"', step).group(1))
    assert "your upload was 1200×300" in step and "orig=1200x300" in next_href and "step=8" in next_href


def test_channel_picker_only_for_colour_images(client):
    assert 'name="channel"' in client.get("/conv2d?image=colour").text
    assert 'name="channel"' not in client.get("/conv2d?image=digit").text


def test_an_evicted_upload_gets_a_friendly_upload_it_again_page(tmp_path, rng):
    import io

    from fastapi.testclient import TestClient
    from PIL import Image

    from app.main import create_app
    from app.settings import Settings

    # room on disk for about one 64×64 image, and no decoded copies kept in memory
    settings = Settings(data_dir=tmp_path, htmx_source="none", store_cap_bytes=6000, memory_cache_items=0)
    with TestClient(create_app(settings)) as c:
        ids = []
        for _ in range(3):
            buf = io.BytesIO()
            Image.fromarray((rng.random((64, 64)) * 255).astype(np.uint8)).save(buf, "PNG")
            ids.append(c.post("/api/images", files={"file": ("p.png", buf.getvalue(), "image/png")}).json()["id"])
        assert c.get(f"/conv2d?image={ids[-1]}&kernel=edge").status_code == 200  # the newest is kept
        r = c.get(f"/conv2d?image={ids[0]}&kernel=edge&stride=2")
        assert r.status_code == 404 and 'class="error-panel"' in r.text and "upload it again" in r.text
        assert 'class="upload"' in r.text and 'value="edge"' in r.text  # the upload form, keeping the kernel


def test_why_w_is_sparse_under_w_and_in_the_json_twin(client):
    # the notes' 4×4 grid, sharpen, padding 1: W is 16×16; taps reach (3 + 4 + 3)² = 100 entries, 64 of them
    # under a non-zero weight (the centre 4·4 + four −1s at 3·4), 9 shared weights with 3 distinct values
    para = re.search(r'<p class="w-counts".*?</p>', client.get("/conv2d").text, re.S).group(0)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", para))
    assert text == ("Why W is sparse: 256 entries, only 100 of them reached by a kernel tap and 64 non-zero; they hold just"
                    " 9 weights, the kernel's (3 distinct values), shared by every row. A fully connected layer from these"
                    " 16 inputs to 16 outputs learns all 256.")
    assert client.get("/conv2d.json").json()["w_counts"] == {
        "entries": 256, "connections": 100, "nonzero": 64, "shared_weights": 9, "distinct_values": 3, "fully_connected": 256}
    # stride 2, no padding, a 5×5 grid of a 3×3 box: W is 4×25 and every row holds all 9 taps
    body = client.get("/conv2d.json?grid=" + ";".join(["1,2,3,4,5"] * 5) + "&kernel=box_blur&stride=2&padding=0").json()
    assert body["w_counts"]["entries"] == 100 and body["w_counts"]["connections"] == 36
    assert 'class="w-legend"' in client.get("/conv2d").text
