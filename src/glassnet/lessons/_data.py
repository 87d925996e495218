"""Where the lessons get real images: the cache/GLASSNET_DATA, never a download, with a named
built-in fallback (scikit-learn's 8×8 digits, padded to 28×28) when the files are absent."""

from __future__ import annotations

import numpy as np

import glassnet as gn
from glassnet.datasets import DatasetNotFoundError


def digits_28() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 digits, each 8×8 pixel repeated 3×3 and padded to 28×28, in 0..255."""
    X, y = gn.datasets.digits()
    img = np.kron(X.reshape(-1, 8, 8), np.ones((3, 3))) * (255 / 16)
    return np.pad(img, ((0, 0), (2, 2), (2, 2))).astype(np.uint8), y


def images(name: str, split: str = "test") -> tuple[np.ndarray, np.ndarray, str]:
    """(images uint8 (n, 28, 28), labels, the name of what was used): `name` is "mnist" or
    "fashion_mnist"; without its files, the built-in digits."""
    loader = {"mnist": gn.datasets.mnist, "fashion_mnist": gn.datasets.fashion_mnist}[name]
    try:
        x, y = loader(split, download=False)
        return x, y.astype(np.int64), f"{name} ({split})"
    except (DatasetNotFoundError, OSError):
        x, y = digits_28()
        return x, y, "digits (built-in fallback, 8×8 scaled to 28×28)"
