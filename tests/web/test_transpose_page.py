"""/transpose through TestClient: the forward layer turned over, scatter and gather with the same
numbers, checked against independent references (W·x built by a loop, scipy's correlate2d)."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest
from scipy.signal import correlate2d

from tests.oracles import loop_correlate

NOTES = {"size": 4, "kernel": np.arange(1.0, 10.0).reshape(3, 3), "stride": 2, "padding": 1}


def loop_w(n: int, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """W of the forward layer, one column per one-hot input pushed through the loop twin."""
    cols = []
    for i in range(n * n):
        x = np.zeros(n * n)
        x[i] = 1
        cols.append(loop_correlate(x.reshape(n, n), kernel, stride=stride, padding=padding).ravel())
    return np.array(cols).T


def step_block(html: str) -> dict:
    return json.loads(unescape(re.search(r"id=\"step-data\" hidden data-json='([^']*)'", html).group(1)))


def test_the_default_is_the_notes_layer_turned_over(client):
    data = client.get("/transpose.json").json()
    assert data["forward"] == {"input_shape": [4, 4], "output_shape": [2, 2], "same_output_sizes": [[3, 4], [3, 4]]}
    assert data["output_padding"] == [1, 1] and data["y"] == [[1, 2], [3, 4]]
    # worked by hand: y0,0 = 1 stamps the kernel at (−1, −1), so x0,0 = 1·5 (its centre); x1,1 = 1·9 + 2·7 + 3·3 + 4·1
    assert data["output"][0][0] == 5 and data["output"][1][1] == 9 + 14 + 9 + 4
    w = loop_w(4, NOTES["kernel"], 2, 1)
    assert data["weight_matrix"] == w.tolist()
    assert np.array_equal(np.array(data["output"]).ravel(), w.T @ np.array([1, 2, 3, 4]))


@pytest.mark.parametrize("query", ["", "size=5&padding=0", "stride=1&padding=0", "kernel=1,-2;0.5,3&size=5&stride=3&padding=1",
                                   "size=6&stride=3&padding=2&y=1,-1,0;2,0.5,3;0,0,-2"])
def test_output_is_w_transposed_times_y_and_gather_is_the_flipped_convolution(client, query):
    data = client.get(f"/transpose.json?{query}").json()
    state = data["state"]
    k = np.array(state["kernel"], dtype=float)
    w = loop_w(state["size"], k, state["stride"], state["padding"])
    y = np.array(data["y"], dtype=float)
    out = np.array(data["output"], dtype=float)
    assert out.shape == (state["size"], state["size"])
    assert np.allclose(out.ravel(), w.T @ y.ravel())
    stuffed = np.array(data["stuffed"], dtype=float)
    assert np.allclose(correlate2d(stuffed, k[::-1, ::-1], mode="valid"), out)
    assert sorted(v for v in stuffed.ravel() if v) == sorted(v for v in y.ravel() if v)  # only y's values, and zeros


def test_scatter_steps_end_on_the_output_and_gather_steps_read_its_rows(client):
    html = client.get("/transpose").text
    block = step_block(html)
    fields, values = block["fields"], block["values"]
    assert block["last"] == 3 and len(values) == 4  # one step per cell of y
    final = [values[-1][fields.index(f"o{i}")] for i in range(16)]
    out = client.get("/transpose.json").json()["output"]
    assert final == [str(v).replace("-", "−") for row in out for v in row]
    first = [values[0][fields.index(f"o{i}")] for i in range(16)]  # y0,0 = 1 alone: the kernel's lower-right 2×2
    assert first[:2] == ["5", "6"] and first[4:6] == ["8", "9"] and set(first[2:4] + first[6:]) == {"0"}
    assert block["marks"]["current"][2] == [3002]  # step 2 is row 2 of W, column 2 of Wᵀ
    assert block["marks"]["tcol"][2] == [5002]

    gather = step_block(client.get("/transpose?mode=gather").text)
    assert gather["last"] == 15 and gather["outputs"] == final
    assert gather["marks"]["current"][6] == [4006]
    wty = gather["values"][6][gather["fields"].index("wty")]
    assert wty == "x1,2 = row 6 of Wᵀ · y = 8·2 + 2·4 = 24"


def test_the_page_labels_every_grid_and_explains_output_padding(client):
    html = client.get("/transpose?mode=gather&step=5").text
    for label in ("Input y, zero-stuffed and padded", "Kernel, flipped", "Output"):
        assert f'<span class="grid-label">{label}</span>' in html
    assert "Forward inputs of 3 and 4 rows all give 2 output rows" in html and "output_padding = 1, 1." in html
    scatter = client.get("/transpose").text
    assert '<span class="grid-label">Input y</span>' in scatter and "Stamp = y × kernel" in scatter
    assert "With stride 1 exactly one input size" in client.get("/transpose?stride=1&size=4&padding=0").text


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("y=1,2", "y", "needs 2×2 values"),
        ("padding=3", "padding", "at most k − 1 = 2"),
        ("size=1&padding=0", "kernel", ""),
        ("mode=both", "mode", "scatter, gather"),
        ("step=4", "step", "between 0 and 3"),
        ("stride=9", "stride", "between 1 and 3"),
    ],
)
def test_bad_queries_name_the_field(client, query, field, words):
    r = client.get(f"/transpose.json?{query}")
    assert r.status_code == 422 and r.json()["field"] == field, r.json()
    assert words in r.json()["detail"]
    page = client.get(f"/transpose?{query}")
    assert page.status_code == 422 and 'id="error"' in page.text


def test_conv2d_links_to_its_layer_turned_over(client):
    html = client.get("/conv2d").text
    href = unescape(re.search(r'href="(/transpose[^"]*)"[^>]*>Turn this layer over', html).group(1))
    r = client.get(href, follow_redirects=False)
    assert r.status_code == 200, href
    assert "/transpose" in client.get("/").text
