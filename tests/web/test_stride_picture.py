"""The stride picture (app/web/stride_picture.py): every window, the current and previous one, and the
rows and columns never covered, checked against a plain loop over every window position and tap."""

from __future__ import annotations

import json
import re
from html import unescape

import numpy as np
import pytest

from app.engine.geometry import conv_geometry
from app.web.stride_picture import picture, step_fields


def read_by_loop(n: tuple[int, int], k: tuple[int, int], s: int, p: int, d: int) -> tuple[set[tuple[int, int]], list]:
    """Padded cells some tap reads, and the window origins, by walking every window and every tap."""
    read, origins = set(), []
    r0 = 0
    while r0 + d * (k[0] - 1) < n[0] + 2 * p:
        c0 = 0
        while c0 + d * (k[1] - 1) < n[1] + 2 * p:
            origins.append((r0, c0))
            for i in range(k[0]):
                for j in range(k[1]):
                    read.add((r0 + i * d, c0 + j * d))
            c0 += s
        r0 += s
    return read, origins


CASES = [((4, 4), (3, 3), 1, 1, 1), ((4, 4), (3, 3), 2, 1, 1), ((7, 5), (2, 3), 3, 0, 1), ((6, 6), (3, 3), 1, 0, 2),
         ((9, 8), (3, 2), 2, 2, 2), ((5, 5), (1, 1), 4, 0, 1), ((8, 3), (3, 3), 1, 0, 1)]


def random_cases(count: int) -> list[tuple]:
    rng = np.random.default_rng(11)
    out = []
    while len(out) < count:
        n = (int(rng.integers(1, 12)), int(rng.integers(1, 12)))
        k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 3)), int(rng.integers(1, 4))
        if all(n[i] + 2 * p >= d * (k[i] - 1) + 1 for i in (0, 1)):
            out.append((n, k, s, p, d))
    return out


@pytest.mark.parametrize(("n", "k", "s", "p", "d"), CASES + random_cases(40))
def test_hatched_cells_are_exactly_the_cells_no_tap_reads(n, k, s, p, d):
    g = conv_geometry(n, k, stride=s, padding=p, dilation=d)
    pic = picture(g, 0)
    assert pic is not None
    rows, cols = pic["axes"]
    read, origins = read_by_loop(n, k, s, p, d)
    assert pic["windows"] == origins
    hatched = {(r, c) for r in range(rows["padded"]) for c in range(cols["padded"])
               if r in rows["unread"] or c in cols["unread"]}
    every = {(r, c) for r in range(n[0] + 2 * p) for c in range(n[1] + 2 * p)}
    assert hatched == every - read


def test_one_d_is_one_row():
    g = conv_geometry((8,), (3,), stride=2, padding=0)
    pic = picture(g, 2)
    assert pic is not None and pic["one_d"]
    rows, cols = pic["axes"]
    assert rows["padded"] == 1 and rows["unread"] == []
    assert cols["starts"] == [0, 2, 4] and cols["unread"] == [7]
    assert cols["words"] == "never covered: last cell (cell 7)"
    assert pic["cur@transform"] == "translate(4 0)" and pic["prev@transform"] == "translate(2 0)"


def test_step_fields_move_by_the_stride_row_by_row():
    g = conv_geometry((4, 4), (3, 3), stride=2, padding=1)  # output 2×2
    assert step_fields(g, 0) == {"cur@transform": "translate(0 0)", "prev@transform": "translate(0 0)",
                                 "prev@visibility": "hidden"}
    assert step_fields(g, 2) == {"cur@transform": "translate(0 2)", "prev@transform": "translate(2 0)",
                                 "prev@visibility": "visible"}


def test_words_name_gaps_and_padding():
    g = conv_geometry((7, 7), (1, 1), stride=3)  # windows at 0, 3, 6: cells 1, 2, 4, 5 never read
    pic = picture(g, 0)
    assert pic is not None
    assert pic["axes"][1]["words"] == "never covered: columns 1, 2, 4, 5"
    g = conv_geometry((5, 5), (3, 3), stride=3)  # one window: reads 0..2
    pic = picture(g, 0)
    assert pic is not None
    assert pic["axes"][0]["words"] == "never covered: last 2 rows (rows 3, 4)"
    g = conv_geometry((4, 4), (3, 3), stride=3, padding=2)  # padded 8: windows at −2 and 1 read −2..3
    pic = picture(g, 0)
    assert pic is not None
    assert pic["axes"][0]["words"] == "never covered: last 2 rows (rows 4, 5, all padding)"


def svg(html: str) -> str:
    m = re.search(r'<section class="stride-picture[^"]*".*?</section>', html, re.S)
    assert m, "no stride picture"
    return m.group(0)


def test_conv2d_page_draws_every_window_and_names_the_leftover(client):
    r = client.get("/conv2d?stride=2&step=3")
    part = svg(r.text)
    assert part.count('class="ghost"') == 4
    assert part.count('class="unread"') == 2  # the last padded row and column
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", part)))
    assert "(4 + 2·1 − 3) / 2 + 1 = 3/2 + 1 = 5/2 → 2 windows, starting at rows −1, 1 (stride 2)" in text
    assert "Never covered: last column (column 4, padding)." in text
    assert 'data-b="cur@transform" transform="translate(2 2)"' in part
    assert 'transform="translate(0 2)" visibility="visible"' in part
    steps = json.loads(unescape(re.search(r"id=\"step-data\" hidden data-json='([^']*)'", r.text).group(1)))
    # stepper.js moves the windows from the geometry (translate(c·2 r·2) for output cell (r, c)); that it draws
    # what the server does is tests/browser/test_step_data.py
    assert "cur@transform" not in steps["fields"]
    assert (steps["derive"]["out"], steps["derive"]["stride"]) == ([2, 2], [2, 2])


def test_conv1d_page_has_the_picture(client):
    r = client.get("/conv1d?input=1,2,3,4,5,6,7,8&kernel=1,2,3&stride=2")
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", svg(r.text))))
    assert "(8 + 2·0 − 3) / 2 + 1 = 5/2 + 1 = 7/2 → 3 windows, starting at cells 0, 2, 4 (stride 2)" in text
    assert "Never covered: last cell (cell 7)." in text


def test_image_pages_have_no_picture(client):
    r = client.get("/conv2d?image=shapes")
    assert r.status_code == 200, r.text[:300]
    assert "stride-picture" not in r.text


def test_shapes_draws_one_axis_when_it_fits(client):
    part = svg(client.get("/shapes?input=5&kernel=3&padding=1&stride=3").text)
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", part)))
    assert "(5 + 2·1 − 3) / 3 + 1 = 4/3 + 1 = 7/3 → 2 windows, starting at columns −1, 2 (stride 3)" in text
    assert "Never covered: last column (column 5, padding)." in text
    assert "cur@transform" not in part and "previous step" not in part  # /shapes does not step
    # Ex2 a (288 columns) is too wide to draw
    assert "stride-picture" not in client.get("/shapes?input=288&stride=2&padding=0&output=143&unknown=kernel").text
