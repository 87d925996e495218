"""Named data sets ready for training: flattened float32 features with fixed splits.

Each entry gives the train and test parts as raw features (in the files' own units: pixel
values 0-255, centimetres), the input scaling x' = (x − shift) / scale that a model trained
on it puts in front of itself (`Prepared.standardize()`, an `nn.Standardize` layer, so the
saved model takes raw inputs) and the default validation hold-out for `data.holdout`: a count
of the first samples for the MNIST sets (the seed's ``X_valid = X_train[:5000]``), the last
10 % for the small sets. Names are accepted with ``-`` or ``_`` (``fashion-mnist`` or
``fashion_mnist``, as the Python API spells it), in any case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..data.split import train_test_split
from .builtin import IRIS_CLASSES, digits, iris
from .mnist import FASHION_MNIST, FASHION_MNIST_CLASSES, MNIST, fashion_mnist, mnist

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass
class Prepared:
    """A data set split for training (raw features), with its input scaling and class names."""

    train: Arrays
    test: Arrays
    shift: float | list[float]
    scale: float | list[float]
    classes: tuple[str, ...]
    val_default: float | int

    def scaled(self, x: np.ndarray) -> np.ndarray:
        """(x − shift) / scale in float32: what the network's Standardize layer computes."""
        sh, sc = np.asarray(self.shift, np.float32), np.asarray(self.scale, np.float32)
        return ((np.asarray(x, np.float32) - sh) / sc).astype(np.float32)

    def standardize(self) -> Any:
        """An `nn.Standardize` with this scaling and the training inputs' range (per feature
        when the scaling is per feature, else one range), to put first in the network."""
        from ..nn import Standardize

        x = self.train[0]
        per_feature = not np.isscalar(self.shift)
        low, high = (x.min(0), x.max(0)) if per_feature else (x.min(), x.max())
        tolist = lambda v: np.asarray(v, np.float64).tolist()  # noqa: E731 - JSON-able
        return Standardize(self.shift, self.scale, tolist(low), tolist(high))


def _images(pair: Arrays) -> Arrays:
    x, y = pair
    return x.reshape(len(x), -1).astype(np.float32), y


def _floats(v: Any) -> float | list[float]:
    return float(v) if np.isscalar(v) else [float(a) for a in np.asarray(v, np.float32)]


def _finish(
    train: Arrays, test: Arrays, shift: Any, scale: Any, classes: Any, val: float | int
) -> Prepared:
    f = lambda p: (np.asarray(p[0], np.float32), p[1])  # noqa: E731
    return Prepared(f(train), f(test), _floats(shift), _floats(scale), tuple(classes), val)


def _small(x: np.ndarray, y: np.ndarray, scale_by_train: bool, classes: Any) -> Prepared:
    xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    if scale_by_train:
        shift, scale = xtr.mean(0), np.where(xtr.std(0) > 0, xtr.std(0), 1.0)
    else:
        shift, scale = 0.0, float(x.max())
    return _finish((xtr, ytr), (xte, yte), shift, scale, classes, 0.1)


def _iris() -> Prepared:
    return _small(*iris(), True, IRIS_CLASSES)


def _digits() -> Prepared:
    return _small(*digits(), True, [str(i) for i in range(10)])


def _fashion() -> Prepared:
    return _finish(
        _images(fashion_mnist("train")),
        _images(fashion_mnist("test")),
        0.0,
        255.0,
        FASHION_MNIST_CLASSES,
        5000,
    )


def _mnist() -> Prepared:
    return _finish(
        _images(mnist("train")),
        _images(mnist("test")),
        0.0,
        255.0,
        [str(i) for i in range(10)],
        5000,
    )


def _mnist_t10k() -> Prepared:
    """MNIST's 10,000 test images only: the first 8,000 train (1,000 of them validate), the
    last 2,000 test."""
    x, y = _images(mnist("test"))
    return _finish(
        (x[:8000], y[:8000]), (x[8000:], y[8000:]), 0.0, 255.0, [str(i) for i in range(10)], 1000
    )


CATALOG: dict[str, tuple[Callable[[], Prepared], str]] = {
    "digits": (_digits, "8x8 handwritten digits from scikit-learn (1,797; 80/20 stratified)"),
    "iris": (_iris, "Fisher's iris, shipped (150; 80/20 stratified)"),
    "fashion-mnist": (_fashion, "Zalando Fashion-MNIST (60,000 train / 10,000 test)"),
    "mnist": (_mnist, "MNIST digits (60,000 train / 10,000 test)"),
    "mnist-t10k": (
        _mnist_t10k,
        "MNIST's 10,000 test images (mnist's test files): first 8,000 train, last 2,000 test",
    ),
}
REMOTE = {"fashion-mnist": FASHION_MNIST, "mnist": MNIST, "mnist-t10k": MNIST}


def spellings() -> str:
    """The accepted names, each with its underscore spelling: for error messages and --help."""
    return ", ".join(f"{n} ({n.replace('-', '_')})" if "-" in n else n for n in CATALOG)


def canonical_name(name: str) -> str:
    """The catalog's name for `name` (``fashion_mnist``, ``Fashion-MNIST`` -> ``fashion-mnist``),
    or ValueError listing every accepted spelling."""
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    if key not in CATALOG:
        raise ValueError(f"unknown dataset {name!r}; choose from {spellings()}")
    return key


def prepare(name: str) -> Prepared:
    """Load a catalogued data set by name (see CATALOG; ``-`` and ``_`` both accepted)."""
    return CATALOG[canonical_name(name)][0]()
