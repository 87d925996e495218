"""`glassnet.inspect.HealthMonitor` on real short training runs (scikit-learn's digits)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import glassnet as gn
from conftest import require
from glassnet.inspect import HealthMonitor, HealthWarning
from glassnet.train import Model


@pytest.fixture(scope="module")
def digits():
    require("sklearn")
    x, y = gn.datasets.digits()
    x = ((x - x.mean(0)) / (x.std(0) + 1e-6)).astype(np.float32)
    return x[:1024], y[:1024]


def _fit(net, digits, optimizer, lr, epochs=1, every=5, batch_size=64):
    gn.manual_seed(0)
    mon = HealthMonitor(every=every, verbose=False)
    opt = gn.optim.create(optimizer, net.parameters(), lr=lr)
    model = Model(net).compile(opt, "cross_entropy", ["accuracy"])
    with np.errstate(all="ignore"):
        history = model.fit(
            *digits, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[mon]
        )
    return mon, history


def _last_epoch(mon, column):
    last = max(r["epoch"] for r in mon.rows if column in r)
    return {r["layer"]: r[column] for r in mon.rows if column in r and r["epoch"] == last}


def test_a_learning_rate_that_kills_relus_is_reported(digits):
    mon, _ = _fit(gn.models.MLP([64, 100, 100, 10]), digits, "adam", 0.5, epochs=2)
    dead = _last_epoch(mon, "dead")
    assert max(dead.values()) >= 0.5, dead
    assert any("of ReLUs never fired this epoch" in w for w in mon.warnings)
    calm, history = _fit(gn.models.MLP([64, 100, 100, 10]), digits, "adam", 1e-3, epochs=2)
    assert max(_last_epoch(calm, "dead").values()) < 0.1
    assert history.history["accuracy"][-1] > 0.6
    assert not any("never fired" in w for w in calm.warnings)


def test_saturation_in_a_deep_sigmoid_network_with_large_init(digits):
    net = gn.models.MLP([64] + [64] * 5 + [10], activation="sigmoid")
    for layer in net.linears():
        gn.nn.init.normal_(layer.weight, 0.0, 2.0)
    mon, _ = _fit(net, digits, "sgd", 0.05)
    saturated = mon.latest("saturated")
    assert len(saturated) == 5 and min(saturated.values()) > 0.5, saturated
    assert any("outputs saturated" in w for w in mon.warnings)
    calm = gn.models.MLP([64] + [64] * 5 + [10], activation="sigmoid")  # PyTorch's init
    assert max(_fit(calm, digits, "sgd", 0.05)[0].latest("saturated").values()) < 0.2


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_vanishing_gradients_in_10_sigmoid_layers_not_with_relu_and_he_init(digits, activation):
    net = gn.models.MLP([64] + [64] * 9 + [10], activation=activation)
    if activation == "relu":
        for layer in net.linears():
            gn.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
    mon, _ = _fit(net, digits, "sgd", 0.1, every=2)
    norms = list(mon.gradient_norms().values())
    assert len(norms) == 10
    ratio = norms[0] / norms[-1]
    vanishing = any("vanishing gradients" in w for w in mon.warnings)
    if activation == "sigmoid":
        assert ratio < 1e-3 and vanishing
    else:
        assert ratio > 0.1 and not vanishing


def test_update_to_data_ratio_is_near_1e_3_for_a_well_set_adam(digits):
    net = gn.models.MLP([64, 100, 100, 10])
    mon, history = _fit(net, digits, "adam", 2e-4, epochs=3, batch_size=32)
    for layer in ("0", "2", "4"):
        med = np.median([r["update_data"] for r in mon.rows if r["layer"] == layer
                         and "update_data" in r])  # fmt: skip
        assert 5e-4 < med < 3e-3, (layer, med)
    assert history.history["accuracy"][-1] > 0.65
    assert not any("update:data" in w for w in mon.warnings)
    hot, _ = _fit(gn.models.MLP([64, 100, 100, 10]), digits, "adam", 0.05)
    assert any("learning rate looks too high" in w for w in hot.warnings)


def _loop(mon, net, opt, x, y):
    for step in range(6):
        mon.begin_step()
        if step == 5:  # the hidden layer makes the first inf
            with gn.no_grad():
                net[0].bias._array[0] = np.inf
        loss = gn.nn.CrossEntropyLoss()(net(x), y)
        opt.zero_grad()
        with np.errstate(all="ignore"):
            loss.backward()
        opt.step()
        mon.end_step()
    mon.end_epoch()


def test_hand_written_loop_csv_png_and_the_first_nan(tmp_path):
    require("matplotlib")
    net = gn.models.MLP([3, 8, 2], activation="tanh")
    mon = HealthMonitor(every=2).attach(net)
    opt = gn.optim.SGD(net.parameters(), lr=0.1)
    x, y = gn.randn(16, 3), np.arange(16) % 2
    with pytest.warns(HealthWarning) as caught:
        _loop(mon, net, opt, x, y)
    assert any("produced NaN or inf first" in str(w.message) for w in caught)
    assert mon.first_nonfinite == (5, "0 (Linear)")
    assert "layer 0 (Linear) produced NaN or inf first (step 5)" in mon.warnings
    mon.save(tmp_path, per_quantity=False)
    mon.plot(tmp_path / "health_update_data.png", ["update_data"])
    rows = list(csv.DictReader((tmp_path / "health.csv").open()))
    assert {r["step"] for r in rows} == {"0", "2", "4"}
    assert {(r["layer"], r["type"]) for r in rows} == {("0", "Linear"), ("1", "Tanh"),
                                                        ("2", "Linear")}  # fmt: skip
    tanh = [r for r in rows if r["type"] == "Tanh"]
    assert all(0 <= float(r["saturated"]) <= 1 and float(r["act_std"]) > 0 for r in tanh)
    assert (tmp_path / "health.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "health_update_data.png").exists()
    mon.detach()
    assert not net[0]._forward_hooks
    with pytest.raises(ValueError, match="every must be a positive integer"):
        HealthMonitor(every=0)


def test_glassnet_train_health_writes_health_csv_and_png(tmp_path, capsys):
    require("matplotlib")
    from glassnet.cli import main

    out = tmp_path / "run"
    argv = ["train", "--dataset", "iris", "--hidden", "4", "--epochs", "2", "--verbose", "0"]
    assert main([*argv, "--health", "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "health.csv").open()))
    assert {r["layer"] for r in rows} == {"1.0", "1.1", "1.2"}  # Standardize comes first
    assert (out / "health.png").read_bytes()[:4] == b"\x89PNG"
    assert "health.png" in capsys.readouterr().out
