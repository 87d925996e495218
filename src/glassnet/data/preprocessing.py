"""Feature scaling (`StandardScaler`, `MinMaxScaler`) and `one_hot`, scikit-learn's formulas."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Tensor


def _features(name: str, x: Any) -> np.ndarray:
    a = np.asarray(x._array if isinstance(x, Tensor) else x)
    if a.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2-D array (n_samples, n_features), got shape {a.shape}"
        )
    return a if a.dtype.kind == "f" else a.astype(np.float64)


class _Scaler:
    """fit / transform / fit_transform / inverse_transform; fitted state ends in `_`."""

    def fit(self, x: Any, y: Any = None) -> _Scaler:
        a = _features(type(self).__name__, x)
        self.n_features_in_ = a.shape[1]
        self._fit(a)
        return self

    def _checked(self, x: Any) -> np.ndarray:
        name = type(self).__name__
        if not hasattr(self, "n_features_in_"):
            raise RuntimeError(f"{name}: call fit before transform")
        a = _features(name, x)
        if a.shape[1] != self.n_features_in_:
            raise ValueError(
                f"{name}: fitted on {self.n_features_in_} features, got shape {a.shape}"
            )
        return a

    def fit_transform(self, x: Any, y: Any = None) -> np.ndarray:
        return self.fit(x).transform(x)

    def _fit(self, a: np.ndarray) -> None:
        raise NotImplementedError

    def transform(self, x: Any) -> np.ndarray:
        a = self._checked(x)
        return ((a - self._shift) / self._div).astype(a.dtype, copy=False)

    def inverse_transform(self, x: Any) -> np.ndarray:
        a = self._checked(x)
        return (a * self._div + self._shift).astype(a.dtype, copy=False)


def _safe(d: np.ndarray) -> np.ndarray:
    return np.where(d == 0, 1.0, d)  # constant features are left unscaled, as in scikit-learn


class StandardScaler(_Scaler):
    """z = (x − mean) / std per feature (population std, ddof=0)."""

    def __init__(self, with_mean: bool = True, with_std: bool = True) -> None:
        self.with_mean, self.with_std = with_mean, with_std

    def _fit(self, a: np.ndarray) -> None:
        self.mean_ = a.mean(axis=0, dtype=np.float64)
        self.var_ = a.var(axis=0, dtype=np.float64)
        self.scale_ = _safe(np.sqrt(self.var_))
        self._shift = self.mean_ if self.with_mean else 0.0
        self._div = self.scale_ if self.with_std else 1.0


class MinMaxScaler(_Scaler):
    """x' = (x − min) / (max − min) mapped onto feature_range."""

    def __init__(self, feature_range: tuple[float, float] = (0.0, 1.0)) -> None:
        if feature_range[0] >= feature_range[1]:
            raise ValueError(
                f"MinMaxScaler: feature_range {feature_range} must be (low, high) with low < high"
            )
        self.feature_range = feature_range

    def _fit(self, a: np.ndarray) -> None:
        lo, hi = self.feature_range
        self.data_min_ = a.min(axis=0).astype(np.float64)
        self.data_max_ = a.max(axis=0).astype(np.float64)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = (hi - lo) / _safe(self.data_range_)
        self.min_ = lo - self.data_min_ * self.scale_
        self._shift, self._div = -self.min_ / self.scale_, 1.0 / self.scale_


def one_hot(labels: Any, num_classes: int = -1, dtype: Any = np.float32) -> np.ndarray:
    """Class indices (n,) -> rows with a single 1: (n, num_classes)."""
    y = np.asarray(labels._array if isinstance(labels, Tensor) else labels)
    if y.dtype.kind not in "iu" or y.ndim != 1:
        raise ValueError(
            f"one_hot: labels must be a 1-D integer array, got shape {y.shape} dtype {y.dtype}"
        )
    if y.size and y.min() < 0:
        raise ValueError(f"one_hot: labels must be >= 0, got {y.min()}")
    n = int(y.max()) + 1 if num_classes < 0 else num_classes
    if y.size and y.max() >= n:
        raise ValueError(f"one_hot: label {y.max()} is out of range for num_classes={n}")
    out = np.zeros((len(y), n), dtype)
    out[np.arange(len(y)), y] = 1
    return out
