"""Word2Vec with negative sampling (gensim's names and defaults), on glassnet Embeddings.

One training example is a context and a target word: skip-gram (sg=1) takes each word within
the centre's window as context and the centre as target (gensim's Word2Vec; its FastText
swaps the two); CBOW (sg=0) takes the window's words
(their mean, or sum with cbow_mean=0) as context and the centre word as target. With h the
context vector, u_t the output vector of the target and u_k those of `negative` words drawn
from the unigram table (count ** ns_exponent), the loss of the example is

    L = -log σ(u_t·h) - Σ_k log σ(-u_k·h)

`negative_sampling_loss` writes it in glassnet autograd; `sgd_step` is the vectorised NumPy
twin that computes the same loss and gradient for a whole batch and applies the SGD update,
and `sequential.sgd_examples` (compiled with Numba, the default backend) takes that step
for one example after another, as gensim does (tests/test_word2vec.py checks all three
agree). The reported loss is the mean of L over the
examples, accumulated in float64: per batch, and per epoch over all its examples.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..autograd import functional as F
from ..nn import Embedding
from ..train.callbacks import History
from .keyedvectors import KeyedVectors


# ----- the loss: readable (autograd) and fast (NumPy) -----------------------------------------
def negative_sampling_loss(
    input_embedding: Embedding,
    output_embedding: Embedding,
    contexts: np.ndarray,
    context_mask: np.ndarray,
    targets: np.ndarray,
    target_mask: np.ndarray,
    cbow_mean: bool = True,
) -> Tensor:
    """Summed loss of a batch: contexts (B, C) with a 0/1 mask, targets (B, 1 + negative)
    whose column 0 is the true word, a 0/1 target_mask (a negative equal to the true word
    counts 0)."""
    vin = input_embedding(contexts) * Tensor(
        context_mask[..., None].astype(input_embedding.weight.dtype)
    )
    h = vin.sum(1)  # (B, D)
    if cbow_mean:
        h = h / Tensor(context_mask.sum(1, keepdims=True).astype(h.dtype))
    scores = (output_embedding(targets) * h.unsqueeze(1)).sum(-1)  # (B, 1 + negative)
    sign = np.where(np.arange(targets.shape[1]) == 0, 1.0, -1.0).astype(h.dtype)
    return -(F.logsigmoid(scores * Tensor(sign)) * Tensor(target_mask.astype(h.dtype))).sum()


def _scatter_add(
    weight: np.ndarray, rows: np.ndarray, coef: np.ndarray, values: np.ndarray
) -> None:
    """weight[rows[b, j]] += coef[b, j] * values[b] for all b, j, repeats adding up: one sparse
    (unique rows × B) matrix product instead of a Python loop or np.add.at. Entries with
    coef 0 are left out."""
    from scipy import sparse

    b, j = np.nonzero(coef)
    flat = rows[b, j]
    if not len(flat):
        return
    order = np.argsort(flat, kind="stable")
    sorted_rows = flat[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    m = sparse.csr_matrix(
        (coef[b, j][order], b[order], np.r_[starts, len(flat)]),
        shape=(len(starts), len(values)),
    )
    weight[sorted_rows[starts]] += m @ values


def sgd_step(
    w_in: np.ndarray,
    w_out: np.ndarray,
    contexts: np.ndarray,
    context_mask: np.ndarray,
    targets: np.ndarray,
    target_mask: np.ndarray,
    lr: float,
    cbow_mean: bool = True,
    max_exp: float | None = None,
    word2vec_cbow: bool = False,
) -> float:
    """One SGD step on the summed `negative_sampling_loss` of a batch, in place on `w_in` and
    `w_out`; returns the summed loss (float64) computed before the update. With `max_exp`,
    a score with |s| >= max_exp gets no gradient (gensim's rule, MAX_EXP = 6). With
    `word2vec_cbow`, the context words get word2vec.c's and gensim's update instead of the
    true gradient: each gets all of dL/dh when h is their mean, dL/dh / count when their sum."""
    count = context_mask.sum(1, keepdims=True)
    h = np.einsum("bcd,bc->bd", w_in[contexts], context_mask)  # (B, D) sum of the context
    if cbow_mean:
        h /= count
    u = w_out[targets]  # (B, 1 + negative, D)
    s = np.einsum("bkd,bd->bk", u, h)
    label = np.zeros_like(s)
    label[:, 0] = 1
    sign = 2 * label - 1
    loss = float((np.logaddexp(0, -sign * s.astype(np.float64)) * target_mask).sum())
    g = (0.5 + 0.5 * np.tanh(0.5 * s) - label) * target_mask  # dL/ds = σ(s) - label
    if max_exp is not None:
        g[np.abs(s) >= max_exp] = 0
    grad_h = np.einsum("bk,bkd->bd", g, u)  # dL/dh = Σ_k g_k u_k
    _scatter_add(w_out, targets, -lr * g, h)  # dL/du_k = g_k h
    scaled = bool(cbow_mean) != bool(word2vec_cbow)  # the reference implementations swap them
    coef = context_mask / count if scaled else context_mask  # dL/dv_c = mask_c ∂h/∂v_c dL/dh
    _scatter_add(w_in, contexts, -lr * coef, grad_h)
    return loss


# ----- the model -----------------------------------------------------------------------------
class Word2Vec:
    """Word vectors trained with negative sampling; gensim's parameters and defaults.

    `workers` is accepted for gensim compatibility and unused (one process); hs=1
    (hierarchical softmax) is not implemented. `backend="numba"` (the default when Numba is
    installed) takes one SGD step per example, in corpus order, as gensim does
    (`sequential.sgd_examples`, compiled); `backend="numpy"` takes one vectorised step per
    `batch_size` examples (`sgd_step`): their gradients add up, so a frequent word drawn
    hundreds of times in one large batch takes one huge step (2048 diverges on gensim's
    CBOW test settings, 256 does not). Both see the same examples and negatives.
    `cbow_update="word2vec"` updates CBOW's context words as word2vec.c and gensim do
    (see `sgd_step`; it learns faster than the true gradient, "exact"), and `max_exp` skips
    saturated scores as they do. After training, `wv` holds the word vectors,
    `history.history["loss"]` the mean loss per epoch and `loss_per_batch` the mean loss of
    every `batch_size` examples.
    """

    _sg_input_is_centre = False  # skip-gram's input word (gensim's FastText: the centre)

    def __init__(
        self,
        sentences: Iterable[Sequence[str]] | None = None,
        vector_size: int = 100,
        alpha: float = 0.025,
        window: int = 5,
        min_count: int = 5,
        max_vocab_size: int | None = None,
        sample: float = 1e-3,
        seed: int = 1,
        workers: int = 3,
        min_alpha: float = 0.0001,
        sg: int = 0,
        hs: int = 0,
        negative: int = 5,
        ns_exponent: float = 0.75,
        cbow_mean: int = 1,
        epochs: int = 5,
        shrink_windows: bool = True,
        max_exp: float | None = 6.0,
        cbow_update: str = "word2vec",
        batch_size: int = 256,
        backend: str | None = None,
        progress: bool = False,
        dtype: Any = np.float32,
    ) -> None:
        if hs:
            raise ValueError(
                "Word2Vec: hs=1 (hierarchical softmax) is not implemented; use negative > 0"
            )
        sizes = dict(vector_size=vector_size, window=window, min_count=min_count,
                     negative=negative, epochs=epochs, batch_size=batch_size)  # fmt: skip
        for name, v in sizes.items():
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"Word2Vec: {name} must be an integer >= 1, got {v!r}")
        if not 0 < alpha or min_alpha < 0 or sample < 0:
            raise ValueError(
                "Word2Vec: need alpha > 0, min_alpha >= 0, sample >= 0; "
                f"got {alpha}, {min_alpha}, {sample}"
            )
        self.vector_size, self.alpha, self.window, self.min_count = (
            vector_size,
            alpha,
            window,
            min_count,
        )
        self.max_vocab_size, self.sample, self.seed, self.workers = (
            max_vocab_size,
            sample,
            seed,
            workers,
        )
        self.min_alpha, self.sg, self.hs, self.negative = min_alpha, sg, hs, negative
        self.ns_exponent, self.cbow_mean, self.epochs = ns_exponent, cbow_mean, epochs
        self.shrink_windows, self.batch_size, self.progress = shrink_windows, batch_size, progress
        self.max_exp = max_exp
        if cbow_update not in ("word2vec", "exact"):
            raise ValueError(
                f"Word2Vec: cbow_update must be 'word2vec' or 'exact', got {cbow_update!r}"
            )
        self.cbow_update = cbow_update
        self.backend = _backend(backend)
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)
        self.wv = KeyedVectors(vector_size)
        self.history = History()
        self.loss_per_batch: list[float] = []
        if sentences is not None:
            sentences = _as_list(sentences)
            self.build_vocab(sentences)
            self.train(sentences, epochs=epochs)

    # ----- vocabulary ------------------------------------------------------------------------
    def build_vocab(self, sentences: Iterable[Sequence[str]]) -> None:
        """Count words, keep those seen `min_count` times (most frequent first), and set up
        the subsampling probabilities, the negative-sampling table and the Embeddings."""
        sentences = _as_list(sentences)
        counts: Counter = Counter()
        for s in sentences:
            counts.update(s)
        if not counts:
            raise ValueError("Word2Vec: the corpus is empty (no sentence holds a word)")
        kept = [(w, c) for w, c in counts.most_common(self.max_vocab_size) if c >= self.min_count]
        if not kept:
            top = counts.most_common(1)[0]
            raise ValueError(
                f"Word2Vec: no word reaches min_count={self.min_count} (the most frequent, "
                f"{top[0]!r}, occurs {top[1]} times)"
            )
        self.wv = KeyedVectors(self.vector_size, len(kept), self.dtype)
        self.wv.set_keys([w for w, _ in kept], [c for _, c in kept])
        self._prepare_weights()

    def _prepare_weights(self) -> None:
        """Subsampling keep-probabilities, the unigram table and the two Embeddings."""
        c = self.wv.counts.astype(np.float64)
        threshold = self.sample * c.sum() if self.sample < 1 else self.sample
        self.keep_probability = (
            np.minimum(1.0, (np.sqrt(c / threshold) + 1) * threshold / c)
            if self.sample
            else np.ones_like(c)
        )  # gensim's rule: keep a word of count c with probability (√(c/t) + 1)·t/c
        weights = c**self.ns_exponent  # the negatives' unigram^0.75 distribution
        self.cum_table = np.cumsum(weights)  # gensim's; sampled via the alias table
        self.alias_probability, self.alias = _alias_table(weights)
        v, d = len(self.wv), self.vector_size
        self.input_embedding = Embedding(v, d, dtype=self.dtype)
        self.output_embedding = Embedding(v, d, dtype=self.dtype)
        self.input_embedding.weight._array[...] = (
            self.rng.random((v, d)) * 2 - 1
        ) / d  # gensim 4's
        self.output_embedding.weight._array[...] = 0
        self.wv.vectors = self.input_embedding.weight._array  # the same memory: wv sees training

    @property
    def syn1neg(self) -> np.ndarray:
        """The output (context) vectors, gensim's name."""
        return self.output_embedding.weight._array

    # ----- examples --------------------------------------------------------------------------
    def _encode(self, sentences: list) -> tuple[np.ndarray, np.ndarray]:
        """Word indices of the whole corpus (unknown words dropped) and each one's sentence."""
        index = self.wv.key_to_index
        ids = [np.array([index[w] for w in s if w in index], np.int64) for s in sentences]
        sent = np.repeat(np.arange(len(ids)), [len(a) for a in ids])
        return (np.concatenate(ids) if ids else np.zeros(0, np.int64)), sent

    def _epoch_examples(self, ids: np.ndarray, sent: np.ndarray):
        """This epoch's examples in corpus order: (contexts, context_mask, target, position)."""
        keep = self.rng.random(len(ids)) < self.keep_probability[ids]
        ids, sent = ids[keep], sent[keep]
        n, w = len(ids), self.window
        reach = w - self.rng.integers(0, w, n) if self.shrink_windows else np.full(n, w)
        offsets = np.r_[-w:0, 1 : w + 1]
        pos = np.arange(n)[:, None] + offsets[None, :]  # (n, 2w) neighbour positions
        valid = (pos >= 0) & (pos < n) & (np.abs(offsets)[None, :] <= reach[:, None])
        pos = np.clip(pos, 0, max(n - 1, 0))
        valid &= sent[pos] == sent[:, None]
        if self.sg:  # one example per (centre, neighbour in the centre's shrunk window)
            centre, j = np.nonzero(valid)
            word, other = ids[centre], ids[pos[centre, j]]
            if not self._sg_input_is_centre:  # gensim's Word2Vec: the neighbour predicts the centre
                word, other = other, word
            return word[:, None], np.ones((len(centre), 1), self.dtype), other, centre
        has = valid.any(1)  # CBOW: one example per centre word with at least one neighbour
        return ids[pos[has]], valid[has].astype(self.dtype), ids[has], np.flatnonzero(has)

    def _negatives(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """targets (B, 1 + negative), column 0 the true word, and the 0/1 mask of the rest."""
        draws = self.rng.random((len(target), self.negative)) * len(self.alias)
        column = draws.astype(np.int64)  # a uniform column, then it or its alias (Vose)
        neg = np.where(draws - column < self.alias_probability[column], column, self.alias[column])
        targets = np.concatenate([target[:, None], neg], axis=1)
        mask = np.ones(targets.shape, self.dtype)
        mask[:, 1:] = neg != target[:, None]
        return targets, mask

    # ----- training --------------------------------------------------------------------------
    def train(self, corpus_iterable: Iterable[Sequence[str]], epochs: int | None = None) -> History:
        """Train for `epochs` passes; returns the History (mean loss and words/s per epoch)."""
        sentences = _as_list(corpus_iterable)
        if not len(self.wv):
            raise RuntimeError("Word2Vec.train: call build_vocab first")
        ids, sent = self._encode(sentences)
        if not len(ids):
            raise ValueError("Word2Vec.train: no word of the corpus is in the vocabulary")
        epochs = self.epochs if epochs is None else epochs
        raw_words = sum(len(s) for s in sentences)
        bar = _progress(epochs * raw_words, self.progress)
        run = self._epoch_numba if self.backend == "numba" else self._epoch_numpy
        self._rows, chunk = self._row_table(), self._chunk()
        for epoch in range(epochs):
            start = time.perf_counter()
            contexts, cmask, target, position = self._epoch_examples(ids, sent)
            n_kept = max(int(position[-1]) + 1 if len(position) else 1, 1)
            done = (epoch + position / n_kept) / epochs  # share of training done, per example
            lr = self.alpha - (self.alpha - self.min_alpha) * done  # linear decay
            batch_losses = []
            for b in range(0, len(target), chunk):
                sl = slice(b, b + chunk)
                targets, tmask = self._negatives(target[sl])  # one stream: as if drawn at once
                batch_losses += run(contexts[sl], cmask[sl], targets, tmask, lr[sl])
                if bar is not None:
                    bar.update(round(raw_words * len(targets) / max(len(target), 1)))
            total = sum(n * loss for n, loss in batch_losses)
            self.loss_per_batch += [loss for _, loss in batch_losses]
            seconds = time.perf_counter() - start
            logs = {
                "loss": total / max(len(target), 1),
                "words_per_sec": raw_words / seconds,
                "examples": len(target),
            }
            self.history.on_epoch_end(epoch, logs)
            if bar is not None:
                bar.set_postfix(
                    loss=f"{logs['loss']:.4f}", words_per_s=f"{logs['words_per_sec']:.0f}"
                )
        if bar is not None:
            bar.close()
        self._finish()
        return self.history

    def _chunk(self) -> int:
        """Examples per call of the step: one batch (NumPy), or many batches (Numba)."""
        return (
            self.batch_size
            if self.backend == "numpy"
            else self.batch_size * max(1, 16384 // self.batch_size)
        )

    def _epoch_numpy(self, contexts, cmask, targets, tmask, lr) -> list[tuple[int, float]]:
        """One vectorised `sgd_step` on the batch (the lr of its last example); its
        (size, mean loss)."""
        w_in, w_out = self.input_embedding.weight._array, self.output_embedding.weight._array
        rows, rmask, mean = self._input_rows(contexts, cmask)
        loss = sgd_step(w_in, w_out, rows, rmask, targets, tmask, float(lr[-1]), mean,
                        self.max_exp, self.cbow_update == "word2vec")  # fmt: skip
        return [(len(targets), loss / len(targets))]

    def _epoch_numba(self, contexts, cmask, targets, tmask, lr) -> list[tuple[int, float]]:
        """One SGD step per example (`sequential.sgd_examples`, compiled); (size, mean loss)
        of each `batch_size` examples."""
        from .sequential import sgd_examples

        w_in, w_out = self.input_embedding.weight._array, self.output_embedding.weight._array
        row_start, row_index, mean = self._rows
        losses = np.empty(len(targets), np.float64)
        max_exp = np.inf if self.max_exp is None else float(self.max_exp)
        sgd_examples(w_in, w_out, contexts, cmask.astype(w_in.dtype, copy=False), targets,
                     tmask.astype(w_in.dtype, copy=False), lr.astype(np.float64), row_start,
                     row_index, losses, mean, max_exp, self.cbow_update == "word2vec")  # fmt: skip
        starts = np.arange(0, len(losses), self.batch_size)
        sums = np.add.reduceat(losses, starts) if len(losses) else np.zeros(0)
        sizes = np.diff(np.r_[starts, len(losses)])
        return list(zip(sizes.tolist(), (sums / sizes).tolist()))

    def _row_table(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """Each word's input rows as row_index[row_start[w]:row_start[w + 1]] (here the word's
        own row), and whether h is their mean."""
        v = len(self.wv)
        return np.arange(v + 1, dtype=np.int64), np.arange(v, dtype=np.int64), bool(self.cbow_mean)

    def _input_rows(
        self, contexts: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Rows of the input Embedding that make each example's context vector, their mask,
        and whether h is their mean (FastText adds each word's n-gram rows here)."""
        return contexts, mask, bool(self.cbow_mean)

    def _finish(self) -> None:
        """After training: refresh what `wv` derives from the weights."""
        self.wv.fill_norms()


def _alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias table: drawing a uniform column i, then i with probability[i] or else
    alias[i], draws i with probability weights[i] / Σ weights (O(1) a draw, where bisecting
    the cumulative table costs log V)."""
    n = len(weights)
    scaled = weights * (n / weights.sum())
    probability, alias = np.ones(n), np.arange(n)
    small = [i for i in range(n) if scaled[i] < 1]
    large = [i for i in range(n) if scaled[i] >= 1]
    while small and large:
        s, g = small.pop(), large[-1]
        probability[s], alias[s] = scaled[s], g  # column s: s below scaled[s], g above it
        scaled[g] -= 1 - scaled[s]
        if scaled[g] < 1:
            small.append(large.pop())
    return probability, alias  # what is left is 1 (up to rounding): the column is its own


def _backend(name: str | None) -> str:
    """The training backend: "numba" (the default when Numba imports) or "numpy"."""
    from .sequential import numba

    if name is None:
        return "numpy" if numba is None else "numba"
    if name not in ("numba", "numpy"):
        raise ValueError(f"Word2Vec: backend must be 'numba' or 'numpy', got {name!r}")
    if name == "numba" and numba is None:
        raise ImportError("Word2Vec: backend='numba' needs Numba (pip install 'glassnet[text]')")
    return name


def _as_list(sentences: Iterable[Sequence[str]]) -> list:
    """The corpus as a list of token lists (a single string is refused)."""
    if isinstance(sentences, str):
        raise TypeError("Word2Vec: sentences must be an iterable of token lists, not one string")
    sentences = list(sentences)
    out = [list(s) for s in sentences]
    first_is_string = bool(sentences) and isinstance(sentences[0], str)  # "a b" lists to chars
    if first_is_string or (out and out[0] and not isinstance(out[0][0], str)):
        raise TypeError("Word2Vec: each sentence must be a list of string tokens")
    return out


def _progress(total: int, enabled: bool):
    """A tqdm bar counting words, or None."""
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="word", unit_scale=True, desc="word2vec")
