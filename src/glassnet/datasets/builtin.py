"""Small data sets that need no download: iris (shipped) and digits (from scikit-learn)."""

from __future__ import annotations

from importlib import resources

import numpy as np

from ..data.csv import load_csv

IRIS_CLASSES = ("setosa", "versicolor", "virginica")


def iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris: 150 x 4 float32 measurements (cm) and int64 species 0-2 (IRIS_CLASSES)."""
    with resources.as_file(resources.files(__package__) / "data" / "iris.csv") as p:
        return load_csv(p, target="species")


def digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits: 1,797 x 64 float32 pixels (0-16), labels 0-9."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError("digits() needs scikit-learn: pip install 'glassnet[sklearn]'") from None
    d = load_digits()
    return d.data.astype(np.float32), d.target.astype(np.int64)
