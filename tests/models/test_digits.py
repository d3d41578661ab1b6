"""The shipped digit network: held-out accuracy through the engine, and it is what `make train` writes."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from app.engine.conv import correlate_many
from app.engine.network import forward, predict
from app.engine.pool import pool
from app.models.digits import CARD, WEIGHTS, card, digits_network
from scripts.train import npz_bytes, run, split


def test_held_out_accuracy_at_least_95_percent():
    _, x_test, _, y_test = split()
    assert len(x_test) == 450  # 25 % of 1,797, the fixed seeded split
    accuracy = float((predict(digits_network(), x_test) == y_test).mean())
    assert accuracy >= 0.95
    assert accuracy == pytest.approx(card()["test_accuracy"], abs=1e-4)


def test_card_describes_the_shipped_file():
    c = card()
    assert c["sha256"] == hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    assert c["split"] == {"test_size": 0.25, "random_state": 0, "stratify": "label", "train": 1347, "test": 450}
    assert {"seed", "epochs", "date", "test_accuracy"} <= c.keys()
    assert CARD.name == "digits.json"


def test_first_layers_match_the_stepper_engine():
    """conv1 → ReLU → pool1 of one held-out digit, recomputed with correlate_many and pool (what the stepper runs)."""
    _, x_test, _, _ = split()
    net = digits_network()
    outs = forward(net, x_test[:1])
    conv1 = net.layers[0]
    ref = correlate_many(x_test[0], conv1.weight, bias=conv1.bias, padding=1)
    np.testing.assert_allclose(outs[0][0], ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[2][0], pool(np.maximum(ref, 0), 2).output, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(outs[-1].sum(), 1.0)


@pytest.mark.slow
def test_make_train_reproduces_the_shipped_weights():
    weights, c = run()
    with np.load(WEIGHTS, allow_pickle=False) as shipped:
        assert sorted(shipped.files) == sorted(weights)
        for name in shipped.files:
            np.testing.assert_allclose(weights[name], shipped[name], rtol=1e-4, atol=1e-5)
    if c["sha256"] != card()["sha256"]:  # another BLAS may round differently; the numbers still agree above
        assert hashlib.sha256(npz_bytes(weights)).hexdigest() == c["sha256"]
    assert c["test_accuracy"] == pytest.approx(card()["test_accuracy"], abs=0.005)


def test_learned_kernels_are_the_shipped_first_layer_exactly(client):
    listed = client.get("/api/kernels").json()
    learned = [k for k in listed if k.get("learned")]
    assert len(learned) == 8 and all(k["model"] == "digits" and k["layer"] == "conv1" for k in learned)
    with np.load(WEIGHTS, allow_pickle=False) as data:
        w, b = data["conv1.weight"], data["conv1.bias"]
    for k in learned:
        i = k["filter"]
        assert np.array(k["matrix"], dtype=np.float32).tobytes() == w[i, :, :, 0].tobytes()  # exact, no rounding
        assert np.float32(k["bias"]) == b[i]
    assert any(k["name"] == "sharpen" for k in listed)  # the hand-set presets stay
