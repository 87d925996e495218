"""Loss landscapes: 1-D interpolation, 2-D slices, and the optimiser's path on them.

- `interpolate(model, loss_fn, data, start, end)`: the loss along (1 − α)·start + α·end.
- `landscape(model, loss_fn, data)`: the loss on the plane θ + a·d₁ + b·d₂ through the model's
  weights, along random directions normalised filter by filter (each row of a weight matrix,
  each output channel of a convolution, scaled to the norm of the same filter of θ), as in
  Li, Xu, Taylor, Studer and Goldstein, "Visualizing the Loss Landscape of Neural Nets"
  (NeurIPS 2018); biases and other 1-D parameters stay put unless `biases=True`.
- with `trajectory=` (weights recorded during training, e.g. by `Trajectory`), the directions
  are the top two principal components of the path θᵢ − θ_final, and the path is drawn on top.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..autograd.backend import default_generator
from ..nn import Module
from ..train.callbacks import Callback

Weights = list[np.ndarray]


def _params(model: Any) -> list[Tensor]:
    return list(getattr(model, "module", model).parameters())


def get_weights(model: Any) -> Weights:
    """Copies of the model's parameters, in `parameters()` order."""
    return [p._array.copy() for p in _params(model)]


def _set(params: list[Tensor], weights: Weights) -> None:
    for p, w in zip(params, weights):
        p._array[...] = w


def _loss(model: Any, loss_fn: Callable, data: tuple) -> float:
    x, y = data
    out = model(x if isinstance(x, Tensor) else Tensor(np.asarray(x, _dtype(model))))
    return float(np.asarray(loss_fn(out, y)._array))


def _dtype(model: Any) -> Any:
    ps = _params(model)
    return ps[0].dtype if ps else np.float32


def _check(model: Any, weights: Weights, what: str) -> None:
    shapes = [p.shape for p in _params(model)]
    got = [np.shape(w) for w in weights]
    if got != shapes:
        raise ValueError(f"{what}: weight shapes {got} do not match the model's {shapes}")


def _evaluate(model: Any, loss_fn: Callable, data: tuple, points: list[Weights]) -> np.ndarray:
    """The loss at each weight set (in eval mode, without a graph); restores the weights."""
    net = getattr(model, "module", model)
    params, saved, was = _params(model), get_weights(model), net.training
    net.eval()
    try:
        with no_grad():
            out = []
            for w in points:
                _set(params, w)
                out.append(_loss(net, loss_fn, data))
    finally:
        _set(params, saved)
        net.train(was)
    return np.array(out)


@dataclass
class Interpolation:
    """The loss at each α of (1 − α)·start + α·end; `plot(path)` draws it."""

    alphas: np.ndarray
    losses: np.ndarray

    def plot(self, path: str | os.PathLike) -> None:
        """The curve as a PNG."""
        from ..train.plots import _pyplot, _save

        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(self.alphas, self.losses)
        ax.axvline(0, color="k", ls=":", lw=1)
        ax.axvline(1, color="k", ls=":", lw=1)
        ax.set_xlabel("α  (0: start, 1: end)")
        ax.set_ylabel("loss")
        _save(fig, path)
        plt.close(fig)


def interpolate(
    model: Module, loss_fn: Callable, data: tuple, start: Weights, end: Weights,
    steps: int = 25, margin: float = 0.5,
) -> Interpolation:  # fmt: skip
    """The loss along the line from `start` to `end` (weight lists, as `get_weights` gives),
    for α from −margin to 1 + margin."""
    _check(model, start, "interpolate: start")
    _check(model, end, "interpolate: end")
    alphas = np.linspace(-margin, 1 + margin, steps)
    points = [[(1 - a) * s + a * e for s, e in zip(start, end)] for a in alphas]
    return Interpolation(alphas, _evaluate(model, loss_fn, data, points))


def filter_normalized(weights: Weights, seed: int | None = None, biases: bool = False) -> Weights:
    """A random direction shaped like `weights`, each filter (slice along axis 0) scaled to
    the norm of the same filter of the weights (Li et al. 2018); 1-D ones zero unless `biases`."""
    rng = np.random.default_rng(seed if seed is not None else default_generator().integers(2**32))
    out = []
    for w in weights:
        d = rng.standard_normal(w.shape)
        if w.ndim < 2:
            d = d * (np.linalg.norm(w) / (np.linalg.norm(d) or 1)) if biases else np.zeros_like(d)
        else:
            flat_w, flat_d = w.reshape(len(w), -1), d.reshape(len(d), -1)
            scale = np.linalg.norm(flat_w, axis=1) / np.maximum(
                np.linalg.norm(flat_d, axis=1), 1e-30
            )
            d = (flat_d * scale[:, None]).reshape(w.shape)
        out.append(d.astype(w.dtype))
    return out


def _flat(ws: Weights) -> np.ndarray:
    return np.concatenate([np.ravel(w).astype(np.float64) for w in ws])


def _unflat(v: np.ndarray, like: Weights) -> Weights:
    out, i = [], 0
    for w in like:
        out.append(v[i : i + w.size].reshape(w.shape).astype(w.dtype))
        i += w.size
    return out


def pca_directions(
    trajectory: Sequence[Weights],
) -> tuple[Weights, Weights, np.ndarray, np.ndarray]:
    """The top-2 principal directions of θᵢ − θ_last, the path's coordinates along them, and
    the share of the variance each explains."""
    if len(trajectory) < 3:
        raise ValueError(
            f"landscape: a trajectory needs at least 3 weight sets, got {len(trajectory)}"
        )
    last = _flat(trajectory[-1])
    m = np.stack([_flat(t) - last for t in trajectory])
    _, s, vt = np.linalg.svd(m - m.mean(0), full_matrices=False)
    comps = vt[:2]
    explained = (s[:2] ** 2) / max(float((s**2).sum()), 1e-300)
    return (
        _unflat(comps[0], trajectory[-1]),
        _unflat(comps[1], trajectory[-1]),
        m @ comps.T,
        explained,
    )


@dataclass
class Landscape:
    """The loss on the grid ``losses[i, j]`` at θ + xs[j]·d₁ + ys[i]·d₂, the directions, and
    the projected path (with a trajectory); `contour(path)` and `surface(path)` draw it."""

    xs: np.ndarray
    ys: np.ndarray
    losses: np.ndarray
    directions: tuple[Weights, Weights] = field(repr=False)
    path: np.ndarray | None = None  # (steps, 2) coordinates of the trajectory
    explained: np.ndarray | None = None  # variance share of the two PCA directions

    def minimum(self) -> tuple[float, float]:
        """The (x, y) grid point with the lowest loss."""
        i, j = np.unravel_index(int(np.nanargmin(self.losses)), self.losses.shape)
        return float(self.xs[j]), float(self.ys[i])

    def _axes_labels(self, ax: Any) -> None:
        if self.explained is not None:
            ax.set_xlabel(f"PC 1 ({self.explained[0]:.0%} of the path's variance)")
            ax.set_ylabel(f"PC 2 ({self.explained[1]:.0%})")
        else:
            ax.set_xlabel("direction 1 (filter-normalised)")
            ax.set_ylabel("direction 2")

    def contour(self, path: str | os.PathLike, levels: int = 30) -> None:
        """Contour lines of the slice (and the path, if any) as a PNG."""
        from ..train.plots import _pyplot, _save

        plt = _pyplot()
        fig, ax = plt.subplots(figsize=(6, 5))
        cs = ax.contour(self.xs, self.ys, self.losses, levels=levels, cmap="viridis")
        fig.colorbar(cs, ax=ax, label="loss")
        if self.path is not None:
            ax.plot(self.path[:, 0], self.path[:, 1], "r.-", lw=1, ms=4, label="training path")
            ax.legend()
        ax.plot([0], [0], "k*", ms=10)
        self._axes_labels(ax)
        _save(fig, path)
        plt.close(fig)

    def surface(self, path: str | os.PathLike) -> None:
        """The slice as a 3-D surface, as a PNG."""
        from ..train.plots import _pyplot, _save

        plt = _pyplot()
        fig = plt.figure(figsize=(7, 5))
        ax = fig.add_subplot(projection="3d")
        gx, gy = np.meshgrid(self.xs, self.ys)
        ax.plot_surface(gx, gy, self.losses, cmap="viridis", linewidth=0, antialiased=True)
        ax.set_zlabel("loss")
        self._axes_labels(ax)
        _save(fig, path)
        plt.close(fig)


def landscape(
    model: Module, loss_fn: Callable, data: tuple, steps: int = 21, span: float = 1.0,
    directions: tuple[Weights, Weights] | None = None, trajectory: Sequence[Weights] | None = None,
    seed: int | None = None, biases: bool = False,
) -> Landscape:  # fmt: skip
    """The loss on a 2-D slice through the model's weights, `steps` × `steps` points.

    Directions: `directions` as given, else the trajectory's top-2 PCA directions (the grid
    then covers the path), else two filter-normalised random ones (coordinates in [−span, span]).
    `data` is (inputs, targets); `loss_fn(outputs, targets)` returns a scalar tensor.
    """
    if not isinstance(steps, int) or steps < 3:
        raise ValueError(f"landscape: steps must be an integer >= 3, got {steps!r}")
    center = get_weights(model)
    path = explained = None
    if directions is None and trajectory is not None:
        for i, t in enumerate(trajectory):
            _check(model, t, f"landscape: trajectory[{i}]")
        d1, d2, path, explained = pca_directions(trajectory)
        center = [np.array(w, copy=True) for w in trajectory[-1]]
        span = float(np.abs(path).max()) * 1.25 or span
        directions = (d1, d2)
    elif directions is None:
        seed0 = seed if seed is not None else int(default_generator().integers(2**31))
        directions = (
            filter_normalized(center, seed0, biases),
            filter_normalized(center, seed0 + 1, biases),
        )
    for k, d in enumerate(directions):
        _check(model, d, f"landscape: directions[{k}]")
    xs = ys = np.linspace(-span, span, steps)
    d1, d2 = directions
    points = [[c + a * u + b * v for c, u, v in zip(center, d1, d2)] for b in ys for a in xs]
    losses = _evaluate(model, loss_fn, data, points).reshape(steps, steps)
    return Landscape(xs, ys, losses, (d1, d2), path, explained)


class Trajectory(Callback):
    """Records the weights after every `every` epochs of `fit` (and at the start), for
    `landscape(..., trajectory=cb.weights)`."""

    def __init__(self, every: int = 1) -> None:
        self.every = every
        self.weights: list[Weights] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Record the starting weights."""
        self.weights = [get_weights(self.model.module)]

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Record the weights after this epoch."""
        if (epoch + 1) % self.every == 0:
            self.weights.append(get_weights(self.model.module))
