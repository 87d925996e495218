"""scikit-learn's SGD and Adam update rules as glassnet optimizers.

scikit-learn's MLP solvers write the same methods as PyTorch's in another form. The forms agree
while the hyper-parameters stay fixed and differ when a schedule changes the learning rate
(SGD) or where √v is close to ε (Adam), so the estimators use these two subclasses: a schedule
then only sets `param_groups[i]["lr"]`, as with any glassnet optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .. import optim


class SklearnSGD(optim.SGD):
    """SGD with scikit-learn's velocity, so that a learning-rate schedule only sets the lr.

    PyTorch's SGD keeps b ← μb + g and steps −γ·b: its velocity −γ·b is rescaled at once when γ
    changes. scikit-learn's velocity keeps the steps taken with the old γ. On each `step()`::

        input: γ (lr), μ (momentum), nesterov
        init:  v ← 0
        v ← μ·v − γ·g
        w ← w + μ·v − γ·g  if nesterov, else  w ← w + v

    v is kept as ``state["velocity"]`` (none while μ = 0: then w ← w − γ·g).
    """

    def __init__(
        self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0, nesterov: bool = False
    ) -> None:
        # scikit-learn allows nesterovs_momentum with momentum 0: it is then plain SGD
        super().__init__(params, lr=lr, momentum=momentum, nesterov=nesterov and momentum > 0)

    def _update(self, p, g, state, group):
        lr, mu = group["lr"], group["momentum"]
        step = np.multiply(g, lr, out=self._buffer(p))  # lr·g
        if not mu:
            p._array -= step
            return
        v = state.get("velocity")
        if v is None:
            v = state["velocity"] = np.zeros_like(p._array)
        v *= mu
        v -= step  # v ← μv − lr·g
        if group["nesterov"]:
            step *= -1
            step += mu * v  # the look-ahead step μv − lr·g with the new v
            p._array += step
        else:
            p._array += v


class SklearnAdam(optim.Adam):
    """Adam in scikit-learn's form: both bias corrections in the step size, ε added to √v.

    PyTorch's Adam divides by √(v/(1 − β₂ᵗ)) + ε, which is this rule with ε/√(1 − β₂ᵗ) for ε:
    the two differ wherever √v is not large against ε (early steps, small gradients). On
    each `step()`, t = 1, 2, ...::

        input: γ (lr), β₁, β₂ (betas), ε (eps)
        init:  m ← 0, v ← 0
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        w ← w − γ·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)

    m, v are kept as ``state["exp_avg"]``, ``state["exp_avg_sq"]``, as in `optim.Adam`.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps)

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        t, (b1, b2) = state["step"], group["betas"]
        m, v, tmp = state["exp_avg"], state["exp_avg_sq"], self._buffer(p)
        m *= b1
        m += np.multiply(g, 1 - b1, out=tmp)  # m ← β₁m + (1−β₁)g
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp  # v ← β₂v + (1−β₂)g²
        lr_t = group["lr"] * math.sqrt(1 - b2**t) / (1 - b1**t)
        np.sqrt(v, out=tmp)
        tmp += group["eps"]
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        p._array -= tmp
