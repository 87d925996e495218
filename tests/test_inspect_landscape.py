"""`glassnet.inspect.landscape` / `interpolate` on least-squares linear regression, where the
answer is known in closed form (NumPy's lstsq), and the PCA path against scikit-learn's PCA."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from conftest import require
from glassnet.train import Model

STEPS, SPAN = 21, 1.0
STEP = 2 * SPAN / (STEPS - 1)


@pytest.fixture()
def problem():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((200, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 0.3 + 0.1 * rng.standard_normal(200)
    a = np.c_[x, np.ones(len(x))]
    coef = np.linalg.lstsq(a, y, rcond=None)[0]  # the closed-form optimum
    net = gn.nn.Linear(3, 1).double()

    def loss_fn(out, t):
        return gn.nn.MSELoss()(out, t[:, None])

    return net, loss_fn, (x, y), coef


def _set(net, coef):
    with gn.no_grad():
        net.weight._array[...] = coef[:3][None]
        net.bias._array[...] = coef[3:]


def test_the_slice_is_a_convex_bowl_with_its_minimum_at_the_optimum(problem):
    net, loss_fn, data, coef = problem
    _set(net, coef)
    at_opt = gn.inspect.landscape(net, loss_fn, data, STEPS, SPAN, seed=0, biases=True)
    z = at_opt.losses
    assert np.all(np.diff(z, 2, axis=0) > 0) and np.all(np.diff(z, 2, axis=1) > 0)
    mx, my = at_opt.minimum()
    assert abs(mx) <= STEP and abs(my) <= STEP
    np.testing.assert_array_equal(net.weight._array, coef[None, :3])  # the weights are restored
    # off the optimum, along the same directions: the minimum moves to where it must be
    d1, d2 = at_opt.directions
    a, b = 0.4, -0.3
    with gn.no_grad():
        net.weight._array -= a * d1[0] + b * d2[0]
        net.bias._array -= a * d1[1] + b * d2[1]
    off = gn.inspect.landscape(net, loss_fn, data, STEPS, SPAN, directions=(d1, d2))
    mx, my = off.minimum()
    assert abs(mx - a) <= STEP and abs(my - b) <= STEP
    assert off.losses[STEPS // 2, STEPS // 2] > off.losses.min()


def test_directions_are_filter_normalised():
    w = [np.arange(12.0).reshape(4, 3) + 1, np.ones(4)]
    d = gn.inspect.filter_normalized(w, seed=1)
    np.testing.assert_allclose(np.linalg.norm(d[0], axis=1), np.linalg.norm(w[0], axis=1))
    assert not d[1].any()  # biases stay put by default (Li et al.'s code does the same)
    d = gn.inspect.filter_normalized(w, seed=1, biases=True)
    assert np.linalg.norm(d[1]) == pytest.approx(2.0)


def test_interpolation_and_the_pca_path_of_a_training_run(problem, tmp_path):
    sklearn = require("sklearn.decomposition")
    require("matplotlib")
    net, loss_fn, data, coef = problem
    start = gn.inspect.get_weights(net)
    rec = gn.inspect.Trajectory()
    Model(net).compile("sgd", "mse", lr=0.05).fit(*data, epochs=8, batch_size=20, verbose=0,
                                                  callbacks=[rec])  # fmt: skip
    line = gn.inspect.interpolate(net, loss_fn, data, start, gn.inspect.get_weights(net))
    assert (
        line.losses[np.searchsorted(line.alphas, 1.0)]
        < line.losses[np.searchsorted(line.alphas, 0.0)]
    )
    land = gn.inspect.landscape(net, loss_fn, data, steps=15, trajectory=rec.weights)
    assert land.path.shape == (9, 2) and np.allclose(land.path[-1], 0)
    m = np.stack([np.concatenate([w.ravel() for w in t]) for t in rec.weights])
    pca = sklearn.PCA(2).fit(m - m[-1])
    flat = [np.concatenate([w.ravel() for w in d]) for d in land.directions]
    for comp, mine in zip(pca.components_, flat):
        assert abs(comp @ mine) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(land.explained, pca.explained_variance_ratio_, rtol=1e-6)
    assert np.abs(land.path).max() <= land.xs.max()  # the grid covers the path
    land.contour(tmp_path / "contour.png")
    land.surface(tmp_path / "surface.png")
    line.plot(tmp_path / "line.png")
    for name in ("contour", "surface", "line"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


def test_bad_weights_name_what_does_not_fit(problem):
    net, loss_fn, data, _ = problem
    with pytest.raises(ValueError, match=r"directions\[0\]: weight shapes \[\(2, 2\)\]"):
        gn.inspect.landscape(net, loss_fn, data, directions=([np.zeros((2, 2))], [np.zeros(1)]))
    with pytest.raises(ValueError, match="at least 3 weight sets"):
        gn.inspect.landscape(net, loss_fn, data, trajectory=[gn.inspect.get_weights(net)])
