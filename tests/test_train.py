"""Model.compile/fit/evaluate/predict and the Keras callbacks."""

import re

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.data import DataLoader, TensorDataset
from glassnet.optim import lr_scheduler
from glassnet.train import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    Model,
    ModelCheckpoint,
    ReduceLROnPlateau,
    load_model,
)


def _blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 2)) + 4 * np.eye(3)[y][:, :2]).astype(np.float32)
    return x, y


def _mlp(n_in=2, hidden=16, n_out=3, dropout=0.0):
    layers = [nn.Linear(n_in, hidden), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(hidden, n_out))


def test_fit_learns_and_history_has_keras_keys():
    x, y = _blobs()
    m = Model(_mlp()).compile("adam", "cross_entropy", ["accuracy"], lr=0.01)
    h = m.fit(x, y, epochs=15, batch_size=32, validation_split=0.2, verbose=0)
    assert set(h.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert len(h.history["loss"]) == 15 and h.epoch == list(range(15))
    assert h.history["loss"][-1] < h.history["loss"][0]
    loss, acc = m.evaluate(x, y)
    assert acc > 0.85
    pred = m.predict(x).argmax(1)
    assert acc == pytest.approx(float(np.mean(pred == y)))


def test_validation_split_takes_the_last_part_like_keras():
    x, y = _blobs(100)
    m = Model(_mlp()).compile("sgd", "cross_entropy")
    h = m.fit(x, y, epochs=1, batch_size=10, validation_split=0.2, verbose=0)
    assert h.history["val_loss"][0] == pytest.approx(m.evaluate(x[80:], y[80:]), rel=1e-6)


def test_fit_accepts_dataloaders_and_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32) + 0.3).astype(np.float32)
    train = DataLoader(TensorDataset(x, y), batch_size=20, shuffle=True)
    m = Model(nn.Linear(3, 1)).compile("sgd", "mse", ["mae", "r2"], lr=0.1)
    h = m.fit(train, epochs=30, validation_data=DataLoader(TensorDataset(x, y), 50), verbose=0)
    assert h.history["val_r2"][-1] > 0.999 and h.history["mae"][-1] < 0.05
    assert m.predict(train).shape == (200, 1)


def test_early_stopping_on_an_overfitting_problem_restores_the_best_epoch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 20)).astype(np.float32)
    y = rng.integers(0, 2, 40)  # random labels: a big net memorises them, val loss rises
    xv = rng.normal(size=(200, 20)).astype(np.float32)
    yv = rng.integers(0, 2, 200)
    snaps = []
    m = Model(_mlp(20, 256, 2)).compile("adam", "cross_entropy", lr=0.01)
    stop = EarlyStopping(patience=3, restore_best_weights=True)
    keep = LambdaCallback(on_epoch_end=lambda e, logs: snaps.append(m.get_weights()))
    h = m.fit(
        x, y, epochs=200, batch_size=40, validation_data=(xv, yv), callbacks=[keep, stop], verbose=0
    )
    vl = h.history["val_loss"]
    best = int(np.argmin(vl))
    assert len(vl) < 200 and vl[-1] > vl[best]
    assert len(vl) - 1 == best + 3  # stopped `patience` epochs after the last improvement
    assert stop.stopped_epoch == len(vl) - 1 and stop.best_epoch == best
    for a, b in zip(m.get_weights(), snaps[best]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_start_from_epoch_and_min_delta():
    x, y = _blobs(60)
    m = Model(_mlp()).compile("sgd", "cross_entropy", lr=0.0)  # nothing changes
    h = m.fit(
        x,
        y,
        epochs=10,
        validation_data=(x, y),
        verbose=0,
        callbacks=[EarlyStopping(patience=2, start_from_epoch=4, min_delta=1e-3)],
    )
    assert len(h.history["loss"]) == 7  # first counted epoch 4, best there, stop 2 later


def test_resume_from_a_checkpoint_is_bit_identical(tmp_path):
    x, y = _blobs(256)

    def run(stop_at):
        gn.manual_seed(7)
        m = Model(_mlp(dropout=0.3)).compile(
            "adam",
            "cross_entropy",
            ["accuracy"],
            scheduler=lambda opt: lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
        )
        m.fit(x, y, epochs=stop_at, batch_size=16, verbose=0)
        return m

    full = run(5)
    part = run(2)
    part.save(tmp_path / "ckpt.safetensors")
    gn.manual_seed(123)  # scramble the RNG: the checkpoint must restore it
    np.random.default_rng(0).normal(size=5)
    resumed = load_model(tmp_path / "ckpt.safetensors")
    assert resumed.epoch == 2 and type(resumed.scheduler).__name__ == "StepLR"
    resumed.fit(x, y, epochs=5, batch_size=16, verbose=0, initial_epoch=resumed.epoch)
    for a, b in zip(full.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert full.optimizer.param_groups[0]["lr"] == resumed.optimizer.param_groups[0]["lr"]


def test_terminate_on_nan_names_epoch_and_batch_and_restores_the_epochs_start(capsys):
    x, y = _blobs(100)
    x[35] = np.nan  # in the 4th batch of 10
    gn.manual_seed(0)
    m = Model(_mlp()).compile("sgd", "cross_entropy", lr=0.1)
    start = m.get_weights()
    h = m.fit(x, y, epochs=3, batch_size=10, shuffle=False, verbose=0)
    out = capsys.readouterr().out
    assert re.search(r"epoch 1, batch 4", out) and m.nan_at == (0, 3)
    assert "restored the weights from the start of epoch 1 (those fit started from)" in out
    assert len(h.history["loss"]) == 1 and m.epoch == 0
    for a, b in zip(m.get_weights(), start):
        np.testing.assert_array_equal(a, b)  # the weights of the last start known to be good


# ----- issue 12: truly good weights after NaN, no leftovers --------------------------------
def _diverging(lr=1e6, optimizer="sgd"):
    gn.manual_seed(0)
    return Model(_mlp()).compile(optimizer, "cross_entropy", lr=lr)


def test_after_a_diverging_step_the_kept_weights_give_finite_outputs(capsys):
    from glassnet.train import TerminateOnNaN

    x, y = _blobs(100)
    m = _diverging()
    guard = TerminateOnNaN()
    m.fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[guard])
    assert m.nan_at is not None  # lr 1e6 blows up in epoch 1
    assert np.isfinite(m.predict(x)).all()  # not just finite weights: finite outputs
    assert guard.nan_at == m.nan_at
    assert all(np.isfinite(w).all() for w in m.get_weights())
    assert guard.restored_epoch == 0 and "from the start of epoch 1" in capsys.readouterr().out


def test_nan_in_an_epochs_first_batch_restores_the_previous_epochs_start(tmp_path, capsys):
    from glassnet.train import TerminateOnNaN

    x, y = _blobs(100)
    m = _diverging(lr=0.01, optimizer="adam")
    starts = []

    def poison(epoch, logs):
        starts.append(m.get_weights())
        if epoch == 2:  # the weights the epoch starts from give NaN on its very first batch
            for p in m.module.parameters():
                p._array[...] = np.float32(3e38)

    guard = TerminateOnNaN()
    every = ModelCheckpoint(str(tmp_path / "ep{epoch}.safetensors"))
    h = m.fit(
        x,
        y,
        epochs=5,
        batch_size=10,
        verbose=0,
        validation_data=(x, y),
        callbacks=[LambdaCallback(on_epoch_begin=poison), every, guard],
    )
    assert m.nan_at == (2, 0)
    for a, b in zip(m.get_weights(), starts[1]):
        np.testing.assert_array_equal(a, b)
    assert guard.restored_epoch == 1 and m.epoch == 1
    state = m.optimizer.state_dict()["state"]
    assert state and all(np.isfinite(v).all() for s in state.values() for v in s.values())
    assert "restored the weights from the start of epoch 2" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep1.safetensors", "ep2.safetensors"]
    # the stopped epoch has no validation: its columns stay aligned (NaN), so curves can plot
    assert len(h.history["loss"]) == len(h.history["val_loss"]) == 3
    assert np.isnan(h.history["val_loss"][2]) and not np.isnan(h.history["val_loss"][1])


def test_a_killed_write_leaves_a_temporary_that_the_next_write_removes(tmp_path):
    import os
    import subprocess
    import sys
    import time

    from glassnet.io import atomic_write_bytes

    target = tmp_path / "ckpt.safetensors"
    kill = (  # (each run keeps the earlier runs' temporaries: slow starts must not age them)
        "import os, sys; import glassnet.io as io; from glassnet.io import atomic_open\n"
        "io.STALE_TEMP_S = 1e9\n"
        "with atomic_open(sys.argv[1]) as f:\n"
        "    f.write(b'x' * 100000); f.flush(); os.kill(os.getpid(), 9)\n"
    )
    hold = (
        "import sys; from glassnet.io import atomic_open\n"
        "with atomic_open(sys.argv[1]) as f:\n"
        "    f.write(b'y'); f.flush(); print('writing', flush=True); sys.stdin.read()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", kill, str(target)], env=env, timeout=120)
        assert r.returncode == -9
    killed = {p.name for p in tmp_path.glob(".ckpt.safetensors.*.tmp")}
    assert len(killed) == 3
    other = tmp_path / ".other.bin.0123abcd.tmp"  # another target's temporary: not ours
    other.write_bytes(b"z")
    writer = subprocess.Popen(
        [sys.executable, "-c", hold, str(target)],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        live = {p.name for p in tmp_path.glob(".ckpt.safetensors.*.tmp")} - killed
        assert len(live) == 1
        old = time.time() - 3600
        for p in tmp_path.iterdir():
            os.utime(p, (old, old))  # all of them long untouched; only the lock tells
        atomic_write_bytes(target, b"new")
        left = {p.name for p in tmp_path.iterdir()}
        assert left == {"ckpt.safetensors", other.name, *live}  # the killed ones are gone
    finally:
        writer.communicate("", timeout=60)
    assert writer.returncode == 0 and target.read_bytes() == b"y"
    assert {p.name for p in tmp_path.iterdir()} == {"ckpt.safetensors", other.name}


def test_csv_logger_checkpoint_and_lr_callbacks(tmp_path):
    x, y = _blobs(120)
    m = Model(_mlp()).compile("sgd", "cross_entropy", ["accuracy"], lr=0.1)
    sched = LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    ck = ModelCheckpoint(tmp_path / "best.safetensors", save_best_only=True)
    every = ModelCheckpoint(str(tmp_path / "ep{epoch:02d}.safetensors"))
    h = m.fit(
        x,
        y,
        epochs=4,
        validation_data=(x, y),
        verbose=0,
        callbacks=[sched, ck, every, CSVLogger(tmp_path / "log.csv")],
    )
    assert h.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3, 0.025])
    rows = (tmp_path / "log.csv").read_text().splitlines()
    assert rows[0] == "epoch,accuracy,loss,lr,val_accuracy,val_loss" and len(rows) == 5
    assert float(rows[2].split(",")[2]) == pytest.approx(h.history["loss"][1])
    assert sorted(p.name for p in tmp_path.glob("ep*")) == [
        f"ep0{i}.safetensors" for i in range(1, 5)
    ]
    best = load_model(tmp_path / "best.safetensors")
    assert best.evaluate(x, y)[0] == pytest.approx(min(h.history["val_loss"]), rel=1e-5)


def test_reduce_lr_on_plateau_lowers_the_rate():
    x, y = _blobs(60)
    m = Model(_mlp()).compile("sgd", "cross_entropy", lr=1e-9)  # val loss never improves
    m.fit(
        x,
        y,
        epochs=5,
        validation_data=(x, y),
        verbose=0,
        callbacks=[ReduceLROnPlateau(patience=1, factor=0.5)],
    )
    assert m.optimizer.param_groups[0]["lr"] == pytest.approx(1e-9 * 0.5**2)


def test_l2_penalty_shrinks_weights():
    x, y = _blobs()
    norms = []
    for l2 in (0.0, 0.05):
        gn.manual_seed(0)
        m = Model(_mlp()).compile("sgd", "cross_entropy", lr=0.1, l2=l2)
        m.fit(x, y, epochs=10, verbose=0)
        norms.append(sum(float((w**2).sum()) for w in m.get_weights() if w.ndim == 2))
    assert norms[1] < 0.7 * norms[0]


def test_progress_output_modes(capsys):
    x, y = _blobs(60)
    m = Model(_mlp()).compile("sgd", "cross_entropy", ["accuracy"])
    m.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2 and lines[1].startswith("Epoch 2/2") and "accuracy:" in lines[1]
    m.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
    m.fit(x, y, epochs=1, verbose=1)
    assert "Epoch 1/1" in capsys.readouterr().out


def test_fit_errors_are_clear():
    x, y = _blobs(20)
    with pytest.raises(RuntimeError, match="compile"):
        Model(_mlp()).fit(x, y)
    m = Model(_mlp()).compile()
    with pytest.raises(ValueError, match="x has 20 samples"):
        m.fit(x, y[:10], verbose=0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        m.compile("adamx")
    with pytest.raises(ValueError, match="expected input"):
        m.fit(np.zeros((4, 5), np.float32), np.zeros(4, np.int64), verbose=0)


def test_binary_logits_accuracy_thresholds_at_zero():
    x, y = _blobs()
    yb = (y == 0).astype(np.float32)
    m = Model(_mlp(n_out=1)).compile("adam", "bce_with_logits", ["accuracy", "f1"], lr=0.01)
    m.fit(x, yb, epochs=10, verbose=0)
    loss, acc, f1 = m.evaluate(x, yb)
    pred = (m.predict(x)[:, 0] > 0).astype(np.int64)
    assert acc == pytest.approx(np.mean(pred == yb)) and acc > 0.9
    assert f1 == pytest.approx(gn.metrics.f1_score(yb.astype(np.int64), pred, average="macro"))
