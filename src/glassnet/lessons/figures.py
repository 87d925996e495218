"""The figures the lessons draw themselves, in one place (matplotlib, Agg, PNG written
atomically). Where an instrument has its own drawing (`inspect.graph`, `HealthMonitor.plot`,
`Landscape.contour`, `text.plot_words`) the lesson uses that instead.
Korean labels use the Nanum font when it is installed (Debian's fonts-nanum).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..io import atomic_open
from ..train.plots import plot_confusion_matrix

KOREAN_FONTS = ("NanumGothic", "NanumBarunGothic", "NanumSquare", "NanumSquareRound")


def _pyplot() -> Any:
    """pyplot on the Agg backend, with a Korean-capable font as the fallback when present."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib import font_manager
    except ImportError:
        raise ImportError("lesson figures need matplotlib: pip install 'glassnet[plot]'") from None
    names = {f.name for f in font_manager.fontManager.ttflist}
    korean = [n for n in KOREAN_FONTS if n in names][:1]
    plt.rcParams["font.family"] = ["DejaVu Sans", *korean]
    plt.rcParams["axes.unicode_minus"] = False
    return plt


def _save(fig: Any, path: str | os.PathLike, title: str = "") -> None:
    """Optional suptitle, tight layout, then the PNG written atomically."""
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    with atomic_open(path, "wb") as f:
        fig.savefig(f, format="png", dpi=90, bbox_inches="tight")
    fig.clf()
    _pyplot().close(fig)


def panels(path: str | os.PathLike | None, panels: Sequence[dict], title: str = "") -> None:
    """Line charts side by side. Each panel: title, xlabel, ylabel, series
    [(label, x, y[, plot kwargs])], optional logx/logy, vlines [(x, label)], hlines [(y, label)],
    ylim."""
    if path is None:
        return
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.8), squeeze=False)
    for ax, p in zip(axes[0], panels):
        for label, x, y, *style in p["series"]:
            kw = {"marker": "o" if len(np.atleast_1d(x)) <= 12 else None, **(style or [{}])[0]}
            ax.plot(x, y, label=label, **kw)
        for x, label in p.get("vlines", ()):
            ax.axvline(x, ls="--", color="gray", label=label)
        for y, label in p.get("hlines", ()):
            ax.axhline(y, ls=":", color="gray", label=label)
        ax.set_xscale("log" if p.get("logx") else "linear")
        ax.set_yscale("log" if p.get("logy") else "linear")
        if "ylim" in p:
            ax.set_ylim(*p["ylim"])
        ax.set_title(p.get("title", ""))
        ax.set_xlabel(p.get("xlabel", ""))
        ax.set_ylabel(p.get("ylabel", ""))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    _save(fig, path, title)


def contour_paths(
    path: str | os.PathLike | None,
    surfaces: Sequence[dict],
    title: str = "",
) -> None:
    """Loss surfaces as contours with optimizer paths on top. Each surface: title, x, y, z
    (z on the x/y grid) and paths {label: array (steps, 2)}."""
    if path is None:
        return
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(surfaces), figsize=(5.5 * len(surfaces), 4.5), squeeze=False)
    for ax, s in zip(axes[0], surfaces):
        ax.contour(s["x"], s["y"], s["z"], levels=25, cmap="Greys", linewidths=0.7)
        for label, p in s["paths"].items():
            p = np.asarray(p)
            ax.plot(p[:, 0], p[:, 1], marker=".", ms=3, lw=1, label=label)
        ax.set_xlim(s["x"].min(), s["x"].max())
        ax.set_ylim(s["y"].min(), s["y"].max())
        ax.set_title(s.get("title", ""))
        ax.legend(fontsize=7)
    _save(fig, path, title)


def images(
    path: str | os.PathLike | None,
    pictures: Sequence[np.ndarray],
    labels: Sequence[str] | None = None,
    title: str = "",
    ncols: int = 8,
    cmap: str = "gray",
) -> None:
    """A grid of small 2-D images (sizes may differ), each scaled to its own range."""
    if path is None:
        return
    plt = _pyplot()
    n = len(pictures)
    rows = -(-n // ncols)
    fig, axes = plt.subplots(rows, ncols, figsize=(1.3 * ncols, 1.4 * rows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            ax.imshow(pictures[i], cmap=cmap)
            if labels is not None:
                ax.set_title(labels[i], fontsize=7)
    _save(fig, path, title)


def histograms(
    path: str | os.PathLike | None, groups: dict[str, np.ndarray], title: str, xlabel: str
) -> None:
    """One histogram per group, on a shared x axis (e.g. weights under each regulariser)."""
    if path is None:
        return
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(groups), figsize=(3.6 * len(groups), 3.2), sharex=True)
    for ax, (label, values) in zip(np.atleast_1d(axes), groups.items()):
        ax.hist(np.ravel(values), bins=60, color="tab:blue")
        ax.set_yscale("log")
        ax.set_title(label)
        ax.set_xlabel(xlabel)
    _save(fig, path, title)


def bars(
    path: str | os.PathLike | None,
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    ylabel: str,
    errors: Sequence[float] | None = None,
    logy: bool = False,
) -> None:
    """A bar chart (with error bars when given)."""
    if path is None:
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(labels) + 1), 3.6))
    ax.bar(range(len(labels)), values, yerr=errors, color="tab:blue", capsize=3)
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yscale("log" if logy else "linear")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, axis="y")
    _save(fig, path)


def decision_lines(
    path: str | os.PathLike | None,
    X: np.ndarray,
    y: np.ndarray,
    lines: dict[str, tuple[float, float, float]],
    class_names: tuple[str, str],
    axis_labels: tuple[str, str],
    title: str,
) -> None:
    """2-D points of two classes with linear boundaries w0·x0 + w1·x1 + b = 0 drawn over them."""
    if path is None:
        return
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for k, (marker, name) in enumerate(zip(("bs", "yo"), class_names)):
        ax.plot(X[y == k, 0], X[y == k, 1], marker, label=name, ms=4)
    x0 = np.array([X[:, 0].min() - 0.5, X[:, 0].max() + 0.5])
    for label, (w0, w1, b) in lines.items():
        ax.plot(x0, -(w0 * x0 + b) / w1, lw=2, label=label)
    ax.set_ylim(X[:, 1].min() - 0.5, X[:, 1].max() + 0.5)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.set_title(title)
    ax.legend(fontsize=8)
    _save(fig, path)


def confusion(
    path: str | os.PathLike | None, cm: np.ndarray, names: Sequence[str], title: str
) -> None:
    """A confusion matrix (the CLI's own plot, so lessons and `glassnet train` look alike)."""
    if path is None:
        return
    _pyplot()
    plot_confusion_matrix(cm, path, class_names=names, title=title)


def grid_policy(
    path: str | os.PathLike | None,
    desc: np.ndarray,
    actions: np.ndarray,
    visited: Sequence[int],
    title: str,
) -> None:
    """A grid world (`desc`: letters S, F, H, G per cell) with the greedy action of each free
    cell as an arrow (0 left, 1 down, 2 right, 3 up) and the cells a greedy run visits shaded."""
    if path is None:
        return
    plt = _pyplot()
    rows, cols = desc.shape
    colours = {"S": "#cfe8ff", "F": "#ffffff", "H": "#444444", "G": "#9be39b"}
    fig, ax = plt.subplots(figsize=(0.9 * cols + 1, 0.9 * rows + 0.6))
    arrows = {0: (-0.3, 0), 1: (0, 0.3), 2: (0.3, 0), 3: (0, -0.3)}
    for s in range(rows * cols):
        r, c = divmod(s, cols)
        kind = desc[r, c]
        face = "#ffe9a8" if s in visited and kind in "SF" else colours[kind]
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=face, edgecolor="gray"))
        if kind in "SF":
            dx, dy = arrows[int(actions[s])]
            ax.arrow(c - dx / 2, r - dy / 2, dx, dy, head_width=0.15, color="tab:blue")
        ax.text(c - 0.42, r - 0.3, kind, fontsize=8, color="white" if kind == "H" else "black")
    ax.set_xlim(-0.5, cols - 0.5)
    ax.set_ylim(rows - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title)
    _save(fig, path)


def scatters(
    path: str | os.PathLike | None, panels: Sequence[dict], title: str = "", size: float = 3.0
) -> None:
    """2-D point clouds side by side (frames of a process). Each panel: title, series
    [(label, points (n, 2)[, scatter kwargs, e.g. c=classes, cmap="tab10"])], optional lim
    (low, high) for both axes; a series with c= gets a colour bar."""
    if path is None:
        return
    plt = _pyplot()
    n = len(panels)
    fig, axes = plt.subplots(1, n, figsize=(size * n + 0.6, size + 0.5), squeeze=False)
    for ax, p in zip(axes[0], panels):
        for label, xy, *style in p["series"]:
            kw = {"s": 3, **(style or [{}])[0]}
            dots = ax.scatter(xy[:, 0], xy[:, 1], label=label, **kw)
            if "c" in kw and np.ndim(kw["c"]) == 1:  # colours from values (classes): show the scale
                fig.colorbar(dots, ax=ax, fraction=0.046)
        if "lim" in p:
            ax.set(xlim=p["lim"], ylim=p["lim"])
        ax.set_aspect("equal", adjustable="box")
        ax.set_title(p.get("title", ""), fontsize=9)
        ax.tick_params(labelsize=7)
        if any(label for label, *_ in p["series"]):
            ax.legend(fontsize=7, loc="upper right", markerscale=3)
    _save(fig, path, title)


def health(path: str | os.PathLike | None, monitor: Any, quantities: Sequence[str]) -> None:
    """`glassnet.inspect.HealthMonitor`'s own plot of what it recorded (one panel per
    quantity, one line per layer), so a lesson shows the instrument a learner keeps using."""
    if path is None:
        return
    _pyplot()  # the Korean-capable font
    monitor.plot(path, list(quantities))
