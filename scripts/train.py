"""make train: train the digit network with the engine's own forward and backward passes.

Data: scikit-learn's bundled load_digits (1,797 8×8 images, 0–16; no download), split 75/25 with
a fixed seed and stratified by class. Writes app/models/digits.npz (the weights, 1/16 folded into
conv1 so the network takes the data set's scale) and app/models/digits.json (the card).

    python scripts/train.py [--out-dir DIR] [--epochs N]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.engine.network import Conv  # noqa: E402
from app.engine.training import accuracy, he_init, train  # noqa: E402
from app.models.digits import architecture, blank_weights, weights_of  # noqa: E402

SEED = 0
EPOCHS = 20
BATCH = 32
LR = 0.01
TEST_SIZE = 0.25


def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, x_test, y_train, y_test): images (S, 8, 8, 1) on the 0–16 scale, labels (S,)."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = data.images.astype(np.float64)[..., None]
    parts = train_test_split(x, data.target, test_size=TEST_SIZE, random_state=SEED, stratify=data.target)
    return parts[0], parts[1], parts[2], parts[3]


def npz_bytes(weights: dict[str, np.ndarray]) -> bytes:
    """The weights as a deterministic .npz (float32, sorted names): the same weights give the same bytes."""
    buffer = io.BytesIO()
    np.savez(buffer, **{k: weights[k].astype(np.float32) for k in sorted(weights)})
    return buffer.getvalue()


def run(epochs: int = EPOCHS) -> tuple[dict[str, np.ndarray], dict[str, object]]:
    x_train, x_test, y_train, y_test = split()
    start = time.perf_counter()
    net = he_init(architecture(blank_weights()), SEED)
    net, losses = train(net, x_train / 16.0, y_train, epochs=epochs, batch=BATCH, seed=SEED, lr=LR)
    conv1 = net.layers[0]
    assert isinstance(conv1, Conv)
    net = replace(net, layers=(replace(conv1, weight=conv1.weight / 16.0), *net.layers[1:]))  # takes 0–16 input
    weights = {k: v.astype(np.float32) for k, v in weights_of(net).items()}
    shipped = architecture({k: v.astype(np.float64) for k, v in weights.items()})
    card = {
        "model": "digits",
        "data": "sklearn.datasets.load_digits (1,797 8×8 images, values 0–16)",
        "split": {"test_size": TEST_SIZE, "random_state": SEED, "stratify": "label",
                  "train": int(len(x_train)), "test": int(len(x_test))},
        "seed": SEED, "epochs": epochs, "batch": BATCH, "optimizer": f"Adam, learning rate {LR}",
        "loss": [round(v, 6) for v in losses],
        "train_accuracy": round(accuracy(shipped, x_train, y_train), 4),
        "test_accuracy": round(accuracy(shipped, x_test, y_test), 4),
        "seconds": round(time.perf_counter() - start, 1),
        "date": datetime.date.today().isoformat(),
        "sha256": hashlib.sha256(npz_bytes(weights)).hexdigest(),
    }
    return weights, card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "app" / "models")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    args = parser.parse_args()
    weights, card = run(args.epochs)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "digits.npz").write_bytes(npz_bytes(weights))
    (args.out_dir / "digits.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n")
    print(f"held-out accuracy {card['test_accuracy']:.4f} after {card['epochs']} epochs ({card['seconds']} s)")


if __name__ == "__main__":
    main()
