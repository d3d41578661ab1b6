import numpy as np
import pytest

from app.engine.errors import ParameterError
from app.engine.text import FILTERS, embed, text_cnn, tokenize
from app.models.lexicon import vader_lexicon

LEX = {"good": 1.9, "great": 3.1, "bad": -2.5, "no": -1.2}


def test_pipeline_values_by_loop():
    r = text_cnn("The movie was not good, it was great!", LEX)
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


@pytest.mark.parametrize("sentence,pooled,winner", [
    # positive, negative, not_positive, not_negative, very_positive — by hand from the valences / 4
    ("good", [0.475, 0, 0, 0, 0], "positive"),
    ("not good", [0.475, 0, 0.475, 0, 0], "negative"),
    ("it isn't bad", [0, 0.625, 0, 0.625, 0], "positive"),
    ("very great", [0.775, 0, 0, 0, 0.775], "positive"),
    ("bad", [0, 0.625, 0, 0, 0], "negative"),
])
def test_the_hand_designed_filters_find_their_patterns(sentence, pooled, winner):
    r = text_cnn(sentence, LEX)
    np.testing.assert_allclose(r.pooled, pooled, atol=1e-12)
    assert r.classes[int(r.logits.argmax())] == winner


def test_short_sentence_is_padded():
    r = text_cnn("hi", LEX)
    assert r.padded == 1 and r.embeddings.shape[0] == 2 and len(r.feature_maps[-1]) == 1 and r.known == [False]


def test_embedding_columns_are_the_lexicon_and_the_word_lists():
    assert embed("great", LEX).tolist() == [3.1 / 4, 0, 0]
    assert embed("never", LEX).tolist() == [0, 1, 0] and embed("don't", LEX).tolist() == [0, 1, 0]
    assert embed("very", LEX).tolist() == [0, 0, 1] and embed("zebra", LEX).tolist() == [0, 0, 0]
    assert [len(f.weights) for f in FILTERS] == [1, 1, 2, 2, 2]


def test_the_shipped_lexicon_is_vaders():
    lex = vader_lexicon()
    # values from the lexicon file as published (vaderSentiment 3.3.2, vader_lexicon.txt)
    assert (lex["good"], lex["great"], lex["bad"], lex["terrible"], lex["love"]) == (1.9, 3.1, -2.5, -2.1, 3.2)
    assert all(-4 <= v <= 4 for v in lex.values()) and len(lex) > 7000


@pytest.mark.parametrize(("text", "msg"), [("  ,,, ", "at least one word"), ("w " * 41, "at most 40")])
def test_bad_sentences(text, msg):
    with pytest.raises(ParameterError, match=msg) as e:
        tokenize(text)
    assert e.value.param == "sentence"
