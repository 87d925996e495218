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


def plot_history(
    history: Any,
    path: str | os.PathLike,
    stopped_epoch: int | None = None,
    best_epoch: int | None = None,
    title: str | None = None,
) -> None:
    """Loss and each metric per epoch, train vs validation; early-stop/best epochs marked.

    `title` (e.g. the data set and the test score) goes above the panels; epochs are whole
    numbers on the axis however short the run.
    """
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    h = history.history if hasattr(history, "history") else dict(history)
    names = [k for k in h if not k.startswith("val_") and k != "lr"]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(h[name]) + 1)
        marker = "o" if len(epochs) <= 12 else None  # a short run's points stay visible
        ax.plot(epochs, h[name], label=f"train {name}", marker=marker)
        if f"val_{name}" in h:
            ax.plot(epochs, h[f"val_{name}"], label=f"validation {name}", marker=marker)
        if best_epoch is not None:
            ax.axvline(best_epoch + 1, color="g", ls=":", label=f"best epoch {best_epoch + 1}")
        if stopped_epoch:
            ax.axvline(
                stopped_epoch + 1, color="r", ls="--", label=f"early stop {stopped_epoch + 1}"
            )
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def plot_confusion_matrix(
    cm: np.ndarray,
    path: str | os.PathLike,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """A confusion matrix as a heat map with counts (rows: true class, columns: predicted).

    The title gives `title` (e.g. "digits: test set"), the number of samples and the
    accuracy; a colour bar shows what the shades count.
    """
    plt = _pyplot()
    cm = np.asarray(cm)
    k = len(cm)
    n = int(cm.sum())
    acc = float(np.trace(cm)) / n if n else float("nan")
    fig, ax = plt.subplots(figsize=(2.2 + 0.6 * k, 1.4 + 0.6 * k))
    im = ax.imshow(cm, cmap="Blues", vmin=0)
    fig.colorbar(im, ax=ax, label="samples", fraction=0.046, pad=0.04)
    names = list(class_names) if class_names is not None else [str(i) for i in range(k)]
    ax.set_xticks(range(k), names, rotation=45, ha="right")
    ax.set_yticks(range(k), names)
    for i in range(k):
        for j in range(k):
            ax.text(
                j,
                i,
                str(cm[i, j]),
                ha="center",
                va="center",
                fontsize=8,
                color="white" if cm[i, j] > cm.max() / 2 else "black",
            )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    head = f"{title}\n" if title else ""
    ax.set_title(f"{head}{n} samples, accuracy {acc:.4f} ({int(np.trace(cm))} correct)")
    _save(fig, path)
    plt.close(fig)


def plot_returns(
    returns: Sequence[float],
    path: str | os.PathLike,
    window: int = 20,
    threshold: float | None = None,
    title: str | None = None,
) -> None:
    """A reinforcement-learning run: each episode's return, its moving mean over `window`
    episodes, and the environment's reward threshold (CartPole-v1's 475) as a line."""
    plt = _pyplot()
    r = np.asarray(returns, dtype=np.float64)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    episodes = np.arange(1, len(r) + 1)
    ax.plot(episodes, r, lw=0.8, alpha=0.5, label="episode return")
    if len(r):
        c = np.cumsum(np.insert(r, 0, 0.0))
        n = np.minimum(np.arange(1, len(r) + 1), window)
        moving = (c[1:] - c[episodes - n]) / n  # mean of the last min(i, window) returns
        ax.plot(episodes, moving, lw=2, label=f"mean of last {window}")
    if threshold is not None:
        ax.axhline(threshold, color="g", ls="--", label=f"solved ({threshold:g})")
    ax.set_xlabel("episode")
    ax.set_ylabel("return")
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)
