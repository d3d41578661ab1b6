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


def loop_w(size, kernel: np.ndarray, stride: int, padding: int, dilation: int = 1) -> np.ndarray:
    """W of the forward layer, one column per one-hot input pushed through the loop twin."""
    h, w = (size, size) if isinstance(size, int) else size
    cols = []
    for i in range(h * w):
        x = np.zeros(h * w)
        x[i] = 1
        pads = padding if isinstance(padding, int) else [(p, p) for p in padding]
        cols.append(loop_correlate(x.reshape(h, w), kernel, stride=stride, padding=pads, dilation=dilation).ravel())
    return np.array(cols).T


def loop_scatter(y: np.ndarray, kernel: np.ndarray, stride: int, padding: int, dilation: int, size) -> np.ndarray:
    """The transposed convolution by hand: every y cell adds value × tap at (row·s − p + i·d, col·s − p + j·d)
    (stride and padding: one number, or rows and columns)."""
    (sh, sw), (ph, pw) = (np.broadcast_to(v, 2).tolist() for v in (stride, padding))
    out = np.zeros(size)
    for a in range(y.shape[0]):
        for b in range(y.shape[1]):
            for i in range(kernel.shape[0]):
                for j in range(kernel.shape[1]):
                    r, c = a * sh - ph + i * dilation, b * sw - pw + j * dilation
                    if 0 <= r < size[0] and 0 <= c < size[1]:
                        out[r, c] += y[a, b] * kernel[i, j]
    return out


def dilated(kernel: np.ndarray, d: int) -> np.ndarray:
    """The kernel with d − 1 zeros between its taps (what a dilated correlation reads)."""
    out = np.zeros(((kernel.shape[0] - 1) * d + 1, (kernel.shape[1] - 1) * d + 1))
    out[::d, ::d] = kernel
    return out


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
                                   "size=6&stride=3&padding=2&y=1,-1,0;2,0.5,3;0,0,-2",
                                   "size=5x6&kernel=1,2,3;4,5,6&padding=1&dilation=2",
                                   "size=6x3&kernel=2,-1;0,3;1,1&stride=3&padding=2&dilation=2&mode=gather",
                                   "size=4x5&kernel=1,-1,2&stride=1&padding=0&dilation=2"])
def test_output_is_w_transposed_times_y_and_gather_is_the_flipped_convolution(client, query):
    data = client.get(f"/transpose.json?{query}").json()
    state = data["state"]
    k = np.array(data["kernel"], dtype=float)
    size = tuple(state["size"])
    w = loop_w(size, k, state["stride"], state["padding"], state["dilation"])
    y = np.array(data["y"], dtype=float)
    out = np.array(data["output"], dtype=float)
    assert out.shape == size and data["forward"]["input_shape"] == list(size)
    assert np.allclose(out.ravel(), w.T @ y.ravel())
    assert np.allclose(out, loop_scatter(y, k, state["stride"], state["padding"], state["dilation"], size))
    stuffed = np.array(data["stuffed"], dtype=float)
    assert np.allclose(correlate2d(stuffed, dilated(k[::-1, ::-1], state["dilation"]), mode="valid"), out)
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
        ("padding=3", "padding", "at most d·(k − 1) = 2"),
        ("padding=3&dilation=4", "dilation", "between 1 and 3"),
        ("size=4x7", "size", "between 1 and 6"),
        ("size=4x5x6", "size", "n or H×W"),
        ("channels=2", "kernel", "not a multiple of channels = 2"),
        ("channels=4", "channels", "between 1 and 3"),
        ("kernel=1;2|3;4|5;6|7;8&channels=1", "kernel", "4 kernels of 1 channel(s); at most 3 kernels fit"),
        ("kernel=" + "|".join(["1"] * 10) + "&channels=1", "kernel", "10 matrices (separated by |); at most 9"),
        ("kernel=1,2|3&channels=2", "kernel", "one shape (got 1×1 and 1×2)"),
        ("kernel=1,2;3,4|5,6;7,8&channels=2&padding=0&y=1,2;3,4|5,6;7,8", "y", "one 2×2 matrix per kernel"),
        ("kernel=1,2;3,4|5,6;7,8&channels=2&padding=0&pair=1,0", "pair", "n must be below N = 1"),
        ("pair=0", "pair", "n,c"),
        ("size=1&padding=0", "kernel", ""),
        ("mode=both", "mode", "scatter, gather"),
        ("step=4", "step", "between 0 and 3"),
        ("stride=9", "stride", "between 1 and 3"),
        # per axis (rows,columns)
        ("stride=2,1,1", "stride", "one number or two (rows,columns"),
        ("stride=2,", "stride", "whole numbers (e.g. 2 or 2,1)"),
        ("stride=2,4", "stride", "between 1 and 3, got 4"),
        ("padding=0,-1", "padding", "between 0 and"),
        ("kernel=1,2,3&padding=0,3", "padding", "at most d·(k − 1) = 2 (columns: k = 3) on this page, got 3"),
        ("kernel=1,2,3&padding=1,0", "padding", "at most d·(k − 1) = 0 (rows: k = 1) on this page, got 1"),
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


def test_a_non_square_dilated_layer_by_hand(client):
    """5×6 input, 2×3 kernel 1…6, stride 2, padding 1, dilation 2 → 3×2; turned over with output_padding 0, 1. The taps
    land on odd rows and columns only: x1,1 = y1,1·k0,0 + y1,0·k0,1 + y0,1·k1,0 + y0,0·k1,1 = 4·1 + 3·2 + 2·4 + 1·5."""
    data = client.get("/transpose.json?size=5x6&kernel=1,2,3;4,5,6&padding=1&dilation=2").json()
    assert data["forward"] == {"input_shape": [5, 6], "output_shape": [3, 2], "same_output_sizes": [[5, 6], [5, 6]]}
    assert data["output_padding"] == [0, 1] and data["y"] == [[1, 2], [3, 4], [5, 6]]
    assert data["output"] == [[0, 0, 0, 0, 0, 0], [0, 23, 0, 33, 0, 24], [0, 0, 0, 0, 0, 0],
                              [0, 47, 0, 65, 0, 42], [0, 0, 0, 0, 0, 0]]
    html = client.get("/transpose?size=5x6&kernel=1,2,3;4,5,6&padding=1&dilation=2&step=3").text
    assert "input 5×6 → output 3×2" in html and "+ 2·(3 − 1) + 1 + 1 = 6" in html
    assert "y1,1 = 4 stamps y × kernel at output (row 1, column 1), taps 2 apart" in html
    gather = client.get("/transpose?size=5x6&kernel=1,2,3;4,5,6&padding=1&dilation=2&mode=gather").text
    assert "d·(k − 1) − p = 1 and 3 around" in gather


def loop_layer(ys: np.ndarray, ks: np.ndarray, stride: int, padding: int, size) -> np.ndarray:
    """A multi-channel transposed layer by hand: y (H', W', N), kernels (N, kh, kw, C) → (H, W, C)."""
    out = np.zeros((*size, ks.shape[3]))
    for n in range(ks.shape[0]):
        for c in range(ks.shape[3]):
            out[..., c] += loop_scatter(ys[..., n], ks[n, :, :, c], stride, padding, 1, size)
    return out


def test_several_channels_step_one_pair_and_add_the_shares(client):
    """C = 2 input channels, N = 2 kernels (kernel n's channel c at n·C + c in the query). Hand-checked corner: output
    channel 0 at (0, 0) = y0·k0,c0[0, 0] + y1·k1,c0[0, 0] = 1·1 + 5·1 = 6; channel 1 at (0, 1) = 1·1 + 5·(−1) = −4."""
    query = "size=4x5&channels=2&kernel=1,0;0,1|0,1;1,0|1,1;1,1|1,-1;-1,1&stride=2&padding=0"
    data = client.get(f"/transpose.json?{query}").json()
    layer = data["layer"]
    ys, ks = np.array(layer["input"], dtype=float), np.array(layer["kernels"], dtype=float)
    assert ys.shape == (2, 2, 2) and ks.shape == (2, 2, 2, 2)
    out = np.array(layer["output"], dtype=float)
    assert out[0, 0].tolist() == [6, 5] and out[0, 1, 1] == -4
    assert np.allclose(out, loop_layer(ys, ks, 2, 0, (4, 5)))
    # the layer's W (rows over (H', W', N), columns over (H, W, C)) built by a loop; Wᵀ·y is the output
    w = np.zeros((2 * 2 * 2, 4 * 5 * 2))
    for a, b, n, i, j, c in np.ndindex(2, 2, 2, 2, 2, 2):
        w[(a * 2 + b) * 2 + n, ((a * 2 + i) * 5 + b * 2 + j) * 2 + c] += ks[n, i, j, c]
    assert np.array_equal(np.array(layer["weight_matrix"]), w)
    assert np.allclose(w.T @ ys.ravel(), out.ravel())
    # the pair stepped (default 0, 0) is y channel 0 through kernel 0's channel 0
    assert data["pair"] == [0, 0] and data["kernel"] == [[1, 0], [0, 1]] and data["y"] == [[1, 2], [3, 4]]
    pair = client.get(f"/transpose.json?{query}&pair=1,1").json()
    assert pair["kernel"] == [[1, -1], [-1, 1]] and pair["y"] == [[5, 6], [7, 8]]
    share0 = np.array(client.get(f"/transpose.json?{query}&pair=0,1").json()["output"])
    assert np.allclose(share0 + np.array(pair["output"]), out[..., 1])  # channel 1 = Σ over the kernels' shares
    assert np.allclose(np.array(pair["weight_matrix"]).T @ ys[..., 1].ravel(), np.ravel(pair["output"]))
    html = client.get(f"/transpose?{query}&pair=1,1").text
    assert 'aria-current="true">y1 → out1</a>' in html and "Share of y channel 0" in html and "Output channel 1" in html
    assert "input 4×5×2 → output 2×2×2" in html
    assert client.get(f"/transpose?{query}&pair=1,1").status_code == 200


@pytest.mark.parametrize(("spellings", "canonical"), [
    (["/transpose?size=4x4", "/transpose?size=4X4&pair=0,0&dilation=1&channels=1", "/transpose?size=4×4"], "/transpose"),
    (["/transpose?size=5x6&dilation=2", "/transpose?dilation=02&size=5,6"], "/transpose?size=5x6&dilation=2"),
    (["/transpose?channels=2&kernel=1|2&padding=0&y=1,2;3,4", "/transpose?kernel=1.0|2&channels=2&padding=0"],
     "/transpose?channels=2&kernel=1%7C2&padding=0"),
])
def test_the_new_fields_have_one_spelling(client, spellings, canonical):
    for url in spellings:
        r = client.get(url, follow_redirects=False)
        assert r.status_code in (200, 302), (url, r.text[:200])
        assert (r.headers["location"] if r.status_code == 302 else url) == canonical, url


@pytest.mark.parametrize("query", ["stride=2,1&padding=1,0", "size=5x4&stride=1,3&padding=0,1",
                                   "size=6x5&kernel=1,-2,0.5;3,0,1&stride=3,2&padding=0,2&mode=gather",
                                   "size=5x6&kernel=1,2;3,4;5,6&stride=2,1&padding=2,1&dilation=2",
                                   "size=4x5&channels=2&kernel=1,0;0,1|0,1;1,0|1,1;1,1|1,-1;-1,1&stride=1,2&padding=1,0"])
def test_per_axis_stride_and_padding_are_w_transposed_times_y(client, query):
    """stride=rows,columns and padding=rows,columns: the pair's output is Wᵀ·y (W from the loop twin with those
    strides and paddings), the plain scatter loop, and the flipped kernel over the stuffed y; with several channels
    the layer's output is every pair's scatter added up."""
    data = client.get(f"/transpose.json?{query}").json()
    state = data["state"]
    stride, padding = ([v, v] if isinstance(v, int) else v for v in (state["stride"], state["padding"]))
    assert stride[0] != stride[1] and isinstance(state["stride"], list)
    k, y = np.array(data["kernel"], dtype=float), np.array(data["y"], dtype=float)
    size = tuple(state["size"])
    w = loop_w(size, k, stride, padding, state["dilation"])
    out = np.array(data["output"], dtype=float)
    assert out.shape == size and y.shape == tuple(data["forward"]["output_shape"])
    assert np.array_equal(np.array(data["weight_matrix"]), w)
    assert np.allclose(out.ravel(), w.T @ y.ravel())
    assert np.allclose(out, loop_scatter(y, k, stride, padding, state["dilation"], size))
    stuffed = np.array(data["stuffed"], dtype=float)
    assert np.allclose(correlate2d(stuffed, dilated(k[::-1, ::-1], state["dilation"]), mode="valid"), out)
    if "layer" in data:
        ys, ks = np.array(data["layer"]["input"], dtype=float), np.array(data["layer"]["kernels"], dtype=float)
        by_hand = sum(np.stack([loop_scatter(ys[..., n], ks[n, :, :, c], stride, padding, 1, size)
                                for c in range(ks.shape[3])], axis=-1) for n in range(ks.shape[0]))
        assert np.allclose(np.array(data["layer"]["output"]), by_hand)


def test_per_axis_stride_by_hand_and_on_the_page(client):
    """4×4 input, the notes' kernel 1…9, stride 2 down and 1 across, padding 1 on the rows and 0 on the columns:
    forward (4 + 2 − 3)//2 + 1 = 2 rows and (4 − 3)//1 + 1 = 2 columns; turned over, y1,0 = 3 stamps at
    (row 1, column 0), so x1,1 = y0,0·k2,1 + y0,1·k2,0 + y1,0·k0,1 + y1,1·k0,0 = 1·8 + 2·7 + 3·2 + 4·1 = 32."""
    data = client.get("/transpose.json?stride=2,1&padding=1,0").json()
    assert data["state"]["stride"] == [2, 1] and data["state"]["padding"] == [1, 0]
    assert data["forward"] == {"input_shape": [4, 4], "output_shape": [2, 2], "same_output_sizes": [[3, 4], [4]]}
    assert data["output_padding"] == [1, 0] and data["y"] == [[1, 2], [3, 4]]
    assert data["output"][1][1] == 32
    html = client.get("/transpose?stride=2,1&padding=1,0&step=2").text
    assert "y1,0 = 3 stamps y × kernel at output (row 1, column 0)" in html
    assert "2 rows further down for each step down y and 1 column further right" in html
    assert "Forward inputs of 3 and 4 rows all give 2 output rows" in html
    assert "With stride 1 across exactly one input size gives 2 columns, so nothing is ambiguous and output_padding" \
           " is 0 for the columns." in html
    assert 'name="stride" inputmode="numeric"' in html and 'value="2,1"' in html
    gather = client.get("/transpose?stride=2,1&padding=1,0&mode=gather").text
    assert "1 zero row(s) and 0 zero column(s) between cells (stride 2,1)" in gather


@pytest.mark.parametrize(("spellings", "canonical"), [
    (["/transpose?stride=2,2&padding=1,1", "/transpose?stride=2&padding=01", "/transpose?stride= 2 , 2"], "/transpose"),
    (["/transpose?stride=2,1", "/transpose?stride=2, 1&padding=1,1"], "/transpose?stride=2,1"),
    (["/transpose?padding=1,0&stride=1,1", "/transpose?stride=1&padding=1, 0"], "/transpose?stride=1&padding=1,0"),
])
def test_a_per_axis_pair_with_equal_values_is_one_number(client, spellings, canonical):
    for url in spellings:
        r = client.get(url, follow_redirects=False)
        assert r.status_code in (200, 302), (url, r.text[:200])
        assert (r.headers["location"] if r.status_code == 302 else url) == canonical, url


def block_table(html: str) -> list[list[tuple[str, str]]]:
    """The block Wᵀ's value rows as (class, text) cells, in page order (block label rows left out)."""
    table = re.search(r'<table class="matrix whole blocks".*?</table>', html, re.S).group(0)
    body = table.split("</thead>")[1]
    rows = [re.findall(r'<td class="([^"]*)">([^<]*)</td>', row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return [row for row in rows if row]


@pytest.mark.parametrize("query", [
    "size=4x5&channels=2&kernel=1,0;0,1|0,1;1,0|1,1;1,1|1,-1;-1,1&padding=0&pair=1,0",
    "size=3x4&channels=3&kernel=1,-2|3,0|0.5,1|2,2|-1,0|0,4&stride=1,2&padding=0&pair=0,2",
    "size=5&channels=1&kernel=1,2;3,4|0,1;-1,0|2,0;0,2&stride=2&padding=1&pair=2,0",
])
def test_the_page_draws_the_layers_block_w_transposed(client, query):
    """The block Wᵀ drawn on the page: block (out c, in n) is the pair (n, c)'s Wᵀ, built here from the loop twin
    (W of kernel n's channel c alone); the rows run over the output channel by channel, the columns over y's
    channels; the stepped pair's block, and only it, is highlighted."""
    data = client.get(f"/transpose.json?{query}").json()
    state = data["state"]
    ks = np.array(data["layer"]["kernels"], dtype=float)  # (N, kh, kw, C)
    n_n, n_c = ks.shape[0], ks.shape[3]
    stride, padding = ([v, v] if isinstance(v, int) else v for v in (state["stride"], state["padding"]))
    size = tuple(state["size"])
    blocks = [[loop_w(size, ks[n, :, :, c], stride, padding).T for n in range(n_n)] for c in range(n_c)]
    expected = np.block(blocks)  # (C·H·W) × (N·H′·W′)
    html = client.get(f"/transpose?{query}").text
    drawn = block_table(html)
    values = np.array([[float(text.replace("−", "-")) for _, text in row] for row in drawn])
    assert values.shape == expected.shape and np.array_equal(values, expected)
    # the same matrix as the twin's layer W, transposed, once its rows and columns are put channel by channel
    q, p = expected.shape[0] // n_c, expected.shape[1] // n_n
    layer_w = np.array(data["layer"]["weight_matrix"])
    assert np.array_equal(layer_w.reshape(p, n_n, q, n_c).transpose(3, 2, 1, 0).reshape(n_c * q, n_n * p), expected)
    n_sel, c_sel = data["pair"]
    lit = {(r, col) for r, row in enumerate(drawn) for col, (cls, _) in enumerate(row) if "pairblock" in cls}
    assert lit == {(c_sel * q + i, n_sel * p + j) for i in range(q) for j in range(p)}
    for c in range(n_c):
        for n in range(n_n):
            assert f">block (out {c}, in {n})</a>" in html
    assert f'aria-current="true">block (out {c_sel}, in {n_sel})</a>' in html


def test_one_channel_pair_draws_no_block_matrix(client):
    assert "block-wt" not in client.get("/transpose").text
