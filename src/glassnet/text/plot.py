"""A 2-D picture of word vectors: their projection on the first two principal components."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from .keyedvectors import KeyedVectors


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Rows projected on the two directions of largest variance (centred SVD)."""
    x = np.asarray(vectors, np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"pca_2d: need at least 2 vectors as rows, got shape {x.shape}")
    x = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    out = x @ vt[:2].T
    return np.pad(out, ((0, 0), (0, 2 - out.shape[1])))  # a 1-D input still gives 2 columns


def plot_words(wv: KeyedVectors, words: Sequence[str], path: str | os.PathLike) -> np.ndarray:
    """Scatter `words` at their PCA coordinates, labelled, into an image file; returns the
    coordinates. An unknown word raises KeyError (with the closest known words)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..io import atomic_open

    xy = pca_2d(np.stack([wv.get_vector(w) for w in words]))
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.scatter(xy[:, 0], xy[:, 1], s=12)
    for (x, y), w in zip(xy, words):
        ax.annotate(w, (x, y), xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel("principal component 1")
    ax.set_ylabel("principal component 2")
    ax.set_title("word vectors, PCA")
    fmt = os.path.splitext(str(path))[1].lstrip(".") or "png"
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format=fmt, bbox_inches="tight")
    plt.close(fig)
    return xy
