"""The digit network's held-out split, read from scikit-learn's bundled ``load_digits`` when it is installed.

The data set is never copied into the repository: the images come from the scikit-learn package
(its ``digits.csv.gz``), split exactly as ``make train`` splits them (75/25, ``random_state=0``,
stratified by label). scikit-learn is a runtime dependency for this reason; should a server lack it
anyway, the page shows no sample picker and ``sample=N`` is answered with a 422 that says so.

>>> images, labels, indices = held_out()
>>> images.shape, labels.shape, int(images.max()), len(set(indices.tolist()))
((450, 8, 8), (450,), 16, 450)
"""

from __future__ import annotations

import importlib.util
from functools import cache

import numpy as np

from ..engine.errors import ParameterError

SEED = 0  # the split of scripts/train.py (tests check that both agree)
TEST_SIZE = 0.25


def available() -> bool:
    """Whether scikit-learn (and so the data set) is installed on this server."""
    return importlib.util.find_spec("sklearn") is not None


@cache
def held_out() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The held-out images (450, 8, 8) on the 0–16 scale, their labels (450,) and their indices in load_digits."""
    if not available():
        raise ParameterError("sample", "the held-out samples need scikit-learn on the server"
                                       " (pip install scikit-learn); draw a digit or type its numbers instead")
    from sklearn.datasets import load_digits  # type: ignore[import-untyped]
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]

    data = load_digits()
    index = np.arange(len(data.target))
    _, test = train_test_split(index, test_size=TEST_SIZE, random_state=SEED, stratify=data.target)
    return data.images[test].astype(np.float64), data.target[test].astype(int), test


def sample(n: int) -> tuple[np.ndarray, int, int]:
    """Held-out sample ``n``: its image (8, 8), label and index in load_digits; a 422 naming ``sample`` past the end."""
    images, labels, indices = held_out()
    if not 0 <= n < len(labels):
        raise ParameterError("sample", f"sample must be between 0 and {len(labels) - 1} (the held-out split), got {n}")
    return images[n], int(labels[n]), int(indices[n])
