"""PNG plots (matplotlib, Agg backend): learning curves and a confusion matrix."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..io import atomic_open


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plots need matplotlib: pip install 'glassnet[plot]'") from None
    return plt


def _save(fig: Any, path: str | os.PathLike) -> None:
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png", dpi=110, bbox_inches="tight")


def plot_history(history: Any, path: str | os.PathLike, stopped_epoch: int | None = None,
                 best_epoch: int | None = None) -> None:
    """Loss and each metric per epoch, train vs validation; early-stop/best epochs marked."""
    plt = _pyplot()
    h = history.history if hasattr(history, "history") else dict(history)
    names = [k for k in h if not k.startswith("val_") and k != "lr"]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(h[name]) + 1)
        ax.plot(epochs, h[name], label=f"train {name}")
        if f"val_{name}" in h:
            ax.plot(epochs, h[f"val_{name}"], label=f"validation {name}")
        if best_epoch is not None:
            ax.axvline(best_epoch + 1, color="g", ls=":", label=f"best epoch {best_epoch + 1}")
        if stopped_epoch:
            ax.axvline(stopped_epoch + 1, color="r", ls="--",
                       label=f"early stop {stopped_epoch + 1}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
    _save(fig, path)
    plt.close(fig)


def plot_confusion_matrix(cm: np.ndarray, path: str | os.PathLike,
                          class_names: Sequence[str] | None = None) -> None:
    """A confusion matrix as a heat map with counts (rows: true class, columns: predicted)."""
    plt = _pyplot()
    cm = np.asarray(cm)
    k = len(cm)
    fig, ax = plt.subplots(figsize=(1 + 0.6 * k, 0.8 + 0.6 * k))
    ax.imshow(cm, cmap="Blues")
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=8,
                    color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    _save(fig, path)
    plt.close(fig)
