"""Stochastic gradient descent, with momentum and Nesterov momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _check


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as PyTorch's `SGD`.

    Momentum averages past gradients so steps keep their direction through noisy or narrow
    valleys. For a parameter w with gradient g = ∇f(w), on each `step()`::

        input: γ (lr), μ (momentum), τ (dampening), λ (weight_decay), nesterov, maximize
        if maximize:  g ← −g
        if λ ≠ 0:     g ← g + λ·w                  (L2 penalty folded into the gradient)
        if μ ≠ 0:
            b ← g                    on the parameter's first step (no dampening yet)
            b ← μ·b + (1 − τ)·g      on later steps
            g ← g + μ·b  if nesterov, else  g ← b
        w ← w − γ·g

    b is kept as ``state["momentum_buffer"]``. Nesterov needs μ > 0 and τ = 0.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        _check("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(
            params,
            dict(
                lr=lr,
                momentum=momentum,
                dampening=dampening,
                weight_decay=weight_decay,
                nesterov=nesterov,
                maximize=maximize,
            ),
        )

    def _update(self, p, g, state, group):
        if group["maximize"]:
            g = -g
        if group["weight_decay"]:
            g = g + group["weight_decay"] * p._array
        mu = group["momentum"]
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = np.array(g, copy=True)
            else:
                buf *= mu
                buf += np.multiply(g, 1 - group["dampening"], out=self._buffer(p))
            g = g + mu * buf if group["nesterov"] else buf
        p._array -= np.multiply(g, group["lr"], out=self._buffer(p))
