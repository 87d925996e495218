"""Named data sets ready for training: flattened float32 features with fixed splits.

Each entry gives train and test parts, the input preprocessing (x' = (x − shift) / scale,
saved with a trained model so `glassnet predict` applies it to raw rows) and the default
validation hold-out, taken from the START of the training part as in the seed
(`X_valid, X_train = X_train[:5000], X_train[5000:]`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data.split import train_test_split
from .builtin import IRIS_CLASSES, digits, iris
from .mnist import FASHION_MNIST, FASHION_MNIST_CLASSES, MNIST, fashion_mnist, mnist

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass
class Prepared:
    """A data set split for training, with its preprocessing and class names."""

    train: Arrays
    test: Arrays
    shift: float | list[float]
    scale: float | list[float]
    classes: tuple[str, ...]
    val_default: float | int


def _images(pair: Arrays) -> Arrays:
    x, y = pair
    return x.reshape(len(x), -1).astype(np.float32), y


def _finish(train: Arrays, test: Arrays, shift, scale, classes, val) -> Prepared:
    sh, sc = np.float32(shift) if np.isscalar(shift) else np.asarray(shift, np.float32), \
        np.float32(scale) if np.isscalar(scale) else np.asarray(scale, np.float32)
    f = lambda p: (((p[0] - sh) / sc).astype(np.float32), p[1])  # noqa: E731
    tolist = lambda v: float(v) if np.isscalar(v) else [float(a) for a in v]  # noqa: E731
    return Prepared(f(train), f(test), tolist(shift), tolist(scale), tuple(classes), val)


def _small(x: np.ndarray, y: np.ndarray, scale_by_train: bool, classes) -> Prepared:
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
    return _finish(_images(fashion_mnist("train")), _images(fashion_mnist("test")), 0.0, 255.0,
                   FASHION_MNIST_CLASSES, 5000)


def _mnist() -> Prepared:
    return _finish(_images(mnist("train")), _images(mnist("test")), 0.0, 255.0,
                   [str(i) for i in range(10)], 5000)


def _mnist_t10k() -> Prepared:
    """MNIST's 10,000 test images only: the first 8,000 train (1,000 of them validate), the
    last 2,000 test."""
    x, y = _images(mnist("test"))
    return _finish((x[:8000], y[:8000]), (x[8000:], y[8000:]), 0.0, 255.0,
                   [str(i) for i in range(10)], 1000)


CATALOG: dict[str, tuple[Callable[[], Prepared], str]] = {
    "digits": (_digits, "8x8 handwritten digits from scikit-learn (1,797; 80/20 stratified)"),
    "iris": (_iris, "Fisher's iris, shipped (150; 80/20 stratified, standardised)"),
    "fashion-mnist": (_fashion, "Zalando Fashion-MNIST (60,000 train / 10,000 test)"),
    "mnist": (_mnist, "MNIST digits (60,000 train / 10,000 test)"),
    "mnist-t10k": (_mnist_t10k, "MNIST's 10,000 test images: first 8,000 train, last 2,000 test"),
}
REMOTE = {"fashion-mnist": FASHION_MNIST, "mnist": MNIST, "mnist-t10k": MNIST}


def prepare(name: str) -> Prepared:
    """Load a catalogued data set by name (see CATALOG)."""
    if name not in CATALOG:
        raise ValueError(f"unknown dataset {name!r}; choose from {sorted(CATALOG)}")
    return CATALOG[name][0]()
