"""`CountVectorizer` and `TfidfVectorizer` with scikit-learn's parameters and results.

Counting: each document is lower-cased (if asked), cut into features by the analyzer (word
n-grams of `token_pattern` tokens, or character n-grams), and counted. The vocabulary is the
sorted features whose document frequency lies in [min_df, max_df] (an int is a count of
documents, a float a share), then at most the `max_features` most frequent. TF-IDF weighs
each count by idf(t) = ln((1 + n) / (1 + df(t))) + 1 (without the 1s when smooth_idf=False),
after tf -> 1 + ln tf when sublinear_tf, and scales each row to unit norm ('l2' or 'l1').
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from numbers import Integral
from typing import Any

import numpy as np

from .tokenize import WORD_PATTERN

_BLANKS = re.compile(r"\s\s+")
ANALYZERS = ("word", "char", "char_wb")


def word_ngrams(tokens: list[str], ngram_range: tuple[int, int]) -> list[str]:
    """The n-grams of `tokens` for n in ngram_range, each joined by one space."""
    lo, hi = ngram_range
    return [
        " ".join(tokens[i : i + n])
        for n in range(lo, min(hi, len(tokens)) + 1)
        for i in range(len(tokens) - n + 1)
    ]


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams of `text` with runs of blanks squeezed to one space."""
    text = _BLANKS.sub(" ", text)
    lo, hi = ngram_range
    return [
        text[i : i + n] for n in range(lo, min(hi, len(text)) + 1) for i in range(len(text) - n + 1)
    ]


def char_wb_ngrams(text: str, ngram_range: tuple[int, int]) -> list[str]:
    """Character n-grams inside each word padded with one space either side; a padded word
    no longer than n gives itself once, and no longer n-grams."""
    lo, hi = ngram_range
    out = []
    for w in _BLANKS.sub(" ", text).split():
        w = f" {w} "
        for n in range(lo, hi + 1):
            out += [w[i : i + n] for i in range(max(len(w) - n + 1, 1))]
            if len(w) <= n:
                break
    return out


class CountVectorizer:
    """Documents -> a scipy.sparse CSR matrix of feature counts (scikit-learn's parameters)."""

    def __init__(
        self,
        *,
        lowercase: bool = True,
        token_pattern: str = WORD_PATTERN,
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: str = "word",
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        binary: bool = False,
        dtype: Any = np.int64,
    ) -> None:
        self.lowercase, self.token_pattern, self.ngram_range = lowercase, token_pattern, ngram_range
        self.analyzer, self.max_df, self.min_df = analyzer, max_df, min_df
        self.max_features, self.binary, self.dtype = max_features, binary, dtype

    def _check(self) -> None:
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(
                f"ngram_range must satisfy 1 <= min_n <= max_n, got {self.ngram_range}"
            )
        if self.analyzer not in ANALYZERS:
            raise ValueError(f"analyzer must be one of {ANALYZERS}, got {self.analyzer!r}")
        for name in ("max_df", "min_df"):
            v = getattr(self, name)
            if not (isinstance(v, Integral) and v >= 0 or isinstance(v, float) and 0 <= v <= 1):
                raise ValueError(f"{name} must be an int >= 0 or a float in [0, 1], got {v!r}")
        if self.max_features is not None and self.max_features < 1:
            raise ValueError(f"max_features must be >= 1 or None, got {self.max_features}")
        if re.compile(self.token_pattern).groups > 1:
            raise ValueError(f"token_pattern {self.token_pattern!r} has more than one group")

    def build_analyzer(self):
        """The function that turns one document into its list of features."""
        lower, rng = self.lowercase, tuple(self.ngram_range)
        if self.analyzer == "char":
            return lambda doc: char_ngrams(doc.lower() if lower else doc, rng)
        if self.analyzer == "char_wb":
            return lambda doc: char_wb_ngrams(doc.lower() if lower else doc, rng)
        pattern = re.compile(self.token_pattern)
        return lambda doc: word_ngrams(pattern.findall(doc.lower() if lower else doc), rng)

    def _count(self, documents: Iterable[str], vocabulary: dict[str, int] | None):
        """CSR counts of `documents`; builds the (unsorted) vocabulary when given None."""
        from scipy import sparse

        if isinstance(documents, str):
            raise ValueError("expected an iterable of documents, got one string")
        analyze, grow = self.build_analyzer(), vocabulary is None
        vocab: dict[str, int] = {} if vocabulary is None else vocabulary
        indices, data, indptr = [], [], [0]
        for doc in documents:
            counts = Counter(analyze(doc))
            if grow:
                for f in counts:
                    vocab.setdefault(f, len(vocab))
            row = sorted((vocab[f], c) for f, c in counts.items() if f in vocab)
            indices += [j for j, _ in row]
            data += [c for _, c in row]
            indptr.append(len(indices))
        if grow and not vocab:
            raise ValueError("empty vocabulary: the documents hold no features")
        X = sparse.csr_matrix(
            (np.array(data, self.dtype), np.array(indices, np.int64), np.array(indptr, np.int64)),
            shape=(len(indptr) - 1, len(vocab)),
        )
        if self.binary:
            X.data.fill(1)
        return X, vocab

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None):
        """Learn the vocabulary and return the document-feature count matrix."""
        self._check()
        X, vocab = self._count(raw_documents, None)
        terms = sorted(vocab)
        X = X[:, [vocab[t] for t in terms]]  # columns in sorted-feature order
        n = X.shape[0]
        high = self.max_df if isinstance(self.max_df, Integral) else self.max_df * n
        low = self.min_df if isinstance(self.min_df, Integral) else self.min_df * n
        if high < low:
            raise ValueError(
                f"max_df={self.max_df} keeps fewer documents than min_df={self.min_df}"
            )
        df = np.bincount(X.indices, minlength=X.shape[1])
        keep = (df <= high) & (df >= low)
        if self.max_features is not None and keep.sum() > self.max_features:
            tf = np.asarray(X.sum(axis=0)).ravel()
            top = (-tf[keep]).argsort()[: self.max_features]  # the same sort scikit-learn runs
            mask = np.zeros_like(keep)
            mask[np.flatnonzero(keep)[top]] = True
            keep = mask
        if not keep.any():
            raise ValueError(
                f"no features left after min_df={self.min_df}, max_df={self.max_df}: "
                "try a lower min_df or a higher max_df"
            )
        kept = np.flatnonzero(keep)
        self.vocabulary_ = {terms[j]: i for i, j in enumerate(kept)}
        return X[:, kept].tocsr()

    def fit(self, raw_documents: Iterable[str], y: Any = None) -> CountVectorizer:
        """Learn the vocabulary; returns self."""
        self.fit_transform(raw_documents)
        return self

    def transform(self, raw_documents: Iterable[str]):
        """Count the learned features in new documents (unknown features are ignored)."""
        if not hasattr(self, "vocabulary_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit first")
        X, _ = self._count(raw_documents, self.vocabulary_)
        return X

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The features, in column order."""
        names = sorted(self.vocabulary_, key=self.vocabulary_.__getitem__)
        return np.asarray(names, dtype=object)


class TfidfVectorizer(CountVectorizer):
    """Counts re-weighted by inverse document frequency and row-normalised (scikit-learn's)."""

    def __init__(
        self,
        *,
        lowercase: bool = True,
        token_pattern: str = WORD_PATTERN,
        ngram_range: tuple[int, int] = (1, 1),
        analyzer: str = "word",
        max_df: float | int = 1.0,
        min_df: float | int = 1,
        max_features: int | None = None,
        binary: bool = False,
        dtype: Any = np.float64,
        norm: str | None = "l2",
        use_idf: bool = True,
        smooth_idf: bool = True,
        sublinear_tf: bool = False,
    ) -> None:
        super().__init__(
            lowercase=lowercase,
            token_pattern=token_pattern,
            ngram_range=ngram_range,
            analyzer=analyzer,
            max_df=max_df,
            min_df=min_df,
            max_features=max_features,
            binary=binary,
            dtype=dtype,
        )
        self.norm, self.use_idf = norm, use_idf
        self.smooth_idf, self.sublinear_tf = smooth_idf, sublinear_tf

    def fit_transform(self, raw_documents: Iterable[str], y: Any = None):
        """Learn vocabulary and idf; return the TF-IDF matrix."""
        if self.norm not in ("l1", "l2", None):
            raise ValueError(f"norm must be 'l1', 'l2' or None, got {self.norm!r}")
        X = super().fit_transform(raw_documents)
        n = X.shape[0] + int(self.smooth_idf)
        df = np.bincount(X.indices, minlength=X.shape[1]) + int(self.smooth_idf)
        self.idf_ = np.log(n / df) + 1.0  # ln(n / df) + 1, with n and df shifted when smoothing
        return self._weigh(X)

    def transform(self, raw_documents: Iterable[str]):
        """TF-IDF of new documents with the learned vocabulary and idf."""
        return self._weigh(super().transform(raw_documents))

    def _weigh(self, X):
        X = X.astype(np.float64)
        if self.sublinear_tf:
            X.data = np.log(X.data) + 1.0
        if self.use_idf:
            X.data *= self.idf_[X.indices]
        if self.norm is not None:
            rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
            per_entry = np.abs(X.data) if self.norm == "l1" else X.data**2
            sums = np.bincount(rows, weights=per_entry, minlength=X.shape[0])
            norms = sums if self.norm == "l1" else np.sqrt(sums)
            X.data /= np.where(norms == 0, 1.0, norms)[rows]
        return X.astype(self.dtype)
