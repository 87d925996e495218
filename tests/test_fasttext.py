"""glassnet.text.FastText: gensim's n-gram buckets, and vectors for words never seen."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require
from glassnet.text import FastText, Word2Vec, char_ngrams
from glassnet.text.fasttext import ngram_buckets


def test_ngrams_and_buckets_equal_gensims() -> None:
    require("gensim")
    from gensim.models.fasttext import ft_ngram_hashes

    assert char_ngrams("cat", 3, 4) == ["<ca", "<cat", "cat", "cat>", "at>"]
    for word in ["night", "학교에서", "naïve", "a"]:  # multi-byte UTF-8: signed-byte hashing
        assert sorted(ngram_buckets(word, 3, 6, 200000)) == sorted(
            ft_ngram_hashes(word, 3, 6, 200000)
        )


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_oov_word_gets_neighbours_that_share_its_subwords(backend: str) -> None:
    require("gensim")
    if backend == "numba":
        require("numba")
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        lee = [simple_preprocess(line) for line in f][:150]
    model = FastText(
        lee, sg=1, min_count=3, epochs=3, bucket=20000, vector_size=32, backend=backend
    )
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


def test_compiled_rows_are_the_words_and_their_ngrams() -> None:
    """The compiled path's row table lists each word's own row, then its n-gram buckets
    (repeats kept, as gensim's buckets_word), the same rows the NumPy path averages."""
    model = FastText(min_n=3, max_n=4, bucket=1000, min_count=1, sg=1)
    model.build_vocab([["night", "a", "naïve", "night"]])
    row_start, row_index, mean = model._row_table()
    v = len(model.wv)
    for i, word in enumerate(model.wv.index_to_key):
        rows = row_index[row_start[i] : row_start[i + 1]]
        assert rows.tolist() == [i] + [v + b for b in ngram_buckets(word, 3, 4, 1000)]
        weight = model.input_embedding.weight._array  # wv: the mean, as gensim's adjust_vectors
        np.testing.assert_allclose(model.wv[word], weight[rows].mean(0), rtol=1e-5)
    assert mean and model.max_exp == 8.0  # gensim's fasttext_inner: MAX_EXP = 8 in skip-gram


@pytest.mark.parametrize("cls", [Word2Vec, FastText])
@pytest.mark.parametrize("sg", [0, 1])
def test_backends_agree_one_example_per_step(cls, sg: int) -> None:
    """backend="numpy" with batch_size=1 takes the compiled path's steps: the same vectors
    and losses after an epoch (so the n-gram rows are updated alike too)."""
    require("numba")
    require("gensim")
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        docs = [simple_preprocess(line) for line in f][:6]
    extra = dict(bucket=500) if cls is FastText else {}
    kw = dict(sg=sg, min_count=2, epochs=1, vector_size=8, dtype=np.float64, **extra)
    fast = cls(docs, backend="numba", batch_size=1, **kw)
    slow = cls(docs, backend="numpy", batch_size=1, **kw)
    np.testing.assert_allclose(fast.loss_per_batch, slow.loss_per_batch, rtol=1e-10)
    w_fast, w_slow = fast.input_embedding.weight._array, slow.input_embedding.weight._array
    np.testing.assert_allclose(w_fast, w_slow, atol=1e-12)
    np.testing.assert_allclose(fast.syn1neg, slow.syn1neg, atol=1e-12)
