"""Every page's JSON twin: the page URL plus .json gives its state, canonical URL and computed view."""

from __future__ import annotations

import re
from html import unescape


def test_conv2d_twin_of_the_notes_grid(client):
    r = client.get("/conv2d.json?step=5")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["url"] == "/conv2d?step=5"
    assert body["state"]["kernel"] == "sharpen" and body["state"]["padding"] == 1 and body["state"]["step"] == 5
    assert body["state"]["grid"] == [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]
    assert body["step"] == 5 and body["steps"] == 16 and body["output_shape"] == [4, 4]
    assert body["geometry"]["padding"] == [[1, 1], [1, 1]] and body["geometry"]["stride"] == [1, 1]
    trace = body["trace"]
    assert trace["out_index"] == [1, 1] and trace["origin"] == [0, 0]
    assert trace["window"] == [[35, 19, 25], [13, 22, 16], [4, 3, 7]]
    assert trace["kernel"] == [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    assert trace["products"] == [[0, -19, 0], [-13, 110, -16], [0, -3, 0]]
    assert trace["sum"] == 59 and trace["bias"] == 0 and trace["result"] == 59
    row = trace["matrix_row"]
    assert {c: v for c, v in zip(row["columns"], row["values"], strict=True) if v} == {1: -1, 4: -1, 5: 5, 6: -1, 9: -1}
    assert body["output"] == [[143, 13, 84, -48], [4, 59, -27, 233], [-5, -26, 5, -13], [33, 27, -13, 4]]


def test_twin_takes_any_spelling_and_names_the_canonical_url(client):
    body = client.get("/conv2d.json?bias=0.5&kernel=1%2C0%3B0%2C1&step=02&padding=valid").json()
    assert body["url"] == "/conv2d?kernel=1,0;0,1&bias=0.5&padding=0&step=2"
    assert body["state"]["kernel"] == [[1, 0], [0, 1]] and body["state"]["bias"] == 0.5
    assert body["trace"]["window"] == [[25, 6], [16, 53]]  # output cell (0, 2) of 3×3
    assert body["trace"]["result"] == 78.5  # 25·1 + 53·1 + bias 0.5


def test_pages_name_their_twin(client):
    r = client.get("/conv2d?kernel=edge&step=3")
    assert r.headers["link"] == '</conv2d.json?kernel=edge&step=3>; rel="alternate"; type="application/json"'
    m = re.search(r'<link rel="alternate" type="application/json" href="([^"]+)">', r.text)
    assert m and unescape(m.group(1)) == "/conv2d.json?kernel=edge&step=3"
    hit = client.get("/conv2d?kernel=edge&step=3")
    assert hit.headers["x-convstep-cache"] == "hit" and hit.headers["link"] == r.headers["link"]


def test_a_bad_query_on_a_twin_is_the_json_problem_with_the_pages_status(client):
    for query, field, status in [("stride=0", "stride", 422), ("step=99", "step", 422), ("kernel=blurry", "kernel", 422),
                                 ("image=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "image", 404)]:
        page = client.get(f"/conv2d?{query}")
        twin = client.get(f"/conv2d.json?{query}")
        assert twin.status_code == page.status_code == status, query
        assert twin.headers["content-type"] == "application/json"
        assert twin.json()["field"] == field and twin.json()["detail"]
