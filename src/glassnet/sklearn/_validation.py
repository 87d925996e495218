"""Shared input handling for glassnet's scikit-learn estimators (scikit-learn's own helpers)."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length


def check_param(
    name: str,
    value: Any,
    *,
    options: tuple = (),
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    none: bool = False,
    closed: str = "both",
) -> None:
    """Raise scikit-learn's InvalidParameterError-style ValueError for a bad hyper-parameter."""
    if value is None and none:
        return
    if options:
        ok = any(value is o or (type(value) is type(o) and value == o) for o in options)
        if not ok:
            raise ValueError(
                f"The '{name}' parameter must be one of {list(options)}. Got {value!r} instead."
            )
        return
    kind = Integral if integer else Real
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ValueError(
            f"The '{name}' parameter must be {'an int' if integer else 'a float'}"
            f". Got {value!r} instead."
        )
    lo_bad = low is not None and (value < low or (value == low and closed in ("right", "neither")))
    hi_bad = high is not None and (
        value > high or (value == high and closed in ("left", "neither"))
    )
    if lo_bad or hi_bad:
        raise ValueError(
            f"The '{name}' parameter must be in the range [{low}, {high}] "
            f"({closed} closed). Got {value!r} instead."
        )


def class_labels(y: np.ndarray, what: str) -> np.ndarray:
    """The sorted classes of y; scikit-learn's errors for continuous targets or a single class."""
    check_classification_targets(y)
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"{what}: the number of classes has to be greater than one; got {len(classes)} class"
        )
    return classes


def sample_weights(sample_weight: Any, n_samples: int) -> np.ndarray:
    """Per-sample weights as float64 (ones when None), checked for shape and finiteness."""
    if sample_weight is None:
        return np.ones(n_samples)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        return np.full(n_samples, float(sw))
    if sw.ndim != 1:
        raise ValueError(f"Sample weights must be 1D array or scalar, got shape {sw.shape}")
    check_consistent_length(sw, np.empty(n_samples))
    if not np.isfinite(sw).all():
        raise ValueError("Input sample_weight contains NaN or infinity.")
    if (sw < 0).any():
        raise ValueError("Negative values in data passed to `sample_weight`")
    if not sw.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return sw
