"""glassnet.text tokenisers, Vocabulary, one_hot, and Count/TF-IDF equal to scikit-learn's."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import require
from glassnet.text import (
    CountVectorizer,
    TfidfVectorizer,
    Vocabulary,
    korean_tokenize,
    one_hot,
    whitespace_tokenize,
    word_tokenize,
)


@pytest.fixture(scope="module")
def lee_docs() -> list[str]:
    """gensim's lee_background.cor: 300 news documents, one per line, read from the package."""
    require("gensim")
    from gensim.test.utils import datapath

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        docs = [line.strip() for line in f if line.strip()]
    assert len(docs) == 300
    return docs


def _assert_same(ours, theirs, ours_vec, theirs_vec) -> None:
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert list(ours_vec.get_feature_names_out()) == list(theirs_vec.get_feature_names_out())
    assert abs(ours - theirs).max() <= 1e-12 if ours.nnz or theirs.nnz else True
    assert (ours != 0).nnz == (theirs != 0).nnz


_WORD_KEYS = ["lowercase", "ngram_range", "min_df", "max_df", "max_features", "binary"]
WORD_GRID = [  # every value of every parameter, and each pair of min_df/max_df/max_features
    dict(zip(_WORD_KEYS, v))
    for v in [
        (True, (1, 1), 1, 1.0, None, False),
        (False, (1, 1), 1, 1.0, None, True),
        (True, (1, 2), 2, 0.5, None, False),
        (True, (2, 3), 1, 40, 500, True),
        (False, (1, 2), 0.01, 1.0, 500, False),
        (True, (1, 1), 2, 40, None, True),
        (True, (1, 1), 0.01, 0.5, 500, False),
        (False, (2, 3), 2, 1.0, 500, False),
        (True, (1, 3), 1, 0.5, 1000, False),
    ]
]
CHAR_GRID = [
    dict(analyzer=a, ngram_range=r, min_df=m, max_features=f)
    for a, r, m, f in [
        ("char", (1, 1), 1, None),
        ("char", (2, 4), 3, 300),
        ("char_wb", (2, 4), 1, None),
        ("char_wb", (1, 5), 3, 300),
    ]
]
TFIDF_GRID = [
    dict(zip(["norm", "use_idf", "smooth_idf", "sublinear_tf"], v))
    for v in itertools.product(["l2", "l1", None], [True, False], [True, False], [True, False])
]


def test_count_vectorizer_word_grid_equals_sklearn(lee_docs) -> None:
    from sklearn.feature_extraction import text as sk

    for params in WORD_GRID:
        ours, theirs = CountVectorizer(**params), sk.CountVectorizer(**params)
        _assert_same(ours.fit_transform(lee_docs), theirs.fit_transform(lee_docs), ours, theirs)
        assert ours.vocabulary_ == theirs.vocabulary_, params


def test_count_vectorizer_char_grid_equals_sklearn(lee_docs) -> None:
    from sklearn.feature_extraction import text as sk

    docs = lee_docs[:80]
    for params in CHAR_GRID:
        ours, theirs = CountVectorizer(**params), sk.CountVectorizer(**params)
        _assert_same(ours.fit_transform(docs), theirs.fit_transform(docs), ours, theirs)
        new = ["A  new\tdocument, unseen!", "zzzz qqq"]
        _assert_same(ours.transform(new), theirs.transform(new), ours, theirs)


def test_tfidf_grid_equals_sklearn(lee_docs) -> None:
    from sklearn.feature_extraction import text as sk

    counting = [{}, dict(ngram_range=(1, 2), min_df=2, max_features=800, binary=True)]
    for i, params in enumerate(TFIDF_GRID):  # every weighting, each with one of two countings
        extra = counting[i % 2]
        ours, theirs = TfidfVectorizer(**params, **extra), sk.TfidfVectorizer(**params, **extra)
        _assert_same(ours.fit_transform(lee_docs), theirs.fit_transform(lee_docs), ours, theirs)
        if params["use_idf"]:
            np.testing.assert_allclose(ours.idf_, theirs.idf_, rtol=0, atol=1e-12)
        held_out = lee_docs[:5] + ["words never seen xyzzy"]
        _assert_same(ours.transform(held_out), theirs.transform(held_out), ours, theirs)
    for analyzer in ("char", "char_wb"):  # TF-IDF on character n-grams too
        ours = TfidfVectorizer(analyzer=analyzer, ngram_range=(2, 3), sublinear_tf=True)
        theirs = sk.TfidfVectorizer(analyzer=analyzer, ngram_range=(2, 3), sublinear_tf=True)
        _assert_same(
            ours.fit_transform(lee_docs[:50]), theirs.fit_transform(lee_docs[:50]), ours, theirs
        )


def test_vectorizer_bad_input() -> None:
    with pytest.raises(ValueError, match="empty vocabulary"):
        CountVectorizer().fit_transform(["a b c", "!"])
    with pytest.raises(ValueError, match="no features left"):
        CountVectorizer(min_df=3).fit_transform(["aa bb", "cc dd", "ee"])
    with pytest.raises(ValueError, match="max_df"):
        CountVectorizer(min_df=3, max_df=2).fit_transform(["aa bb", "cc dd"])
    with pytest.raises(ValueError, match="analyzer"):
        CountVectorizer(analyzer="letters").fit_transform(["aa"])
    with pytest.raises(ValueError, match="one string"):
        CountVectorizer().fit_transform("aa bb")
    with pytest.raises(RuntimeError, match="not fitted"):
        TfidfVectorizer().transform(["aa"])


def test_tokenisers() -> None:
    assert word_tokenize("The cat's 2 hats, I think!") == ["the", "cat", "hats", "think"]
    assert whitespace_tokenize(" a  b\tc\n") == ["a", "b", "c"]
    assert korean_tokenize("나는 학교에서 책을 읽었다.") == [
        "나",
        "는",
        "학교",
        "에서",
        "책",
        "을",
        "읽었다",
    ]
    assert korean_tokenize("학교에서 GPU가", split_particles=False) == ["학교에서", "GPU", "가"]
    assert korean_tokenize("은") == ["은"]  # a lone particle keeps its syllable


def test_vocabulary_counts_specials_and_file(tmp_path) -> None:
    docs = [["b", "a", "b", "c"], ["a", "b", "d"]]
    v = Vocabulary(min_count=2, specials=["<pad>", "<unk>"], unk="<unk>").build(docs)
    assert v.itos == ["<pad>", "<unk>", "b", "a"] and v.counts == [0, 0, 3, 2]
    assert v["zzz"] == 1 and v.encode(["a", "c"]) == [3, 1] and v.decode([2]) == ["b"]
    assert Vocabulary(max_size=1).build(docs).itos == ["b"]
    with pytest.raises(KeyError, match="'c' is not in the vocabulary"):
        Vocabulary(min_count=2).build(docs)["c"]
    v.save(tmp_path / "vocab.txt")
    w = Vocabulary.load(tmp_path / "vocab.txt")
    assert (w.itos, w.counts, w.specials, w.unk) == (v.itos, v.counts, v.specials, v.unk)
    (tmp_path / "bad.txt").write_text("#glassnet-vocabulary specials=0 unk=\nword\n")
    with pytest.raises(ValueError, match="bad.txt:2"):
        Vocabulary.load(tmp_path / "bad.txt")
    with pytest.raises(ValueError, match="tab"):
        Vocabulary().build([["a\tb"]]).save(tmp_path / "tab.txt")
    assert not (tmp_path / "tab.txt").exists()


def test_one_hot_word_and_document() -> None:
    v = Vocabulary().build([["x", "y", "y", "z"]])
    np.testing.assert_array_equal(one_hot("y", v), [1, 0, 0])
    np.testing.assert_array_equal(one_hot(["z", "y"], v), [[0, 0, 1], [1, 0, 0]])
