"""The glassnet command: train / evaluate / predict / datasets, errors as one line."""

import numpy as np
import pytest
from tests.conftest import require

from glassnet.cli import main


def test_help_everywhere(capsys):
    for argv in ([], ["train"], ["evaluate"], ["predict"], ["datasets"]):
        assert main([*argv, "--help"]) == 0
        assert "usage: glassnet" in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "--epochs", "x"], "invalid int value"),
    (["train", "--dataset", "nope", "--epochs", "1"], "unknown dataset 'nope'"),
    (["train", "--hidden", "3,a"], "comma-separated integers"),
    (["train", "--model", "lenet5"], "needs 28×28 images (784 inputs); this data set has 64"),
    (["train", "--model", "vgg"], "invalid choice: 'vgg'"),
    (["train", "--config", "/no/such.toml"], "cannot read"),
    (["evaluate", "/no/model.safetensors"], "cannot read"),
    (["predict", "/no/model.safetensors", "x.csv"], "cannot read"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_gives_one_clear_line(argv, says, capsys):
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_train_from_a_config_then_evaluate_and_predict(tmp_path, capsys):
    cfg = tmp_path / "iris.toml"
    cfg.write_text('dataset = "iris"\nhidden = [16]\nepochs = 60\nbatch-size = 16\nlr = 0.01\n'
                   'optimizer = "adam"\n'
                   "verbose = 0\n")
    assert main(["train", "--config", str(cfg), "--seed", "1", "--early-stopping", "20",
                 "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("test accuracy")[1].split()[0])
    assert acc >= 0.9  # iris test part: 30 flowers
    for f in ("model.safetensors", "history.csv", "curves.png", "confusion.png"):
        assert (tmp_path / "run" / f).stat().st_size > 0
    assert main(["evaluate", str(tmp_path / "run" / "model.safetensors")]) == 0
    assert f"accuracy {acc:.4f}" in capsys.readouterr().out
    csv = tmp_path / "flowers.csv"
    csv.write_text("sl,sw,pl,pw\n5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n")
    assert main(["predict", str(tmp_path / "run" / "model.safetensors"), str(csv)]) == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].startswith("prediction,label,p_0")
    assert [r.split(",")[1] for r in rows[1:]] == ["setosa", "virginica"]
    probs = np.array([[float(v) for v in r.split(",")[2:]] for r in rows[1:]])
    np.testing.assert_allclose(probs.sum(1), 1, atol=1e-5)


def test_datasets_lists_verified_files(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "fashion-mnist" in out and "verified" in out and "iris" in out


def test_console_entry_point_exits_nonzero_without_traceback():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "glassnet", "evaluate", "missing.safetensors"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "glassnet: error: missing.safetensors: cannot read (No such file or directory)"]


def test_plots_are_pngs_with_the_early_stop_marked(tmp_path):
    require("matplotlib")
    from glassnet.train.plots import plot_confusion_matrix, plot_history

    h = {"loss": [1.0, 0.5, 0.4, 0.45], "val_loss": [1.1, 0.6, 0.5, 0.7], "lr": [0.1] * 4}
    plot_history(h, tmp_path / "c.png", stopped_epoch=3, best_epoch=2)
    plot_confusion_matrix(np.array([[5, 1], [0, 4]]), tmp_path / "m.png", ["a", "b"])
    for f in ("c.png", "m.png"):
        assert (tmp_path / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plots_say_what_was_trained_and_how_well(tmp_path, monkeypatch):
    require("matplotlib")
    from glassnet.train import plots

    figs = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: (figs.append(fig), save(fig, path)))
    h = {"loss": [1.0, 0.5, 0.4], "val_loss": [1.1, 0.6, 0.5], "accuracy": [0.5, 0.7, 0.8],
         "val_accuracy": [0.4, 0.6, 0.7]}
    plots.plot_history(h, tmp_path / "c.png", title="iris: hidden [16], test accuracy 0.9333")
    plots.plot_confusion_matrix(np.array([[5, 1], [0, 4]]), tmp_path / "m.png", ["a", "b"],
                                title="iris: test set")
    curves, confusion = figs
    assert curves._suptitle.get_text() == "iris: hidden [16], test accuracy 0.9333"
    for ax in curves.axes:
        assert [t for t in ax.get_xticks() if 1 <= t <= 3] == [1, 2, 3]  # whole epochs only
    main_ax, bar = confusion.axes  # the heat map and its colour scale
    assert main_ax.get_title() == "iris: test set\n10 samples, accuracy 0.9000 (9 correct)"
    assert bar.get_ylabel() == "samples"
