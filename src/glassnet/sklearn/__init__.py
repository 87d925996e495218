"""scikit-learn estimators trained by glassnet: Perceptron, MLPs and DNNClassifier."""

from .mlp import DNNClassifier, MLPClassifier, MLPRegressor
from .perceptron import Perceptron

__all__ = ["DNNClassifier", "MLPClassifier", "MLPRegressor", "Perceptron", "expected_failed_checks"]


def expected_failed_checks(estimator: object) -> dict[str, str]:
    """scikit-learn estimator checks each estimator is known to fail, with the reason."""
    return dict(getattr(estimator, "_expected_failed_checks", {}))
