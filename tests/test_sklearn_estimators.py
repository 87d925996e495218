"""glassnet's scikit-learn estimators against scikit-learn's own, and in its ecosystem."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import require

require("sklearn")

from sklearn import linear_model, neural_network  # noqa: E402
from sklearn.datasets import load_diabetes, load_digits, load_iris  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.inspection import permutation_importance  # noqa: E402
from sklearn.model_selection import (  # noqa: E402
    GridSearchCV,
    cross_val_score,
    train_test_split,
)
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

from glassnet.sklearn import DNNClassifier, MLPClassifier, MLPRegressor, Perceptron  # noqa: E402


@pytest.fixture(scope="module")
def iris_setosa():
    iris = load_iris()
    return iris.data[:, (2, 3)], (iris.target == 0).astype(int)  # petal length, width


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, random_state=0, stratify=y)


# ----- Perceptron ---------------------------------------------------------------------------
def test_seed_iris_perceptron_matches_sklearn_exactly(iris_setosa):
    X, y = iris_setosa
    ours = Perceptron(max_iter=100, random_state=42, shuffle=False).fit(X, y)
    ref = linear_model.Perceptron(max_iter=100, random_state=42, shuffle=False).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=0, atol=1e-9)
    assert ours.n_iter_ == ref.n_iter_ and ours.t_ == ref.t_
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    assert ours.predict([[2, 0.5]]).tolist() == ref.predict([[2, 0.5]]).tolist() == [1]  # setosa


def test_seed_iris_perceptron_with_shuffling_same_accuracy(iris_setosa):
    X, y = iris_setosa
    ours = Perceptron(max_iter=100, random_state=42).fit(X, y)
    ref = linear_model.Perceptron(max_iter=100, random_state=42).fit(X, y)
    assert ours.score(X, y) == ref.score(X, y)
    assert ours.predict([[2, 0.5]])[0] == ref.predict([[2, 0.5]])[0] == 1


@pytest.mark.parametrize(
    "params",
    [
        dict(penalty="l2"),
        dict(penalty="l1", alpha=0.001),
        dict(penalty="elasticnet", alpha=0.01, l1_ratio=0.3),
        dict(class_weight="balanced"),
        dict(class_weight={0: 2.0, 1: 1.0, 2: 0.5}),
        dict(fit_intercept=False),
        dict(tol=None),
        dict(early_stopping=True, validation_fraction=0.2),
        dict(eta0=0.1, n_iter_no_change=2),
    ],
)
def test_perceptron_matches_sklearn_multiclass(params):
    X, y = load_iris(return_X_y=True)
    ours = Perceptron(shuffle=False, max_iter=50, **params)
    ref = linear_model.Perceptron(shuffle=False, max_iter=50, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X, y)
        ref.fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9, atol=1e-9)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_perceptron_sample_weight_partial_fit_and_warm_start_match_sklearn():
    X, y = load_iris(return_X_y=True)
    sw = np.linspace(0.5, 2, len(y))
    kw = dict(shuffle=False, max_iter=30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = Perceptron(**kw).fit(X, y, sample_weight=sw)
        b = linear_model.Perceptron(**kw).fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-9)
        a, b = Perceptron(**kw), linear_model.Perceptron(**kw)
        for est in (a, b):
            est.partial_fit(X[:75], y[:75], classes=[0, 1, 2])
            est.partial_fit(X[75:], y[75:])
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-9)
        a = Perceptron(warm_start=True, **kw).fit(X, y).fit(X[::2], y[::2])
        b = linear_model.Perceptron(warm_start=True, **kw).fit(X, y).fit(X[::2], y[::2])
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-9)
        np.testing.assert_allclose(a.intercept_, b.intercept_, atol=1e-9)


def test_perceptron_digits_matches_sklearn(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    ours = Perceptron(shuffle=False).fit(X_train, y_train)
    ref = linear_model.Perceptron(shuffle=False).fit(X_train, y_train)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-9)
    assert ours.score(X_test, y_test) == ref.score(X_test, y_test) > 0.9


# ----- bad input: scikit-learn's standard errors ----------------------------------------------
BAD_INPUTS = [
    (
        "nan",
        lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 3, np.nan, X), y),
        ValueError,
        "Input X contains NaN",
    ),
    ("1-D X", lambda X, y: (X[:, 0], y), ValueError, "Expected 2D array, got 1D array"),
    ("one class", lambda X, y: (X, np.zeros_like(y)), ValueError, "has to be greater than one"),
]

PAIRS = [
    (Perceptron, linear_model.Perceptron, {}),
    (MLPClassifier, neural_network.MLPClassifier, {"max_iter": 5}),
    (DNNClassifier, neural_network.MLPClassifier, {"epochs": 5, "max_iter": 5}),
]


IDS = ["Perceptron", "MLPClassifier", "DNNClassifier"]


def _own(cls, kw):
    """The keyword arguments of kw that cls accepts (DNNClassifier says epochs, not max_iter)."""
    return {k: v for k, v in kw.items() if k in cls().get_params()}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
@pytest.mark.parametrize("ours_cls,ref_cls,kw", PAIRS, ids=IDS)
def test_bad_input_raises_sklearns_errors(case, ours_cls, ref_cls, kw, iris_setosa):
    _, make, error, message = case
    X, y = make(*iris_setosa)
    if case[0] == "one class":
        ref_cls = linear_model.Perceptron  # scikit-learn's MLPClassifier fits one class silently
    for cls in (ours_cls, ref_cls):
        with pytest.raises(error, match=message):
            cls(**_own(cls, kw)).fit(X, y)


@pytest.mark.parametrize("ours_cls,ref_cls,kw", PAIRS, ids=IDS)
def test_wrong_feature_count_raises_sklearns_error(ours_cls, ref_cls, kw, iris_setosa):
    X, y = iris_setosa
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        msgs = []
        for cls in (ours_cls, ref_cls):
            est = cls(**_own(cls, kw)).fit(X, y)
            with pytest.raises(ValueError, match="X has 3 features, but") as err:
                est.predict(np.ones((2, 3)))
            msgs.append(str(err.value).replace(cls.__name__, "EST"))
    assert msgs[0] == msgs[1]


def test_mlp_regressor_bad_input():
    X, y = load_diabetes(return_X_y=True)
    for cls in (MLPRegressor, neural_network.MLPRegressor):
        with pytest.raises(ValueError, match="Input X contains NaN"):
            cls(max_iter=2).fit(np.where(X > 0.1, np.nan, X), y)
        with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
            cls(max_iter=2).fit(X[:, 0], y)
        with pytest.raises(ValueError, match="Input y contains NaN"):
            cls(max_iter=2).fit(X, np.where(y > 100, np.nan, y))


def test_continuous_target_and_unfitted_errors():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="Unknown label type"):
        Perceptron().fit(X, X[:, 0])
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MLPClassifier().predict(X)
    with pytest.raises(ValueError, match="'solver' parameter|lbfgs"):
        MLPClassifier(solver="lbfgs").fit(X, X[:, 0] > 0)


# ----- MLPs against scikit-learn --------------------------------------------------------------
@pytest.mark.slow
def test_mlp_classifier_reaches_sklearn_accuracy_on_digits(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    ours, ref = [], []
    for seed in range(2):
        kw = dict(hidden_layer_sizes=(100,), solver="adam", max_iter=200, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            ours.append(MLPClassifier(**kw).fit(X_train, y_train).score(X_test, y_test))
            ref.append(
                neural_network.MLPClassifier(**kw).fit(X_train, y_train).score(X_test, y_test)
            )
    assert np.mean(ours) >= np.mean(ref) - 0.01, (ours, ref)


def test_mlp_attributes_have_sklearns_shapes(digits_split):
    X_train, _, y_train, _ = digits_split
    kw = dict(hidden_layer_sizes=(32, 16), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**kw).fit(X_train, y_train)
        ref = neural_network.MLPClassifier(**kw).fit(X_train, y_train)
    assert [w.shape for w in ours.coefs_] == [w.shape for w in ref.coefs_]
    assert [b.shape for b in ours.intercepts_] == [b.shape for b in ref.intercepts_]
    assert ours.n_iter_ == ref.n_iter_ == 3 and len(ours.loss_curve_) == 3
    assert ours.n_layers_ == ref.n_layers_ and ours.n_outputs_ == ref.n_outputs_
    assert ours.out_activation_ == ref.out_activation_ == "softmax"
    np.testing.assert_array_equal(ours.classes_, ref.classes_)
    # same Glorot init and shuffling: the first epoch's mean loss agrees with scikit-learn's
    np.testing.assert_allclose(ours.loss_curve_[0], ref.loss_curve_[0], rtol=2e-3)
    proba = ours.predict_proba(X_train[:5])
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-6)


def test_mlp_sgd_partial_fit_and_early_stopping(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    est = MLPClassifier(
        hidden_layer_sizes=(32,), solver="sgd", learning_rate_init=0.1, momentum=0.9, random_state=0
    )
    for _ in range(15):
        est.partial_fit(X_train, y_train, classes=np.arange(10))
    assert est.n_iter_ == 15 and len(est.loss_curve_) == 15
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    assert est.score(X_test, y_test) > 0.9
    es = MLPClassifier(
        hidden_layer_sizes=(32,),
        early_stopping=True,
        n_iter_no_change=3,
        learning_rate_init=0.01,
        max_iter=200,
        random_state=0,
    ).fit(X_train, y_train)
    assert es.n_iter_ < 200 and es.best_loss_ is None
    assert es.best_validation_score_ == max(es.validation_scores_) > 0.9


def test_mlp_regressor_close_to_sklearn_on_diabetes():
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    kw = dict(hidden_layer_sizes=(32,), learning_rate_init=0.01, max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPRegressor(**kw).fit(X_train, y_train).score(X_test, y_test)
        ref = neural_network.MLPRegressor(**kw).fit(X_train, y_train).score(X_test, y_test)
    assert ours > 0.2 and abs(ours - ref) < 0.01, (ours, ref)


def test_dnn_classifier_seed_signature(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    dnn = DNNClassifier(hidden_units=[300, 100], n_classes=10, epochs=10, random_state=0)
    dnn.fit(X_train, y_train)
    assert [w.shape for w in dnn.coefs_] == [(64, 300), (300, 100), (100, 10)]
    assert dnn.predict_proba(X_test).shape == (len(X_test), 10)
    assert dnn.score(X_test, y_test) > 0.95
    with pytest.raises(ValueError, match="integers in"):
        DNNClassifier(n_classes=3, epochs=1).fit(X_train, y_train)
    # TensorFlow's defaults (Adagrad 0.05) and dropout between the hidden layers
    tf_like = DNNClassifier(
        hidden_units=[64, 32],
        n_classes=10,
        optimizer="adagrad",
        learning_rate=0.05,
        dropout=0.2,
        epochs=10,
        random_state=0,
    )
    assert tf_like.fit(X_train, y_train).score(X_test, y_test) > 0.9
    assert sum(type(m).__name__ == "Dropout" for m in tf_like._network()) == 2


# ----- the scikit-learn ecosystem -------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: Perceptron(random_state=0),
        lambda: MLPClassifier(
            hidden_layer_sizes=(16,), max_iter=100, learning_rate_init=0.01, random_state=0
        ),
    ],
    ids=["Perceptron", "MLPClassifier"],
)
def test_pipeline_gridsearch_cross_val_on_iris(make):
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), make())
    name = pipe.steps[-1][0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=3)
        grid = GridSearchCV(pipe, {f"{name}__alpha": [1e-4, 1e-2]}, cv=3).fit(X, y)
    assert scores.mean() > 0.8
    assert grid.best_score_ > 0.8 and grid.best_params_[f"{name}__alpha"] in (1e-4, 1e-2)


def test_permutation_importance_iris_petals_matter_most():
    X, y = load_iris(return_X_y=True)
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(16,), max_iter=300, learning_rate_init=0.01, random_state=0
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    imp = permutation_importance(model, X, y, n_repeats=5, random_state=0).importances_mean
    # petal length/width (columns 2, 3) carry the signal; sepal width hardly matters
    assert max(imp[2], imp[3]) > max(imp[0], imp[1])
    assert imp[2] + imp[3] > 0.2


def test_permutation_importance_digits_blank_border_pixels_do_not_matter(digits_split):
    X_train, X_test, y_train, y_test = digits_split
    model = make_pipeline(MinMaxScaler(), Perceptron(random_state=0)).fit(X_train, y_train)
    imp = permutation_importance(model, X_test, y_test, n_repeats=3, random_state=0)
    blank = X_train.std(axis=0) == 0  # pixels that are always 0 in training
    assert blank.any()
    np.testing.assert_array_equal(imp.importances_mean[blank], 0)
    assert imp.importances_mean.max() > 0.01


@settings(max_examples=25, deadline=None)
@given(
    st.integers(0, 2**31 - 1),
    st.integers(2, 4),
    st.integers(10, 60),
    st.integers(2, 4),
    st.sampled_from([None, "l2", "elasticnet"]),
)
def test_perceptron_equals_sklearn_on_random_data(seed, n_features, n_samples, n_classes, penalty):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_features)) * rng.uniform(0.1, 10)
    y = np.arange(n_samples) % n_classes
    rng.shuffle(y)
    kw = dict(shuffle=False, max_iter=15, penalty=penalty, alpha=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = Perceptron(**kw).fit(X, y)
        ref = linear_model.Perceptron(**kw).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9, atol=1e-9)
    assert ours.n_iter_ == ref.n_iter_


MLP_CONFIGS = {
    "adam": dict(),
    "adam-l2-tanh": dict(alpha=0.01, activation="tanh"),
    "adam-logistic-shuffled": dict(activation="logistic", shuffle=True),
    "sgd-nesterov": dict(solver="sgd", learning_rate_init=0.05),
    "sgd-plain": dict(solver="sgd", momentum=0.0, learning_rate_init=0.1),
    "sgd-invscaling": dict(
        solver="sgd",
        momentum=0.9,
        nesterovs_momentum=False,
        learning_rate="invscaling",
        power_t=0.25,
        learning_rate_init=0.05,
    ),
    "sgd-adaptive": dict(
        solver="sgd",
        learning_rate="adaptive",
        learning_rate_init=0.2,
        n_iter_no_change=2,
        tol=1e-2,
        max_iter=40,
    ),
    "early-stopping": dict(
        early_stopping=True, n_iter_no_change=3, learning_rate_init=0.01, shuffle=True, max_iter=40
    ),
    "batch-64": dict(batch_size=64),
}


@pytest.mark.parametrize("name", sorted(MLP_CONFIGS))
def test_mlp_classifier_follows_sklearns_trajectory(name):
    """Same init, batches and update rules: the loss curve is scikit-learn's to float32 level."""
    X, y = load_digits(return_X_y=True)
    kw = dict(hidden_layer_sizes=(32,), shuffle=False, max_iter=15, random_state=0)
    kw.update(MLP_CONFIGS[name])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = MLPClassifier(**kw).fit(X / 16, y)
        ref = neural_network.MLPClassifier(**kw).fit(X / 16, y)
    assert ours.n_iter_ == ref.n_iter_
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-4)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        np.testing.assert_allclose(a, b, atol=1e-4)
    if ref.validation_scores_ is not None:
        np.testing.assert_allclose(ours.validation_scores_, ref.validation_scores_)


@pytest.mark.parametrize("kind", ["binary", "multilabel", "regression"])
def test_mlp_other_targets_follow_sklearn(kind):
    X, y = load_digits(return_X_y=True)
    X = X / 16
    kw = dict(hidden_layer_sizes=(16,), shuffle=False, max_iter=10, random_state=0)
    if kind == "regression":
        Xr, yr = load_diabetes(return_X_y=True)
        pair, data = (MLPRegressor, neural_network.MLPRegressor), (Xr, np.c_[yr, -yr] / 100)
        kw["learning_rate_init"] = 0.01
    else:
        target = (y > 4).astype(int) if kind == "binary" else np.c_[y > 4, y % 2 == 0]
        pair, data = (MLPClassifier, neural_network.MLPClassifier), (X, target.astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, ref = (cls(**kw).fit(*data) for cls in pair)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(
        ours.predict(data[0][:50]), ref.predict(data[0][:50]), rtol=1e-4, atol=1e-4
    )
    assert ours.out_activation_ == ref.out_activation_


def _mnist_test_split() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10,000 test images (the only split with images here), read from GLASSNET_DATA."""
    import glassnet as gn

    X, y = gn.datasets.mnist("test", download=False)
    return X.reshape(len(X), -1).astype(np.float32) / 255.0, y


@pytest.mark.slow
def test_seed_dnn_classifier_on_mnist_matches_sklearn():
    """The seed's DNNClassifier(hidden_units=[300, 100], n_classes=10), batch 50, on MNIST."""
    X, y = _mnist_test_split()
    X_train, X_test, y_train, y_test = X[:8000], X[8000:], y[:8000], y[8000:]
    dnn = DNNClassifier(hidden_units=[300, 100], n_classes=10, epochs=5, random_state=0)
    ref = neural_network.MLPClassifier(
        hidden_layer_sizes=(300, 100), batch_size=50, alpha=0.0, max_iter=5, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = dnn.fit(X_train, y_train).score(X_test, y_test)
        theirs = ref.fit(X_train, y_train).score(X_test, y_test)
    assert ours > 0.93 and abs(ours - theirs) <= 0.01, (ours, theirs)


# ----- the shared core: scikit-learn's update rules as glassnet optimizers -------------------
def _run_rules(ours_cls, ref_cls, ours_kw, ref_args, lr_changes, seed=0, scale=1.0):
    """Feed the same float64 gradients to one of our optimizers and to scikit-learn's; changing
    the lr at the given steps (ours: param_groups' lr; theirs: its learning_rate attribute)."""
    import glassnet as gn

    rng = np.random.default_rng(seed)
    w0 = rng.normal(size=(6, 5))
    p = gn.nn.Parameter(gn.Tensor(w0.copy()))
    ours = ours_cls([p], **ours_kw)
    ref_params = [w0.copy()]
    ref = ref_cls(ref_params, *ref_args)
    worst = 0.0
    for step in range(40):
        if step in lr_changes:
            ours.param_groups[0]["lr"] = lr_changes[step]
            ref.learning_rate = lr_changes[step]
        g = rng.normal(size=w0.shape) * scale * rng.uniform(0, 1, size=w0.shape)
        ref.update_params(ref_params, [g])
        p.grad = gn.Tensor(g.copy())
        ours.step()
        worst = max(
            worst, np.abs(p._array - ref_params[0]).max() / np.abs(ref_params[0] - w0).max()
        )
    return worst


@pytest.mark.parametrize("momentum,nesterov", [(0.9, True), (0.9, False), (0.0, True)])
def test_sklearn_sgd_rule_is_sklearns_when_the_lr_changes(momentum, nesterov):
    """v ← μv − lr·g: a new lr is just a new param_groups lr, no momentum buffer rescaled."""
    from sklearn.neural_network._stochastic_optimizers import SGDOptimizer

    from glassnet import optim
    from glassnet.sklearn._optim import SklearnSGD

    changes = {10: 0.02, 25: 0.004}
    args = (0.1, "constant", momentum, nesterov, 0.5)
    worst = _run_rules(
        SklearnSGD, SGDOptimizer, dict(lr=0.1, momentum=momentum, nesterov=nesterov), args, changes
    )
    assert worst < 1e-12
    if momentum:  # PyTorch's b ← μb + g, w ← w − lr·b rescales the velocity at each change
        torch_like = _run_rules(
            optim.SGD,
            SGDOptimizer,
            dict(lr=0.1, momentum=momentum, nesterov=nesterov),
            args,
            changes,
        )
        assert torch_like > 1e-3


@pytest.mark.parametrize("scale", [1.0, 1e-4])
def test_sklearn_adam_rule_is_sklearns(scale):
    """scikit-learn adds ε to √v (not to √v̂) and folds both bias corrections into the lr;
    glassnet's (PyTorch's) Adam does not match it, hence the subclass."""
    from sklearn.neural_network._stochastic_optimizers import AdamOptimizer

    from glassnet import optim
    from glassnet.sklearn._optim import SklearnAdam

    kw = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    args = (1e-3, 0.9, 0.999, 1e-8)
    assert _run_rules(SklearnAdam, AdamOptimizer, kw, args, {}, scale=scale) < 1e-12
    # PyTorch's form is off by far more than float32 rounding (~1e-7 a step)
    assert _run_rules(optim.Adam, AdamOptimizer, kw, args, {}, scale=scale) > 1e-5


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_mlp_warm_start_follows_sklearn(solver):
    """A warm-started fit continues from the weights with a fresh optimizer, as scikit-learn's."""
    X, y = load_digits(return_X_y=True)
    kw = dict(
        hidden_layer_sizes=(32,),
        shuffle=False,
        max_iter=5,
        random_state=0,
        warm_start=True,
        solver=solver,
        learning_rate_init=0.05 if solver == "sgd" else 0.001,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours, ref = MLPClassifier(**kw), neural_network.MLPClassifier(**kw)
        for est in (ours, ref):
            est.fit(X / 16, y).fit(X / 16, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-4)
    for a, b in zip(ours.coefs_, ref.coefs_):
        np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
def test_mlp_predictions_are_sklearns_for_the_same_weights(activation):
    """The float64 MLP that predicts gives scikit-learn's outputs for the same coefs_."""
    X, y = load_digits(return_X_y=True)
    X = X / 16
    kw = dict(hidden_layer_sizes=(32, 16), activation=activation, max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for target in (y, y > 4):
            ours = MLPClassifier(**kw).fit(X, target)
            ref = neural_network.MLPClassifier(**kw).fit(X, target)
            ref.coefs_ = [w.astype(np.float64) for w in ours.coefs_]
            ref.intercepts_ = [b.astype(np.float64) for b in ours.intercepts_]
            np.testing.assert_allclose(
                ours.predict_proba(X), ref.predict_proba(X), rtol=0, atol=1e-14
            )
            np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
        Xr, yr = load_diabetes(return_X_y=True)
        ours = MLPRegressor(**kw).fit(Xr, yr / 100)
        ref = neural_network.MLPRegressor(**kw).fit(Xr, yr / 100)
        ref.coefs_ = [w.astype(np.float64) for w in ours.coefs_]
        ref.intercepts_ = [b.astype(np.float64) for b in ours.intercepts_]
        np.testing.assert_allclose(ours.predict(Xr), ref.predict(Xr), rtol=1e-14, atol=1e-14)


def test_mlp_estimators_build_on_the_shared_core():
    """models.MLP with nn.ACTIVATIONS' layers, trained by train.Model with scikit-learn's rules;
    glassnet's global generator is not touched (without dropout, random_state decides all)."""
    import glassnet as gn
    from glassnet.models import MLP
    from glassnet.sklearn._optim import SklearnAdam, SklearnSGD
    from glassnet.train import Model

    X, y = load_iris(return_X_y=True)
    gn.manual_seed(3)
    state = gn.get_rng_state()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf = MLPClassifier(
            hidden_layer_sizes=(8, 4), activation="logistic", max_iter=3, random_state=0
        ).fit(X, y)
        reg = MLPRegressor(hidden_layer_sizes=(5,), solver="sgd", max_iter=3, random_state=0).fit(
            X, y.astype(float)
        )
    clf.predict(X)
    assert gn.get_rng_state() == state
    net = clf._network()
    assert isinstance(net, MLP) and net.sizes == [4, 8, 4, 3]
    assert [type(m) for m in net] == [
        gn.nn.Linear,
        gn.nn.ACTIVATIONS["logistic"],
        gn.nn.Linear,
        gn.nn.ACTIVATIONS["logistic"],
        gn.nn.Linear,
    ]
    assert isinstance(clf._trainer, Model) and isinstance(clf._trainer.optimizer, SklearnAdam)
    assert isinstance(reg._trainer.optimizer, SklearnSGD)
    # the L2 term is nn.penalty's: α/2m·Σ‖W‖² on the weights of the last batch (m = 150 rows)
    assert clf._trainer.l2 == pytest.approx(clf.alpha / (2 * len(X)))
