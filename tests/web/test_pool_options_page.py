"""/pool's framework options through the state model: ceil_mode and count_include_pad change the
numbers and the page marks the windows they change. Expected values worked by hand."""

from __future__ import annotations

import re

import pytest

FIVE = "input=1,2,3,4,5;6,7,8,9,10;11,12,13,14,15;16,17,18,19,20;21,22,23,24,25"


def test_count_include_pad_off_divides_by_the_input_cells_only(client):
    on = client.get("/pool.json?padding=1&op=avg").json()
    off = client.get("/pool.json?padding=1&op=avg&count_include_pad=0").json()
    assert off["url"] == "/pool?padding=1&op=avg&count_include_pad=0" and off["state"]["count_include_pad"] is False
    # CS231n's map; corner window (0, 0) holds x[0, 0] = 1 and three padded zeros
    assert on["output"][0] == [0.25, 0.75, 1] and off["output"][0] == [1, 1.5, 4]
    assert on["output"][1][1] == off["output"][1][1] == 4  # 6 + 7 + 2 + 1, all inside
    assert off["window_counts"] == [[1, 2, 1], [2, 4, 2], [1, 2, 1]] and on["window_counts"] == [[4] * 3] * 3
    html = client.get("/pool?padding=1&op=avg&count_include_pad=0&step=1").text
    assert "3 ÷ 2" in html  # x[0, 1] + x[0, 2] over the two input cells
    panel = html[html.index('id="options"'):html.index('id="invariance"')]
    assert re.search(r'class="big-answer">8</span> of 9 pooled cells change', panel)
    assert panel.count('class="out changed"') == 8 and "turn it on" in panel


def test_ceil_mode_adds_the_windows_that_hang_over_the_edge(client):
    floor = client.get(f"/pool.json?{FIVE}").json()
    ceil = client.get(f"/pool.json?{FIVE}&ceil_mode=1").json()
    assert floor["output"] == [[7, 9], [17, 19]] and floor["ceil_mode_adds"] == 5
    assert ceil["output"] == [[7, 9, 10], [17, 19, 20], [22, 24, 25]] and ceil["steps"] == 9
    avg = client.get(f"/pool.json?{FIVE}&ceil_mode=1&op=avg").json()
    assert avg["output"][0][2] == 7.5 and avg["output"][2][2] == 25  # the cells past the edge are never counted
    html = client.get(f"/pool?{FIVE}&ceil_mode=1").text
    panel = html[html.index('id="options"'):html.index('id="invariance"')]
    assert panel.count('class="out changed"') == 5 and "(2×2) or, with ceil_mode, <strong>up</strong> (3×3)" in panel


@pytest.mark.parametrize(("query", "field"), [("ceil_mode=yes", "ceil_mode"), ("count_include_pad=2", "count_include_pad"),
                                              ("padding=2", "padding")])
def test_bad_options_name_the_field(client, query, field):
    r = client.get(f"/pool.json?{query}")
    assert r.status_code == 422 and r.json()["field"] == field, r.json()


def test_options_are_canonical(client):
    r = client.get("/pool?count_include_pad=1&ceil_mode=0&op=avg", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/pool?op=avg"
