"""CNN for text: tokens → embedding matrix → full-width filters → feature maps → max-over-time
pooling → dense layer → softmax. Every intermediate is kept so a page can trace each number.

Not trained, and says so: it is *interpretable*. The embedding has three named columns:

- ``valence``: the word's mean valence in a published sentiment lexicon (VADER, Hutto & Gilbert
  2014, shipped in the ``vaderSentiment`` package under the MIT licence; read by
  app/models/lexicon.py and passed in), divided by 4 so it lies in [−1, 1]; 0 for unknown words;
- ``negator``: 1 for a negation (not, no, never, …, any word ending in n't), else 0;
- ``intensifier``: 1 for a booster (very, really, so, …), else 0.

The filters are hand-designed the way the notes hand-design image filters: width 1 finds a
positive or a negative word; width 2 finds "negator, then a positive word" (its bias −1 lets it
fire only when both are there: 1 + v − 1 = v) and the like. The dense layer's weights say which
class each pattern is evidence for; softmax turns the two scores into shares of the evidence.

>>> lex = {"good": 1.9, "bad": -2.5}
>>> r = text_cnn("not good", lex)
>>> r.embeddings.tolist()
[[0.0, 1.0, 0.0], [0.475, 0.0, 0.0]]
>>> [f.name for f in FILTERS], r.pooled.round(12).tolist()
(['positive', 'negative', 'not_positive', 'not_negative', 'very_positive'], [0.475, 0.0, 0.475, 0.0, 0.0])
>>> (r.logits.round(12) + 0.0).tolist(), r.classes[int(r.logits.argmax())]
([0.475, 0.0], 'negative')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .conv import correlate
from .errors import ParameterError

COLUMNS = ("valence", "negator", "intensifier")
CLASSES = ("negative", "positive")
MAX_TOKENS = 40
TOKEN = re.compile(r"[\w']+")
VALENCE_SCALE = 4.0  # VADER's valences lie in −4 … +4
NEGATORS = frozenset({"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "cannot",
                      "without", "hardly", "barely", "rarely", "seldom"})
INTENSIFIERS = frozenset({"very", "really", "so", "extremely", "too", "absolutely", "incredibly", "totally", "truly",
                          "highly", "remarkably", "super", "quite", "most", "more"})


@dataclass(frozen=True)
class Filter:
    name: str
    label: str  # what it looks for
    weights: tuple[tuple[float, ...], ...]  # (width, len(COLUMNS))
    bias: float
    votes: tuple[float, float]  # the dense layer's weights: evidence for (negative, positive)


FILTERS = (
    Filter("positive", "a positive word", ((1, 0, 0),), 0.0, (0, 1)),
    Filter("negative", "a negative word", ((-1, 0, 0),), 0.0, (1, 0)),
    Filter("not_positive", "a negator, then a positive word (not good)", ((0, 1, 0), (1, 0, 0)), -1.0, (1, -1)),
    Filter("not_negative", "a negator, then a negative word (not bad)", ((0, 1, 0), (-1, 0, 0)), -1.0, (-1, 1)),
    Filter("very_positive", "an intensifier, then a positive word (very good)", ((0, 0, 1), (1, 0, 0)), -1.0, (0, 1)),
)
WIDTHS = tuple(len(f.weights) for f in FILTERS)


def tokenize(sentence: str, max_tokens: int = MAX_TOKENS) -> list[str]:
    tokens = TOKEN.findall(sentence.lower())
    if not tokens:
        raise ParameterError("sentence", "sentence needs at least one word")
    if len(tokens) > max_tokens:
        raise ParameterError("sentence", f"sentence has {len(tokens)} words; at most {max_tokens} fit on the page")
    return tokens


def embed(token: str, lexicon: Mapping[str, float]) -> np.ndarray:
    """A word's row: (valence / 4, negator, intensifier)."""
    negator = token in NEGATORS or token.endswith("n't")
    return np.array([lexicon.get(token, 0.0) / VALENCE_SCALE, float(negator), float(token in INTENSIFIERS)])


@dataclass
class TextCNN:
    tokens: list[str]
    embeddings: np.ndarray  # (T, D): one row per token
    known: list[bool]  # whether each token is in the lexicon
    padded: int  # zero rows added at the end so the widest filter fits once
    widths: tuple[int, ...]
    filters: list[np.ndarray]  # one (w, D) filter each
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


def text_cnn(sentence: str, lexicon: Mapping[str, float], *, max_tokens: int = MAX_TOKENS) -> TextCNN:
    tokens = tokenize(sentence, max_tokens)
    rows = np.array([embed(t, lexicon) for t in tokens])
    padded = max(0, max(WIDTHS) - len(tokens))  # a short sentence gets zero rows, said on the page
    matrix = np.vstack([rows, np.zeros((padded, len(COLUMNS)))]) if padded else rows
    filters = [np.array(f.weights, dtype=np.float64) for f in FILTERS]
    biases = np.array([f.bias for f in FILTERS])
    raw = [correlate(matrix, w)[:, 0] + b for w, b in zip(filters, biases, strict=True)]  # full width: one column
    maps = [np.maximum(r, 0) for r in raw]
    pooled_at = [int(np.argmax(m)) for m in maps]
    pooled = np.array([m[i] for m, i in zip(maps, pooled_at, strict=True)])
    dense, dense_bias = np.array([f.votes for f in FILTERS], dtype=np.float64), np.zeros(len(CLASSES))
    logits = pooled @ dense + dense_bias
    shifted = np.exp(logits - logits.max())  # stable softmax
    return TextCNN(tokens, matrix, [t in lexicon for t in tokens], padded, WIDTHS, filters, biases, maps, raw, pooled,
                   pooled_at, dense, dense_bias, logits, shifted / shifted.sum(), CLASSES)
