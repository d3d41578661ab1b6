"""/network: the digit network layer by layer, its JSON twin, and links into the stepper that explain conv1's cells."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest

from app.models.digits import digits_network
from app.state.network import SEVEN
from tests.oracles import loop_correlate


def test_twin_matches_the_engine_and_predicts_the_drawn_seven(client):
    body = client.get("/network.json").json()
    assert body["prediction"] == 7 and sum(body["probabilities"]) > 0.999
    assert [layer["name"] for layer in body["layers"]] == list(digits_network().names)
    conv1 = digits_network().layers[0]
    x = np.array(SEVEN, dtype=float)
    ref = loop_correlate(x, conv1.weight[3, :, :, 0], padding=1) + float(conv1.bias[3])  # a plain-loop twin
    np.testing.assert_allclose(np.array(body["layers"][0]["output"])[..., 3], ref, rtol=1e-12, atol=1e-12)
    assert len(body["contributions"]) == 6


def test_a_selected_conv1_cell_links_to_the_stepper_with_that_kernel_and_step(client):
    page = client.get("/network", params={"at": "conv1,3,1,1"}).text
    assert "the prediction is <strong>7</strong>" in page
    href = html.unescape(re.search(r'<a class="button primary" href="(/conv2d\?[^"]*)"', page).group(1))
    stepper = client.get(href)
    assert stepper.status_code == 200  # the link is canonical: no redirect
    q = dict(parse_qsl(urlsplit(href).query))
    assert q["step"] == "9" and q.get("padding", "1") == "1" and "bias" in q  # padding 1 is the default
    assert np.array([[float(v) for v in r.split(",")] for r in q["grid"].split(";")]).tolist() == [list(r) for r in SEVEN]
    conv1 = digits_network().layers[0]
    assert [[float(v) for v in r.split(",")] for r in q["kernel"].split(";")] == conv1.weight[3, :, :, 0].tolist()
    twin = client.get(href.replace("/conv2d", "/conv2d.json")).json()
    ref = loop_correlate(np.array(SEVEN, dtype=float), conv1.weight[3, :, :, 0], padding=1) + float(conv1.bias[3])
    assert twin["trace"]["result"] == pytest.approx(ref[1, 1], abs=1e-12)


def test_a_selected_conv2_cell_steps_in_volume_on_pool1_with_that_filter(client):
    net, c = digits_network(), client
    body = c.get("/network.json", params={"sample": "5", "at": "conv2,3,1,2"}).json()
    sel = body["selection"]
    out = np.array(body["layers"][3]["output"])
    assert sel["value"] == out[1, 2, 3]
    field = {k: sel["field"][k] for k in ("rows", "cols", "size", "cells")}
    assert field == {"rows": [0, 6], "cols": [1, 7], "size": [8, 8], "cells": 7 * 7}  # by hand, tests/engine/test_receptive.py
    assert sum(sel["conv"]["channel_sums"]) + sel["conv"]["bias"] == pytest.approx(sel["value"], abs=1e-12)
    assert c.get(sel["stepper"], follow_redirects=False).status_code == 200  # canonical
    vol = c.get(sel["stepper"].replace("/volume", "/volume.json")).json()
    pool1 = np.array(body["layers"][2]["output"])
    assert np.array_equal(np.array(vol["input"]), pool1) and vol["steps"] == 16 and vol["step"] == 6
    assert np.array(vol["filters"])[0].tolist() == net.layers[3].weight[3].tolist()
    assert vol["trace"]["result"] == pytest.approx(sel["value"], rel=1e-12)
    # scipy as the independent oracle: the sum over channels of each channel's correlation
    from scipy.signal import correlate2d

    ref = sum(correlate2d(np.pad(pool1[..., ch], 1), net.layers[3].weight[3, :, :, ch], mode="valid") for ch in range(8))
    assert ref[1, 2] + net.layers[3].bias[3] == pytest.approx(sel["value"], abs=1e-12)


def test_held_out_samples_are_sklearns_split(client):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    _, test_x, _, test_y = train_test_split(data.images, data.target, test_size=0.25, random_state=0, stratify=data.target)
    for n in (0, 17, 449):
        body = client.get("/network.json", params={"sample": str(n)}).json()
        assert body["input"] == test_x[n].tolist() and body["source"]["label"] == test_y[n]
        assert body["source"]["index"] in range(1797) and data.images[body["source"]["index"]].tolist() == body["input"]
    page = client.get("/network", params={"sample": "17"}).text
    assert '<option value="17" selected>17: a ' in page
    assert 'href="/network?sample=18"' in page and 'href="/network?sample=16"' in page


def test_relu_and_pool_selections_say_where_they_came_from(client):
    body = client.get("/network.json", params={"at": "pool1,2,1,3"}).json()
    relu1 = np.array(body["layers"][1]["output"])[..., 2]
    window = relu1[2:4, 6:8]
    assert body["selection"]["window"] == window.tolist() and body["selection"]["value"] == window.max()
    r, c = np.unravel_index(window.argmax(), (2, 2))
    assert body["selection"]["winner"] == f"/network?at=relu1,2,{2 + r},{6 + c}"
    relu = client.get("/network.json", params={"at": "relu1,2,0,0"}).json()["selection"]
    assert relu["value"] == max(0.0, relu["before"]) and relu["from"] == "/network?at=conv1,2,0,0"


@pytest.mark.parametrize("query,field", [({"at": "dense,0,0,0"}, "at"), ({"at": "conv1,8,0,0"}, "at"),
                                         ({"at": "conv2,0,4,0"}, "at"), ({"at": "conv1;0"}, "at"),
                                         ({"sample": "450"}, "sample"), ({"sample": "-1"}, "sample")])
def test_bad_selections_and_samples_are_422_naming_the_field(client, query, field):
    r = client.get("/network.json", params=query)
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert client.get("/network", params=query).status_code == 422


def test_bad_grids_are_422_naming_the_field(client):
    for grid in ("1,2;3,4", ";".join([",".join(["17"] * 8)] * 8)):
        r = client.get("/network.json", params={"grid": grid})
        assert r.status_code == 422 and r.json()["field"] == "grid"
        assert client.get("/network", params={"grid": grid}).status_code == 422


def test_the_digit_networks_summary_counted_by_hand(client):
    body = client.get("/network.json").json()
    rows = body["summary"]
    # conv1 3·3·1·8 + 8 = 80; conv2 3·3·8·16 + 16 = 1168; dense 64·10 + 10 = 650
    assert [r["params"] for r in rows] == [80, 0, 0, 1168, 0, 0, 0, 650, 0] and body["total_params"] == 1898
    assert [r["output_shape"] for r in rows][:6] == [[8, 8, 8], [8, 8, 8], [4, 4, 8], [4, 4, 16], [4, 4, 16], [2, 2, 16]]
    assert [r["receptive_field"] for r in rows] == [[3, 3], [3, 3], [4, 4], [8, 8], [8, 8], [10, 10], None, None, None]
    assert len(body["kernel_links"]["conv1"]) == 8 and len(body["kernel_links"]["conv2"]) == 16
    assert all(h.startswith("/volume?") for h in body["kernel_links"]["conv2"])


def test_clear_the_selection_links_to_the_same_page_without_it(client):
    page = client.get("/network", params={"sample": "3", "at": "conv1,2,3,4"}).text
    href = html.unescape(re.search(r'<a class="button" href="([^"]*)">Clear the selection</a>', page).group(1))
    assert href == "/network?sample=3"  # a dict's own .clear method once rendered here
