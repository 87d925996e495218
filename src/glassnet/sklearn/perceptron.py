"""`Perceptron`: scikit-learn's estimator (SGD on the perceptron loss), reproduced in NumPy.

scikit-learn's Perceptron is plain SGD, one sample at a time, on the hinge loss with threshold 0
(max(0, −y·p) with y = ±1), constant learning rate eta0 and no averaging. A sample that is not
strictly on its side (y·p <= 0) moves the weights by eta0·y·x and the intercept by eta0·y: the
perceptron rule. An epoch ends with the stopping rule: if the mean objective does not fall by
more than tol for n_iter_no_change epochs in a row (or the validation accuracy does not rise,
with early_stopping), training stops. More than two classes are learned one-vs-all.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedShuffleSplit
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_is_fitted, validate_data

from ._validation import check_param, class_labels, sample_weights

_MAX_INT = np.iinfo(np.int32).max


class Perceptron(ClassifierMixin, BaseEstimator):
    """Linear perceptron classifier with scikit-learn's parameters, defaults and results.

    `n_jobs` is accepted for compatibility; the one-vs-all problems run one after another.
    With shuffle=True the epochs visit samples in a different (seeded) order than
    scikit-learn's Cython shuffler, so weights differ while accuracy is comparable.
    """

    def __init__(
        self,
        *,
        penalty: str | None = None,
        alpha: float = 0.0001,
        l1_ratio: float = 0.15,
        fit_intercept: bool = True,
        max_iter: int = 1000,
        tol: float | None = 1e-3,
        shuffle: bool = True,
        verbose: int = 0,
        eta0: float = 1.0,
        n_jobs: int | None = None,
        random_state: Any = 0,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 5,
        class_weight: Any = None,
        warm_start: bool = False,
    ) -> None:
        self.penalty, self.alpha, self.l1_ratio = penalty, alpha, l1_ratio
        self.fit_intercept, self.max_iter, self.tol = fit_intercept, max_iter, tol
        self.shuffle, self.verbose, self.eta0, self.n_jobs = shuffle, verbose, eta0, n_jobs
        self.random_state, self.early_stopping = random_state, early_stopping
        self.validation_fraction, self.n_iter_no_change = validation_fraction, n_iter_no_change
        self.class_weight, self.warm_start = class_weight, warm_start

    _expected_failed_checks = {
        "check_sample_weight_equivalence_on_dense_data": (
            "SGD visits a sample once per epoch whatever its weight: a weight of 2 takes one "
            "step of 2·eta0, repeating the sample takes two steps that each test the margin "
            "(scikit-learn's own Perceptron fails this check for the same reason)."
        ),
    }

    # ----- parameters -------------------------------------------------------------------
    def _check_params(self) -> None:
        check_param("penalty", self.penalty, options=("l2", "l1", "elasticnet"), none=True)
        check_param("alpha", self.alpha, low=0)
        check_param("l1_ratio", self.l1_ratio, low=0, high=1)
        check_param("max_iter", self.max_iter, low=1, integer=True)
        check_param("tol", self.tol, low=0, none=True)
        check_param("eta0", self.eta0, low=0, closed="right")
        check_param(
            "validation_fraction", self.validation_fraction, low=0, high=1, closed="neither"
        )
        check_param("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)
        if not (
            self.class_weight is None
            or self.class_weight == "balanced"
            or isinstance(self.class_weight, dict)
        ):
            raise ValueError(
                "The 'class_weight' parameter must be a dict, 'balanced' or None. "
                f"Got {self.class_weight!r} instead."
            )

    def _l1_ratio(self) -> float:
        return {None: 0.0, "l2": 0.0, "l1": 1.0}.get(self.penalty, self.l1_ratio)

    # ----- fitting ----------------------------------------------------------------------
    def fit(
        self,
        X: Any,
        y: Any,
        coef_init: Any = None,
        intercept_init: Any = None,
        sample_weight: Any = None,
    ) -> Perceptron:
        """Fit by SGD for up to max_iter epochs; stops early by the tol/n_iter_no_change rule."""
        self._check_params()
        if self.warm_start and hasattr(self, "coef_"):
            coef_init = self.coef_ if coef_init is None else coef_init
            intercept_init = self.intercept_ if intercept_init is None else intercept_init
        X, y = validate_data(self, X, y, dtype=np.float64, order="C")
        self.classes_ = class_labels(y, "Perceptron")
        self.t_ = 1.0
        self._fit(X, y, sample_weight, coef_init, intercept_init, self.max_iter, True)
        tol_on = self.tol is not None and self.tol > -np.inf
        if tol_on and self.n_iter_ == self.max_iter:
            warnings.warn(
                "Maximum number of iteration reached before convergence. Consider "
                "increasing max_iter to improve the fit.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return self

    def partial_fit(
        self, X: Any, y: Any, classes: Any = None, sample_weight: Any = None
    ) -> Perceptron:
        """One epoch of SGD on (X, y); `classes` is required on the first call."""
        self._check_params()
        first = not hasattr(self, "classes_")
        X, y = validate_data(self, X, y, dtype=np.float64, order="C", reset=first)
        if first:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            self.classes_ = np.unique(classes)
            self.t_ = 1.0
        elif classes is not None and not np.array_equal(self.classes_, np.unique(classes)):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not in classes {self.classes_.tolist()}"
            )
        coef = None if first else self.coef_
        intercept = None if first else self.intercept_
        self._fit(X, y, sample_weight, coef, intercept, 1, False)
        return self

    def _fit(self, X, y, sample_weight, coef_init, intercept_init, max_iter, stopping):
        n_classes, n_features = len(self.classes_), X.shape[1]
        n_rows = 1 if n_classes == 2 else n_classes
        coef = np.zeros((n_rows, n_features))
        intercept = np.zeros(n_rows)
        if coef_init is not None:
            coef_init = np.asarray(coef_init, dtype=np.float64).reshape(n_rows, -1)
            if coef_init.shape != coef.shape:
                raise ValueError(
                    f"Provided coef_init has shape {coef_init.shape}, expected {coef.shape}"
                )
            coef[...] = coef_init
        if intercept_init is not None:
            intercept[...] = np.asarray(intercept_init, dtype=np.float64).reshape(n_rows)
        sw = sample_weights(sample_weight, X.shape[0])
        cw = (
            compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            if self.class_weight is not None
            else np.ones(n_classes)
        )
        val_mask = self._validation_mask(y, sw) if stopping else np.zeros(len(y), bool)
        rng = check_random_state(self.random_state)
        seeds = rng.randint(_MAX_INT, size=n_rows)
        n_iter = 0
        for k in range(n_rows):
            pos = 1 if n_rows == 1 else k
            y_k = np.where(y == self.classes_[pos], 1.0, -1.0)
            w_pos, w_neg = (cw[1], cw[0]) if n_rows == 1 else (cw[k], 1.0)
            coef[k], intercept[k], it = self._sgd(
                X,
                y_k,
                coef[k],
                intercept[k],
                w_pos,
                w_neg,
                sw,
                val_mask,
                seeds[k],
                max_iter,
                stopping,
            )
            n_iter = max(n_iter, it)
        self.coef_, self.intercept_, self.n_iter_ = coef, intercept, n_iter
        self.t_ += n_iter * X.shape[0]

    def _validation_mask(self, y: np.ndarray, sw: np.ndarray) -> np.ndarray:
        mask = np.zeros(len(y), dtype=bool)
        if not self.early_stopping:
            return mask
        cv = StratifiedShuffleSplit(
            test_size=self.validation_fraction, random_state=self.random_state
        )
        idx_train, idx_val = next(cv.split(np.zeros((len(y), 1)), y))
        if not (sw[idx_val] > 0).any():
            raise ValueError(
                "The sample weights for validation set are all zero, consider "
                "using a different random state."
            )
        mask[idx_val] = True
        return mask

    def _sgd(self, X, y, w, b, w_pos, w_neg, sw, val_mask, seed, max_iter, stopping):
        """Plain SGD for one binary problem (y = ±1); returns weights, intercept, epochs run.

        The weights are kept as v·s (vector times scale) so that an L2 step is one multiply of
        s, and the objective's norms are updated as they change: this is scikit-learn's
        bookkeeping, kept so that results agree to the last bits, not just approximately.
        """
        v, s, b = w.copy(), 1.0, float(b)
        sq_norm, l1_norm = float(v @ v), float(np.abs(v).sum())
        eta, alpha, l1r = float(self.eta0), float(self.alpha), self._l1_ratio()
        l2, l1 = self.penalty in ("l2", "elasticnet"), self.penalty in ("l1", "elasticnet")
        decay = max(0.0, 1.0 - (1.0 - l1r) * eta * alpha)
        tol = self.tol if (stopping and self.tol is not None) else -np.inf
        u, q = 0.0, np.zeros_like(v)
        rng = np.random.RandomState(seed)
        weights = np.where(y > 0, w_pos, w_neg) * sw
        train_count = int(len(y) - val_mask.sum())
        early = self.early_stopping and stopping
        best_obj, best_score, no_improvement = np.inf, -np.inf, 0
        for epoch in range(max_iter):
            order = rng.permutation(len(y)) if self.shuffle else range(len(y))
            objective = 0.0
            for i in order:
                if val_mask[i]:
                    continue
                x, yi = X[i], y[i]
                z = yi * (float(x @ v) * s + b)
                if not early:
                    objective += -z if z <= 0 else 0.0
                    if self.penalty is not None:
                        objective += alpha * ((1 - l1r) * 0.5 * sq_norm + l1r * l1_norm)
                update = eta * yi * weights[i] if z <= 0 else 0.0  # −η·∂loss/∂p, ∂loss/∂p = −y
                if l2:
                    s *= decay
                    sq_norm *= decay * decay
                    l1_norm *= decay
                    if s < 1e-9:
                        v, s = v * s, 1.0
                if update != 0.0:
                    v += x * (update / s)
                    sq_norm, l1_norm = float(v @ v) * s * s, float(np.abs(v).sum()) * s
                    if self.fit_intercept:
                        b += update
                if l1:  # truncated gradient (Tsuruoka et al., 2009) with cumulative penalty u
                    u += l1r * eta * alpha
                    old = v.copy()
                    v = np.where(
                        v * s > 0,
                        np.maximum(0.0, v - (u + q) / s),
                        np.where(v * s < 0, np.minimum(0.0, v + (u - q) / s), v),
                    )
                    q += s * (v - old)
            if not (np.isfinite(b) and np.isfinite(v).all()):
                raise ValueError(
                    f"Floating-point under-/overflow occurred at epoch #{epoch + 1}."
                    " Scaling input data with StandardScaler or MinMaxScaler might "
                    "help."
                )
            if early:
                hits = np.where(X[val_mask] @ v * s + b > 0, 1.0, -1.0) == y[val_mask]
                score = float(np.average(hits, weights=sw[val_mask]))
                no_improvement = no_improvement + 1 if score < best_score + tol else 0
                best_score = max(best_score, score)
            else:
                mean_obj = objective / max(train_count, 1)
                no_improvement = no_improvement + 1 if mean_obj > best_obj - tol else 0
                best_obj = min(best_obj, mean_obj)
            if self.verbose:
                print(
                    f"-- Epoch {epoch + 1}: norm {np.sqrt(sq_norm):.2f}, bias {b:.6f}, "
                    f"avg. objective {objective / max(train_count, 1):f}"
                )
            if no_improvement >= self.n_iter_no_change:
                break
        return v * s, b, epoch + 1

    # ----- prediction -------------------------------------------------------------------
    def decision_function(self, X: Any) -> np.ndarray:
        """Signed distance-like scores X·coefᵀ + intercept; (n,) for two classes."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        scores = X @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X: Any) -> np.ndarray:
        """The class of each row: the sign of decision_function (its argmax for 3+ classes)."""
        scores = self.decision_function(X)
        idx = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]
