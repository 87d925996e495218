"""glassnet.text.FastText: gensim's n-gram buckets, and vectors for words never seen."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require
from glassnet.text import FastText, char_ngrams
from glassnet.text.fasttext import ngram_buckets


def test_ngrams_and_buckets_equal_gensims() -> None:
    require("gensim")
    from gensim.models.fasttext import ft_ngram_hashes

    assert char_ngrams("cat", 3, 4) == ["<ca", "<cat", "cat", "cat>", "at>"]
    for word in ["night", "학교에서", "naïve", "a"]:  # multi-byte UTF-8: signed-byte hashing
        assert sorted(ngram_buckets(word, 3, 6, 200000)) == sorted(
            ft_ngram_hashes(word, 3, 6, 200000)
        )


def test_oov_word_gets_neighbours_that_share_its_subwords() -> None:
    require("gensim")
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        lee = [simple_preprocess(line) for line in f][:150]
    model = FastText(lee, sg=1, min_count=3, epochs=3, bucket=20000, vector_size=32)
    assert model.input_embedding.weight.shape == (len(model.wv) + 20000, 32)
    losses = model.history.history["loss"]
    assert losses[-1] < losses[0]
    query = "australiann"
    assert query not in model.wv
    grams = set(char_ngrams(query, 3, 6))
    near = [w for w, _ in model.wv.most_similar(query, topn=5)]
    assert all(len(grams & set(char_ngrams(w, 3, 6))) >= 3 for w in near[:3]), near
    v = model.wv.get_vector(query)
    rows = ngram_buckets(query, 3, 6, 20000)
    np.testing.assert_allclose(v, model.wv.vectors_ngrams[rows].mean(0), rtol=1e-6)


def test_fasttext_bad_input() -> None:
    with pytest.raises(ValueError, match="min_n"):
        FastText(min_n=4, max_n=3)
