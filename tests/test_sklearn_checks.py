"""scikit-learn's estimator contract: every glassnet estimator runs parametrize_with_checks."""

from __future__ import annotations

import pytest

from conftest import require

require("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from glassnet.sklearn import (  # noqa: E402
    DNNClassifier,
    MLPClassifier,
    MLPRegressor,
    Perceptron,
    expected_failed_checks,
)

ESTIMATORS = [
    Perceptron(max_iter=20),
    MLPClassifier(hidden_layer_sizes=(8,), max_iter=30, learning_rate_init=0.01, random_state=0),
    MLPRegressor(hidden_layer_sizes=(8,), max_iter=60, learning_rate_init=0.01, random_state=0),
    DNNClassifier(hidden_units=[8, 8], epochs=30, learning_rate=0.01, random_state=0),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
