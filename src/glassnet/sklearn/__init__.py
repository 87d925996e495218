"""scikit-learn estimators trained by glassnet: Perceptron, MLPs, DNNClassifier and
BernoulliRBM."""

from .mlp import DNNClassifier, MLPClassifier, MLPRegressor
from .perceptron import Perceptron
from .rbm import BernoulliRBM

__all__ = [
    "BernoulliRBM",
    "DNNClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "Perceptron",
    "expected_failed_checks",
]


def expected_failed_checks(estimator: object) -> dict[str, str]:
    """scikit-learn estimator checks each estimator is known to fail, with the reason."""
    return dict(getattr(estimator, "_expected_failed_checks", {}))
