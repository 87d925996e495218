"""Adaptive learning-rate optimizers: Adagrad, RMSprop, Adadelta, Adam, AdamW.

Each keeps running statistics of the gradient per parameter and scales the step by them, so
parameters with rarely large gradients still move (the tutorials' "adaptive learning rate").
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _check


def _decay(p, g, group):
    return g + group["weight_decay"] * p._array if group["weight_decay"] else g


class Adagrad(Optimizer):
    """Adagrad: divide each step by the root of the sum of all past squared gradients.

    Parameters whose gradients have been small (rare features) keep larger steps; the sum only
    grows, so every step size shrinks over time. For a parameter w with gradient g = ∇f(w)::

        input: γ (lr), η (lr_decay), λ (weight_decay), s₀ (initial_accumulator_value), ε (eps)
        init:  s ← s₀ (everywhere), t ← 0
        t ← t + 1
        if λ ≠ 0:  g ← g + λ·w
        γₜ ← γ / (1 + (t − 1)·η)
        s ← s + g²
        w ← w − γₜ · g / (√s + ε)

    s is kept as ``state["sum"]``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        _check("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps)
        super().__init__(
            params,
            dict(
                lr=lr,
                lr_decay=lr_decay,
                weight_decay=weight_decay,
                initial_accumulator_value=initial_accumulator_value,
                eps=eps,
            ),
        )

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(p._array, group["initial_accumulator_value"])
        state["step"] += 1
        g = _decay(p, g, group)
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        s, tmp = state["sum"], self._buffer(p)
        s += np.multiply(g, g, out=tmp)
        np.sqrt(s, out=tmp)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)  # g / (√sum + ε)
        tmp *= clr
        p._array -= tmp


class RMSprop(Optimizer):
    """RMSprop: divide by the root of a running mean of squared gradients (optionally centred).

    Unlike Adagrad's sum, the exponential average forgets old gradients, so step sizes do not
    decay to zero. For a parameter w with gradient g = ∇f(w)::

        input: γ (lr), α (alpha), ε (eps), λ (weight_decay), μ (momentum), centered
        init:  v ← 0, ḡ ← 0, b ← 0
        if λ ≠ 0:  g ← g + λ·w
        v ← α·v + (1 − α)·g²
        if centered:  ḡ ← α·ḡ + (1 − α)·g;  d ← √(v − ḡ²) + ε    (variance, not raw 2nd moment)
        else:         d ← √v + ε
        if μ ≠ 0:  b ← μ·b + g/d;  w ← w − γ·b
        else:      w ← w − γ·g/d

    v, ḡ, b are kept as ``state["square_avg"]``, ``["grad_avg"]``, ``["momentum_buffer"]``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        _check("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        super().__init__(
            params,
            dict(
                lr=lr,
                alpha=alpha,
                eps=eps,
                weight_decay=weight_decay,
                momentum=momentum,
                centered=centered,
            ),
        )

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
            if group["momentum"]:
                state["momentum_buffer"] = np.zeros_like(p._array)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p._array)
        state["step"] += 1
        g = _decay(p, g, group)
        a = group["alpha"]
        sq = state["square_avg"]
        sq *= a
        sq += (1 - a) * g * g
        if group["centered"]:
            ga = state["grad_avg"]
            ga *= a
            ga += (1 - a) * g
            avg = np.sqrt(sq - ga * ga) + group["eps"]
        else:
            avg = np.sqrt(sq) + group["eps"]
        if group["momentum"]:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p._array -= group["lr"] * buf
        else:
            p._array -= group["lr"] * g / avg


class Adadelta(Optimizer):
    """Adadelta: step size from the ratio of running RMS of updates to running RMS of gradients.

    The ratio gives the update the units of w, so it needs little lr tuning (lr = 1 is
    Zeiler's original rule). For a parameter w with gradient g = ∇f(w)::

        input: γ (lr), ρ (rho), ε (eps), λ (weight_decay)
        init:  v ← 0, u ← 0
        if λ ≠ 0:  g ← g + λ·w
        v ← ρ·v + (1 − ρ)·g²
        Δ ← √(u + ε) / √(v + ε) · g
        u ← ρ·u + (1 − ρ)·Δ²
        w ← w − γ·Δ

    v and u are kept as ``state["square_avg"]`` and ``state["acc_delta"]``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ) -> None:
        _check("Adadelta", lr=lr, rho=rho, eps=eps, weight_decay=weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay))

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p._array)
            state["acc_delta"] = np.zeros_like(p._array)
        state["step"] += 1
        g = _decay(p, g, group)
        rho, eps = group["rho"], group["eps"]
        sq, acc = state["square_avg"], state["acc_delta"]
        sq *= rho
        sq += (1 - rho) * g * g
        delta = np.sqrt(acc + eps) / np.sqrt(sq + eps) * g
        acc *= rho
        acc += (1 - rho) * delta * delta
        p._array -= group["lr"] * delta


class Adam(Optimizer):
    """Adam: momentum (first moment) divided by RMS (second moment), both bias-corrected.

    The bias correction undoes the zero start of both averages, so early steps are not too
    small. For a parameter w with gradient g = ∇f(w), step t = 1, 2, ...::

        input: γ (lr), β₁, β₂ (betas), ε (eps), λ (weight_decay), amsgrad, maximize
        init:  m ← 0, v ← 0, v_max ← 0
        if maximize:  g ← −g
        if λ ≠ 0:     g ← g + λ·w       (Adam; AdamW instead decays w directly, see there)
        m ← β₁·m + (1 − β₁)·g
        v ← β₂·v + (1 − β₂)·g²
        if amsgrad:  v_max ← max(v_max, v);  v̂ ← v_max    (the denominator never shrinks)
        else:        v̂ ← v
        w ← w − γ/(1 − β₁ᵗ) · m / (√(v̂ / (1 − β₂ᵗ)) + ε)

    m, v, v_max are kept as ``state["exp_avg"]``, ``["exp_avg_sq"]``, ``["max_exp_avg_sq"]``.
    """

    decoupled = False

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        _check(type(self).__name__, lr=lr, eps=eps, weight_decay=weight_decay)
        if not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"{type(self).__name__}: betas must be in [0, 1), got {betas}")
        super().__init__(
            params,
            dict(
                lr=lr,
                betas=tuple(betas),
                eps=eps,
                weight_decay=weight_decay,
                amsgrad=amsgrad,
                maximize=maximize,
            ),
        )

    def _update(self, p, g, state, group):
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p._array)
            state["exp_avg_sq"] = np.zeros_like(p._array)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p._array)
        state["step"] += 1
        t = state["step"]
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if wd and self.decoupled:
            p._array *= 1 - lr * wd
        elif wd:
            g = g + wd * p._array
        m, v, tmp = state["exp_avg"], state["exp_avg_sq"], self._buffer(p)
        m *= b1
        m += np.multiply(g, 1 - b1, out=tmp)
        v *= b2
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        v += tmp
        if group["amsgrad"]:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(bc2)
        tmp += eps  # √(v / bc2) + ε
        np.divide(m, tmp, out=tmp)
        tmp *= lr / bc1
        p._array -= tmp


class AdamW(Adam):
    """AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), default λ = 0.01.

    In Adam the L2 term λ·w is divided by √v̂ like the gradient, so weights with large
    gradients are barely decayed; AdamW shrinks w directly instead. The step is Adam's with::

        if λ ≠ 0:  w ← w·(1 − γ·λ)       before the moments, in place of g ← g + λ·w
        (then m, v, v̂ and the update exactly as in Adam, with the undecayed g)
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
