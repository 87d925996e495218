"""Where arrays come from: NumPy today, any NumPy-compatible module (CuPy) tomorrow.

Every op asks `get_array_module(x)` instead of importing numpy directly, so a GPU array
module plugs in without touching the ops.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any, cast

import numpy as np
from numpy.typing import DTypeLike

DEFAULT_DTYPE = np.float32
_default_dtype = np.dtype(DEFAULT_DTYPE)


def get_array_module(*arrays: object) -> ModuleType:
    """Return the array module (numpy or cupy) that owns the given arrays."""
    cupy = sys.modules.get("cupy")
    if cupy is not None:
        for a in arrays:
            if isinstance(a, cupy.ndarray):
                return cupy
    return np


def get_default_dtype() -> np.dtype:
    """The dtype of new floating tensors (float32 unless changed)."""
    return _default_dtype


def set_default_dtype(dtype: DTypeLike) -> None:
    """Set the dtype of new floating tensors, e.g. ``np.float64`` for gradient checks."""
    global _default_dtype
    d = np.dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {d}")
    _default_dtype = d


# One global generator, reseeded by manual_seed, used by randn/rand/init/dropout.
_rng = np.random.default_rng()


def default_generator() -> np.random.Generator:
    """The generator behind randn/rand, weight init and dropout masks."""
    return _rng


def manual_seed(seed: int) -> np.random.Generator:
    """Seed glassnet's random numbers (weights, dropout, shuffling) for reproducible runs."""
    global _rng
    _rng = np.random.default_rng(seed)
    return _rng


def get_rng_state() -> dict[str, Any]:
    """The generator state as a JSON-able dict (goes into checkpoints)."""
    return cast("dict[str, Any]", _rng.bit_generator.state)  # typed as a Mapping; it is a dict


def set_rng_state(state: dict) -> None:
    """Restore a state returned by `get_rng_state`."""
    _rng.bit_generator.state = state
