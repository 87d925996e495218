"""`BernoulliRBM`: scikit-learn's transformer, trained by `glassnet.generative.RBM`.

The same parameters, defaults and fitted attributes as `sklearn.neural_network.BernoulliRBM`:
persistent contrastive divergence with one Gibbs step, minibatches taken in order, weights
N(0, 0.01²) from `random_state`. `fit` runs `GenerativeModel.fit` (n_iter epochs);
`transform` gives the hidden units' probabilities, the features for a classifier.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..autograd import get_rng_state, set_rng_state
from ..generative import RBM, GenerativeModel
from ._validation import check_param


class BernoulliRBM(TransformerMixin, BaseEstimator):
    """Bernoulli restricted Boltzmann machine (PCD-1), scikit-learn's API and attributes:
    components_, intercept_hidden_, intercept_visible_, h_samples_, n_features_in_."""

    # scikit-learn lists the same two for its own BernoulliRBM: score_samples flips one random
    # unit per row, so reordering or subsetting the rows changes which unit each row gets
    _expected_failed_checks = {
        "check_methods_subset_invariance": "score_samples flips a random unit per row",
        "check_methods_sample_order_invariance": "score_samples flips a random unit per row",
    }

    def __init__(
        self,
        n_components: int = 256,
        *,
        learning_rate: float = 0.1,
        batch_size: int = 10,
        n_iter: int = 10,
        verbose: int = 0,
        random_state: Any = None,
    ) -> None:
        self.n_components, self.learning_rate, self.batch_size = (
            n_components,
            learning_rate,
            batch_size,
        )
        self.n_iter, self.verbose, self.random_state = n_iter, verbose, random_state

    def _check_params(self) -> None:
        check_param("n_components", self.n_components, low=1, integer=True)
        check_param("learning_rate", self.learning_rate, low=0, closed="neither")
        check_param("batch_size", self.batch_size, low=1, integer=True)
        check_param("n_iter", self.n_iter, low=0, integer=True)

    def _new_rbm(self, n_features: int, dtype: np.dtype) -> None:
        state = get_rng_state()  # glassnet's global generator is left as it was
        try:
            self._rbm = RBM(n_features, self.n_components).to(dtype)
        finally:
            set_rng_state(state)
        self.random_state_ = check_random_state(self.random_state)
        self._rbm.generator = self.random_state_
        self._rbm.reset_parameters(self.random_state_)
        self._model = GenerativeModel(self._rbm).compile("sgd", lr=float(self.learning_rate))
        self._publish()

    def _publish(self) -> None:
        """The fitted attributes: views of the RBM's own arrays, so they stay current."""
        self.components_ = self._rbm.weight._array
        self.intercept_hidden_ = self._rbm.h_bias._array
        self.intercept_visible_ = self._rbm.v_bias._array
        chain = self._rbm.chain
        self.h_samples_ = (
            chain if chain is not None else np.zeros((self.batch_size, self.n_components))
        )

    def fit(self, X: Any, y: Any = None) -> BernoulliRBM:
        """Fit the RBM to X (n_samples, n_features), values in [0, 1], for n_iter epochs."""
        self._check_params()
        X = validate_data(self, X, dtype=(np.float64, np.float32))
        self._new_rbm(X.shape[1], X.dtype)
        self._rbm.chain = np.zeros((self.batch_size, self.n_components), X.dtype)
        if self.n_iter:
            self._model.fit(
                X,
                epochs=self.n_iter,
                batch_size=self.batch_size,
                shuffle=False,
                verbose=1 if self.verbose else 0,
            )
        self._publish()
        return self

    def partial_fit(self, X: Any, y: Any = None) -> BernoulliRBM:
        """One PCD step on X as a single batch (the RBM is created on the first call)."""
        first = not hasattr(self, "components_")
        if first:
            self._check_params()
        X = validate_data(self, X, dtype=(np.float64, np.float32), reset=first)
        if first:
            self._new_rbm(X.shape[1], X.dtype)
        self._rbm.update(X, float(self.learning_rate))  # update casts X to the RBM's dtype
        self._publish()
        return self

    def _input(self, X: Any) -> np.ndarray:
        """X checked against the fit (the RBM's methods cast it to its own dtype)."""
        check_is_fitted(self)
        return validate_data(self, X, dtype=(np.float64, np.float32), reset=False)

    def transform(self, X: Any) -> np.ndarray:
        """p(h = 1 | X): the hidden units' probabilities, (n_samples, n_components)."""
        X = self._input(X)
        return self._rbm.hidden_probs(X).astype(X.dtype, copy=False)

    def gibbs(self, v: Any) -> np.ndarray:
        """One Gibbs step from v: a binary sample of the visible units."""
        return self._rbm.gibbs(self._input(v), 1, self.random_state_).astype(bool)

    def score_samples(self, X: Any) -> np.ndarray:
        """Pseudo-log-likelihood of each sample (one random unit flipped per sample)."""
        X = self._input(X)
        return self._rbm.pseudo_log_likelihood(X, check_random_state(self.random_state))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
