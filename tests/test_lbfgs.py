"""`optim.LBFGS` against torch's on the same problems (issue 14): Rosenbrock from the same
start, with and without the strong-Wolfe line search, a short history (old pairs dropped),
and a float32 least-squares fit of an nn.Linear; the iterates must agree."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch


def _rosenbrock(lib, x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _run(lib, steps, **kw):
    x = lib.tensor(np.array([-1.5, 2.0]), requires_grad=True)
    opt = lib.optim.LBFGS([x], **kw)

    def closure():
        opt.zero_grad()
        loss = _rosenbrock(lib, x)
        loss.backward()
        return loss

    path = []
    for _ in range(steps):
        opt.step(closure)
        path.append(x.detach().numpy().copy())
    evals = opt.state[x]["func_evals"], opt.state[x]["n_iter"]
    return np.array(path), evals


@pytest.mark.parametrize(
    "kw",
    [
        {"line_search_fn": "strong_wolfe"},
        {"line_search_fn": "strong_wolfe", "history_size": 3, "max_iter": 7},
        {"lr": 0.1, "history_size": 4},
        {"lr": 1, "max_iter": 5, "line_search_fn": "strong_wolfe", "tolerance_change": 1e-12},
    ],
)
def test_rosenbrock_iterates_equal_torch(kw):
    ours, ours_n = _run(gn, 6, **kw)
    theirs, theirs_n = _run(torch, 6, **kw)
    # the same control flow (evaluations, iterations); the iterates agree to rounding, which
    # Rosenbrock's curved valley amplifies from ~1e-16 to ~1e-7 over 6 steps of 7 iterations
    assert ours_n == theirs_n
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-9)


def test_strong_wolfe_reaches_the_minimum():
    path, _ = _run(gn, 10, line_search_fn="strong_wolfe")
    np.testing.assert_allclose(path[-1], [1.0, 1.0], atol=1e-5)  # f < 1e-10 there


def test_least_squares_on_a_linear_layer_as_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5)).astype(np.float32)
    y = (x @ rng.standard_normal((5, 2)) + 0.1 * rng.standard_normal((64, 2))).astype(np.float32)
    results = []
    for lib in (gn, torch):
        lib.manual_seed(0)
        net = lib.nn.Linear(5, 2)
        with lib.no_grad():
            net.weight.copy_(lib.tensor(np.full((2, 5), 0.1, np.float32)))
            net.bias.zero_()
        opt = lib.optim.LBFGS(net.parameters(), history_size=10, line_search_fn="strong_wolfe")
        xt, yt = lib.tensor(x), lib.tensor(y)

        def closure(net=net, opt=opt, xt=xt, yt=yt, lib=lib):
            opt.zero_grad()
            loss = lib.nn.functional.mse_loss(net(xt), yt)
            loss.backward()
            return loss

        losses = [float(opt.step(closure)) for _ in range(3)]
        results.append((losses, net.weight.detach().numpy().copy()))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-4)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-3, atol=1e-5)


def test_bad_arguments_are_named():
    p = gn.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn"):
        gn.optim.LBFGS([p], line_search_fn="backtracking")
    with pytest.raises(RuntimeError, match="closure"):
        gn.optim.LBFGS([p]).step()
