"""L1 and L2 penalties: the one place glassnet adds λ₁·Σ|w| + λ₂·Σw² to a loss.

Plain L2 on every parameter is the optimizer's `weight_decay` (PyTorch's rule, g ← g + λw).
Where a front end's semantics put the penalty in the loss (Keras' `l1`/`l2`, scikit-learn's
`alpha`, TF Playground's regularization rate), it adds `penalty(...)` to the loss, so the
gradient of the penalty flows through autograd like any other term and can be inspected.
"""

from __future__ import annotations

from ..autograd import Op, Tensor, is_fused
from ..autograd.backend import get_array_module
from .module import Module


def weight_matrices(module: Module) -> list[Tensor]:
    """The parameters that penalties apply to: weights with ≥ 2 dims (not biases or norms)."""
    return [p for p in module.parameters() if p.ndim >= 2]


class Penalty(Op):
    """λ₁·Σ|w| + λ₂·Σw² over any number of weight arrays, as one graph node (the fast path)."""

    @staticmethod
    def forward(ctx, *ws, l1=0.0, l2=0.0):
        ctx.save_for_backward(*ws)
        ctx.l1, ctx.l2 = l1, l2
        xp = get_array_module(*ws)
        total = 0.0
        for w in ws:  # a rate of 0 costs nothing (the common L2-only case)
            term = l2 * (w * w).sum() if l2 else 0.0
            if l1:
                term = l1 * xp.abs(w).sum() + term
            total += float(term)
        return xp.asarray(total, dtype=ws[0].dtype)

    @staticmethod
    def backward(ctx, g):  # gw = g·(λ₁·sign(w) + 2λ₂·w)
        xp = get_array_module(g)
        l1, l2 = ctx.l1, ctx.l2
        grads = []
        for w in ctx.saved_tensors:
            d = (2 * l2) * w if l2 or not l1 else None
            if l1:
                d = l1 * xp.sign(w) if d is None else l1 * xp.sign(w) + d
            grads.append(g * d)
        return tuple(grads)


def penalty_simple(weights: list[Tensor], l1: float = 0.0, l2: float = 0.0) -> Tensor | None:
    """The twin of `Penalty`: composed from abs, mul and sum, the same value and gradient."""
    total: Tensor | None = None
    for w in weights:
        term = (w * w).sum() * l2 + w.abs().sum() * l1
        total = term if total is None else total + term
    return total


def penalty(module: Module, l1: float = 0.0, l2: float = 0.0) -> Tensor | None:
    """λ₁·Σ|w| + λ₂·Σw² over `weight_matrices(module)`, or None when both rates are 0."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"penalty: l1={l1} and l2={l2} must be >= 0")
    weights = weight_matrices(module)
    if not (l1 or l2) or not weights:
        return None
    if not is_fused():
        return penalty_simple(weights, l1, l2)
    return Penalty.apply(*weights, l1=float(l1), l2=float(l2))
