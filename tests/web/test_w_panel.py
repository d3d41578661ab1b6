"""/conv2d's W panel and formula (issue 11 part B): cross-correlation or true convolution (flip=1), W by
the weights' names (symbols=1), the dense W of a fully connected layer, the notes' double sum with the
current indices. References: scipy.signal, a W·x product, literal numbers."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest
from scipy import signal

from tests.oracles import derived_steps

GRID = np.array([[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]], dtype=float)
K = np.array([[1, 2], [3, 4]], dtype=float)


def step_data(html: str) -> dict:
    m = re.search(r"id=\"step-data\" hidden data-json='([^']*)'", html)
    assert m, "no embedded steps"
    return json.loads(unescape(m.group(1)))


def w_rows(html: str) -> list:
    """W's rows as stepper.js lays them out from a 2-D page's step data (tests/oracles.py derived_steps; that
    stepper.js draws what the server does is tests/browser/test_step_data.py)."""
    return [s["row"] for s in derived_steps(step_data(html)["derive"])]


def text_of(html: str, cls: str) -> str:
    m = re.search(rf'<(\w+) class="(?:[^"]* )?{cls}(?: [^"]*)?"[^>]*>(.*?)</\1>', html, re.S)
    assert m, cls
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", m.group(2)))).strip()


@pytest.mark.parametrize("flip", [False, True])
def test_flip_is_true_convolution_and_w_agrees(client, flip):
    query = "/conv2d?kernel=1,2;3,4" + ("&flip=1" if flip else "")
    body = client.get(query.replace("/conv2d", "/conv2d.json")).json()
    want = signal.convolve2d(GRID, K, mode="full") if flip else signal.correlate2d(GRID, K, mode="full")
    assert np.array_equal(np.array(body["output"]), want)  # padding 1 with a 2×2 kernel is scipy's "full"
    assert body["state"]["flip"] is flip
    w = np.zeros((25, 16))
    for r, (cols, texts) in enumerate(w_rows(client.get(query).text)):
        w[r, cols] = [float(t.replace("−", "-")) for t in texts]
    assert np.array_equal(w @ GRID.ravel(), want.ravel())


def test_flip_is_canonical_and_checked(client):
    r = client.get("/conv2d?flip=0&kernel=edge", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/conv2d?kernel=edge"
    r = client.get("/conv2d?step=3&flip=1&kernel=edge", follow_redirects=False)
    assert r.headers["location"] == "/conv2d?kernel=edge&flip=1&step=3"
    r = client.get("/conv2d.json?flip=yes")
    assert r.status_code == 422 and "flip must be one of 0, 1" in r.text


def test_the_page_says_what_it_computes_and_links_the_flip(client):
    html = client.get("/conv2d?step=5").text
    note = text_of(html, "corr-note")
    assert "computes cross-correlation" in note
    assert 'href="/flip"' in html and 'href="/conv2d?flip=1&amp;step=5#sum-formula"' in html
    html = client.get("/conv2d?kernel=1,2;3,4&flip=1").text
    assert "true convolution" in text_of(html, "corr-note")
    assert 'href="/conv2d?kernel=1,2;3,4&amp;flip=1"' not in re.search(r'class="corr-note".*?</p>', html, re.S).group(0)
    assert "Kernel · custom · flipped (true convolution)" in html


def test_double_sum_with_the_current_indices(client):
    html = client.get("/conv2d?step=5").text  # sharpen on the notes' grid, output cell (1, 1) = 59
    assert text_of(html, "dsum") == (
        "y[1, 1] = Σₘ Σₙ x[1·1 − 1 + m, 1·1 − 1 + n]·k[m, n] = Σₘ Σₙ x[m, n]·k[m, n]"
        " = x[0, 0]·k[0, 0] + x[0, 1]·k[0, 1] + x[0, 2]·k[0, 2] + x[1, 0]·k[1, 0] + x[1, 1]·k[1, 1]"
        " + x[1, 2]·k[1, 2] + x[2, 0]·k[2, 0] + x[2, 1]·k[2, 1] + x[2, 2]·k[2, 2] = 59")
    first = text_of(client.get("/conv2d").text, "dsum")
    assert first.startswith("y[0, 0] = Σₘ Σₙ x[0·1 − 1 + m, 0·1 − 1 + n]·k[m, n] = Σₘ Σₙ x[−1 + m, −1 + n]")
    assert first.endswith("= 143")
    html = client.get("/conv2d?kernel=1,2;3,4&flip=1&stride=2&padding=0&step=1").text  # y[0, 1]: x[0..1, 2..3]
    assert text_of(html, "dsum") == (
        "y[0, 1] = Σₘ Σₙ x[0·2 + m, 1·2 + n]·k[1 − m, 1 − n] = Σₘ Σₙ x[m, 2 + n]·k[1 − m, 1 − n]"
        " = x[0, 2]·k[1, 1] + x[0, 3]·k[1, 0] + x[1, 2]·k[0, 1] + x[1, 3]·k[0, 0] = 203")  # 100 + 18 + 32 + 53


def test_symbols_name_the_weights_in_w(client):
    html = client.get("/conv2d?kernel=1,2;3,4&symbols=1").text
    rows = w_rows(html)
    assert rows[0] == [[0], ["w₃"]]  # window at (−1, −1): only its last tap is on the input
    assert rows[6] == [[0, 1, 4, 5], ["w₀", "w₁", "w₂", "w₃"]]  # output (1, 1) reads x[0..1, 0..1]
    assert "w₀" in text_of(html, "names")
    flipped = w_rows(client.get("/conv2d?kernel=1,2;3,4&symbols=1&flip=1").text)
    assert flipped[0] == [[0], ["w₀"]] and flipped[6] == [[0, 1, 4, 5], ["w₃", "w₂", "w₁", "w₀"]]
    wx = text_of(client.get("/conv2d?kernel=1,2;3,4&symbols=1&step=6").text, "wx")
    assert wx == "y 6 = W 6 · x = w₀ · 35 + w₁ · 19 + w₂ · 13 + w₃ · 22 = 200"  # 35 + 38 + 39 + 88
    r = client.get("/conv2d?symbols=0", follow_redirects=False)
    assert r.headers["location"] == "/conv2d"


def test_symbols_on_an_image_step(client):
    r = client.get("/conv2d?image=shapes&kernel=1,2;3,4&symbols=1&step=3", headers={"HX-Request": "true",
                                                                                     "HX-Target": "step-parts"})
    assert r.status_code == 200
    data = json.loads(unescape(re.search(r"id=\"step-view\" hidden hx-swap-oob=\"true\" data-json='([^']*)'", r.text).group(1)))
    # W's rows around the step, sent as data for stepper.js (app/web/step_view.py): their entries are the weights' names.
    # Step 3 of 2×2 on padding 1: window at (−1, 2), its top row on padding, so only w₂ w₃ reach x[0, 2] and x[0, 3]
    assert data["w"]["rows"] == {"2": [[1, 2], "w₂ w₃"], "3": [[2, 3], "w₂ w₃"], "4": [[3, 4], "w₂ w₃"]}


def dense_panel(html: str) -> str:
    return re.search(r'<div class="dense-w" id="dense-w">.*?</dl>', html, re.S).group(0)


def test_the_dense_w_of_a_fully_connected_layer(client):
    html = client.get("/conv2d?dense=1").text
    dense = dense_panel(html)
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", dense)))
    assert "16·16 = 256 weights" in text
    assert "9 weights, shared by all 16 rows" in text
    # sharpen's 5 non-zero taps: a corner window keeps 3 on the input, an edge window 4, an inner one 5: 4·3 + 8·4 + 4·5
    assert "W has 64 non-zero entries of 256" in text
    assert dense.count("<sub>") == 8 * 10


def test_conv1d_names_the_weights_as_the_notes_do(client):
    html = client.get("/conv1d?input=1,2,3,4,5&kernel=1,2,3&stride=2&symbols=1").text
    rows = step_data(html)["matrix"]["rows"]
    assert rows == [[[0, 1, 2], ["w₀", "w₁", "w₂"]], [[2, 3, 4], ["w₀", "w₁", "w₂"]]]  # rows jump 2 columns
    assert text_of(html, "names") == "w₀ w₁ w₂"
    wx = text_of(client.get("/conv1d?input=1,2,3,4,5&kernel=1,2,3&stride=2&symbols=1&step=1").text, "wx")
    assert wx == "y 1 = W 1 · x = w₀ · 3 + w₁ · 4 + w₂ · 5 = 26"  # 3 + 8 + 15
    assert 'href="/conv1d?input=1,2,3,4,5&amp;kernel=1,2,3&amp;stride=2#w-view"' in html  # back to numbers
    assert client.get("/conv1d.json?symbols=1").json()["state"]["symbols"] is True


def test_the_fully_connected_view_is_state(client):
    """dense=1 is canonical state (default off): the page shows the dense W with it and only a link to it without,
    each link keeping the rest of the state; the twin says it, OpenAPI describes it, a bad value is a 422 naming it."""
    closed = client.get("/conv2d?kernel=box_blur&step=5").text
    assert 'class="matrix dense"' not in closed
    link = re.search(r'<p class="dense-toggle"><a href="([^"]+)"[^>]*aria-expanded="false"', closed).group(1)
    assert unescape(link) == "/conv2d?kernel=box_blur&step=5&dense=1#dense-w"
    opened = client.get("/conv2d?kernel=box_blur&step=5&dense=1").text
    assert 'class="matrix dense"' in opened
    back = re.search(r'<p class="dense-toggle"><a href="([^"]+)"[^>]*aria-expanded="true"', opened).group(1)
    assert unescape(back) == "/conv2d?kernel=box_blur&step=5#dense-w"
    assert client.get("/conv2d?dense=0", follow_redirects=False).headers["location"] == "/conv2d"  # the default
    r = client.get("/conv2d?step=2&dense=1&symbols=1", follow_redirects=False)  # one spelling, in ORDER
    assert r.headers["location"] == "/conv2d?step=2&symbols=1&dense=1"
    assert client.get("/conv2d.json?dense=1").json()["state"]["dense"] is True
    assert client.get("/conv2d.json").json()["state"]["dense"] is False
    bad = client.get("/conv2d.json?dense=yes")
    assert bad.status_code == 422 and "dense" in bad.text
    for page in ("/conv2d.json", "/conv1d.json"):
        params = {p["name"]: p for p in client.get("/openapi.json").json()["paths"][page]["get"]["parameters"]}
        assert params["dense"]["schema"]["enum"] == ["0", "1"], page
    html = client.get("/conv1d?dense=1&step=1").text  # /conv1d's W panel too
    assert "Fully connected" in dense_panel(html) and client.get("/conv1d.json?dense=1").json()["state"]["dense"] is True


def test_a_class_carries_the_fully_connected_view():
    """Follow mode publishes canonical page URLs: dense=1 survives, spelled in its place."""
    from app.classes.urls import page_url
    from app.settings import Settings

    assert page_url("/conv2d?dense=1&step=3&kernel=box_blur", Settings()) == "/conv2d?kernel=box_blur&step=3&dense=1"
    assert page_url("/conv1d?dense=1", Settings()) == "/conv1d?dense=1"
