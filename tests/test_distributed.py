"""glassnet.distributed on a local Ray (2 CPUs, started once for the module): data-parallel
fit against one process, a worker killed mid-run, checkpoint resume, bad input, the CLI;
sweeps against plain `glassnet train` runs; GridSearchCV on Ray's joblib backend against the
local search."""

from __future__ import annotations

import csv
import os
import re
import signal
import socket
import time

import numpy as np
import pytest

import glassnet as gn
from conftest import require
from glassnet.cli import main
from glassnet.distributed import DataParallel, SweepError, shard_slices, sweep, trial_settings
from glassnet.distributed._cluster import check_reachable
from glassnet.train import LambdaCallback, Model, ModelCheckpoint, load_model


@pytest.fixture(scope="module", autouse=True)
def ray():
    ray = require("ray")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def dp(ray):
    """Two workers, started once and shared by the fits below."""
    with DataParallel(num_workers=2) as strategy:
        yield strategy


def _data(n=500, d=8, classes=3):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, d))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    return x, y.astype(np.int64) % classes


def _model(dtype=np.float64, dropout=0.0, **compile_kw):
    gn.manual_seed(3)
    net = gn.models.MLP([8, 32, 16, 3], "tanh", dropout=dropout).to(dtype)
    return Model(net).compile("adam", "cross_entropy", ["accuracy"], lr=0.01, **compile_kw)


def _fit(model, x, y, strategy=None, seed=5, **kw):
    """fit, the shuffling generator seeded first (seed=None: as it is, e.g. restored)."""
    if seed is not None:
        gn.manual_seed(seed)
    kw = {"batch_size": 50, "epochs": 2, "verbose": 0, **kw}
    return model.fit(x, y, strategy=strategy, **kw)


# ----- equivalence ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-6), (np.float32, 1e-5)])
def test_two_workers_of_25_match_one_process_with_batch_50(dp, dtype, tol):
    x, y = _data(500)  # 10 batches of 50 per epoch, 2 epochs: 20 steps
    local, dist = _model(dtype, l2=1e-3), _model(dtype, l2=1e-3)
    h1 = _fit(local, x, y)
    steps = dp.stats["steps"]
    h2 = _fit(dist, x, y, dp)
    assert dp.stats["steps"] - steps == 20
    for a, b in zip(local.get_weights(), dist.get_weights()):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)
    assert not np.array_equal(local.get_weights()[0], _model(dtype).get_weights()[0])  # it moved
    np.testing.assert_allclose(h2.history["loss"], h1.history["loss"], rtol=tol)
    assert h2.history["accuracy"] == h1.history["accuracy"]


def test_a_batch_that_does_not_divide_is_split_as_array_split(dp):
    assert [(s.start, s.stop) for s in shard_slices(7, 2)] == [(0, 4), (4, 7)]
    assert [s.stop - s.start for s in shard_slices(1, 2)] == [1, 0]
    x, y = _data(101)  # batches of 49 (25 + 24) and a last one of 3 (2 + 1)
    local, dist = _model(), _model()
    _fit(local, x, y, batch_size=49, epochs=1)
    _fit(dist, x, y, dp, batch_size=49, epochs=1)
    for a, b in zip(local.get_weights(), dist.get_weights()):
        np.testing.assert_allclose(b, a, rtol=1e-9, atol=1e-12)


def test_batchnorm_running_means_are_the_shard_weighted_mean(dp):
    # the running mean is linear in the batch mean, so after one step the weighted mean of the
    # shards' updates is the whole batch's (the variance is not: each shard normalises itself)
    x, y = _data(49)

    def one_step(strategy):
        gn.manual_seed(3)
        net = gn.models.MLP([8, 16, 3], batch_norm=True).double()
        m = Model(net).compile("sgd", "cross_entropy")
        _fit(m, x, y, strategy, batch_size=49, epochs=1)
        return {k: v._array for k, v in net.named_buffers()}

    local, dist = one_step(None), one_step(dp)
    np.testing.assert_allclose(dist["1.running_mean"], local["1.running_mean"], atol=1e-12)
    assert not np.allclose(dist["1.running_mean"], 0)
    assert dist["1.num_batches_tracked"] == local["1.num_batches_tracked"] == 1


# ----- fault tolerance --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def four_epochs(dp):
    """Data, and the weights of an uninterrupted 4-epoch distributed run with dropout (so the
    replayed or resumed steps' seeding matters)."""
    x, y = _data(300)  # 6 steps an epoch
    straight = _model(dropout=0.2)
    _fit(straight, x, y, dp, epochs=4)
    return x, y, straight.get_weights()


@pytest.mark.slow
def test_a_worker_killed_in_epoch_2_of_4_is_restarted_and_the_result_is_unchanged(
    dp, four_epochs, capsys
):
    x, y, expected = four_epochs
    model, killed, restarts = _model(dropout=0.2), [], dp.restarts

    def kill(batch, logs):
        if model.epoch == 1 and batch == 2 and not killed:
            killed.append(dp.pids[1])
            os.kill(dp.pids[1], signal.SIGKILL)

    _fit(model, x, y, dp, epochs=4, callbacks=[LambdaCallback(on_train_batch_end=kill)])
    assert killed and dp.restarts == restarts + 1
    assert "worker 1 died" in capsys.readouterr().err
    for a, b in zip(expected, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_a_distributed_run_resumes_from_its_checkpoint_bit_identically(dp, four_epochs, tmp_path):
    x, y, expected = four_epochs
    part = _model(dropout=0.2)
    ckpt = tmp_path / "ckpt.safetensors"
    _fit(part, x, y, dp, epochs=2, callbacks=[ModelCheckpoint(ckpt)])
    gn.manual_seed(99)  # the checkpoint restores the shuffling generator
    resumed = load_model(ckpt)
    assert resumed.epoch == 2
    _fit(resumed, x, y, dp, seed=None, epochs=4, initial_epoch=resumed.epoch)
    for a, b in zip(expected, resumed.get_weights()):
        np.testing.assert_array_equal(a, b)


# ----- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, -1, 1.5, True, "2"])
def test_num_workers_must_be_a_positive_integer(n):
    with pytest.raises(ValueError, match=f"num_workers must be an integer >= 1, got {n!r}"):
        DataParallel(num_workers=n)


def test_more_workers_than_the_cluster_has_cpus_is_refused():
    x, y = _data(100)
    with pytest.raises(ValueError, match=r"num_workers=3 is more than the 2 CPUs"):
        _fit(_model(), x, y, DataParallel(3))


def test_an_unreachable_address_is_refused_within_seconds():
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=r"address='127\.0\.0\.1:1': no Ray cluster answers"):
        check_reachable("127.0.0.1:1", "DataParallel")
    with pytest.raises(ConnectionError, match="no Ray cluster answers at 192.0.2.1:6379"):
        check_reachable("ray://192.0.2.1", "DataParallel")  # TEST-NET-1: never answers
    with pytest.raises(ConnectionError, match="no Ray cluster answers at 127.0.0.1:1"):
        _fit(_model(), *_data(100), DataParallel(2, address="127.0.0.1:1"))
    assert time.monotonic() - start < 10
    with socket.create_server(("127.0.0.1", 0)) as other:  # something listens, not our Ray
        port = other.getsockname()[1]
        with pytest.raises(ConnectionError, match="already connected to the Ray cluster at"):
            DataParallel(2, address=f"127.0.0.1:{port}").connect()


def test_what_a_worker_cannot_rebuild_is_refused_by_name():
    class Custom(Model):
        def train_step(self, batch):
            return super().train_step(batch)

    x, y = _data(100)
    m = Custom(gn.models.MLP([8, 3])).compile("sgd", "cross_entropy")
    with pytest.raises(TypeError, match="Custom overrides train_step"):
        _fit(m, x, y, DataParallel(2))
    m = Model(gn.models.MLP([8, 3])).compile("sgd", lambda out, t: (out * out).mean())
    with pytest.raises(ValueError, match="workers compile the loss by name"):
        _fit(m, x, y, DataParallel(2))
    m = Model(gn.models.MLP([8, 3])).compile("sgd", gn.nn.CrossEntropyLoss(reduction="sum"))
    with pytest.raises(ValueError, match="reduction='sum'"):
        _fit(m, x, y, DataParallel(2))


# ----- the command line -------------------------------------------------------------------------
def test_glassnet_train_with_workers(dp, tmp_path, capsys):
    dp.close()  # give the CPUs to the command's own workers (a later fit on dp restarts them)
    out = tmp_path / "run"
    argv = ["train", "--dataset", "iris", "--epochs", "2", "--verbose", "0", "--out", str(out)]
    assert main([*argv, "--workers", "2"]) == 0
    assert "data-parallel on 2 Ray workers" in capsys.readouterr().out
    assert gn.train.load_model(out / "model.safetensors").epoch == 2
    assert main([*argv[:-1], str(tmp_path / "x"), "--workers", "3"]) == 2
    assert "--workers 3: DataParallel: num_workers=3 is more than the 2 CPUs of" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "x").exists()  # refused before --out was made
    assert main([*argv, "--address", "auto"]) == 2
    assert "--address auto: only used with --workers N" in capsys.readouterr().err


# ----- sweeps -----------------------------------------------------------------------------------
def test_trial_settings_grid_in_order_and_random_reproducible_within_its_ranges():
    grid = trial_settings({"lr": [0.1, 0.01], "hidden": ["8", "16"]})
    assert grid == [
        {"lr": 0.1, "hidden": "8"},
        {"lr": 0.1, "hidden": "16"},
        {"lr": 0.01, "hidden": "8"},
        {"lr": 0.01, "hidden": "16"},
    ]
    space = {
        "lr": {"low": 1e-4, "high": 1e-1, "log": True},
        "epochs": {"low": 2, "high": 5},
        "l2": {"low": 0.0, "high": 0.5},
        "activation": ["relu", "tanh"],
    }
    draws = trial_settings(space, "random", trials=50, seed=1)
    assert draws == trial_settings(space, "random", trials=50, seed=1)
    assert draws != trial_settings(space, "random", trials=50, seed=2)
    assert all(1e-4 <= d["lr"] <= 1e-1 and 0 <= d["l2"] <= 0.5 for d in draws)
    assert {d["epochs"] for d in draws} == {2, 3, 4, 5}
    assert {d["activation"] for d in draws} == {"relu", "tanh"}


@pytest.mark.parametrize(
    "space, kw, message",
    [
        ({"lr": [0.1]}, {"method": "bayes"}, "method must be one of"),
        ({"lrate": [0.1]}, {}, "'lrate' is not a setting a sweep can vary"),
        ({"workers": [1, 2]}, {}, "'workers' is not a setting"),
        ({"lr": []}, {}, "lr must be a non-empty list"),
        ({"lr": {"low": 1, "high": 2}}, {}, "lr must be a non-empty list, got"),  # grid: no ranges
        ({"lr": {"low": 2, "high": 1}}, {"method": "random"}, "needs finite low <= high"),
        ({"lr": {"low": 0, "high": 1, "log": True}}, {"method": "random"}, "low > 0"),
        ({"lr": {"lo": 0, "high": 1}}, {"method": "random"}, "a range is a table"),
        ({"lr": [0.1]}, {"method": "random", "trials": 0}, "trials must be a whole number"),
        ({"lr": [0.1, -1.0]}, {}, "sweep: trial 1: lr must be positive, got -1.0"),
        ({"epochs": [2, 2.5]}, {}, "sweep: trial 1: epochs must be int, got 2.5"),
        ({"lr": [0.1]}, {"metric": "test_accuracy"}, "metric must be one of"),
        ({"lr": [0.1]}, {"base": {"workers": 2}}, "['workers'] cannot be set for sweep trials"),
    ],
)
def test_a_bad_sweep_is_refused_before_any_trial_runs(space, kw, message, tmp_path):
    base = kw.pop("base", {"dataset": "iris"})
    with pytest.raises(SweepError, match=re.escape(message)):
        sweep(base, space, out=tmp_path, **kw)
    assert not any(tmp_path.iterdir())


@pytest.fixture()
def free_cpus(dp):
    """Trials need the CPUs the shared workers hold."""
    dp.close()


def test_glassnet_sweep_runs_each_trial_as_glassnet_train_and_keeps_the_best(
    free_cpus, tmp_path, capsys
):
    cfg = tmp_path / "sweep.toml"
    cfg.write_text(
        '[sweep]\nmethod = "grid"\nmetric = "val_loss"\n\n'
        '[train]\ndataset = "iris"\nepochs = 3\nhidden = "16"\n\n'
        "[space]\nlr = [0.005, 0.1]\n"
    )
    out = tmp_path / "out"
    assert main(["sweep", "--config", str(cfg), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = list(csv.DictReader((out / "results.csv").open()))
    assert [float(r["lr"]) for r in rows] == [0.005, 0.1] and "val_loss" in printed
    best = min(range(2), key=lambda i: float(rows[i]["val_loss"]))
    assert [r["best"] for r in rows] == ["1" if i == best else "0" for i in range(2)]
    assert f"best: trial {best} by val_loss" in printed
    assert not list(out.glob("trial-*/model.safetensors"))  # only the best is kept
    # the trial is `glassnet train` with its settings: the same run here gives the same model
    lr = rows[best]["lr"]
    argv = ["train", "--dataset", "iris", "--epochs", "3", "--hidden", "16", "--lr", lr]
    assert main([*argv, "--verbose", "0", "--out", str(tmp_path / "here")]) == 0
    kept = load_model(out / "best.safetensors").get_weights()
    for a, b in zip(load_model(tmp_path / "here" / "model.safetensors").get_weights(), kept):
        np.testing.assert_array_equal(a, b)
    bad = tmp_path / "bad.toml"
    bad.write_text('[space]\nlr = [0.1]\n[sweep]\ntrials = "many"\n')
    assert main(["sweep", "--config", str(bad)]) == 2
    assert "bad.toml: [sweep] trials must be int, got 'many'" in capsys.readouterr().err


# ----- scikit-learn on Ray's joblib backend -----------------------------------------------------
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_gridsearchcv_on_rays_joblib_backend_matches_the_local_search(free_cpus):
    joblib = require("joblib")
    model_selection = require("sklearn.model_selection")
    from ray.util.joblib import register_ray

    from glassnet.sklearn import MLPClassifier

    x, y = _data(150)
    grid = {"alpha": [1e-4, 1.0], "learning_rate_init": [1e-3, 1e-2]}

    def search(n_jobs):
        est = MLPClassifier((8,), max_iter=15, random_state=0, tol=0)
        return model_selection.GridSearchCV(est, grid, cv=2, n_jobs=n_jobs).fit(x, y)

    local = search(1)
    register_ray()
    with joblib.parallel_backend("ray"):
        on_ray = search(2)
    assert on_ray.best_params_ == local.best_params_
    np.testing.assert_array_equal(
        on_ray.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )


@pytest.mark.slow
def test_ray_tune_tuner_runs_the_glassnet_trainable(free_cpus, tmp_path):
    tune = require("ray.tune")
    from glassnet.distributed import trainable

    space = {"dataset": "iris", "epochs": 2, "hidden": "8", "lr": tune.grid_search([0.01, 0.1])}
    results = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space=space,
        tune_config=tune.TuneConfig(metric="val_loss", mode="min"),
        run_config=tune.RunConfig(storage_path=str(tmp_path), verbose=0),
    ).fit()
    assert results.num_errors == 0 and len(results) == 2
    losses = {r.config["lr"]: r.metrics["val_loss"] for r in results}
    assert results.get_best_result().config["lr"] == min(losses, key=losses.get)
    assert all(r.metrics["epochs"] == 2 and 0 <= r.metrics["test_accuracy"] <= 1 for r in results)
