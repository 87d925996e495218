"""The data loading the compat programs share (the part of a tutorial that may change): a few
thousand MNIST / Fashion-MNIST images from glassnet.datasets (read from GLASSNET_DATA), as the
tutorials' own loaders give them."""

from __future__ import annotations

import numpy as np

import glassnet


def images(which: str = "mnist", n_train: int = 2000, n_valid: int = 500):
    """(x_train, y_train, x_valid, y_valid): float32 pixels in [0, 1] (N, 784) and int64 labels,
    taken from the 10,000-image test split (the one the CI data folder holds)."""
    load = glassnet.datasets.mnist if which == "mnist" else glassnet.datasets.fashion_mnist
    x, y = load("test", download=False)
    x = x.reshape(len(x), -1).astype(np.float32) / 255.0
    y = y.astype(np.int64)
    return x[:n_train], y[:n_train], x[n_train : n_train + n_valid], y[n_train : n_train + n_valid]
