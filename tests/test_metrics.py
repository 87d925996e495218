"""glassnet.metrics against scikit-learn on random inputs."""

import numpy as np
import pytest
from tests.conftest import require

from glassnet import metrics


@pytest.mark.parametrize("seed", range(5))
def test_classification_metrics_match_sklearn(seed):
    skm = require("sklearn.metrics")
    rng = np.random.default_rng(seed)
    k = rng.integers(2, 6)
    t, p = rng.integers(0, k, 200), rng.integers(0, k, 200)
    assert metrics.accuracy_score(t, p) == pytest.approx(skm.accuracy_score(t, p))
    np.testing.assert_array_equal(metrics.confusion_matrix(t, p), skm.confusion_matrix(t, p))
    for name in ("precision_score", "recall_score", "f1_score"):
        for avg in ("macro", "micro", "weighted", None):
            ours = getattr(metrics, name)(t, p, average=avg)
            ref = getattr(skm, name)(t, p, average=avg, zero_division=0)
            np.testing.assert_allclose(ours, ref, err_msg=f"{name} {avg}")
    tb, pb = t % 2, p % 2
    for name in ("precision_score", "recall_score", "f1_score"):
        assert getattr(metrics, name)(tb, pb) == pytest.approx(getattr(skm, name)(tb, pb))


def test_confusion_matrix_with_a_class_never_predicted():
    skm = require("sklearn.metrics")
    t, p = np.array([0, 1, 2, 2]), np.array([0, 0, 0, 2])
    np.testing.assert_array_equal(
        metrics.confusion_matrix(t, p, labels=[0, 1, 2, 3]),
        skm.confusion_matrix(t, p, labels=[0, 1, 2, 3]),
    )
    assert metrics.f1_score(t, p, average="macro") == pytest.approx(
        skm.f1_score(t, p, average="macro", zero_division=0)
    )


@pytest.mark.parametrize("shape", [(100,), (60, 3)])
def test_regression_metrics_match_sklearn(shape):
    skm = require("sklearn.metrics")
    rng = np.random.default_rng(1)
    t, p = rng.normal(size=shape), rng.normal(size=shape)
    assert metrics.mean_squared_error(t, p) == pytest.approx(skm.mean_squared_error(t, p))
    assert metrics.mean_absolute_error(t, p) == pytest.approx(skm.mean_absolute_error(t, p))
    assert metrics.r2_score(t, p) == pytest.approx(skm.r2_score(t, p))
    assert metrics.r2_score(t, t) == 1.0


def test_metric_errors():
    with pytest.raises(ValueError, match="y_true has 3 samples"):
        metrics.accuracy_score([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="average"):
        metrics.f1_score([0, 1], [0, 1], average="bogus")
    with pytest.raises(ValueError, match="unknown metric"):
        metrics.get("nope")
