"""Numeric gradient check: compare backprop with central differences, in float64.

Backprop costs one backward pass; central differences cost two forward passes *per input
element* (quadratic in network size, the tutorials' point), so we use them only to check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .function import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message names the worst element."""


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
) -> bool:
    """Check fn's backward against central differences for a random output weighting.

    Checks the vector-Jacobian product vᵀJ for a random v, which is what backward computes.
    Inputs that require grad must be float64. Raises GradcheckError with a report on mismatch.
    """
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad")
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64")

    def first(out: Any) -> Tensor:
        return out[0] if isinstance(out, (tuple, list)) else out

    out = first(fn(*inputs))
    v = np.random.default_rng(seed).standard_normal(out.shape)
    for i in checked:
        inputs[i].grad = None
    (out * Tensor(v)).sum().backward()
    worst = (0.0, None)
    for i in checked:
        t = inputs[i]
        analytic = np.zeros(t.shape) if t.grad is None else t.grad._array
        numeric = np.zeros(t.shape)
        flat = t._array.reshape(-1)  # a view: we nudge elements in place
        with no_grad():
            for k in range(flat.size):
                orig = flat[k]
                flat[k] = orig + eps
                fp = float((first(fn(*inputs))._array * v).sum())
                flat[k] = orig - eps
                fm = float((first(fn(*inputs))._array * v).sum())
                flat[k] = orig
                numeric.reshape(-1)[k] = (fp - fm) / (2 * eps)
        err = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
        if err.size and err.max() > worst[0]:
            k = int(err.argmax())
            worst = (
                float(err.max()),
                (i, np.unravel_index(k, t.shape), analytic.reshape(-1)[k], numeric.reshape(-1)[k]),
            )
    if worst[1] is not None:
        i, idx, a, n = worst[1]
        raise GradcheckError(
            f"gradcheck: input {i} element {tuple(int(j) for j in idx)}: backprop gives {a:.10g}, "
            f"central differences give {n:.10g} (|diff| {abs(a - n):.3g} > "
            f"atol {atol} + rtol {rtol} * |numeric|)"
        )
    return True
