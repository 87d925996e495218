"""Tokenisers, a `Vocabulary` and `one_hot` for words and documents.

`word_tokenize` splits as scikit-learn's vectorizers do by default (runs of two or more word
characters), `whitespace_tokenize` on blanks, `korean_tokenize` keeps Hangul syllable blocks
together and can split common particles off (the rule is in its docstring).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..data.preprocessing import one_hot as _one_hot_indices
from ..io import atomic_write_text

WORD_PATTERN = r"(?u)\b\w\w+\b"  # scikit-learn's default token_pattern
# Common Korean particles (josa), longest first so 에서 wins over 서-less 에.
KOREAN_PARTICLES = (
    "에서", "에게", "한테", "으로", "부터", "까지", "처럼", "보다",
    "은", "는", "이", "가", "을", "를", "의", "에", "로", "와", "과", "도", "만",
)  # fmt: skip
_HANGUL = "\uac00-\ud7a3"  # precomposed syllable blocks 가..힣
_KOREAN_TOKEN = re.compile(rf"[{_HANGUL}]+|[^\W{_HANGUL}]+")
MAX_VOCAB_FILE_BYTES = 1 << 30


def word_tokenize(text: str, token_pattern: str = WORD_PATTERN, lowercase: bool = True) -> list:
    """Tokens as scikit-learn finds them: `re.findall(token_pattern)` (its one group if any)."""
    return re.findall(token_pattern, text.lower() if lowercase else text)


def whitespace_tokenize(text: str, lowercase: bool = False) -> list[str]:
    """Split on runs of whitespace (`str.split()`)."""
    return (text.lower() if lowercase else text).split()


def korean_tokenize(text: str, split_particles: bool = True) -> list[str]:
    """Runs of Hangul syllables and runs of other word characters, in order.

    Rule for particles: a Hangul token of two or more syllables that ends with one of
    `KOREAN_PARTICLES` (longest tried first) is split into stem and particle, so "학교에서"
    gives "학교", "에서". Only one particle is split, and the stem keeps at least one
    syllable. The rule knows no words, so it also splits nouns that merely end like a
    particle ("나이" -> "나", "이"); pass split_particles=False to keep tokens whole.
    """
    out: list[str] = []
    for tok in _KOREAN_TOKEN.findall(text):
        particle = _particle(tok) if split_particles else None
        out += [tok[: -len(particle)], particle] if particle else [tok]
    return out


def _particle(token: str) -> str | None:
    """The particle `korean_tokenize` splits off `token`, if any."""
    if not ("\uac00" <= token[0] <= "\ud7a3") or len(token) < 2:
        return None
    return next((p for p in KOREAN_PARTICLES if token.endswith(p) and len(token) > len(p)), None)


class Vocabulary:
    """Tokens numbered by frequency (ties: first seen first), after `specials`.

    Tokens seen fewer than `min_count` times are dropped, then only the `max_size` most
    frequent are kept (specials not counted). A token not in the vocabulary maps to `unk`
    when it is one of the specials, else raises KeyError.
    """

    def __init__(
        self,
        min_count: int = 1,
        max_size: int | None = None,
        specials: Sequence[str] = (),
        unk: str | None = None,
    ) -> None:
        if min_count < 1:
            raise ValueError(f"Vocabulary: min_count must be >= 1, got {min_count}")
        if max_size is not None and max_size < 0:
            raise ValueError(f"Vocabulary: max_size must be >= 0 or None, got {max_size}")
        if unk is not None and unk not in specials:
            raise ValueError(f"Vocabulary: unk={unk!r} must be one of specials {list(specials)}")
        if len(set(specials)) != len(specials):
            raise ValueError(f"Vocabulary: specials repeat a token: {list(specials)}")
        self.min_count, self.max_size = min_count, max_size
        self.specials, self.unk = list(specials), unk
        self.itos: list[str] = list(specials)
        self.counts: list[int] = [0] * len(specials)
        self.stoi: dict[str, int] = {t: i for i, t in enumerate(self.itos)}

    def build(self, documents: Iterable[Iterable[str]]) -> Vocabulary:
        """Count the tokens of tokenised `documents` and keep the frequent ones; returns self."""
        counter: Counter = Counter()
        for doc in documents:
            counter.update(doc)
        kept = [(t, c) for t, c in counter.most_common() if c >= self.min_count]
        kept = [(t, c) for t, c in kept if t not in self.stoi][: self.max_size]
        self.itos = self.specials + [t for t, _ in kept]
        self.counts = [0] * len(self.specials) + [c for _, c in kept]
        self.stoi = {t: i for i, t in enumerate(self.itos)}
        return self

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, token: object) -> bool:
        return token in self.stoi

    def __getitem__(self, token: str) -> int:
        i = self.stoi.get(token)
        if i is None:
            if self.unk is None:
                raise KeyError(f"{token!r} is not in the vocabulary ({len(self)} tokens)")
            return self.stoi[self.unk]
        return i

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """The index of each token."""
        return [self[t] for t in tokens]

    def decode(self, indices: Iterable[int]) -> list[str]:
        """The token at each index."""
        return [self.itos[int(i)] for i in indices]

    def save(self, path: str | os.PathLike) -> None:
        """Write as UTF-8 text, atomically: a header line, then `token<TAB>count` per line."""
        for t in self.itos:
            if not t or any(c in t for c in "\t\n\r"):
                raise ValueError(f"Vocabulary.save: token {t!r} is empty or holds a tab/newline")
        head = f"#glassnet-vocabulary specials={len(self.specials)} unk={self.unk or ''}\n"
        body = "".join(f"{t}\t{c}\n" for t, c in zip(self.itos, self.counts))
        atomic_write_text(path, head + body)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        """Read a file `save` wrote; a malformed one raises ValueError naming file and line."""
        path = Path(path)
        if path.stat().st_size > MAX_VOCAB_FILE_BYTES:
            raise ValueError(f"{path}: larger than {MAX_VOCAB_FILE_BYTES} bytes")
        lines = path.read_text(encoding="utf-8").split("\n")
        m = re.fullmatch(r"#glassnet-vocabulary specials=(\d+) unk=(.*)", lines[0])
        if not m:
            raise ValueError(f"{path}:1: not a glassnet vocabulary header: {lines[0][:80]!r}")
        rows = [_vocab_row(path, n, line) for n, line in enumerate(lines[1:], 2) if line]
        n_special = int(m.group(1))
        if n_special > len(rows):
            raise ValueError(f"{path}: header says {n_special} specials, file has {len(rows)}")
        vocab = cls(specials=[t for t, _ in rows[:n_special]], unk=m.group(2) or None)
        vocab.itos, vocab.counts = [t for t, _ in rows], [c for _, c in rows]
        vocab.stoi = {t: i for i, t in enumerate(vocab.itos)}
        if len(vocab.stoi) != len(rows):
            raise ValueError(f"{path}: a token is listed twice")
        return vocab

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} tokens, min_count={self.min_count})"


def _vocab_row(path: Path, n: int, line: str) -> tuple[str, int]:
    """One `token<TAB>count` line of a vocabulary file."""
    token, tab, count = line.partition("\t")
    if not tab or not token or not count.isdigit():
        raise ValueError(f"{path}:{n}: expected 'token<TAB>count', got {line[:80]!r}")
    return token, int(count)


def one_hot(tokens: str | Sequence[str], vocabulary: Vocabulary, dtype: Any = np.float32):
    """One word -> a (len(vocabulary),) vector with a single 1; a document (a list of
    tokens) -> one such row per token, shape (len(tokens), len(vocabulary))."""
    if isinstance(tokens, str):
        return _one_hot_indices(np.array([vocabulary[tokens]]), len(vocabulary), dtype)[0]
    idx = np.array(vocabulary.encode(tokens), dtype=np.int64)
    return _one_hot_indices(idx, len(vocabulary), dtype)
