"""The lecture pages through TestClient: values from the engine, URL state, friendly errors."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.web.home import CARDS
from tests.web.test_conv2d import cells, num


def result(html: str) -> float:
    return num(re.search(r'class="big result">([^<]+)<', html).group(1))


def test_home_links_every_topic_and_every_worked_example(client):
    html = client.get("/").text
    for path in ("/conv1d", "/conv2d", "/pool", "/volume", "/transpose", "/shapes", "/flip", "/text"):
        assert f'href="{path}' in html
    for _, _, examples in CARDS:
        for _, href in examples:
            assert client.get(unescape(href)).status_code == 200, href
    for needle in ("Ex1 a", "Ex1 b", "Ex2 a", "Ex2 b", "34348", "5×5×96×256"):
        assert needle in html


@pytest.mark.parametrize("stride", [1, 2])
def test_conv1d_values_and_toeplitz(client, stride):
    # [1..8] with [1, 2, 3]: 1·1 + 2·2 + 3·3 = 14, then +6 per cell moved (+12 at stride 2)
    out = {1: [14, 20, 26, 32, 38, 44], 2: [14, 26, 38]}[stride]
    for step in range(len(out)):
        html = client.get(f"/conv1d?input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride={stride}&step={step}").text
        assert result(html) == out[step]
        shown = cells(html, "output")
        assert [num(v) for v in shown[: step + 1]] == out[: step + 1]
    m = re.search(r'<table class="matrix whole".*?</table>', html, re.S).group(0)
    body = m.split("<tbody>")[1].split("</tbody>")[0]
    assert len(re.findall(r"<tr[ >]", body)) == len(out)  # one row of W per output value
    if stride == 2:
        assert "consecutive rows jump 2 columns" in html


@pytest.mark.parametrize("op", ["max", "avg"])
def test_pool_values_and_winner(client, op):
    # the page's default grid [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]] in 2×2 windows
    expected = {"max": [6, 8, 3, 4], "avg": [13 / 4, 21 / 4, 8 / 4, 8 / 4]}[op]
    winners = [(1, 1), (1, 3), (2, 0), (3, 3)]
    for step in range(4):
        html = client.get(f"/pool?op={op}&step={step}").text
        assert result(html) == expected[step]
        if op == "max":
            r, c = winners[step]
            assert f"at row {r}, column {c}" in html and "winner" in html
    assert "0</strong>" in html and "(I − P)/s + 1" in html


def test_volume_is_notes_ex1_and_matches_correlate_many(client):
    html = client.get("/volume").text
    assert "3×3×2" in html and "= 54 weights + 2 biases" in html
    # the page's example (5×5×3 input, two 3×3×3 filters, bias 1, stride 2, padding 1), summed with scipy
    for step, expected in ((0, 2), (4, 6), (9, 7), (17, 9)):
        html = client.get(f"/volume?step={step}").text
        assert result(html) == expected
    assert "7/3" in client.get("/volume?stride=3").text


@pytest.mark.parametrize(
    ("query", "needles"),
    [
        ("input=5&kernel=3&padding=1&stride=2&channels=3&filters=2", ["3×3×2", "= 54", "56"]),
        ("input=5&kernel=3&padding=1&stride=3&channels=3&filters=2", ["7/3", "rounded down", "2×2×2"]),
        ("input=288&stride=2&padding=0&output=143&unknown=kernel&channels=3", ["kernel = <span class=\"big-answer\">4</span>"]),
        ("input=288&kernel=4&stride=2&padding=0&channels=3&filters=8&pool=3&pool_stride=2", ["143×143×8", "71×71×8"]),
        ("input=227&kernel=11&stride=4&channels=3&filters=96", ["34848", "34944", "34348"]),
        ("input=27&kernel=5&padding=2&channels=96&filters=256", ["614400", "614656"]),
        ("stack=lenet5", ["61,706", "28×28×6"]),
    ],
)
def test_shapes_worked_examples(client, query, needles):
    html = client.get(f"/shapes?{query}").text
    for needle in needles:
        assert needle in html, needle


def test_flip_shows_both_results(client):
    html = client.get("/flip?input=0,0,1,2,3,0,0,0&kernel=1,2,3&at=2").text
    # at 2 the window is [1, 2, 3]: correlation 1·1 + 2·2 + 3·3 = 14, convolution (flipped) 3·1 + 2·2 + 1·3 = 10
    assert ">14<" in html and ">10<" in html and "≠" in html
    assert result(html) == 14
    assert "≠" not in client.get("/flip?kernel=1,2,1").text.split("<tbody>")[1].split("</tbody>")[0]


def test_text_pipeline_numbers(client):
    sentence = "a truly wonderful film"
    # by hand from VADER's valences (truly 1.9, wonderful 2.7; "a", "film" absent) / 4: the intensifier filter
    # (4) on "truly wonderful" is 1 + 0.675 − 1 = 0.675; on "a truly" 0 + 0.475 − 1 < 0, so ReLU gives 0
    for step, expected in ((0, 0), (1, 0.675)):
        html = client.get(f"/text?sentence={sentence}&filter=4&step={step}").text
        assert result(html) == pytest.approx(expected, abs=1e-12)
    # pooled: positive 0.675, very_positive 0.675 → logits (0, 1.35) → softmax 1 / (1 + e^1.35) = 0.206
    for p in ("0.206", "0.794"):
        assert p in html
    assert "not trained" in html and "VADER" in html


def test_text_never_echoes_user_markup(client):
    r = client.get("/text?sentence=<b>bold</b> words here", follow_redirects=False)
    assert r.headers["location"] == "/text?sentence=b+bold+b+words+here"  # the sentence is its tokens
    html = client.get(r.headers["location"]).text
    assert "<b>bold" not in html and 'value="b bold b words here"' in html
    error = client.get("/text?sentence=<b>" + " w" * 41).text
    assert "<b>" not in error and "&lt;b&gt;" in error  # the form keeps what was typed, escaped


@pytest.mark.parametrize(
    ("url", "field"),
    [("/conv1d?kernel=1,2,3,4,5,6,7,8,9,10", "kernel"), ("/conv1d?input=1,2&kernel=1,2,3", "kernel"),
     ("/conv1d?step=50", "step"), ("/pool?size=3&padding=2", "padding"), ("/pool?op=median", "op"),
     ("/volume?channels=9", "channels"), ("/shapes?unknown=depth", "unknown"), ("/shapes?input=2&kernel=5", "kernel"),
     ("/shapes?stack=vgg", "stack"), ("/shapes?unknown=output&padding=same", "padding"),
     ("/flip?input=1,x", "input"), ("/text?sentence=,,,", "sentence"), ("/text?filter=7", "filter")],
)
def test_bad_input_gets_a_friendly_panel(client, url, field):
    r = client.get(url)
    assert r.status_code == 422 and 'class="error-panel"' in r.text and f"<code>{field}</code>" in r.text
    assert 'id="settings"' in r.text
    frag = client.get(url, headers={"HX-Request": "true"})
    assert frag.status_code == 422 and frag.text.lstrip().startswith('<div id="app"')


@pytest.mark.parametrize("path", ["/conv1d?step=2", "/pool?step=1", "/volume?step=3", "/shapes", "/flip", "/text"])
def test_fragment_and_vary(client, path):
    page = client.get(path)
    frag = client.get(path, headers={"HX-Request": "true", "HX-Target": "app"})
    assert page.headers["vary"] == frag.headers["vary"] == "HX-Request"
    assert "<html" in page.text and "<html" not in frag.text and frag.text.lstrip().startswith('<div id="app"')


def test_lecture_links_round_trip_state(client):
    html = client.get("/pool?input=1,2;3,4&size=1&stride=1&op=avg&step=0").text
    nxt = unescape(re.search(r'href="([^"]+)"[^>]*data-key="next"', html).group(1))
    assert nxt == "/pool?input=1,2;3,4&size=1&op=avg&step=1#workspace"  # canonical: stride = size is the default


def test_home_formulas_use_real_subscripts_not_latex_underscores(client):
    html = client.get("/").text
    assert "<var>X<sub>n+j</sub></var>" in html and "W<sub>c</sub> = k²·C·N" in html
    assert "X_{n+j}" not in html and "W_c" not in html


def test_home_links_to_the_image_picker_by_its_id(client):
    assert 'href="/conv2d?image=digit#pick-image"' in client.get("/").text
    assert '<details class="pick-image" id="pick-image">' in client.get("/conv2d?image=digit").text


def test_solving_leaves_the_unknown_box_blank_and_shows_the_answer(client):
    html = client.get("/shapes?input=288&kernel=3&stride=2&padding=0&output=143&unknown=kernel&channels=3").text
    assert re.search(r'<input name="kernel" value="" size="6" placeholder="\?"', html)
    assert 'Solved: kernel = <span class="big-answer">4</span>' in html
    assert "frameworks round down, so kernel 3–4 all give 143" in html


@pytest.mark.parametrize(("query", "slip", "agrees"), [
    ("input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride=2", "((8 − 3) + 1) / 2 = 3", True),
    ("input=1,2,3,4,5,6,7,8,9&kernel=1,2,3&stride=2", "((9 − 3) + 1) / 2 = 7/2", False),
])
def test_conv1d_names_the_notes_row_count_slip_with_the_current_numbers(client, query, slip, agrees):
    html = client.get(f"/conv1d?{query}").text
    assert slip in html and ("happens to agree" in html) == agrees
    if not agrees:
        assert "the window stops at 4 positions" in html


def test_home_fragment_links_land_on_an_element_of_that_id(client):
    for _, _, examples in CARDS:
        for _, href in examples:
            if "#" in href:
                path, anchor = unescape(href).split("#")
                assert f'id="{anchor}"' in client.get(path).text, href


@pytest.mark.parametrize(("shift", "unchanged"), [("left", 4), ("up", 4), ("right", 2), ("down", 2)])
def test_pool_shows_translation_invariance_with_the_engines_numbers(client, shift, unchanged):
    # a lone 9 at (1, 1): a move left or up keeps it inside its 2×2 window, right or down carries it out
    html = client.get(f"/pool?input=0,0,0,0;0,9,0,0;0,0,0,0;0,0,0,0&shift={shift}").text
    assert f'<span class="big-answer">{unchanged} of 4</span> pooled cells unchanged' in html
    # the 9 moves to (1, 0), (0, 1), (1, 2) or (2, 1): the 2×2 max pool keeps it in the window of its new cell
    expected = {"left": [9, 0, 0, 0], "up": [9, 0, 0, 0], "right": [0, 9, 0, 0], "down": [0, 0, 9, 0]}[shift]
    assert [num(v) for v in cells(html, "output shifted")] == expected


def test_pool_shift_must_be_a_direction(client):
    r = client.get("/pool?shift=sideways")
    assert r.status_code == 422 and "<code>shift</code>" in r.text and "right, down, left, up" in r.text


def test_shapes_shows_the_rearranged_formula_and_flags_the_notes_f2(client):
    ex2a = "/shapes?input=288&stride=2&padding=0&output=143&unknown=kernel&channels=3&filters=8"
    html = unescape(client.get(ex2a).text)
    # 288 − 2·(143 − 1) = 288 − 284 = 4, worked by hand
    assert "F = W₁ + 2p − s·(W₂ − 1) = 288 + 2·0 − 2·(143 − 1) = 288 − 2·142 = 4" in html
    assert "The notes write “F=2” beside this question; their own working, like this page, gives F = 4." in html
    twin = client.get(ex2a.replace("/shapes?", "/shapes.json?")).json()
    assert twin["solution"]["rearranged"].endswith("= 4") and twin["output_volume"] == [143, 143, 8]
    # solving for the stride: (7 + 2·1 − 3) / (3 − 1) = 6/2 = 3; for padding a half is said to be one
    stride = client.get("/shapes.json?input=7&kernel=3&padding=1&output=3&unknown=stride").json()["solution"]
    assert stride["rearranged"] == "s = (W₁ + 2p − F) / (W₂ − 1) = (7 + 2·1 − 3) / (3 − 1) = 3"
    pad = client.get("/shapes.json?input=6&kernel=3&stride=2&output=3&unknown=padding").json()["solution"]
    assert pad["rearranged"] == "p = (s·(W₂ − 1) + F − W₁) / 2 = (2·(3 − 1) + 3 − 6) / 2 = 1/2, not a whole number"
    assert "F=2" not in client.get("/shapes?input=288&stride=2&padding=0&output=143&unknown=stride&kernel=4").text


def test_one_dimensional_pages_have_no_row_buttons(client):
    html = client.get("/conv1d?step=2").text
    assert 'data-key="next-row"' not in html and 'data-key="prev-row"' not in html and "Shift</kbd>" not in html
    assert 'data-key="next"' in html and 'data-key="next-row"' in client.get("/conv2d").text  # 2-D keeps them
