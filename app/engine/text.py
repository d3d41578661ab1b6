"""CNN for text: tokens → embedding matrix → full-width filters → feature maps → max-over-time
pooling → dense layer → softmax. Every intermediate is kept so a page can trace each number.

The embeddings and weights are *not learned*: each word's vector is drawn from a generator
seeded by a stable hash of the word, and the filters and dense weights from a fixed seed. So
the numbers are reproducible and honest arithmetic, but similar words are not close and the
class probabilities mean nothing; what the page teaches is the shape of the computation.

>>> r = text_cnn("the movie was great")
>>> r.embeddings.shape, [m.shape for m in r.feature_maps]
((4, 6), [(3,), (2,), (1,)])
>>> round(float(r.probabilities.sum()), 12)
1.0
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np

from .conv import correlate
from .errors import ParameterError

DIM = 6
WIDTHS = (2, 3, 4)
CLASSES = ("negative", "positive")
MAX_TOKENS = 40
TOKEN = re.compile(r"[\w']+")


def tokenize(sentence: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    tokens = TOKEN.findall(sentence.lower())
    if not tokens:
        raise ParameterError("sentence", "sentence needs at least one word")
    if len(tokens) > max_tokens:
        raise ParameterError("sentence", f"sentence has {len(tokens)} words; at most {max_tokens} fit on the page")
    return tokens


def embed(token: str, dim: int = DIM) -> np.ndarray:
    """A fixed pseudo-random vector per word (stable across runs and machines), values in [−1, 1]."""
    seed = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
    return np.round(np.random.default_rng(seed).uniform(-1, 1, dim), 2)


def _weights(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.round(np.random.default_rng(seed).uniform(-1, 1, shape), 2)


@dataclass
class TextCNN:
    tokens: list[str]
    embeddings: np.ndarray  # (T, D): one row per token
    padded: int  # zero rows added at the end so the widest filter fits once
    widths: tuple[int, ...]
    filters: list[np.ndarray]  # one (w, D) filter per width
    biases: np.ndarray  # (F,)
    feature_maps: list[np.ndarray]  # ReLU(correlation + bias), (T' ,) per filter
    raw_maps: list[np.ndarray]  # before ReLU
    pooled: np.ndarray  # (F,) max over time
    pooled_at: list[int]  # where each max came from
    dense: np.ndarray  # (F, K)
    dense_bias: np.ndarray  # (K,)
    logits: np.ndarray  # (K,)
    probabilities: np.ndarray  # (K,) softmax
    classes: tuple[str, ...]


def text_cnn(sentence: str, *, widths: tuple[int, ...] = WIDTHS, dim: int = DIM, max_tokens: int = MAX_TOKENS) -> TextCNN:
    tokens = tokenize(sentence, max_tokens)
    rows = np.array([embed(t, dim) for t in tokens])
    padded = max(0, max(widths) - len(tokens))  # a short sentence gets zero rows, said on the page
    matrix = np.vstack([rows, np.zeros((padded, dim))]) if padded else rows
    filters = [_weights(100 + w, (w, dim)) for w in widths]
    biases = _weights(7, (len(widths),)) / 4
    raw = [correlate(matrix, f)[:, 0] + b for f, b in zip(filters, biases, strict=True)]  # full width: one column
    maps = [np.maximum(r, 0) for r in raw]
    pooled_at = [int(np.argmax(m)) for m in maps]
    pooled = np.array([m[i] for m, i in zip(maps, pooled_at, strict=True)])
    dense, dense_bias = _weights(11, (len(widths), len(CLASSES))), _weights(12, (len(CLASSES),)) / 4
    logits = pooled @ dense + dense_bias
    shifted = np.exp(logits - logits.max())  # stable softmax
    return TextCNN(tokens, matrix, padded, tuple(widths), filters, biases, maps, raw, pooled, pooled_at,
                   dense, dense_bias, logits, shifted / shifted.sum(), CLASSES)
