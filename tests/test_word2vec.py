"""glassnet.text.Word2Vec: the fast step equals autograd, the loss is the real loss, quality
against gensim's own sanity test, vector files, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import require
from glassnet.nn import Embedding
from glassnet.text import KeyedVectors, VectorFileError, Word2Vec, negative_sampling_loss, sgd_step
from glassnet.text.word2vec import _alias_table

BACKENDS = ["numba", "numpy"]  # the compiled per-example path (the default) and the vectorised


def _compiled():
    """The compiled per-example step; under CI a missing Numba fails."""
    require("numba")
    from glassnet.text.sequential import sgd_examples

    return sgd_examples


def _replay(e_in, e_out, contexts, cmask, targets, tmask, lr, cbow_mean=True) -> list[float]:
    """gensim's SGD written with autograd: for each example in turn, its loss from the current
    vectors, backward, w -= lr * grad. Returns the losses."""
    losses = []
    for e in range(len(contexts)):
        one = slice(e, e + 1)
        loss = negative_sampling_loss(
            e_in, e_out, contexts[one], cmask[one], targets[one], tmask[one], cbow_mean
        )
        e_in.zero_grad(), e_out.zero_grad()
        loss.backward()
        for emb in (e_in, e_out):
            emb.weight._array -= lr[e] * emb.weight.grad._array
        losses.append(float(loss._array))
    return losses


@pytest.fixture(scope="module")
def lee() -> list[list[str]]:
    """gensim's test corpus as gensim's tests read it (simple_preprocess of each line)."""
    require("gensim")
    from gensim.test.utils import datapath
    from gensim.utils import simple_preprocess

    with open(datapath("lee_background.cor"), encoding="utf-8") as f:
        return [simple_preprocess(line) for line in f]


def _batch(rng, V=20, B=30, C=4, K=5):
    contexts = rng.integers(0, V, (B, C))
    cmask = (rng.random((B, C)) < 0.7).astype(np.float64)
    cmask[:, 0] = 1
    targets = rng.integers(0, V, (B, K + 1))
    tmask = np.ones((B, K + 1))
    tmask[:, 1:] = targets[:, 1:] != targets[:, :1]
    return contexts, cmask, targets, tmask


@pytest.mark.parametrize("cbow_mean", [True, False])
@pytest.mark.parametrize("C", [1, 4])  # 1: a skip-gram batch, 4: CBOW contexts
def test_fast_step_equals_autograd(cbow_mean: bool, C: int) -> None:
    rng = np.random.default_rng(1)
    e_in, e_out = Embedding(20, 8, dtype=np.float64), Embedding(20, 8, dtype=np.float64)
    e_out.weight._array[...] = rng.standard_normal((20, 8)) * 0.3
    contexts, cmask, targets, tmask = _batch(rng, C=C)
    loss = negative_sampling_loss(e_in, e_out, contexts, cmask, targets, tmask, cbow_mean)
    loss.backward()
    w_in, w_out = e_in.weight._array.copy(), e_out.weight._array.copy()
    fast = sgd_step(w_in, w_out, contexts, cmask, targets, tmask, 1.0, cbow_mean)  # lr 1: w -= grad
    assert fast == pytest.approx(float(loss._array), rel=1e-13)
    np.testing.assert_allclose(e_in.weight._array - w_in, e_in.weight.grad._array, atol=1e-13)
    np.testing.assert_allclose(e_out.weight._array - w_out, e_out.weight.grad._array, atol=1e-13)
    # word2vec.c's CBOW rule (Word2Vec's default) differs only in the context words' scaling
    w_in2, w_out2 = e_in.weight._array.copy(), e_out.weight._array.copy()
    sgd_step(w_in2, w_out2, contexts, cmask, targets, tmask, 1.0, cbow_mean, word2vec_cbow=True)
    np.testing.assert_allclose(w_out2, w_out, atol=1e-15)
    if C == 1:
        np.testing.assert_allclose(w_in2, w_in, atol=1e-15)  # one context word: no difference


@pytest.mark.parametrize("cbow_mean", [True, False])
@pytest.mark.parametrize("C", [1, 4])
def test_compiled_steps_equal_autograd_one_example_at_a_time(cbow_mean: bool, C: int) -> None:
    """The compiled path (and its Python source) is autograd's SGD replayed example by
    example: same losses, same vectors after (exact CBOW gradient; word2vec.c's rule
    equals `sgd_step`'s on each one-example batch)."""
    sgd_examples = _compiled()
    rng = np.random.default_rng(2)
    contexts, cmask, targets, tmask = _batch(rng, V=12, B=25, C=C)  # few words: rows repeat
    lr = np.linspace(0.5, 0.1, len(contexts))
    e_in, e_out = Embedding(12, 8, dtype=np.float64), Embedding(12, 8, dtype=np.float64)
    e_out.weight._array[...] = rng.standard_normal((12, 8)) * 0.3
    start = e_in.weight._array.copy(), e_out.weight._array.copy()
    expected = _replay(e_in, e_out, contexts, cmask, targets, tmask, lr, cbow_mean)
    table = np.arange(13), np.arange(12)
    for fn in (sgd_examples, sgd_examples.py_func):
        w_in, w_out = (w.copy() for w in start)
        losses = np.empty(len(contexts))
        fn(w_in, w_out, contexts, cmask, targets, tmask, lr, *table, losses, cbow_mean, np.inf,
           False)  # fmt: skip
        np.testing.assert_allclose(losses, expected, rtol=1e-12)
        np.testing.assert_allclose(w_in, e_in.weight._array, atol=1e-12)
        np.testing.assert_allclose(w_out, e_out.weight._array, atol=1e-12)
    w_in, w_out = (w.copy() for w in start)  # word2vec.c's CBOW rule and the MAX_EXP skip
    ref_in, ref_out = (w.copy() for w in start)
    for e in range(len(contexts)):
        one = slice(e, e + 1)
        sgd_step(ref_in, ref_out, contexts[one], cmask[one], targets[one], tmask[one], lr[e],
                 cbow_mean, 1.0, True)  # fmt: skip
    sgd_examples(w_in, w_out, contexts, cmask, targets, tmask, lr, *table, losses, cbow_mean,
                 1.0, True)  # fmt: skip
    np.testing.assert_allclose(w_in, ref_in, atol=1e-12)
    np.testing.assert_allclose(w_out, ref_out, atol=1e-12)


def test_alias_table_draws_the_unigram_distribution() -> None:
    """Each word's probability implied by the alias table is count**0.75 / Σ, to rounding."""
    weights = np.random.default_rng(0).zipf(1.5, 3000).astype(np.float64) ** 0.75
    probability, alias = _alias_table(weights)
    implied = probability / len(weights)
    np.add.at(implied, alias, (1 - probability) / len(weights))
    np.testing.assert_allclose(implied, weights / weights.sum(), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("sg", [0, 1])
def test_reported_loss_is_the_loss_of_the_vectors(lee, sg: int, backend: str) -> None:
    """The first batch's reported loss equals autograd's loss of the same examples computed
    from the vectors before training (numba: each one before its own step, replayed); the
    epoch loss is the example-weighted batch mean."""
    if backend == "numba":
        _compiled()
    docs, size = lee[:40], 500 if backend == "numpy" else 40
    kw = dict(sg=sg, min_count=2, seed=3, dtype=np.float64, vector_size=16, backend=backend)
    kw.update(cbow_update="exact", max_exp=None)  # the true gradient, as the replay's
    trained, replica = Word2Vec(batch_size=size, **kw), Word2Vec(batch_size=size, **kw)
    trained.build_vocab(docs)
    replica.build_vocab(docs)
    history = trained.train(docs, epochs=2)
    contexts, cmask, target, position = replica._epoch_examples(*replica._encode(docs))
    targets, tmask = (a[:size] for a in replica._negatives(target))  # the same draws
    e_in, e_out = replica.input_embedding, replica.output_embedding
    if backend == "numpy":
        first = negative_sampling_loss(e_in, e_out, contexts[:size], cmask[:size], targets, tmask)
        expected = float(first._array) / size
    else:
        lr = replica.alpha - (replica.alpha - replica.min_alpha) * position / (position[-1] + 1) / 2
        first = slice(0, size)
        expected = np.mean(_replay(e_in, e_out, contexts[first], cmask[first], targets, tmask, lr))
    assert trained.loss_per_batch[0] == pytest.approx(expected, rel=1e-12)
    n = history.history["examples"][0]
    sizes = [min(size, n - b) for b in range(0, n, size)]
    per_batch = trained.loss_per_batch[: len(sizes)]
    assert history.history["loss"][0] == pytest.approx(np.dot(per_batch, sizes) / n, rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_loss_falls_and_gensim_sanity_cbow(lee, backend: str) -> None:
    """gensim's test_cbow_neg settings: 'bombings' among the 50 nearest to 'attacks'."""
    if backend == "numba":
        _compiled()
    model = Word2Vec(lee, sg=0, cbow_mean=1, alpha=0.05, window=5, negative=15, min_count=5,
                     epochs=10, sample=0, backend=backend)  # fmt: skip
    losses = model.history.history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    words = [w for w, _ in model.wv.most_similar("attacks", topn=50)]
    assert "bombings" in words
    assert model.wv.similarity("attacks", "bombings") == pytest.approx(
        model.wv.most_similar("attacks", topn=50)[words.index("bombings")][1], abs=1e-6
    )


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_gensim_sanity_skipgram(lee, backend: str) -> None:
    """gensim's test_sg_neg settings."""
    if backend == "numba":
        _compiled()
    model = Word2Vec(lee, sg=1, window=4, negative=15, min_count=5, epochs=10, backend=backend)
    assert "bombings" in [w for w, _ in model.wv.most_similar("attacks", topn=50)]


def test_evaluations_match_gensim_on_the_same_vectors(lee) -> None:
    """Word-pair and analogy evaluation give gensim's numbers for identical vectors."""
    gensim = require("gensim")
    from gensim.test.utils import datapath

    model = Word2Vec(lee, min_count=3, epochs=1, vector_size=20)
    theirs = gensim.models.KeyedVectors(20)
    theirs.add_vectors(model.wv.index_to_key, model.wv.vectors)
    ours_p, ours_s, ours_oov = model.wv.evaluate_word_pairs(datapath("wordsim353.tsv"))
    their_p, their_s, their_oov = theirs.evaluate_word_pairs(datapath("wordsim353.tsv"))
    assert ours_p[0] == pytest.approx(their_p[0], abs=1e-6)
    assert ours_s[0] == pytest.approx(their_s[0], abs=1e-6)
    assert ours_oov == pytest.approx(their_oov)
    score, sections = model.wv.evaluate_word_analogies(datapath("questions-words.txt"))
    their_score, their_sections = theirs.evaluate_word_analogies(datapath("questions-words.txt"))
    assert score == pytest.approx(their_score)
    assert len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]) == len(
        their_sections[-1]["correct"]
    ) + len(their_sections[-1]["incorrect"])
    ours_top = model.wv.most_similar(positive=["police", "army"], negative=["man"], topn=5)
    their_top = theirs.most_similar(positive=["police", "army"], negative=["man"], topn=5)
    assert [w for w, _ in ours_top] == [w for w, _ in their_top]
    odd = ["attacks", "bombings", "terrorism", "cricket", "police"]
    assert model.wv.doesnt_match(odd) == theirs.doesnt_match(odd)
    assert model.wv.similarity("police", "army") == pytest.approx(
        theirs.similarity("police", "army"), abs=1e-6
    )


def test_vector_files_round_trip_and_gensim_reads_them(lee, tmp_path) -> None:
    gensim = require("gensim")
    model = Word2Vec(lee[:50], min_count=2, epochs=1, vector_size=12)
    for binary in (False, True):
        path = tmp_path / f"v.{'bin' if binary else 'txt'}"
        model.wv.save_word2vec_format(path, binary=binary)
        back = KeyedVectors.load_word2vec_format(path, binary=binary)
        assert back.index_to_key == model.wv.index_to_key
        np.testing.assert_allclose(back.vectors, model.wv.vectors, rtol=1e-5 if not binary else 0)
        theirs = gensim.models.KeyedVectors.load_word2vec_format(str(path), binary=binary)
        np.testing.assert_allclose(theirs.vectors, back.vectors, rtol=0)
        assert theirs.index_to_key == back.index_to_key


def test_malformed_vector_files(tmp_path) -> None:
    cases = {
        b"": "header",
        b"2 3\nword 1 2 3\n": "declares 2 vectors",
        b"1 3\nword 1 x 3\n": "not a number",
        b"1 3\nword 1 2\n": "expected a word and 3 numbers",
        b"1000000000 300\nword 1\n": "declares 1000000000 vectors",
        b"1 -3\n": "header",
    }
    for content, message in cases.items():
        (tmp_path / "bad.txt").write_bytes(content)
        with pytest.raises(VectorFileError, match=message):
            KeyedVectors.load_word2vec_format(tmp_path / "bad.txt")
    vec = np.zeros(2, "<f4").tobytes()
    (tmp_path / "bad.bin").write_bytes(b"2 2\nab " + vec + b"\ncdefgh" + vec[:2])
    with pytest.raises(VectorFileError, match="cut short"):
        KeyedVectors.load_word2vec_format(tmp_path / "bad.bin", binary=True)


def test_bad_input(lee) -> None:
    with pytest.raises(ValueError, match="empty"):
        Word2Vec([[], []])
    with pytest.raises(ValueError, match="no word reaches min_count=5"):
        Word2Vec([["a", "b"], ["a"]])
    with pytest.raises(TypeError, match="one string"):
        Word2Vec("a corpus as one string")
    with pytest.raises(TypeError, match="list of string tokens"):
        Word2Vec(["sentences as strings", "not token lists"])
    with pytest.raises(ValueError, match="hs=1"):
        Word2Vec(hs=1)
    with pytest.raises(ValueError, match="backend must be 'numba' or 'numpy', got 'cuda'"):
        Word2Vec(backend="cuda")
    model = Word2Vec(lee[:30], min_count=2, epochs=1, vector_size=8)
    with pytest.raises(
        KeyError, match="'attackz' is not in the vocabulary.*closest known words: attack"
    ):
        model.wv.most_similar("attackz")


@pytest.mark.slow
def test_head500_wordsim_within_005_of_gensim() -> None:
    """Issue 17's quality bar on head500.noblanks.cor (CBOW, min_count 3, 20 epochs): the
    wordsim353 Spearman within 0.05 of gensim's (workers=1, the same parameters)."""
    gensim = require("gensim")
    _compiled()
    from gensim.models.word2vec import LineSentence
    from gensim.test.utils import datapath

    sentences = list(LineSentence(datapath("head500.noblanks.cor")))
    ours = Word2Vec(sentences, sg=0, min_count=3, epochs=20, seed=1)
    theirs = gensim.models.Word2Vec(sentences, sg=0, min_count=3, epochs=20, seed=1, workers=1)
    pairs = datapath("wordsim353.tsv")
    ours_s = ours.wv.evaluate_word_pairs(pairs)[1][0]
    their_s = theirs.wv.evaluate_word_pairs(pairs)[1][0]
    assert their_s > 0.4 and abs(ours_s - their_s) < 0.05, (ours_s, their_s)


def test_without_numba_the_numpy_backend_is_the_default(monkeypatch) -> None:
    """A machine without Numba trains with NumPy; asking for numba says what to install."""
    import glassnet.text.sequential as sequential

    monkeypatch.setattr(sequential, "numba", None)
    assert Word2Vec().backend == "numpy"
    with pytest.raises(ImportError, match=r"backend='numba' needs Numba"):
        Word2Vec(backend="numba")
    model = Word2Vec([["a", "b", "c", "a", "b"]] * 5, min_count=1, epochs=1, sample=0)
    assert model.backend == "numpy" and model.history.history["examples"][0] > 0
