"""Classification and regression metrics with scikit-learn's names and formulas.

Functions take true and predicted values (labels for classification); the `Metric` classes
accumulate them batch by batch for `Model.fit`, where predictions are the network's outputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd import Tensor


def _arr(a: Any) -> np.ndarray:
    return np.asarray(a._array if isinstance(a, Tensor) else a)


def _pair(name: str, y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray]:
    t, p = _arr(y_true), _arr(y_pred)
    if len(t) != len(p):
        raise ValueError(
            f"{name}: y_true has {len(t)} samples (shape {t.shape}), y_pred has "
            f"{len(p)} (shape {p.shape})"
        )
    if len(t) == 0:
        raise ValueError(f"{name}: got empty inputs")
    return t, p


def accuracy_score(y_true: Any, y_pred: Any) -> float:
    """Fraction of labels predicted exactly."""
    t, p = _pair("accuracy_score", y_true, y_pred)
    return float(np.mean(t.reshape(len(t), -1) == p.reshape(len(p), -1)))


def confusion_matrix(y_true: Any, y_pred: Any, labels: Any = None) -> np.ndarray:
    """C[i, j] = number of samples of true class i predicted as class j."""
    t, p = _pair("confusion_matrix", y_true, y_pred)
    labels = np.unique(np.concatenate([t, p])) if labels is None else np.asarray(labels)
    ti, pi = np.searchsorted(labels, t), np.searchsorted(labels, p)
    ok = (ti < len(labels)) & (pi < len(labels))
    ok[ok] &= (labels[ti[ok]] == t[ok]) & (labels[pi[ok]] == p[ok])
    out = np.zeros((len(labels), len(labels)), np.int64)
    np.add.at(out, (ti[ok], pi[ok]), 1)
    return out


def _prf(
    name: str, y_true: Any, y_pred: Any, average: str | None, pos_label: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-class (or pooled, for micro/binary) true positives, predicted and actual counts."""
    if average not in ("binary", "micro", "macro", "weighted", None):
        raise ValueError(
            f"{name}: average must be 'binary', 'micro', 'macro', 'weighted' or "
            f"None, got {average!r}"
        )
    t, p = _pair(name, y_true, y_pred)
    labels = np.unique(np.concatenate([t, p]))
    cm = confusion_matrix(t, p, labels)
    tp, pred, true = np.diag(cm), cm.sum(0), cm.sum(1)
    if average == "binary":
        if len(labels) > 2:
            raise ValueError(
                f"{name}: average='binary' needs 2 classes, got {len(labels)}; "
                "use average='macro' or 'micro'"
            )
        k = np.flatnonzero(labels == pos_label)
        return (tp[k], pred[k], true[k]) if len(k) else (np.zeros(1), np.zeros(1), np.zeros(1))
    if average == "micro":
        return tp.sum(keepdims=True), pred.sum(keepdims=True), true.sum(keepdims=True)
    return tp, pred, true


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(len(a)), where=b > 0)  # 0/0 -> 0, scikit-learn's default


def _average(scores: np.ndarray, true: np.ndarray, average: str | None) -> Any:
    if average is None:
        return scores
    if average == "weighted":
        return float(np.average(scores, weights=true)) if true.sum() else 0.0
    return float(scores.mean())


def precision_score(
    y_true: Any, y_pred: Any, average: str | None = "binary", pos_label: Any = 1
) -> Any:
    """tp / (tp + fp): of the samples predicted as a class, the fraction that are."""
    tp, pred, true = _prf("precision_score", y_true, y_pred, average, pos_label)
    return _average(_ratio(tp, pred), true, average)


def recall_score(
    y_true: Any, y_pred: Any, average: str | None = "binary", pos_label: Any = 1
) -> Any:
    """tp / (tp + fn): of the samples of a class, the fraction found."""
    tp, pred, true = _prf("recall_score", y_true, y_pred, average, pos_label)
    return _average(_ratio(tp, true), true, average)


def f1_score(y_true: Any, y_pred: Any, average: str | None = "binary", pos_label: Any = 1) -> Any:
    """Harmonic mean of precision and recall: 2·tp / (2·tp + fp + fn)."""
    tp, pred, true = _prf("f1_score", y_true, y_pred, average, pos_label)
    return _average(_ratio(2 * tp, pred + true), true, average)


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """mean((y − ŷ)²)."""
    t, p = _pair("mean_squared_error", y_true, y_pred)
    return float(np.mean((t.astype(np.float64) - p) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """mean(|y − ŷ|)."""
    t, p = _pair("mean_absolute_error", y_true, y_pred)
    return float(np.mean(np.abs(t.astype(np.float64) - p)))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """1 − SS_res / SS_tot, averaged over outputs (1.0 for a perfect fit)."""
    t, p = _pair("r2_score", y_true, y_pred)
    t, p = t.astype(np.float64).reshape(len(t), -1), p.astype(np.float64).reshape(len(p), -1)
    res = ((t - p) ** 2).sum(0)
    tot = ((t - t.mean(0)) ** 2).sum(0)
    score = np.where(tot > 0, 1 - res / np.where(tot > 0, tot, 1), np.where(res == 0, 1.0, 0.0))
    return float(score.mean())


# ----- streaming metrics for fit --------------------------------------------------------------
def predicted_labels(output: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Class labels from network outputs: argmax of (n, C) scores, or a threshold on (n,)/(n, 1)."""
    if output.ndim == 2 and output.shape[1] > 1:
        return output.argmax(1)
    return (output.reshape(len(output)) > threshold).astype(np.int64)


class Metric:
    """Accumulates a metric over batches: reset(), update(output, target), result()."""

    def __init__(self, name: str, fn: Any, labels: bool, threshold: float = 0.5) -> None:
        self.name, self.fn, self.labels, self.threshold = name, fn, labels, threshold
        self.reset()

    def reset(self) -> None:
        """Forget the batches seen so far; `Model` calls it before every epoch and evaluation."""
        self._out: list[np.ndarray] = []
        self._target: list[np.ndarray] = []

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        """Keep one batch's predictions (labels, for classification metrics) and targets."""
        out = (
            predicted_labels(output, self.threshold)
            if self.labels
            else output.reshape(target.shape)
            if output.size == target.size
            else output
        )
        self._out.append(out)
        self._target.append(target.reshape(len(target)) if self.labels else target)

    def result(self) -> float:
        """The metric over every batch since `reset`, computed on them all at once
        (exact for f1 or r2, which a mean of per-batch values is not).
        """
        return float(self.fn(np.concatenate(self._target), np.concatenate(self._out)))


class Accuracy(Metric):
    """Running accuracy kept as two counters (cheap enough to show after every batch)."""

    def __init__(self, threshold: float = 0.5) -> None:
        super().__init__("accuracy", accuracy_score, True, threshold)

    def reset(self) -> None:
        """Zero the correct and seen counters."""
        self.correct = self.count = 0

    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        """Count one batch's correct predictions and samples."""
        t = target.reshape(len(target))
        self.correct += int((predicted_labels(output, self.threshold) == t).sum())
        self.count += len(t)

    def result(self) -> float:
        """correct / seen so far (0.0 before any batch)."""
        return self.correct / self.count if self.count else 0.0


def _macro(fn: Any) -> Any:
    return lambda t, p: fn(t, p, average="macro")


_METRICS = {
    "accuracy": lambda th: Accuracy(th),
    "acc": lambda th: Accuracy(th),
    "precision": lambda th: Metric("precision", _macro(precision_score), True, th),
    "recall": lambda th: Metric("recall", _macro(recall_score), True, th),
    "f1": lambda th: Metric("f1", _macro(f1_score), True, th),
    "mse": lambda th: Metric("mse", mean_squared_error, False),
    "mae": lambda th: Metric("mae", mean_absolute_error, False),
    "r2": lambda th: Metric("r2", r2_score, False),
}


def get(name: str | Metric, threshold: float = 0.5) -> Metric:
    """A fresh streaming metric by name ('accuracy', 'precision', 'f1', 'mse', 'r2', ...)."""
    if isinstance(name, Metric):
        return name
    if name not in _METRICS:
        raise ValueError(f"unknown metric {name!r}; choose from {sorted(_METRICS)}")
    return _METRICS[name](threshold)
