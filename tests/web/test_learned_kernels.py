"""The stepper's kernel menu offers the digit network's first-layer filters, with their exact values."""

from __future__ import annotations

import html
import re

import numpy as np

from app.models.digits import WEIGHTS


def test_menu_lists_learned_filters_and_selecting_one_steps_it(client):
    page = client.get("/conv2d").text
    assert "Learned: the digit network" in page
    values = [html.unescape(v) for v in re.findall(r'<option value="([^"]*;[^"]*)"', page)]
    assert len(values) == 8
    with np.load(WEIGHTS, allow_pickle=False) as data:
        first = data["conv1.weight"][0, :, :, 0]
    parsed = np.array([[float(v) for v in row.split(",")] for row in values[0].split(";")])
    assert parsed.astype(np.float32).tobytes() == first.tobytes()  # the exact shipped numbers
    chosen = client.get("/conv2d", params={"kernel": values[0]}, follow_redirects=True)
    assert chosen.status_code == 200
    assert re.search(r'<option value="[^"]*" data-shape="3x3" selected>Learned: digits conv1, filter 0', chosen.text)
    assert 'data-custom selected' not in chosen.text
