"""FastText: Word2Vec whose input vector of a word is the mean of its own row and the rows of
its character n-grams, so a word never seen in training still gets a vector.

The n-grams of "<word>" (with the boundary marks) have min_n..max_n characters; each is
hashed as gensim and Facebook's fastText do (32-bit FNV-1a over its UTF-8 bytes, each byte
sign-extended first) into one of `bucket` rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .keyedvectors import KeyedVectors
from .word2vec import Word2Vec


def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """Character n-grams of "<word>", min_n to max_n long, by start then length."""
    w = f"<{word}>"
    return [w[i : i + n] for i in range(len(w)) for n in range(min_n, max_n + 1) if i + n <= len(w)]


def ft_hash(text: str) -> int:
    """fastText's hash of a string: FNV-1a (32 bits) over UTF-8 bytes read as signed chars."""
    h = 2166136261
    for b in text.encode("utf-8"):
        h = ((h ^ (b if b < 128 else b | 0xFFFFFF00)) * 16777619) & 0xFFFFFFFF
    return h


def ngram_buckets(word: str, min_n: int, max_n: int, bucket: int) -> list[int]:
    """The bucket of each of the word's n-grams (repeats kept)."""
    return [ft_hash(g) % bucket for g in char_ngrams(word, min_n, max_n)] if bucket else []


def _embedding_of(weight: np.ndarray):
    """An `nn.Embedding` whose weight is `weight`, without first drawing N(0, 1) for every
    row as `Embedding(n, d)` does (seconds for 2,000,000 buckets)."""
    from ..nn import Embedding, Parameter

    embedding = Embedding(1, weight.shape[1], dtype=weight.dtype)
    embedding.weight = Parameter(weight)
    embedding.num_embeddings = len(weight)
    return embedding


class FastTextKeyedVectors(KeyedVectors):
    """Word vectors plus n-gram vectors; `get_vector` of an unknown word averages its n-grams."""

    def __init__(
        self, vector_size: int, min_n: int, max_n: int, bucket: int, count: int = 0
    ) -> None:
        super().__init__(vector_size, count)
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket
        self.vectors_vocab = np.zeros((count, vector_size), np.float32)
        self.vectors_ngrams = np.zeros((bucket, vector_size), np.float32)

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The word's vector; for a word outside the vocabulary, the mean of its n-grams'."""
        if key in self.key_to_index:
            return super().get_vector(key, norm)
        rows = ngram_buckets(key, self.min_n, self.max_n, self.bucket)
        if not rows:
            raise KeyError(f"word {key!r} is not in the vocabulary and has no character n-grams")
        v = self.vectors_ngrams[rows].mean(axis=0)
        return v / (np.linalg.norm(v) or 1) if norm else v


class FastText(Word2Vec):
    """gensim's FastText (negative sampling): Word2Vec's parameters plus min_n, max_n, bucket.

    The input Embedding has len(vocabulary) + bucket rows: a word's rows, then the n-gram
    buckets. Each training example's context vector is the mean of the rows of its word
    (skip-gram) or of all its context words (CBOW), and every row gets the whole gradient of
    that mean, as gensim does; `max_exp` defaults to gensim's fasttext_inner (8, skip-gram
    only). One SGD step per example (the default backend) is what makes glassnet's
    wordsim353 score match gensim's: batched steps (backend="numpy") add up the gradients
    of the many words sharing a frequent n-gram bucket.
    """

    _sg_input_is_centre = True  # gensim's fasttext_fast_sentence_sg_neg: the centre's n-grams

    def __init__(
        self,
        sentences: Any = None,
        *,
        min_n: int = 3,
        max_n: int = 6,
        bucket: int = 2000000,
        **kwargs: Any,
    ) -> None:
        if not 1 <= min_n <= max_n or bucket < 0:
            raise ValueError(
                "FastText: need 1 <= min_n <= max_n and bucket >= 0, "
                f"got min_n={min_n}, max_n={max_n}, bucket={bucket}"
            )
        self.min_n, self.max_n, self.bucket = min_n, max_n, bucket
        # gensim's fasttext_inner: MAX_EXP = 8, skipped in skip-gram; CBOW clamps σ, no skip
        kwargs.setdefault("max_exp", 8.0 if kwargs.get("sg") else None)
        super().__init__(sentences, **kwargs)

    def build_vocab(self, sentences: Any) -> None:
        """Word2Vec's vocabulary, then each word's n-gram rows."""
        super().build_vocab(sentences)
        v = len(self.wv)
        rows = [[i] + [v + b for b in ngram_buckets(w, self.min_n, self.max_n, self.bucket)]
                for i, w in enumerate(self.wv.index_to_key)]  # fmt: skip
        width = max(map(len, rows))
        self.subword_rows = np.zeros((v, width), np.int64)
        self.subword_mask = np.zeros((v, width), self.dtype)
        for i, r in enumerate(rows):
            self.subword_rows[i, : len(r)] = r
            self.subword_mask[i, : len(r)] = 1
        self._finish()

    def _prepare_weights(self) -> None:
        """Word2Vec's, with `bucket` more input rows for the n-grams."""
        super()._prepare_weights()
        v, d = len(self.wv), self.vector_size
        weight = np.empty((v + self.bucket, d), self.dtype)
        weight[:v] = self.input_embedding.weight._array
        ngrams = weight[v:]
        self.rng.random(out=ngrams, dtype=ngrams.dtype)  # uniform(-1/d, 1/d), gensim's, in place
        ngrams *= 2
        ngrams -= 1
        ngrams /= d
        self.input_embedding = _embedding_of(weight)
        keys, counts = self.wv.index_to_key, self.wv.counts
        self.wv = FastTextKeyedVectors(d, self.min_n, self.max_n, self.bucket, v)
        self.wv.set_keys(keys, counts)

    def _input_rows(
        self, contexts: np.ndarray, mask: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """Each context word becomes its own row and its n-gram rows."""
        rows = self.subword_rows[contexts].reshape(len(contexts), -1)
        rmask = (self.subword_mask[contexts] * mask[..., None]).reshape(len(contexts), -1)
        width = int(rmask.sum(1).max())  # drop the padding: used rows first, then trim
        keep = np.argsort(-rmask, axis=1, kind="stable")[:, :width]
        rows, rmask = np.take_along_axis(rows, keep, 1), np.take_along_axis(rmask, keep, 1)
        return rows, rmask, bool(self.cbow_mean) or bool(self.sg)

    def _row_table(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """Each word's rows (its own, then its n-grams') for the compiled path."""
        counts = self.subword_mask.sum(1).astype(np.int64)
        row_start = np.r_[0, np.cumsum(counts)].astype(np.int64)
        row_index = self.subword_rows[self.subword_mask > 0]  # row-major: each word's in order
        return row_start, row_index.astype(np.int64), bool(self.cbow_mean) or bool(self.sg)

    def _finish(self) -> None:
        """wv.vectors[w] = mean of w's row and its n-gram rows, as gensim's adjust_vectors."""
        w, v = self.input_embedding.weight._array, len(self.wv)
        self.wv.vectors_vocab, self.wv.vectors_ngrams = w[:v], w[v:]
        from scipy import sparse

        row_start, row_index, _ = self._row_table()
        counts = np.diff(row_start)
        share = np.repeat(1 / counts, counts).astype(w.dtype)  # w.dtype: no float64 copy of w
        mean = sparse.csr_matrix((share, row_index, row_start), (v, len(w)))
        self.wv.vectors = np.asarray(mean @ w, np.float32)  # each word: the mean of its rows
        self.wv.fill_norms()
