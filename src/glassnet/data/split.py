"""Train/test (80/20) and train/validation/test (60/20/20) splits, scikit-learn's rules."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Tensor


def _n_test(n: int, test_size: float | int) -> int:
    if isinstance(test_size, (float, np.floating)):
        if not 0 < test_size < 1:
            raise ValueError(
                f"train_test_split: test_size={test_size} must be in (0, 1) as a "
                "fraction or a positive int count"
            )
        return math.ceil(test_size * n)  # scikit-learn rounds the test part up
    if not 0 < test_size < n:
        raise ValueError(
            f"train_test_split: test_size={test_size} must be between 1 and {n - 1} for {n} samples"
        )
    return int(test_size)


def _stratified(y: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Test indices with each class in (about) its share, largest remainders first."""
    classes, yi, counts = np.unique(y, return_inverse=True, return_counts=True)
    if counts.min() < 2:
        raise ValueError(
            f"train_test_split: stratify needs >= 2 samples per class; class "
            f"{classes[counts.argmin()]!r} has {counts.min()}"
        )
    exact = counts * n_test / len(y)
    take = np.floor(exact).astype(int)
    short = n_test - take.sum()
    take[np.argsort(-(exact - take), kind="stable")[:short]] += 1
    picks = [rng.permutation(np.flatnonzero(yi == c))[:k] for c, k in enumerate(take)]
    return rng.permutation(np.concatenate(picks))


def _index(a: Any, idx: np.ndarray) -> Any:
    if isinstance(a, Tensor):
        return Tensor(a._array[idx])
    return a[idx] if isinstance(a, np.ndarray) else [a[i] for i in idx]


def train_test_split(
    *arrays: Any,
    test_size: float | int = 0.2,
    shuffle: bool = True,
    stratify: Any = None,
    random_state: int | None = None,
) -> list[Any]:
    """Split arrays into train and test parts: returns [a_train, a_test, b_train, b_test, ...]."""
    if not arrays:
        raise ValueError("train_test_split: needs at least one array")
    n = len(arrays[0])
    for i, a in enumerate(arrays):
        if len(a) != n:
            raise ValueError(f"train_test_split: array {i} has {len(a)} rows, array 0 has {n}")
    n_test = _n_test(n, test_size)
    if n_test >= n:
        raise ValueError(
            f"train_test_split: test_size={test_size} leaves no training samples out of {n}"
        )
    rng = np.random.default_rng(random_state)
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        test = _stratified(np.asarray(stratify), n_test, rng)
        mask = np.ones(n, bool)
        mask[test] = False
        train = rng.permutation(np.flatnonzero(mask))
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        train, test = order[: n - n_test], order[n - n_test :]
    return [part for a in arrays for part in (_index(a, train), _index(a, test))]


def train_val_test_split(
    *arrays: Any,
    val_size: float = 0.2,
    test_size: float = 0.2,
    shuffle: bool = True,
    stratify: Any = None,
    random_state: int | None = None,
) -> list[Any]:
    """Three-way split (60/20/20 by default): [a_train, a_val, a_test, b_train, ...]."""
    if not (0 < val_size < 1 and 0 < test_size < 1 and val_size + test_size < 1):
        raise ValueError(
            f"train_val_test_split: val_size={val_size} and test_size={test_size} "
            "must be fractions in (0, 1) with a sum below 1"
        )
    rng = np.random.default_rng(random_state)
    seeds = rng.integers(2**31, size=2)
    n = len(arrays[0]) if arrays else 0
    n_test, n_val = math.ceil(test_size * n), math.ceil(val_size * n)
    extra = () if stratify is None else (stratify,)
    first = train_test_split(
        *arrays,
        *extra,
        test_size=n_test,
        shuffle=shuffle,
        stratify=stratify,
        random_state=int(seeds[0]),
    )
    rest, test = first[0::2], first[1::2]
    strat_rest = rest.pop() if stratify is not None else None
    if stratify is not None:
        test.pop()
    second = train_test_split(
        *rest, test_size=n_val, shuffle=shuffle, stratify=strat_rest, random_state=int(seeds[1])
    )
    out = []
    for i in range(len(arrays)):
        out += [second[2 * i], second[2 * i + 1], test[i]]
    return out


def holdout(x: Any, y: Any, split: float | int, where: str = "validation_split") -> list[Any]:
    """Split off a validation part, unshuffled: [x_train, y_train, x_val, y_val].

    The one hold-out rule of `Model.fit` and the CLI: a fraction in (0, 1) takes the *last*
    ⌊n·fraction⌋ samples (Keras' rule); an integer count ≥ 1 takes the *first* `count` samples,
    as the seed's ``X_valid = X_train[:5000]`` does. Either part empty is an error, and so is a
    fraction ≥ 1 that is not a whole number.
    """
    n = len(x)
    if len(y) != n:
        raise ValueError(f"{where}: x has {n} samples, y has {len(y)}")
    if isinstance(split, bool) or not isinstance(split, (int, float, np.integer, np.floating)):
        raise TypeError(f"{where}: expected a fraction in (0, 1) or a count, got {split!r}")
    if 0 < split < 1:
        k = int(math.floor(n * split))
        first = False
    elif split >= 1 and float(split).is_integer():
        k, first = int(split), True
    else:
        raise ValueError(f"{where}={split}: expected a fraction in (0, 1) or a whole count >= 1")
    if not 0 < k < n:
        raise ValueError(
            f"{where}={split} of {n} samples leaves an empty training or "
            f"validation part ({k} validation samples)"
        )
    if first:
        return [x[k:], y[k:], x[:k], y[:k]]
    return [x[: n - k], y[: n - k], x[n - k :], y[n - k :]]
