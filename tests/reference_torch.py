"""Helpers for the conformance tests: run the same computation in glassnet and PyTorch.

Tolerances are the issue's: 1e-6 relative in float64, 1e-4 in float32 (plus a matching
absolute floor scaled by the largest reference value, for elements that cancel to near zero).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import glassnet as gn
from conftest import require

torch = require("torch")

TOL = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}


def assert_close(actual: Any, expected: Any, dtype: Any, what: str = "") -> None:
    """Equal within the dtype's relative tolerance (absolute floor tol·max(1, |expected|))."""
    if isinstance(actual, gn.Tensor):
        actual = actual.detach().numpy()
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    tol = TOL[np.dtype(dtype)]
    scale = max(1.0, float(np.abs(expected).max())) if expected.size else 1.0
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol * scale * 0.1, err_msg=what)


def pair(
    arrays: Sequence[np.ndarray], requires_grad: bool = True
) -> tuple[list[gn.Tensor], list[Any]]:
    """The same arrays as glassnet tensors and as torch tensors (both requiring grad)."""
    ours = [
        gn.tensor(a.copy(), requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays
    ]
    ref = [
        torch.tensor(a.copy(), requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays
    ]
    return ours, ref


def compare(
    fn_ours: Callable[..., Any],
    fn_ref: Callable[..., Any],
    arrays: Sequence[np.ndarray],
    seed: int = 0,
    what: str = "",
) -> None:
    """Same outputs and the same input gradients for a random upstream gradient."""
    dtype = arrays[0].dtype
    ours, ref = pair(arrays)
    out, out_ref = fn_ours(*ours), fn_ref(*ref)
    ref_dtype = out_ref.detach().numpy().dtype
    assert out.dtype == ref_dtype, f"{what}: output dtype {out.dtype}, PyTorch's {ref_dtype}"
    assert_close(out, out_ref, dtype, f"{what} output")
    v = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
    (out * gn.tensor(v)).sum().backward()
    (out_ref * torch.from_numpy(v)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, ref)):
        if b.grad is None:
            continue
        assert a.grad is not None, f"{what}: input {i} got no gradient"
        assert a.grad.dtype == dtype, f"{what}: grad {i} dtype {a.grad.dtype}, input {dtype}"
        assert_close(a.grad, b.grad, dtype, f"{what} grad of input {i}")


def randn(rng: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    return np.asarray(rng.standard_normal(shape), dtype)


def positive(rng: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    return np.asarray(rng.uniform(0.5, 2.0, shape), dtype)


def away_from_zero(rng: np.random.Generator, shape: tuple, dtype: Any) -> np.ndarray:
    """Values with |x| >= 0.1, for ops with a kink at 0 (abs, relu, step)."""
    x = rng.uniform(0.1, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    return np.asarray(x, dtype)
