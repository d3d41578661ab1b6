import numpy as np
import pytest

from app.engine.errors import ParameterError
from app.engine.text import embed, text_cnn, tokenize


def test_pipeline_values_by_loop():
    r = text_cnn("The movie was not good, it was great!")
    assert r.tokens == ["the", "movie", "was", "not", "good", "it", "was", "great"]
    np.testing.assert_array_equal(r.embeddings[2], r.embeddings[6])  # same word, same vector
    for f, b, raw, fmap in zip(r.filters, r.biases, r.raw_maps, r.feature_maps, strict=True):
        w = f.shape[0]
        expected = [sum(r.embeddings[t + i, j] * f[i, j] for i in range(w) for j in range(r.embeddings.shape[1])) + b
                    for t in range(len(r.tokens) - w + 1)]
        np.testing.assert_allclose(raw, expected)
        np.testing.assert_allclose(fmap, np.maximum(expected, 0))
    np.testing.assert_allclose(r.pooled, [m.max() for m in r.feature_maps])
    np.testing.assert_allclose(r.logits, r.pooled @ r.dense + r.dense_bias)
    assert r.probabilities.sum() == pytest.approx(1) and (r.probabilities > 0).all()


def test_short_sentence_is_padded():
    r = text_cnn("hi")
    assert r.padded == 3 and r.embeddings.shape[0] == 4 and len(r.feature_maps[-1]) == 1


def test_embeddings_are_stable_and_bounded():
    assert np.array_equal(embed("cat"), embed("cat")) and not np.array_equal(embed("cat"), embed("dog"))
    assert np.abs(embed("cat")).max() <= 1


@pytest.mark.parametrize(("text", "msg"), [("  ,,, ", "at least one word"), ("w " * 41, "at most 40")])
def test_bad_sentences(text, msg):
    with pytest.raises(ParameterError, match=msg) as e:
        tokenize(text)
    assert e.value.param == "sentence"
