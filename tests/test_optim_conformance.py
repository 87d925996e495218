"""Optimizers and learning-rate schedules against PyTorch: 20 steps, same parameters."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch

DTYPES = [np.float32, np.float64]
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}
STEPS = 20

CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1, "maximize": True}),
    ("Adagrad", {"lr": 0.1}),
    (
        "Adagrad",
        {"lr": 0.1, "lr_decay": 0.05, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
    ),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.8}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "alpha": 0.9}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "betas": (0.8, 0.99)}),
    ("Adam", {"lr": 0.01, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.3}),
    ("Adadelta", {}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1}),
]


def problem(dtype, seed=0):
    """Two-layer tanh regression: the same weights and data for both frameworks."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 5)).astype(dtype)
    y = rng.standard_normal((16, 2)).astype(dtype)
    weights = [rng.standard_normal(s).astype(dtype) * 0.5 for s in [(5, 8), (8,), (8, 2), (2,)]]
    return x, y, weights


def loss_of(lib, params, x, y):
    w1, b1, w2, b2 = params
    return ((lib.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2).mean()


def train(lib, make_opt, dtype, steps=STEPS, params=None, opt=None):
    """`steps` optimizer steps on `problem`; returns the parameters and the optimizer."""
    x, y, weights = problem(dtype)
    if params is None:
        params = [lib.tensor(w.copy(), requires_grad=True) for w in weights]
    opt = opt or make_opt(params)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(lib, params, lib.tensor(x), lib.tensor(y)).backward()
        opt.step()
    return params, opt


def assert_same_params(ours, ref, what):
    for i, (a, b) in enumerate(zip(ours, ref)):
        assert a.dtype == b.detach().numpy().dtype, f"{what}: param {i} dtype {a.dtype}"
        np.testing.assert_allclose(
            a.detach().numpy(),
            b.detach().numpy(),
            rtol=1e-5,
            atol=1e-5,
            err_msg=f"{what}: param {i} after {STEPS} steps",
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_twenty_steps_match_pytorch(name, kw, dtype):
    ours, _ = train(gn, lambda ps: getattr(gn.optim, name)(ps, **kw), dtype)
    ref, _ = train(torch, lambda ps: getattr(torch.optim, name)(ps, **kw), dtype)
    assert_same_params(ours, ref, f"{name} {kw}")


@pytest.mark.parametrize(
    "name,defaults,group_kw",
    [
        ("SGD", {"lr": 0.1}, {"lr": 0.02, "momentum": 0.9}),
        ("Adam", {"lr": 0.01}, {"lr": 0.03, "amsgrad": True, "weight_decay": 0.1}),
        ("RMSprop", {"lr": 0.01}, {"centered": True}),
    ],
)
def test_param_groups_use_their_own_options(name, defaults, group_kw):
    def make(lib):
        return lambda ps: getattr(lib.optim, name)(
            [{"params": ps[:2]}, {"params": ps[2:], **group_kw}], **defaults
        )

    ours, opt = train(gn, make(gn), np.float64)
    ref, topt = train(torch, make(torch), np.float64)
    assert_same_params(ours, ref, f"{name} param groups")
    assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", {"lr": 0.05, "momentum": 0.9}),
        ("Adam", {"lr": 0.01, "amsgrad": True}),
        ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
        ("Adagrad", {"lr": 0.1}),
        ("Adadelta", {}),
    ],
)
def test_state_dict_round_trip_continues_identically(name, kw):
    def make(ps):
        return getattr(gn.optim, name)(ps, **kw)

    straight, _ = train(gn, make, np.float64)
    half, opt = train(gn, make, np.float64, steps=STEPS // 2)
    resumed = [gn.tensor(p.detach().numpy().copy(), requires_grad=True) for p in half]
    opt2 = make(resumed)
    opt2.load_state_dict(opt.state_dict())
    train(gn, None, np.float64, steps=STEPS - STEPS // 2, params=resumed, opt=opt2)
    for a, b in zip(resumed, straight):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_optimizer_updates_parameters_in_place():
    x, y, weights = problem(np.float32)
    params = [gn.tensor(w.copy(), requires_grad=True) for w in weights]
    arrays = [p._array for p in params]
    train(gn, None, np.float32, steps=3, params=params, opt=gn.optim.Adam(params, lr=0.1))
    assert all(p._array is a for p, a in zip(params, arrays))
    assert not np.array_equal(params[0]._array, weights[0])


# ----- learning-rate schedules --------------------------------------------------------------
SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("MultiStepLR", {"milestones": [2, 5, 9], "gamma": 0.3}),
    ("ExponentialLR", {"gamma": 0.9}),
    ("CosineAnnealingLR", {"T_max": 10}),
    ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.01}),
    ("LambdaLR", {"lr_lambda": lambda e: 1 / (1 + e)}),
]


def _two_group_opt(lib):
    ps = [lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)]
    return lib.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.5}], lr=0.1, momentum=0.9)


@pytest.mark.parametrize("name,kw", SCHEDULES, ids=[n for n, _ in SCHEDULES])
def test_lr_schedules_match_pytorch_for_30_epochs(name, kw):
    opt, topt = _two_group_opt(gn), _two_group_opt(torch)
    s = getattr(gn.optim.lr_scheduler, name)(opt, **kw)
    ts = getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    for epoch in range(30):
        np.testing.assert_allclose(
            s.get_last_lr(),
            ts.get_last_lr(),
            rtol=1e-9,
            atol=1e-12,
            err_msg=f"{name} epoch {epoch}",
        )
        np.testing.assert_allclose(
            [g["lr"] for g in opt.param_groups],
            [g["lr"] for g in topt.param_groups],
            rtol=1e-9,
            atol=1e-12,
        )
        opt.step()
        topt.step()
        s.step()
        ts.step()


METRICS = [
    1.0,
    0.9,
    0.9,
    0.95,
    0.91,
    0.9,
    0.92,
    0.5,
    0.5,
    0.5,
    0.5,
    0.5,
    0.49999,
    0.6,
    0.7,
    0.8,
    0.4,
    0.4,
    0.4,
    0.4,
    0.4,
    0.4,
    0.4,
    0.4,
]


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"patience": 2},
        {"patience": 1, "cooldown": 2, "factor": 0.5},
        {"mode": "max", "patience": 1},
        {"patience": 0, "threshold_mode": "abs", "threshold": 0.05},
        {"patience": 1, "min_lr": 0.02, "factor": 0.5},
        {"patience": 1, "min_lr": [0.05, 0.001]},
    ],
)
def test_reduce_lr_on_plateau_matches_pytorch(kw):
    opt, topt = _two_group_opt(gn), _two_group_opt(torch)
    s = gn.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    ts = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    for i, m in enumerate(METRICS):
        s.step(m)
        ts.step(m)
        np.testing.assert_allclose(
            [g["lr"] for g in opt.param_groups],
            [g["lr"] for g in topt.param_groups],
            rtol=1e-12,
            err_msg=f"after metric {i}",
        )
        assert s.get_last_lr() == [g["lr"] for g in opt.param_groups]


def test_scheduler_state_dict_round_trip():
    opt = _two_group_opt(gn)
    s = gn.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        s.step()
    opt2 = _two_group_opt(gn)
    s2 = gn.optim.lr_scheduler.StepLR(opt2, step_size=2, gamma=0.5)
    s2.load_state_dict(s.state_dict())
    s.step()
    s2.step()
    assert s2.get_last_lr() == s.get_last_lr() and s.last_epoch == s2.last_epoch == 6
