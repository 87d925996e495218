"""`KeyedVectors`: words and their vectors, with gensim's queries and evaluations, and the
word2vec text/binary file formats.

Similarity is cosine similarity. A word not in the vocabulary raises KeyError naming it and
the closest known spellings. Loading a vector file checks its header against the file's size
before allocating anything, and refuses a malformed file with the line or byte where it broke.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_open

MAX_VECTOR_SIZE = 100_000


class VectorFileError(ValueError):
    """A vector file that is not valid word2vec text or binary format."""


class KeyedVectors:
    """`index_to_key[i]` is the word of row `vectors[i]`; `key_to_index` maps back."""

    def __init__(self, vector_size: int, count: int = 0, dtype: Any = np.float32) -> None:
        self.vector_size = vector_size
        self.vectors = np.zeros((count, vector_size), dtype)
        self.index_to_key: list[str] = []
        self.key_to_index: dict[str, int] = {}
        self.counts = np.zeros(count, np.int64)
        self._normed: np.ndarray | None = None

    def set_keys(self, keys: Sequence[str], counts: Iterable[int] | None = None) -> None:
        """Name the rows (and record each word's corpus count)."""
        self.index_to_key = list(keys)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if counts is not None:
            self.counts = np.asarray(list(counts), np.int64)

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: object) -> bool:
        return key in self.key_to_index

    def get_index(self, key: str) -> int:
        """Row of `key`; KeyError naming it and the closest known words when absent."""
        i = self.key_to_index.get(key)
        if i is None:
            close = difflib.get_close_matches(key, self.index_to_key, n=5, cutoff=0.6)
            hint = f"; closest known words: {', '.join(close)}" if close else ""
            raise KeyError(f"word {key!r} is not in the vocabulary ({len(self)} words){hint}")
        return i

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of `key` (unit length when norm=True)."""
        return (self.get_normed_vectors() if norm else self.vectors)[self.get_index(key)]

    def __getitem__(self, key: str) -> np.ndarray:
        return self.get_vector(key)

    def get_normed_vectors(self) -> np.ndarray:
        """All vectors scaled to unit length (cached until `fill_norms(force=True)`)."""
        if self._normed is None or self._normed.shape != self.vectors.shape:
            self.fill_norms()
        assert self._normed is not None
        return self._normed

    def fill_norms(self, force: bool = True) -> None:
        """Recompute the unit-length copy of the vectors (call after changing them)."""
        norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
        self._normed = self.vectors / np.where(norms == 0, 1, norms)

    def _query(self, words: Iterable[str | np.ndarray]) -> list[np.ndarray]:
        return [
            np.asarray(w) if not isinstance(w, str) else self.get_vector(w, norm=True)
            for w in words
        ]

    def most_similar(
        self,
        positive: str | Sequence[Any] = (),
        negative: str | Sequence[Any] = (),
        topn: int = 10,
        restrict_vocab: int | None = None,
    ) -> list[tuple[str, float]]:
        """The `topn` words nearest (cosine) to mean(positive) - mean(negative), query
        words excluded; `most_similar("king")` works like `positive=["king"]`."""
        positive = [positive] if isinstance(positive, str) else list(positive)
        negative = [negative] if isinstance(negative, str) else list(negative)
        if not positive and not negative:
            raise ValueError("most_similar: give at least one positive or negative word")
        vecs = self._query(positive) + [-v for v in self._query(negative)]
        mean = np.mean([v / (np.linalg.norm(v) or 1) for v in vecs], axis=0)
        normed = self.get_normed_vectors()[:restrict_vocab]
        sims = normed @ (mean / (np.linalg.norm(mean) or 1))
        skip = {self.key_to_index.get(w) for w in positive + negative if isinstance(w, str)}
        order = np.argsort(-sims, kind="stable")[: topn + len(skip)]
        return [(self.index_to_key[i], float(sims[i])) for i in order if i not in skip][:topn]

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        return float(self.get_vector(w1, norm=True) @ self.get_vector(w2, norm=True))

    def doesnt_match(self, words: Sequence[str]) -> str:
        """The word furthest from the mean of the others' unit vectors (words not in the
        vocabulary are ignored)."""
        known = [w for w in words if w in self.key_to_index]
        if not known:
            raise ValueError(f"doesnt_match: none of {list(words)} is in the vocabulary")
        vecs = np.stack([self.get_vector(w, norm=True) for w in known])
        mean = vecs.mean(axis=0)
        return known[int(np.argmin(vecs @ (mean / (np.linalg.norm(mean) or 1))))]

    def _ok_vocab(self, restrict_vocab: int, case_insensitive: bool) -> dict[str, int]:
        """The first `restrict_vocab` words (upper-cased when case_insensitive; the most
        frequent spelling wins)."""
        words = self.index_to_key[:restrict_vocab]
        if not case_insensitive:
            return {w: i for i, w in enumerate(words)}
        return {w.upper(): i for i, w in reversed(list(enumerate(words)))}

    def evaluate_word_pairs(
        self,
        pairs: str | os.PathLike,
        delimiter: str = "\t",
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
        dummy4unknown: bool = False,
    ) -> tuple[tuple[float, float], tuple[float, float], float]:
        """Against human similarity scores (wordsim353.tsv format: `w1<TAB>w2<TAB>score`,
        `#` comments): ((pearson, p), (spearman, p), percentage of pairs out of vocabulary)."""
        from scipy import stats

        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        normed, gold, model, oov = self.get_normed_vectors(), [], [], 0
        for n, line in enumerate(Path(pairs).read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.split(delimiter)
            if len(parts) != 3:
                raise ValueError(
                    f"{pairs}:{n}: expected 'word1{delimiter!r}word2{delimiter!r}score'"
                )
            a, b = (p.upper() if case_insensitive else p for p in parts[:2])
            if a not in ok or b not in ok:
                oov += 1
                if dummy4unknown:
                    gold.append(float(parts[2]))
                    model.append(0.0)
                continue
            gold.append(float(parts[2]))
            model.append(float(normed[ok[a]] @ normed[ok[b]]))
        if len(model) < 2:
            raise ValueError(f"{pairs}: fewer than 2 pairs have both words in the vocabulary")
        pearson, spearman = stats.pearsonr(gold, model), stats.spearmanr(gold, model)
        oov_ratio = 100.0 * oov / (len(gold) + (0 if dummy4unknown else oov))
        return (
            (float(pearson[0]), float(pearson[1])),
            (float(spearman[0]), float(spearman[1])),
            oov_ratio,
        )

    def evaluate_word_analogies(
        self,
        analogies: str | os.PathLike,
        restrict_vocab: int = 300000,
        case_insensitive: bool = True,
    ) -> tuple[float, list[dict]]:
        """questions-words.txt format (`: section` lines, then `a b c d` meaning a:b = c:d):
        the share of questions answered right, and per section the correct and incorrect ones.

        The answer is the nearest word to b - a + c among the first `restrict_vocab` words,
        a, b and c excluded; a question with a word outside them is skipped, as gensim does.
        """
        ok = self._ok_vocab(restrict_vocab, case_insensitive)
        normed = self.get_normed_vectors()[:restrict_vocab]
        sections: list[dict] = []
        for n, line in enumerate(Path(analogies).read_text(encoding="utf-8").splitlines(), 1):
            if line.startswith(":"):
                sections.append({"section": line[1:].strip(), "correct": [], "incorrect": []})
                continue
            words = [w.upper() if case_insensitive else w for w in line.split()]
            if not words:
                continue
            if len(words) != 4 or not sections:
                raise ValueError(f"{analogies}:{n}: expected a ': section' line or 4 words")
            if any(w not in ok for w in words):
                continue
            a, b, c, expected = (ok[w] for w in words)
            sims = normed @ (normed[b] - normed[a] + normed[c])
            sims[[a, b, c]] = -np.inf
            outcome = "correct" if int(np.argmax(sims)) == expected else "incorrect"
            sections[-1][outcome].append(tuple(words))
        right = sum(len(s["correct"]) for s in sections)
        total = right + sum(len(s["incorrect"]) for s in sections)
        sections.append(
            {
                "section": "Total accuracy",
                "correct": [q for s in sections for q in s["correct"]],
                "incorrect": [q for s in sections for q in s["incorrect"]],
            }
        )
        return (right / total if total else 0.0), sections

    # ----- the word2vec file formats -------------------------------------------------------
    def save_word2vec_format(self, path: str | os.PathLike, binary: bool = False) -> None:
        """Write `count dim` then one word and its numbers per line (or raw float32 after
        the word when binary), atomically."""
        for w in self.index_to_key:
            if not w or any(c.isspace() for c in w):
                raise ValueError(f"save_word2vec_format: word {w!r} is empty or holds whitespace")
        vecs = np.asarray(self.vectors, np.float32)
        with atomic_open(path, "wb") as f:
            f.write(f"{len(self)} {self.vector_size}\n".encode())
            for w, v in zip(self.index_to_key, vecs):
                if binary:
                    f.write(w.encode() + b" " + v.astype("<f4").tobytes() + b"\n")
                else:
                    f.write((w + " " + " ".join(f"{x:.6g}" for x in v) + "\n").encode())

    @classmethod
    def load_word2vec_format(cls, path: str | os.PathLike, binary: bool = False) -> KeyedVectors:
        """Read a file in word2vec text or binary format; VectorFileError when malformed."""
        path = Path(path)
        data = path.read_bytes()
        head, nl, body = data.partition(b"\n")
        count, dim = _header(path, head, nl)
        per_row = (dim * 4 + 2) if binary else (dim * 2 + 1)  # the least bytes a row can take
        if count * per_row > len(body) + 1:
            raise VectorFileError(
                f"{path}: header declares {count} vectors of {dim} numbers, but the file holds "
                f"only {len(body)} bytes after it (at least {count * per_row} needed)"
            )
        kv = cls(dim, count)
        words = (_read_binary if binary else _read_text)(path, body, kv.vectors)
        if len(set(words)) != len(words):
            raise VectorFileError(f"{path}: a word is listed twice")
        kv.set_keys(words, np.zeros(count, np.int64))
        return kv


def _header(path: Path, head: bytes, nl: bytes) -> tuple[int, int]:
    """`count dim` from the first line, checked."""
    parts = head.split()
    if not nl or len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise VectorFileError(f"{path}:1: expected a header 'count dimensions', got {head[:80]!r}")
    count, dim = int(parts[0]), int(parts[1])
    if not 0 < dim <= MAX_VECTOR_SIZE:
        raise VectorFileError(f"{path}:1: vector size {dim} is not in 1..{MAX_VECTOR_SIZE}")
    return count, dim


def _read_text(path: Path, body: bytes, out: np.ndarray) -> list[str]:
    """Rows `word x1 .. xd` of a text vector file into `out`."""
    lines = body.decode("utf-8", errors="strict").splitlines()
    if len(lines) != len(out):
        raise VectorFileError(
            f"{path}: header declares {len(out)} vectors, found {len(lines)} lines"
        )
    words = []
    for n, line in enumerate(lines, 2):
        parts = line.rstrip().split(" ")
        if len(parts) != out.shape[1] + 1:
            raise VectorFileError(
                f"{path}:{n}: expected a word and {out.shape[1]} numbers, got {len(parts) - 1}"
            )
        try:
            out[n - 2] = np.array(parts[1:], dtype=np.float32)
        except ValueError:
            raise VectorFileError(f"{path}:{n}: not a number among {line[:60]!r}...") from None
        words.append(parts[0])
    return words


def _read_binary(path: Path, body: bytes, out: np.ndarray) -> list[str]:
    """Rows `word<space><dim float32>` (an optional newline before the next word)."""
    words, pos, nbytes = [], 0, out.shape[1] * 4
    for i in range(len(out)):
        while pos < len(body) and body[pos : pos + 1] == b"\n":
            pos += 1
        space = body.find(b" ", pos, pos + 1000)
        if space < 0 or space == pos or space + 1 + nbytes > len(body):
            raise VectorFileError(
                f"{path}: vector {i + 1} (byte {pos}) is cut short or has no word"
            )
        try:
            words.append(body[pos:space].decode("utf-8"))
        except UnicodeDecodeError:
            raise VectorFileError(f"{path}: word {i + 1} at byte {pos} is not UTF-8") from None
        out[i] = np.frombuffer(body, "<f4", out.shape[1], space + 1)
        pos = space + 1 + nbytes
    if body[pos:].strip(b"\n"):
        raise VectorFileError(f"{path}: {len(body) - pos} bytes follow the last declared vector")
    return words
