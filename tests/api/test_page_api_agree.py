"""A page's JSON twin and the API compute the same thing with the same names and numbers:
/conv2d.json's trace and output against POST /api/trace and /api/conv, /conv1d.json against the
same on a flat list, /pool.json's trace against POST /api/trace/pool; and both faces refuse a bad
preset name with the one parser's message (app/state/fields.py)."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

GRID = [[35, 19, 25, 6], [13, 22, 16, 53], [4, 3, 7, 10], [9, 8, 1, 3]]  # the notes' grid, /conv2d's default
GRID_Q = "35,19,25,6;13,22,16,53;4,3,7,10;9,8,1,3"


def _body(query: str) -> dict:
    """The page query as an API body (numbers typed; a page's kernel text is rows ; values ,)."""
    body: dict = {}
    for key, value in parse_qsl(query):
        if key == "grid":
            body["input"] = [[float(v) for v in row.split(",")] for row in value.split(";")]
        elif key == "kernel":
            body["kernel"] = value if value[0].isalpha() else [[float(v) for v in r.split(",")] for r in value.split(";")]
        elif key == "padding":
            body["padding"] = value if value in ("same", "valid") else int(value)
        elif key == "bias":
            body["bias"] = float(value)
        else:
            body[key] = int(value)
    return body


@pytest.mark.parametrize("query", [
    f"grid={GRID_Q}&kernel=sharpen&padding=1&step=5",
    f"grid={GRID_Q}&kernel=edge&stride=2&padding=1&step=3",
    f"grid={GRID_Q}&kernel=1,2;3,4&padding=0&bias=2.5&step=8",
    f"grid={GRID_Q}&kernel=1,0,-1;2,0,-2;1,0,-1&padding=same&dilation=2&step=15",
    "grid=1,2,3,4,5;6,7,8,9,10;11,12,13,14,15&kernel=0.5,-1;2,0&stride=2&padding=1&step=2",
])
def test_conv2d_twin_and_api_trace_agree_in_names_and_numbers(client, query):
    page = client.get(f"/conv2d.json?{query}").json()
    body = _body(query)
    api = client.post("/api/trace", json=body).json()
    assert page["trace"] == {key: api[key] for key in page["trace"]}  # every name the twin uses, same values
    assert page["steps"] == api["total"] and page["step"] == api["index"] == body["step"]
    del body["step"]
    conv = client.post("/api/conv", json=body).json()
    assert page["output"] == conv["output"] and page["output_shape"] == conv["shape"]


def test_one_literal_agreement(client):
    """The notes' grid under sharpen, padding 1, step 5 = output cell (1, 1): 5·22 − 19 − 13 − 16 − 3 = 59."""
    page = client.get(f"/conv2d.json?grid={GRID_Q}&kernel=sharpen&padding=1&step=5").json()
    api = client.post("/api/trace", json={"input": GRID, "kernel": "sharpen", "padding": 1, "step": 5}).json()
    assert page["trace"]["result"] == api["result"] == 59
    assert page["trace"]["matrix_row"] == api["matrix_row"] == api["w_row"]
    assert api["matrix_row"]["columns"] == [0, 1, 2, 4, 5, 6, 8, 9, 10]


def test_conv1d_twin_and_api_agree(client):
    page = client.get("/conv1d.json?input=2,4,6,8,7,5,3,1&kernel=1,0,-1&stride=2&padding=1&step=2").json()
    body = {"input": [2, 4, 6, 8, 7, 5, 3, 1], "kernel": [1, 0, -1], "stride": 2, "padding": 1}
    api = client.post("/api/trace", json={**body, "step": 2}).json()
    assert page["trace"] == {key: api[key] for key in page["trace"]}
    assert page["trace"]["result"] == 8 - 5 == 3  # padded 0,2,4,6,8,7,5,3,1,0: step 2 starts at 4 → 8, 7, 5
    assert page["output"] == client.post("/api/conv", json=body).json()["output"] == [-4, -4, 3, 4]


@pytest.mark.parametrize(("query", "body"), [
    ("size=2&step=3", {"size": 2}),
    ("size=2&stride=1&op=avg&step=4", {"size": 2, "stride": 1, "op": "avg"}),
    ("size=3&stride=1&padding=1&op=avg&count_include_pad=0&step=7",
     {"size": 3, "stride": 1, "padding": 1, "op": "avg", "count_include_pad": False}),
])
def test_pool_twin_and_api_trace_agree(client, query, body):
    grid = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]  # /pool's default map (CS231n)
    page = client.get(f"/pool.json?{query}").json()
    step = int(dict(parse_qsl(query))["step"])
    api = client.post("/api/trace/pool", json={"input": grid, **body, "step": step}).json()
    assert page["trace"] == api
    assert page["output"] == client.post("/api/pool", json={"input": grid, **body}).json()["output"]


def test_a_bad_preset_name_reads_the_same_on_both_faces(client):
    page = client.get("/conv2d.json?kernel=sharpy")
    api = client.post("/api/trace", json={"input": GRID, "kernel": "sharpy"})
    assert page.status_code == api.status_code == 422
    assert page.json()["detail"] == api.json()["detail"]
    assert page.json()["detail"].startswith("unknown kernel preset 'sharpy'; choose one of ")


@pytest.mark.parametrize(("ref", "status"), [("../../etc/passwd", 422), ("0" * 32, 404)])
def test_a_bad_image_reference_is_one_rule_naming_each_face_s_field(client, ref, status):
    page = client.get(f"/conv2d.json?image={ref}")
    api = client.post("/api/trace", json={"image_id": ref, "kernel": "edge"})
    assert page.status_code == api.status_code == status
    assert (page.json()["field"], api.json()["field"]) == ("image", "image_id")
    assert page.json()["detail"] == api.json()["detail"].replace("image_id", "image", 1)


@pytest.mark.parametrize("step", [3, 12, 17])
def test_volume_twin_and_api_trace_agree(client, step):
    """/volume steps over every cell of every feature map; its trace is POST /api/trace of that filter."""
    page = client.get(f"/volume.json?step={step}").json()
    f, (oh, ow, _) = page["filter"], page["output_shape"]
    assert f == step // (oh * ow)  # 3×3 cells per map: filter-major order
    cell = page["trace"]["out_index"][0] * ow + page["trace"]["out_index"][1]
    body = {"input": page["input"], "kernel": page["filters"][f], "bias": page["biases"][f],
            "stride": page["state"]["stride"], "padding": page["state"]["padding"]}
    api = client.post("/api/trace", json={**body, "step": cell}).json()
    assert cell == step % (oh * ow) and page["trace"] == {key: api[key] for key in page["trace"]}


def test_transpose_twin_and_api_conv_transpose_agree(client):
    """The notes' 2×2 y = 1, 2; 3, 4 under 1…9, stride 2, padding 1, output_padding 1 → 4×4 (hand-checked corner:
    x[0, 0] = y[0, 0]·w[1, 1] = 5)."""
    page = client.get("/transpose.json").json()
    body = {"input": page["y"], "kernel": page["kernel"], "stride": 2, "padding": 1, "output_padding": page["output_padding"]}
    api = client.post("/api/conv_transpose", json=body).json()
    assert page["output"] == api["output"] and page["output"][0][0] == 5
    assert api["shape"] == page["forward"]["input_shape"] == [4, 4]
