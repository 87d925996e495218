"""L1 and L2 penalties: the one place glassnet adds λ₁·Σ|w| + λ₂·Σw² to a loss.

Plain L2 on every parameter is the optimizer's `weight_decay` (PyTorch's rule, g ← g + λw).
Where a front end's semantics put the penalty in the loss (Keras' `l1`/`l2`, scikit-learn's
`alpha`, TF Playground's regularization rate), it adds `penalty(...)` to the loss, so the
gradient of the penalty flows through autograd like any other term and can be inspected.
"""

from __future__ import annotations

from ..autograd import Tensor
from .module import Module


def weight_matrices(module: Module) -> list[Tensor]:
    """The parameters that penalties apply to: weights with ≥ 2 dims (not biases or norms)."""
    return [p for p in module.parameters() if p.ndim >= 2]


def penalty(module: Module, l1: float = 0.0, l2: float = 0.0) -> Tensor | None:
    """λ₁·Σ|w| + λ₂·Σw² over `weight_matrices(module)`, or None when both rates are 0."""
    if l1 < 0 or l2 < 0:
        raise ValueError(f"penalty: l1={l1} and l2={l2} must be >= 0")
    total: Tensor | None = None
    for w in weight_matrices(module):
        # d/dw: λ₁·sign(w) + 2λ₂·w
        term = None
        if l2:
            term = (w * w).sum() * l2
        if l1:
            a = w.abs().sum() * l1
            term = a if term is None else term + a
        if term is not None:
            total = term if total is None else total + term
    return total
