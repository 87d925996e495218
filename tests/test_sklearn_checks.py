"""scikit-learn's estimator contract: every glassnet estimator runs parametrize_with_checks."""

from __future__ import annotations

import os
import subprocess
import sys
import unittest
from pathlib import Path

import pytest

from conftest import require

require("sklearn")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from glassnet.sklearn import (  # noqa: E402
    BernoulliRBM,
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
    BernoulliRBM(n_components=8, n_iter=3, random_state=0),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    """Every check passes; a check may only skip itself for one of two stated reasons."""
    try:
        check(estimator)
    except unittest.SkipTest as skip:
        reason = str(skip)
        # 1. The array-API check needs SCIPY_ARRAY_API=1 before SciPy is imported: it runs in a
        #    fresh interpreter in test_array_api_dispatch_with_numpy_inputs below.
        # 2. MLPs have predict_proba but no decision_function (as scikit-learn's own MLPs), so
        #    the check that compares the two has nothing to compare.
        allowed = "SCIPY_ARRAY_API is not set" in reason or (
            reason == f"{type(estimator).__name__} does not have a decision_function method."
            and not hasattr(estimator, "decision_function")
        )
        assert allowed, f"check {check} skipped for an unexpected reason: {reason}"


def test_array_api_dispatch_with_numpy_inputs():
    """The one check parametrize_with_checks skips here: it needs SCIPY_ARRAY_API=1 set before
    SciPy is imported, so it runs in a fresh interpreter."""
    code = (
        "import warnings; warnings.simplefilter('ignore')\n"
        "from sklearn.utils.estimator_checks import check_array_api_input\n"
        "from test_sklearn_checks import ESTIMATORS\n"
        "for est in ESTIMATORS:\n"
        "    check_array_api_input(type(est).__name__, est, array_namespace='numpy',\n"
        "                          expect_only_array_outputs=False)\n"
        "    print('passed', type(est).__name__)\n"
    )
    env = {
        **os.environ,
        "SCIPY_ARRAY_API": "1",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("passed") == len(ESTIMATORS)
