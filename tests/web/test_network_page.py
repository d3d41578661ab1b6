"""/network: the digit network layer by layer, its JSON twin, and links into the stepper that explain conv1's cells."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from app.engine.conv import correlate
from app.models.digits import digits_network
from app.state.network import SEVEN


def test_twin_matches_the_engine_and_predicts_the_drawn_seven(client):
    body = client.get("/network.json").json()
    assert body["prediction"] == 7 and sum(body["probabilities"]) > 0.999
    assert [layer["name"] for layer in body["layers"]] == list(digits_network().names)
    conv1 = digits_network().layers[0]
    x = np.array(SEVEN, dtype=float)
    ref = correlate(x, conv1.weight[3, :, :, 0], bias=float(conv1.bias[3]), padding=1)
    np.testing.assert_allclose(np.array(body["layers"][0]["output"])[..., 3], ref, rtol=1e-12, atol=1e-12)
    assert len(body["contributions"]) == 6


def test_page_links_conv1_cells_to_the_stepper_with_that_kernel_and_step(client):
    page = client.get("/network").text
    assert "the prediction is <strong>7</strong>" in page
    href = html.unescape(re.search(r'<a href="(/conv2d\?[^"]*)" title="step 9 ', page).group(1))
    stepper = client.get(href)
    assert stepper.status_code == 200  # the link is canonical: no redirect
    q = dict(parse_qsl(urlsplit(href).query))
    assert q["step"] == "9" and q.get("padding", "1") == "1" and "bias" in q  # padding 1 is the default
    assert np.array([[float(v) for v in r.split(",")] for r in q["grid"].split(";")]).tolist() == [list(r) for r in SEVEN]


def test_bad_grids_are_422_naming_the_field(client):
    for grid in ("1,2;3,4", ";".join([",".join(["17"] * 8)] * 8)):
        r = client.get("/network.json", params={"grid": grid})
        assert r.status_code == 422 and r.json()["field"] == "grid"
        assert client.get("/network", params={"grid": grid}).status_code == 422
