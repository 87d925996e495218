"""`LBFGS`: limited-memory BFGS with an optional strong-Wolfe line search, as PyTorch's.

    for each step(closure), up to max_iter iterations:
        g ← ∇f(x);  stop if max|g| ≤ tolerance_grad
        keep the last `history_size` pairs (s = t·d, y = g − g_prev) with yᵀs > 1e-10
        d ← −H g by the two-loop recursion, H₀ = (yᵀs / yᵀy)·I (the newest pair)
        t ← lr (the first iteration of all: min(1, 1/‖g‖₁)·lr)
        x ← x + t·d, t chosen by the strong-Wolfe search (c1 = 1e-4, c2 = 0.9) if asked
        stop when the step, or the change of f, is below tolerance_change

The line search is Nocedal & Wright's Algorithm 3.5 with its zoom (3.6), trial steps from the
minimiser of the cubic through two points' values and slopes (their eq. 3.59). Every choice
(bounds, safeguards, when to stop) is PyTorch's, so both take the same steps.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import Tensor, enable_grad
from .optimizer import Optimizer


def _cubic_min(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: Any = None
) -> float:
    """The minimiser of the cubic with values f and slopes g at x1 and x2, kept in `bounds`
    (the interval of x1, x2 by default); the middle when the cubic has no minimum."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


class _Point:
    """A trial step t along d with its loss f, gradient g and slope gtd = gᵀd."""

    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t: float, f: float, g: np.ndarray, gtd: float) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(
    evaluate: Callable[[float], tuple[float, np.ndarray]],
    d: np.ndarray,
    start: _Point,
    t: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[_Point, int]:
    """A step along `d` meeting the strong Wolfe conditions from `start` (t = 0), first
    trying `t`; `evaluate(t)` gives f and g there. Returns the point and the evaluations."""
    d_norm = float(np.abs(d).max())
    f0, gtd0 = start.f, start.gtd
    f, g = evaluate(t)
    new, prev, evals, it = _Point(t, f, g, float(g @ d)), start, 1, 0
    bracket: list[_Point] | None = None
    while it < max_ls:  # phase 1: grow the step until a bracket holds a good one
        if new.f > f0 + c1 * new.t * gtd0 or (it > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if abs(new.gtd) <= -c2 * gtd0:
            return new, evals
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        t = _cubic_min(
            prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd,
            bounds=(new.t + 0.01 * (new.t - prev.t), new.t * 10),
        )  # fmt: skip
        prev = new
        f, g = evaluate(t)
        new, evals, it = _Point(t, f, g, float(g @ d)), evals + 1, it + 1
    if bracket is None:  # no bracket within max_ls: [0, last]
        bracket = [start, new]
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    stuck = False
    while it < max_ls:  # phase 2 (zoom): shrink the bracket around a good step
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = _cubic_min(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        top, bottom = max(a.t, b.t), min(a.t, b.t)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too near an end: move in, unless it helped
            if stuck or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                stuck = False
            else:
                stuck = True
        else:
            stuck = False
        f, g = evaluate(t)
        new, evals, it = _Point(t, f, g, float(g @ d)), evals + 1, it + 1
        if new.f > f0 + c1 * t * gtd0 or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if abs(new.gtd) <= -c2 * gtd0:
            bracket[low] = new
            break
        if new.gtd * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]
        bracket[low] = new
    return bracket[low], evals


class LBFGS(Optimizer):
    """Limited-memory BFGS (PyTorch's `optim.LBFGS`): ``opt.step(closure)`` runs up to
    `max_iter` quasi-Newton iterations; the closure zeroes grads, computes and backwards the
    loss and returns it. One parameter group only."""

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}"
            )
        if lr <= 0 or max_iter < 1 or history_size < 1:
            raise ValueError(
                f"LBFGS: lr ({lr}) must be > 0, max_iter ({max_iter}) and history_size "
                f"({history_size}) >= 1"
            )
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_iter * 5 // 4 if max_eval is None else max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    # ----- the parameters as one flat vector ------------------------------------------
    def _flat_grad(self) -> np.ndarray:
        return np.concatenate(
            [
                np.zeros(p.numel(), p.dtype) if p.grad is None else p.grad._array.reshape(-1)
                for p in self._params
            ]
        )

    def _add(self, t: float, d: np.ndarray) -> None:
        """x ← x + t·d, in each parameter's own array."""
        i = 0
        for p in self._params:
            n = p.numel()
            p._array += (t * d[i : i + n]).reshape(p.shape).astype(p.dtype, copy=False)
            p._version += 1
            i += n

    def _loss(self, closure: Callable[[], Any]) -> tuple[Any, float, np.ndarray]:
        with enable_grad():
            loss = closure()
        return loss, float(loss), self._flat_grad()

    def _direction(self, state: dict, g: np.ndarray, group: dict) -> np.ndarray:
        """−H·g by the two-loop recursion over the stored (s, y) pairs (updated first)."""
        if state["n_iter"] == 1:
            state.update(old_dirs=[], old_stps=[], ro=[], H_diag=1.0)
            return -g
        ys_, ss_, ro = state["old_dirs"], state["old_stps"], state["ro"]
        y = g - state["prev_flat_grad"]
        s = state["d"] * state["t"]
        ys = float(y @ s)
        if ys > 1e-10:
            if len(ys_) == group["history_size"]:
                del ys_[0], ss_[0], ro[0]
            ys_.append(y)
            ss_.append(s)
            ro.append(1.0 / ys)
            state["H_diag"] = ys / float(y @ y)
        q, alpha = -g, [0.0] * len(ys_)
        for i in range(len(ys_) - 1, -1, -1):
            alpha[i] = float(ss_[i] @ q) * ro[i]
            q = q - alpha[i] * ys_[i]
        r = q * state["H_diag"]
        for i in range(len(ys_)):
            beta = float(ys_[i] @ r) * ro[i]
            r = r + (alpha[i] - beta) * ss_[i]
        return r

    def _line_search(
        self, closure: Any, d: np.ndarray, loss: float, g: np.ndarray, gtd: float, t: float
    ) -> tuple[float, np.ndarray, float, int]:
        """The strong-Wolfe step along d, taken; its loss, gradient, length and evaluations."""
        x0 = [p._array.copy() for p in self._params]

        def evaluate(step: float) -> tuple[float, np.ndarray]:
            self._add(step, d)
            _, f, grad = self._loss(closure)
            for p, a in zip(self._params, x0):
                p._array[...] = a
            return f, grad

        tol = self.param_groups[0]["tolerance_change"]
        best, evals = strong_wolfe(evaluate, d, _Point(0.0, loss, g, gtd), t, tolerance_change=tol)
        self._add(best.t, d)
        return best.f, best.g, best.t, evals

    def step(self, closure: Any = None) -> Any:
        """Up to max_iter iterations on `closure` (required); returns its first loss."""
        if closure is None:
            raise RuntimeError("LBFGS.step needs a closure that re-evaluates the loss")
        group = self.param_groups[0]
        state = self.state.setdefault(self._params[0], {"func_evals": 0, "n_iter": 0})
        orig_loss, loss, g = self._loss(closure)
        evals = 1
        state["func_evals"] += 1
        if np.abs(g).max() <= group["tolerance_grad"]:
            return orig_loss
        tol = group["tolerance_change"]
        for n_iter in range(1, group["max_iter"] + 1):
            state["n_iter"] += 1
            d = state["d"] = self._direction(state, g, group)
            state["prev_flat_grad"], prev_loss = g.copy(), loss
            t = group["lr"]
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.abs(g).sum())) * group["lr"]
            state["t"] = t
            gtd = float(g @ d)
            if gtd > -tol:
                break
            if group["line_search_fn"] == "strong_wolfe":
                loss, g, t, ls_evals = self._line_search(closure, d, loss, g, gtd, t)
            else:
                self._add(t, d)
                ls_evals = 0
                if n_iter != group["max_iter"]:
                    _, loss, g = self._loss(closure)
                    ls_evals = 1
            state["t"] = t
            evals += ls_evals
            state["func_evals"] += ls_evals
            if (
                n_iter == group["max_iter"]
                or evals >= group["max_eval"]
                or np.abs(g).max() <= group["tolerance_grad"]
                or np.abs(d * t).max() <= tol
                or abs(loss - prev_loss) < tol
            ):
                break
        return orig_loss
