"""Gradient clipping: keep one bad batch from throwing the weights far away."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..autograd import Tensor


def _grads(parameters: Iterable[Tensor] | Tensor) -> list:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so their joint norm is at most max_norm; returns the norm."""
    grads = _grads(parameters)
    if not grads:
        return Tensor(np.float32(0.0))
    if norm_type == float("inf"):
        total = max(float(np.abs(g._array).max()) for g in grads)
    else:
        total = float(
            sum(float((np.abs(g._array) ** norm_type).sum()) for g in grads) ** (1.0 / norm_type)
        )
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total gradient norm is {total}")
    coef = max_norm / (total + 1e-6)
    if coef < 1:
        for g in grads:
            g._array *= g._array.dtype.type(coef)
    return Tensor(np.asarray(total, grads[0].dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element into [−clip_value, clip_value], in place."""
    for g in _grads(parameters):
        np.clip(g._array, -clip_value, clip_value, out=g._array)
