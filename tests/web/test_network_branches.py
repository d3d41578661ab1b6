"""/network's cell selection on an uploaded model with branches (a residual Add, a Concat on channels): the receptive
field on the input follows every input of the sum and the branch of the concat, checked against brute force with
onnx's reference evaluator (change one input cell, see whether the selected cell changes); the cells a selection is
computed from are marked in every layer it reads."""

from __future__ import annotations

import re

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

NODES = ("c1", "r1", "c2", "skip", "a", "b", "join", "pool", "flat", "dense", "softmax")


def branched_cnn():
    """1×1×6×6 → conv 3×3 ×2 (pad 1) → ReLU → conv 3×3 dilation 2 ×2 (pad 2), + the first conv's output (Add) →
    a 1×1 conv ×3 and a 3×3 conv ×2 (pad 1) side by side → Concat (5 maps) → max pool 2 → flatten → Gemm 4 → softmax."""
    rng = np.random.default_rng(5)
    t = lambda name, *shape: numpy_helper.from_array(rng.normal(size=shape).astype(np.float32), name)  # noqa: E731
    inits = [t("w1", 2, 1, 3, 3), t("b1", 2), t("w2", 2, 2, 3, 3), t("b2", 2), t("wa", 3, 2, 1, 1), t("ba", 3),
             t("wb", 2, 2, 3, 3), t("bb", 2), t("wd", 4, 5 * 3 * 3), t("bd", 4)]
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], name="c1"),
             helper.make_node("Relu", ["c1"], ["r1"], name="r1"),
             helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], pads=[2, 2, 2, 2], dilations=[2, 2], name="c2"),
             helper.make_node("Add", ["c2", "c1"], ["skip"], name="skip"),
             helper.make_node("Conv", ["skip", "wa", "ba"], ["a"], name="a"),
             helper.make_node("Conv", ["skip", "wb", "bb"], ["b"], pads=[1, 1, 1, 1], name="b"),
             helper.make_node("Concat", ["a", "b"], ["join"], axis=1, name="join"),
             helper.make_node("MaxPool", ["join"], ["pool"], kernel_shape=[2, 2], strides=[2, 2], name="pool"),
             helper.make_node("Flatten", ["pool"], ["flat"], name="flat"),
             helper.make_node("Gemm", ["flat", "wd", "bd"], ["dense"], transB=1, name="dense"),
             helper.make_node("Softmax", ["dense"], ["softmax"], axis=1, name="softmax")]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 6, 6])],
                          [helper.make_tensor_value_info("softmax", TensorProto.FLOAT, None)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def inner(model, output: str) -> ReferenceEvaluator:
    """The reference evaluator of the model cut at one node's output (NCHW)."""
    nodes = list(model.graph.node)[: NODES.index(output) + 1]
    g = helper.make_graph(nodes, "g", list(model.graph.input), [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
                          list(model.graph.initializer))
    return ReferenceEvaluator(helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]))


def moved_by(model, output: str, cell: tuple[int, int, int], bases: list[np.ndarray]) -> set[tuple[int, int]]:
    """Brute force: the input cells whose change by ±10⁴ moves ``output``'s (map, row, col), from any of ``bases``
    (a max pool hides a change that neither wins nor touches the winner, so one base could miss a cell)."""
    run = inner(model, output)
    m, i, j = cell
    found = set()
    for x in bases:
        batch = np.repeat(x[None, None], 1 + 2 * x.size, axis=0).astype(np.float32)
        for t, (r, c) in enumerate(np.ndindex(x.shape)):
            batch[1 + 2 * t, 0, r, c] += 1e4
            batch[2 + 2 * t, 0, r, c] -= 1e4
        out = run.run(None, {"x": batch})[0][:, m, i, j]
        for t, (r, c) in enumerate(np.ndindex(x.shape)):
            if abs(out[1 + 2 * t] - out[0]) > 1e-3 or abs(out[2 + 2 * t] - out[0]) > 1e-3:
                found.add((r, c))
    return found


@pytest.fixture(scope="module")
def model_id(client):
    r = client.post("/network/upload", files={"file": ("res.onnx", branched_cnn().SerializeToString())},
                    follow_redirects=False)
    assert r.status_code == 303
    return r.headers["location"].split("model=")[1]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    with TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("d"), htmx_source="none"))) as c:
        yield c


GRID = ";".join(",".join(str((3 * r + 5 * c) % 11) for c in range(6)) for r in range(6))


@pytest.mark.parametrize("at", ["skip,1,2,3", "skip,0,0,0", "join,1,4,2", "join,4,1,5", "pool,3,1,2", "pool,0,2,0",
                                "a,2,5,5", "r1,1,3,3"])
def test_the_field_of_a_selected_cell_is_every_input_cell_that_moves_it(client, model_id, at):
    body = client.get("/network.json", params={"model": model_id, "grid": GRID, "at": at})
    assert body.status_code == 200, body.text
    sel = body.json()["selection"]
    name, m, i, j = at.split(",")
    x = np.array([[float(v) for v in row.split(",")] for row in GRID.split(";")])
    bases = [x] + [np.random.default_rng(s).normal(size=(6, 6)) * 5 for s in range(5)]
    expected = moved_by(branched_cnn(), name, (int(m), int(i), int(j)), bases)
    assert {tuple(c) for c in sel["field"]["input_cells"]} == expected
    rows, cols = zip(*expected, strict=True)
    assert sel["field"]["rows"] == [min(rows), max(rows)] and sel["field"]["cols"] == [min(cols), max(cols)]
    assert sel["field"]["cells"] == len(expected)
    page = client.get("/network", params={"model": model_id, "grid": GRID, "at": at})
    assert page.status_code == 200
    input_table = re.search(r'id="h-input".*?</table>', page.text, re.S).group(0)
    assert len(re.findall(r'<td class="[^"]*\brf\b', input_table)) == len(expected)


def test_a_sum_shows_its_terms_and_marks_both_inputs(client, model_id):
    """skip = c2 + c1, cell by cell: the page shows both terms, each a link selecting it, and marks the cell in both
    layers it reads (the dilated conv's and the first conv's map 1, same row and column)."""
    body = client.get("/network.json", params={"model": model_id, "grid": GRID, "at": "skip,1,2,3"}).json()
    sel = body["selection"]
    layers = {e["name"]: np.array(e["output"]) for e in body["layers"]}
    terms = sel["merge"]
    assert [(t["layer"], t["map"]) for t in terms] == [("c2", 1), ("c1", 1)]
    assert [t["value"] for t in terms] == [layers["c2"][2, 3, 1], layers["c1"][2, 3, 1]]
    assert np.isclose(sum(t["value"] for t in terms), sel["value"]) and sel["value"] == layers["skip"][2, 3, 1]
    assert terms[0]["at"].endswith("at=c2,1,2,3") and terms[1]["at"].endswith("at=c1,1,2,3")
    page = client.get("/network", params={"model": model_id, "grid": GRID, "at": "skip,1,2,3"}).text
    assert "A sum of 2 layers' outputs (a residual connection)" in page
    for name in ("c2", "c1"):
        assert re.search(rf'<td class="[^"]*\bsrc\b[^"]*"><button name="at" value="{name},1,2,3">', page), name


def test_a_concat_names_the_branch_a_map_comes_from(client, model_id):
    """join's maps 0–2 are a's, 3–4 are b's: map 4 is b's map 1; a's cells are not its sources."""
    body = client.get("/network.json", params={"model": model_id, "grid": GRID, "at": "join,4,1,5"}).json()
    (term,) = body["selection"]["merge"]
    assert (term["layer"], term["map"], term["first"], term["last"]) == ("b", 1, 3, 4)
    layers = {e["name"]: np.array(e["output"]) for e in body["layers"]}
    assert term["value"] == layers["b"][1, 5, 1] == body["selection"]["value"]
    page = client.get("/network", params={"model": model_id, "grid": GRID, "at": "join,4,1,5"}).text
    assert "maps 3–4 are b's, so map 4 is" in page
    assert re.search(r'<td class="[^"]*\bsrc\b[^"]*"><button name="at" value="b,1,1,5">', page)
    assert not re.search(r'<td class="[^"]*\bsrc\b[^"]*"><button name="at" value="a,', page)
