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
    m = re.search(r'<link id="json-twin" rel="alternate" type="application/json" href="([^"]+)">', r.text)
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


def test_every_lecture_page_has_a_twin_with_the_notes_numbers(client):
    conv1d = client.get("/conv1d.json?step=2").json()
    assert conv1d["url"] == "/conv1d?step=2" and conv1d["steps"] == 6
    assert conv1d["output"] == [-4, -4, -1, 3, 4, 4]  # x[i] − x[i+2] of 2,4,6,8,7,5,3,1
    assert conv1d["trace"]["window"] == [6, 8, 7] and conv1d["trace"]["result"] == -1
    assert conv1d["trace"]["matrix_row"] == {"columns": [2, 3, 4], "values": [1, 0, -1]}
    # W is 6×8: each of its 6 rows meets 3 inputs (18 connections), 12 under the non-zero weights 1 and −1
    assert conv1d["w_counts"] == {"entries": 48, "connections": 18, "nonzero": 12, "shared_weights": 3,
                                       "distinct_values": 3, "fully_connected": 48}
    pool = client.get("/pool.json?step=1&stride=2").json()
    assert pool["url"] == "/pool?step=1" and pool["state"]["stride"] == 2
    assert pool["output"] == [[6, 8], [3, 4]] and pool["trace"]["winner"] == [1, 3] and pool["trace"]["result"] == 8
    volume = client.get("/volume.json").json()
    assert volume["output_shape"] == [3, 3, 2] and volume["steps"] == 18  # the notes' Ex1
    assert volume["params"] == {"weights": 54, "biases": 2, "total": 56}
    shapes = client.get("/shapes.json?input=5&kernel=3&padding=1&stride=3&channels=3&filters=2").json()
    assert shapes["url"] == "/shapes?stride=3&padding=1"
    assert shapes["exact"] is False and shapes["output"] == [2, 2]  # Ex1 b: stride 3 does not tile
    solved = client.get("/shapes.json?input=288&stride=2&padding=0&output=143&unknown=kernel").json()
    assert solved["solution"]["value"] == 4  # Ex2 a
    flip = client.get("/flip.json").json()
    assert flip["correlation"] == [3, 8, 14, 8, 3, 0] and flip["convolution"] == [1, 4, 10, 12, 9, 0]
    text = client.get("/text.json?sentence=The Movie was GOOD").json()
    assert text["url"] == "/text?sentence=the+movie+was+good" and text["tokens"] == ["the", "movie", "was", "good"]
    assert len(text["probabilities"]) == 2 and abs(sum(text["probabilities"]) - 1) < 1e-12


def test_every_page_names_its_twin(client):
    for path in ("/conv1d", "/conv2d", "/pool", "/volume", "/transpose", "/shapes", "/flip", "/text"):
        url = f"{path}?step=1" if path in ("/conv1d", "/conv2d", "/pool", "/volume", "/transpose") else path
        r = client.get(url, follow_redirects=False)
        twin = r.headers["link"].split(">")[0][1:]
        assert twin == url.replace(path, f"{path}.json", 1)
        assert f'type="application/json" href="{twin}"' in r.text.replace("&amp;", "&")
        assert client.get(twin).json()["url"] == url


def test_lecture_twins_answer_bad_queries_as_json(client):
    for url, field in [("/conv1d.json?kernel=1,2,3,4,5,6,7,8,9,10", "kernel"), ("/pool.json?op=median", "op"),
                       ("/volume.json?channels=9", "channels"), ("/transpose.json?y=1,2", "y"),
                       ("/shapes.json?stack=vgg", "stack"),
                       ("/flip.json?input=1,x", "input"), ("/text.json?filter=7", "filter")]:
        r = client.get(url)
        assert r.status_code == 422 and r.json()["field"] == field, url


def test_max_text_tokens_is_enforced(tmp_path):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    six = "one two three four five six"
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", max_text_tokens=5))) as c:
        page = c.get(f"/text?sentence={six}")
        assert page.status_code == 422 and "<code>sentence</code>" in page.text and "at most 5" in page.text
        assert "up to 5 words" in page.text
        twin = c.get(f"/text.json?sentence={six}")
        assert twin.status_code == 422 and twin.json()["field"] == "sentence" and "at most 5" in twin.json()["detail"]
        assert c.get("/text?sentence=one two three four five").status_code == 200
    many = " ".join(f"w{i}" for i in range(50))
    with TestClient(create_app(Settings(data_dir=tmp_path, htmx_source="none", max_text_tokens=60))) as c:
        assert len(c.get(f"/text.json?sentence={many}").json()["tokens"]) == 50  # beyond the old fixed 40


def test_fragments_move_the_heads_twin_link_out_of_band(client):
    for target in ("app", "workspace"):
        r = client.get("/conv2d?kernel=edge&step=3", headers={"HX-Request": "true", "HX-Target": target})
        assert r.text.endswith('<link id="json-twin" rel="alternate" type="application/json"'
                               ' href="/conv2d.json?kernel=edge&amp;step=3" hx-swap-oob="true">')
        assert int(r.headers["content-length"]) == len(r.content)
    page = client.get("/conv2d?kernel=edge&step=3").text
    assert page.count('id="json-twin"') == 1 and "hx-swap-oob" not in page.split("</head>")[0]
    assert 'id="json-twin"' not in client.get("/").text  # the home page has no twin
