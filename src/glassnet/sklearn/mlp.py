"""`MLPClassifier`, `MLPRegressor` and `DNNClassifier`: scikit-learn estimators on glassnet.

Each estimator is a `glassnet.models.MLP` trained by `glassnet.train.Model.train_step`, one call
per mini-batch, and follows scikit-learn's MLP recipe: Glorot-uniform initialisation, the L2
penalty alpha/2·Σ‖W‖²/batch on the weights (not the biases) through `nn.penalty`, loss_curve_ of
epoch-mean losses, and the tol/n_iter_no_change stopping rule. The solvers are scikit-learn's
update rules as glassnet optimizers (`_optim.SklearnSGD`, `_optim.SklearnAdam`), so a
learning-rate schedule only sets the optimizer's lr. Fitted weights are exposed as
scikit-learn's `coefs_` (fan_in, fan_out) and `intercepts_`.
With the same random_state the initial weights, batch order and every update are scikit-learn's
(up to float32 rounding: training runs in float32, prediction in float64), so the loss curves
agree; `tests/test_sklearn_estimators.py` checks this for each solver and schedule.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .. import nn, optim
from ..autograd import Tensor, get_rng_state, set_rng_state
from ..models import MLP
from ..train import Model
from ._optim import SklearnAdam, SklearnSGD
from ._validation import check_param, class_labels

# scikit-learn's values for `activation`; the layers are nn.ACTIVATIONS' (via models.MLP)
ACTIVATION_NAMES = ("identity", "logistic", "tanh", "relu")


def _sigmoid_log_loss(out: Tensor, y: np.ndarray) -> Tensor:
    """scikit-learn's binary and multilabel log-loss: summed over outputs, mean over rows."""
    return nn.functional.binary_cross_entropy_with_logits(out, y, reduction="sum") * (
        1.0 / y.shape[0]
    )


def _half_squared_error(out: Tensor, y: np.ndarray) -> Tensor:
    """scikit-learn's squared loss: the mean of (y − ŷ)² over every entry, halved."""
    return nn.functional.mse_loss(out, y) * 0.5


def _set_lr(optimizer: optim.Optimizer, lr: float) -> None:
    """A new learning rate for every parameter group (the update rules carry no lr state)."""
    for group in optimizer.param_groups:
        group["lr"] = lr


class _BaseMLP(BaseEstimator):
    """Shared training loop; subclasses say how targets are encoded and what the loss is."""

    def __init__(
        self,
        hidden_layer_sizes: Any = (100,),
        activation: str = "relu",
        *,
        solver: str = "adam",
        alpha: float = 0.0001,
        batch_size: Any = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: Any = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes, self.activation, self.solver = (
            hidden_layer_sizes,
            activation,
            solver,
        )
        self.alpha, self.batch_size, self.learning_rate = alpha, batch_size, learning_rate
        self.learning_rate_init, self.power_t, self.max_iter = learning_rate_init, power_t, max_iter
        self.shuffle, self.random_state, self.tol = shuffle, random_state, tol
        self.verbose, self.warm_start, self.momentum = verbose, warm_start, momentum
        self.nesterovs_momentum, self.early_stopping = nesterovs_momentum, early_stopping
        self.validation_fraction, self.beta_1, self.beta_2 = validation_fraction, beta_1, beta_2
        self.epsilon, self.n_iter_no_change = epsilon, n_iter_no_change

    # ----- hooks for subclasses ---------------------------------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if np.isscalar(sizes) else list(sizes)
        if any(not isinstance(s, (int, np.integer)) or s <= 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must be > 0 integers, got {sizes}.")
        return [int(s) for s in sizes]

    def _dropout(self) -> float:
        return 0.0

    def _check_params(self) -> None:
        self._hidden_sizes()
        check_param("activation", self.activation, options=ACTIVATION_NAMES)
        if self.solver == "lbfgs":
            raise ValueError("solver='lbfgs' is not available in glassnet: use 'sgd' or 'adam'.")
        check_param("solver", self.solver, options=("sgd", "adam"))
        check_param("alpha", self.alpha, low=0)
        if self.batch_size != "auto":
            check_param("batch_size", self.batch_size, low=1, integer=True)
        check_param(
            "learning_rate", self.learning_rate, options=("constant", "invscaling", "adaptive")
        )
        check_param("learning_rate_init", self.learning_rate_init, low=0, closed="right")
        check_param("power_t", self.power_t, low=0)
        check_param("max_iter", self.max_iter, low=1, integer=True)
        check_param("tol", self.tol, low=0)
        check_param("momentum", self.momentum, low=0, high=1)
        check_param("validation_fraction", self.validation_fraction, low=0, high=1, closed="left")
        for name in ("beta_1", "beta_2"):
            check_param(name, getattr(self, name), low=0, high=1, closed="left")
        check_param("epsilon", self.epsilon, low=0, closed="right")
        check_param("n_iter_no_change", self.n_iter_no_change, low=1, integer=True)

    # ----- the network ------------------------------------------------------------------
    def _build(self, n_features: int, n_outputs: int, rng: np.random.RandomState) -> None:
        """Draw Glorot-uniform weights and biases into coefs_ / intercepts_ (scikit-learn's
        init, in its RandomState order); the MLP is filled from them."""
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        factor = 2.0 if self.activation == "logistic" else 6.0
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = np.sqrt(factor / (fan_in + fan_out))
            self.coefs_.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
            self.intercepts_.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
        self.n_layers_ = len(sizes)
        self.n_outputs_ = n_outputs
        self.out_activation_ = self._out_activation()
        self._model = self._trainer = self._predict_net = None

    def _mlp(self, dropout: float) -> MLP:
        """A `models.MLP` with coefs_' layer sizes (zero weights, filled by the caller).

        glassnet's global generator is left as it was: scikit-learn's random_state decides.
        """
        sizes = [self.coefs_[0].shape[0], *(w.shape[1] for w in self.coefs_)]
        state = get_rng_state()
        try:
            return MLP(sizes, activation=self.activation, dropout=dropout, init="zeros")
        finally:
            set_rng_state(state)

    def _network(self) -> MLP:
        """The float32 MLP holding coefs_ / intercepts_ (rebuilt if they were replaced)."""
        if self._model is not None:
            return self._model
        self._model = self._mlp(self._dropout())
        self._load_weights()
        self._trainer = None
        return self._model

    def _load_weights(self) -> None:
        """Copy coefs_ / intercepts_ into the training network."""
        for lin, w, b in zip(self._model.linears(), self.coefs_, self.intercepts_):
            lin.weight._array[...] = np.asarray(w).T
            lin.bias._array[...] = b

    def _make_optimizer(self, params: list[Tensor]) -> optim.Optimizer:
        if self.solver == "sgd":
            return SklearnSGD(
                params,
                lr=self.learning_rate_init,
                momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
            )
        return SklearnAdam(
            params, lr=self.learning_rate_init, betas=(self.beta_1, self.beta_2), eps=self.epsilon
        )

    def _training_model(self, fresh: bool, incremental: bool) -> Model:
        """The `train.Model` whose train_step runs each batch: a new optimizer for every fit,
        the same one across partial_fit calls (scikit-learn's rule)."""
        net = self._network()
        if not fresh:  # the user may have replaced coefs_ / intercepts_ since the last fit
            self._load_weights()
        if self._trainer is None or not incremental:
            self._trainer = Model(net).compile(
                optimizer=self._make_optimizer(list(net.parameters())), loss=self._loss_fn()
            )
        return self._trainer

    def _sync_out(self) -> None:
        """Copy the trained weights into coefs_ / intercepts_ (scikit-learn's layout)."""
        linears = self._model.linears()
        self.coefs_ = [lin.weight._array.T.copy() for lin in linears]
        self.intercepts_ = [lin.bias._array.copy() for lin in linears]
        if self._predict_net is None:
            self._predict_net = self._mlp(0.0).double()

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """Output-layer pre-activations: the MLP in float64 on coefs_, under no_grad.

        float64 so that rows give the same result in any order and batch.
        """
        net = self._predict_net
        if net is None or [lin.weight.shape[::-1] for lin in net.linears()] != [
            np.shape(w) for w in self.coefs_
        ]:
            net = self._mlp(0.0).double()  # coefs_ were given new shapes; not kept
        for lin, w, b in zip(net.linears(), self.coefs_, self.intercepts_):
            lin.weight._array = np.asarray(w, np.float64).T  # a view: x @ weight.T is X @ coef
            lin.bias._array = np.asarray(b, np.float64)
        return Model(net).predict(X, batch_size=max(len(X), 1))

    # ----- training ---------------------------------------------------------------------
    def _begin(self, X: np.ndarray, Y: np.ndarray, incremental: bool) -> bool:
        """Initialise (fresh fit) or check the shapes against the fitted network; True if
        fresh."""
        fresh = not hasattr(self, "coefs_") or (not self.warm_start and not incremental)
        if fresh:
            self._random_state = check_random_state(self.random_state)
            self._build(X.shape[1], Y.shape[1], self._random_state)
            self.loss_curve_, self.n_iter_, self.t_ = [], 0, 0
            self._no_improvement_count = 0
            self.best_loss_ = np.inf
            self.validation_scores_ = None
            self.best_validation_score_ = None
        elif self.coefs_[0].shape[0] != X.shape[1] or self.n_outputs_ != Y.shape[1]:
            raise ValueError(
                f"{type(self).__name__}: X has {X.shape[1]} features and y "
                f"{Y.shape[1]} outputs, the fitted network expects "
                f"{self.coefs_[0].shape[0]} and {self.n_outputs_}"
            )
        return fresh

    def _holdout(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, ...]:
        """scikit-learn's validation split for early stopping: X, X_val, Y, Y_val."""
        # scikit-learn stratifies only single-output classification (binary)
        stratify = Y if isinstance(self, ClassifierMixin) and Y.shape[1] == 1 else None
        parts = train_test_split(
            X,
            Y,
            random_state=self._random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        if self.validation_scores_ is None:
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
        return parts

    def _batch_size(self, n: int) -> int:
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. It is going"
                " to be clipped",
                stacklevel=4,
            )
        return min(self.batch_size, n)

    def _fit(self, X: np.ndarray, Y: np.ndarray, incremental: bool) -> _BaseMLP:
        fresh = self._begin(X, Y, incremental)
        trainer = self._training_model(fresh, incremental)
        early = self.early_stopping and not incremental
        X_val = Y_val = None
        if early:
            X, X_val, Y, Y_val = self._holdout(X, Y)
        self._best_params = None
        batch = self._batch_size(X.shape[0])
        Xf, Yf = np.ascontiguousarray(X, dtype=np.float32), self._targets(Y)
        order = np.arange(X.shape[0])
        trainer.module.train()
        stopped = incremental
        for _ in range(1 if incremental else self.max_iter):
            order = self._epoch(trainer, Xf, Yf, order, batch)
            if not incremental and self._should_stop(trainer.optimizer, X_val, Y_val):
                stopped = True
                break
        if not stopped:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=3,
            )
        trainer.module.eval()
        self._sync_out()
        if early:
            if self._best_params is not None:
                self.coefs_, self.intercepts_ = self._best_params
                self._model = None
            self.best_loss_ = None
        self._best_params = None
        return self

    def _epoch(
        self, trainer: Model, X: np.ndarray, Y: np.ndarray, order: np.ndarray, batch: int
    ) -> np.ndarray:
        """One pass in scikit-learn's batch order, Model.train_step per batch; appends to
        loss_curve_, applies invscaling and returns the (cumulative) shuffle order."""
        n = X.shape[0]
        if self.shuffle:  # one gather per epoch; the batches are then contiguous views
            order = order[self._random_state.permutation(n)]  # scikit-learn's sequence
            X, Y = X[order], Y[order]
        total = 0.0
        for start in range(0, n, batch):
            xb, yb = X[start : start + batch], Y[start : start + batch]
            m = xb.shape[0]
            trainer.l2 = self.alpha / (2 * m)  # nn.penalty adds α/2m·Σ‖W‖² to the loss
            total += trainer.train_step((xb, yb))["loss"] * m
            self.t_ += m
        self.n_iter_ += 1
        self.loss_curve_.append(total / n)
        if self.solver == "sgd" and self.learning_rate == "invscaling":
            # scikit-learn: once per epoch, t = samples seen
            _set_lr(trainer.optimizer, self.learning_rate_init / (self.t_ + 1) ** self.power_t)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {self.loss_curve_[-1]:.8f}")
        if not np.isfinite(self.loss_curve_[-1]):
            raise ValueError(
                f"{type(self).__name__}: the loss became {total / n} at "
                f"iteration {self.n_iter_}; scale X or lower learning_rate_init"
            )
        return order

    def _should_stop(
        self, opt: optim.Optimizer, X_val: np.ndarray | None, Y_val: np.ndarray | None
    ) -> bool:
        """scikit-learn's tol/n_iter_no_change rule on the training loss (or the validation
        score); 'adaptive' divides the lr by 5 instead of stopping while it is above 1e-6."""
        if X_val is not None:
            self._sync_out()
            score = self._score(X_val, Y_val)
            self.validation_scores_.append(score)
            improved = score >= self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_params = (
                    [w.copy() for w in self.coefs_],
                    [b.copy() for b in self.intercepts_],
                )
        else:
            best = np.inf if self.best_loss_ is None else self.best_loss_
            improved = self.loss_curve_[-1] <= best - self.tol
            self.best_loss_ = min(best, self.loss_curve_[-1])
        self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
        if self._no_improvement_count <= self.n_iter_no_change:
            return False
        lr = opt.param_groups[0]["lr"]
        if self.solver == "sgd" and self.learning_rate == "adaptive" and lr > 1e-6:
            _set_lr(opt, lr / 5.0)
            self._no_improvement_count = 0
            return False
        return True

    def _check_X(self, X: Any, reset: bool) -> np.ndarray:
        return validate_data(self, X, dtype=(np.float64, np.float32), reset=reset)

    def __getstate__(self) -> dict:
        # the networks and optimizer are rebuilt from coefs_ on demand; keep pickles small
        state = dict(self.__dict__)
        for k in ("_model", "_trainer", "_predict_net"):
            state.pop(k, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._model = self._trainer = None
        self._predict_net = self._mlp(0.0).double() if "coefs_" in state else None


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier: softmax (or sigmoid) outputs, log-loss."""

    def _out_activation(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"

    def _targets(self, Y: np.ndarray) -> np.ndarray:
        """Class indices for softmax outputs, 0/1 floats for sigmoid outputs."""
        if self._label_binarizer.y_type_ == "multiclass":
            return Y.argmax(axis=1)
        return np.ascontiguousarray(Y, dtype=np.float32)

    def _loss_fn(self) -> Any:
        """Softmax cross-entropy for multiclass; sigmoid log-loss for binary and multilabel."""
        if self._label_binarizer.y_type_ == "multiclass":
            return nn.CrossEntropyLoss()
        return _sigmoid_log_loss

    def _score(self, X: np.ndarray, Y: np.ndarray) -> float:
        return accuracy_score(self._label_binarizer.inverse_transform(Y), self._predict(X))

    def _encode(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        if first:
            self._label_binarizer = LabelBinarizer()
            if classes is not None:
                self._label_binarizer.fit(np.asarray(classes))
            elif type_of_target(y) == "multilabel-indicator":
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(class_labels(y, type(self).__name__))
            self.classes_ = self._label_binarizer.classes_
            if len(self.classes_) < 2 and self._label_binarizer.y_type_ != "multilabel-indicator":
                raise ValueError(
                    f"{type(self).__name__}: the number of classes has to be "
                    f"greater than one; got {len(self.classes_)} class"
                )
        elif type_of_target(y) != "multilabel-indicator":
            unseen = np.setdiff1d(y, self.classes_)
            if len(unseen):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has "
                    f"{self.classes_}. 'y' has {unseen}."
                )
        return self._label_binarizer.transform(y).astype(np.float32)

    def fit(self, X: Any, y: Any) -> MLPClassifier:
        """Train on (X, y) for up to max_iter epochs."""
        self._check_params()
        reset = not (self.warm_start and hasattr(self, "coefs_"))
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), multi_output=True, reset=reset
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return self._fit(X, self._encode(y, reset), incremental=False)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> MLPClassifier:
        """One epoch on (X, y); `classes` is required on the first call."""
        self._check_params()
        first = not hasattr(self, "coefs_")
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        X, y = validate_data(
            self, X, y, dtype=(np.float64, np.float32), multi_output=True, reset=first
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if (
            not first
            and classes is not None
            and not np.array_equal(self.classes_, np.unique(classes))
        ):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}"
            )
        return self._fit(X, self._encode(y, first, classes), incremental=True)

    def _proba(self, X: np.ndarray) -> np.ndarray:
        z = self._forward(X).astype(np.float64)
        if self._label_binarizer.y_type_ == "multiclass":
            z -= z.max(axis=1, keepdims=True)
            e = np.exp(z)
            return e / e.sum(axis=1, keepdims=True)
        return 1 / (1 + np.exp(-z))

    def _predict(self, X: np.ndarray) -> np.ndarray:
        p = self._proba(X)
        if self._label_binarizer.y_type_ == "multiclass":
            return self.classes_[p.argmax(axis=1)]
        if self._label_binarizer.y_type_ == "multilabel-indicator":
            return (p > 0.5).astype(int)
        return self.classes_[(p[:, 0] > 0.5).astype(int)]

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row (one 0/1 column per label for multilabel)."""
        check_is_fitted(self)
        return self._predict(self._check_X(X, reset=False))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of classes_."""
        check_is_fitted(self)
        p = self._proba(self._check_X(X, reset=False))
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([1 - p, p])
        return p

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """The log of predict_proba (scikit-learn's method, for log-loss scorers)."""
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor: identity outputs, squared error loss / 2."""

    def _out_activation(self) -> str:
        return "identity"

    def _targets(self, Y: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(Y, dtype=np.float32)

    def _loss_fn(self) -> Any:
        return _half_squared_error

    def _score(self, X: np.ndarray, Y: np.ndarray) -> float:
        return r2_score(Y, self._forward(X))

    def _prepare(self, X: Any, y: Any, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        X, y = validate_data(
            self,
            X,
            y,
            dtype=(np.float64, np.float32),
            multi_output=True,
            y_numeric=True,
            reset=reset,
        )
        self._y_1d = y.ndim == 1 if reset else self._y_1d
        return X, y.reshape(len(y), -1)

    def fit(self, X: Any, y: Any) -> MLPRegressor:
        """Train on (X, y) for up to max_iter epochs."""
        self._check_params()
        reset = not (self.warm_start and hasattr(self, "coefs_"))
        X, Y = self._prepare(X, y, reset)
        return self._fit(X, Y, incremental=False)

    def partial_fit(self, X: Any, y: Any) -> MLPRegressor:
        """One epoch on (X, y)."""
        self._check_params()
        X, Y = self._prepare(X, y, not hasattr(self, "coefs_"))
        return self._fit(X, Y, incremental=True)

    def predict(self, X: Any) -> np.ndarray:
        """The network's outputs: (n,) when fitted on a 1-D y, else (n, n_outputs)."""
        check_is_fitted(self)
        out = self._forward(self._check_X(X, reset=False))
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class DNNClassifier(MLPClassifier):
    """TensorFlow's estimator name and arguments (hidden_units, n_classes), on MLPClassifier.

    `n_classes` given: labels must be the integers 0..n_classes−1 (TensorFlow's contract), and
    predict_proba always has n_classes columns. TensorFlow's default optimizer is
    Adagrad(0.05); pass optimizer='adagrad', learning_rate=0.05 to get it.
    """

    def __init__(
        self,
        hidden_units: Any = (300, 100),
        n_classes: int | None = None,
        *,
        activation: str = "relu",
        optimizer: str = "adam",
        learning_rate: float = 0.001,
        batch_size: Any = 50,
        epochs: int = 40,
        dropout: float | None = None,
        alpha: float = 0.0,
        shuffle: bool = True,
        tol: float = 1e-4,
        n_iter_no_change: int = 10,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        random_state: Any = None,
        verbose: bool = False,
        warm_start: bool = False,
    ) -> None:
        self.hidden_units, self.n_classes = hidden_units, n_classes
        self.activation, self.optimizer = activation, optimizer
        self.learning_rate, self.batch_size, self.epochs = learning_rate, batch_size, epochs
        self.dropout, self.alpha, self.shuffle, self.tol = dropout, alpha, shuffle, tol
        self.n_iter_no_change, self.early_stopping = n_iter_no_change, early_stopping
        self.validation_fraction, self.random_state = validation_fraction, random_state
        self.verbose, self.warm_start = verbose, warm_start

    # the base class's names, read from TensorFlow's
    hidden_layer_sizes = property(
        lambda self: self.hidden_units, doc="hidden_units, by scikit-learn's name."
    )
    max_iter = property(lambda self: self.epochs, doc="epochs, by scikit-learn's name.")
    learning_rate_init = property(
        lambda self: self.learning_rate, doc="learning_rate, by scikit-learn's name."
    )
    solver = property(
        lambda self: "sgd" if self.optimizer == "sgd" else "adam",
        doc="'sgd' or 'adam' (the base class's solver for optimizer).",
    )
    power_t, momentum, nesterovs_momentum = 0.5, 0.0, False
    beta_1, beta_2, epsilon = 0.9, 0.999, 1e-8

    def _check_params(self) -> None:
        check_param("optimizer", self.optimizer, options=("adam", "sgd", "adagrad"))
        check_param("learning_rate", self.learning_rate, low=0, closed="right")
        check_param("epochs", self.epochs, low=1, integer=True)
        check_param("dropout", self.dropout, low=0, high=1, closed="left", none=True)
        check_param("n_classes", self.n_classes, low=2, integer=True, none=True)
        check_param("activation", self.activation, options=ACTIVATION_NAMES)
        self._hidden_sizes()

    def _dropout(self) -> float:
        return self.dropout or 0.0

    def _make_optimizer(self, params: list[Tensor]) -> optim.Optimizer:
        if self.optimizer == "adagrad":
            return optim.Adagrad(params, lr=self.learning_rate)
        return super()._make_optimizer(params)

    def _encode(self, y: np.ndarray, first: bool, classes: Any = None) -> np.ndarray:
        if self.n_classes is not None and first and classes is None:
            if y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= self.n_classes:
                raise ValueError(
                    f"DNNClassifier: with n_classes={self.n_classes} the labels "
                    f"must be integers in [0, {self.n_classes}), got "
                    f"{np.unique(y)[:10]}"
                )
            classes = np.arange(self.n_classes)
        return super()._encode(y, first, classes)
