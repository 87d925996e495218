"""The glassnet command: train / evaluate / predict / datasets, errors as one line."""

import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import require

from glassnet.cli import main


def test_help_everywhere(capsys):
    for argv in ([], ["train"], ["evaluate"], ["predict"], ["datasets"]):
        assert main([*argv, "--help"]) == 0
        assert "usage: glassnet" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, says",
    [
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
        (["train", "--epochs", "x"], "invalid int value"),
        (["train", "--dataset", "nope", "--epochs", "1"], "unknown dataset 'nope'"),
        (["train", "--hidden", "3,a"], "comma-separated integers"),
        (["train", "--hidden", "300,,100"], "--hidden '300,,100' has an empty size between commas"),
        (["train", "--hidden", ""], "--hidden '' is empty"),
        (["train", "--lr", "0"], "--lr must be positive, got 0.0"),
        (
            ["train", "--dataset", "iris", "--val-split", "2.5"],
            "--val-split=2.5: expected a fraction in (0, 1) or a whole count >= 1",
        ),
        (
            ["train", "--dataset", "iris", "--val-split", "2", "--early-stopping", "5"],
            "--early-stopping 5: --val-split 2 holds out only 2 of 120 samples",
        ),
        (
            ["train", "--dataset", "nope"],
            "fashion-mnist (fashion_mnist), mnist, mnist-t10k (mnist_t10k)",
        ),
        (["train", "--optimizer", "adamax"], "--optimizer: unknown optimizer 'adamax'"),
        (["train", "--model", "lenet5"], "needs 28×28 images (784 inputs); this data set has 64"),
        (["train", "--model", "vgg"], "invalid choice: 'vgg'"),
        (["train", "--config", "/no/such.toml"], "cannot read"),
        (["evaluate", "/no/model.safetensors"], "cannot read"),
        (["predict", "/no/model.safetensors", "x.csv"], "cannot read"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_gives_one_clear_line(argv, says, capsys):
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert says in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_train_from_a_config_then_evaluate_and_predict(tmp_path, capsys):
    cfg = tmp_path / "iris.toml"
    cfg.write_text(
        'dataset = "iris"\nhidden = [16]\nepochs = 60\nbatch-size = 16\nlr = 0.01\n'
        'optimizer = "adam"\n'
        "verbose = 0\n"
    )
    assert (
        main(
            [
                "train",
                "--config",
                str(cfg),
                "--seed",
                "1",
                "--early-stopping",
                "20",
                "--out",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
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

    r = subprocess.run(
        [sys.executable, "-m", "glassnet", "evaluate", "missing.safetensors"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        "glassnet: error: missing.safetensors: cannot read (No such file or directory)"
    ]


def test_plots_are_pngs_with_the_early_stop_marked(tmp_path):
    require("matplotlib")
    from glassnet.train.plots import plot_confusion_matrix, plot_history

    h = {"loss": [1.0, 0.5, 0.4, 0.45], "val_loss": [1.1, 0.6, 0.5, 0.7], "lr": [0.1] * 4}
    plot_history(h, tmp_path / "c.png", stopped_epoch=3, best_epoch=2)
    plot_confusion_matrix(np.array([[5, 1], [0, 4]]), tmp_path / "m.png", ["a", "b"])
    for f in ("c.png", "m.png"):
        assert (tmp_path / f).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# ----- issue 11: what a new user found ------------------------------------------------------
@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    """An iris model trained by the CLI, with its test accuracy."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("iris") / "run"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert (
            main(
                [
                    "train",
                    "--dataset",
                    "iris",
                    "--hidden",
                    "16",
                    "--optimizer",
                    "adam",
                    "--lr",
                    "0.01",
                    "--epochs",
                    "60",
                    "--batch-size",
                    "16",
                    "--seed",
                    "1",
                    "--verbose",
                    "0",
                    "--out",
                    str(out),
                ]
            )
            == 0
        )
    acc = float(buf.getvalue().split("test accuracy")[1].split()[0])
    return out / "model.safetensors", acc


# One epoch of a tiny MLP on iris: the quickest real `glassnet train` run.
QUICK_IRIS = ["train", "--dataset", "iris", "--hidden", "4", "--epochs", "1", "--verbose", "0"]


def _predictions(capsys, *argv):
    assert main(["predict", *argv]) == 0
    cap = capsys.readouterr()
    return [int(r.split(",")[0]) for r in cap.out.strip().splitlines()[1:]], cap.err


def test_a_cli_model_loaded_in_python_takes_raw_inputs(iris_run, tmp_path, capsys):
    import glassnet as gn

    path, acc = iris_run
    x, y = gn.datasets.iris()  # raw flowers in cm, split as the catalog splits them
    x, xt, _, yt = gn.data.train_test_split(x, y, test_size=0.2, stratify=y, random_state=0)
    net = gn.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # raw test flowers are in the training range
        pred = net(xt)._array.argmax(1)
    assert np.mean(pred == yt) == pytest.approx(acc)  # what `glassnet train` reported
    assert isinstance(net[0], gn.nn.Standardize)
    skp = require("sklearn.preprocessing")  # the scaling is the one scikit-learn computes
    np.testing.assert_allclose(
        net[0](xt)._array, skp.StandardScaler().fit(x).transform(xt), atol=1e-5
    )
    rows = tmp_path / "raw.csv"
    np.savetxt(rows, xt, fmt="%.1f", delimiter=",", header="sl,sw,pl,pw", comments="")
    got, err = _predictions(capsys, str(path), str(rows))
    assert got == pred.tolist() and "warning" not in err


def test_a_csv_scaled_unlike_training_warns(iris_run, tmp_path, capsys):
    import glassnet as gn

    x, _ = gn.datasets.iris()
    z = (x - x.mean(0)) / x.std(0)  # already standardised, as a user might send it
    rows = tmp_path / "z.csv"
    np.savetxt(rows, z, fmt="%.4f", delimiter=",", header="sl,sw,pl,pw", comments="")
    _, err = _predictions(capsys, str(iris_run[0]), str(rows))
    warning = [ln for ln in err.splitlines() if "warning" in ln]
    assert len(warning) == 1 and "Standardize: inputs span" in warning[0]
    assert re.search(r"training inputs spanned \[0\.1, 7\.\d+\]", warning[0])
    assert "raw inputs" in warning[0]


def test_a_model_file_with_its_scaling_in_the_metadata_still_predicts(iris_run, tmp_path, capsys):
    import glassnet as gn
    from glassnet.train import Model

    path, acc = iris_run
    new = gn.load(path)
    old = Model(new[1])  # as glassnet train wrote it before: bare MLP, scaling as metadata
    old.compile("sgd", "cross_entropy", ["accuracy"])
    old.info = {
        "dataset": "iris",
        "classes": ["setosa", "versicolor", "virginica"],
        "shift": new[0].shift._array.tolist(),
        "scale": new[0].scale._array.tolist(),
    }
    old.save(tmp_path / "old.safetensors")
    assert main(["evaluate", str(tmp_path / "old.safetensors")]) == 0
    assert f"accuracy {acc:.4f}" in capsys.readouterr().out
    rows = tmp_path / "raw.csv"
    rows.write_text("sl,sw,pl,pw\n5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n")
    assert _predictions(capsys, str(tmp_path / "old.safetensors"), str(rows))[0] == [0, 2]


def test_predict_keeps_the_first_row_of_a_csv_without_header(iris_run, tmp_path, capsys):
    rows = tmp_path / "rows.csv"
    rows.write_text("5.1,3.5,1.4,0.2\n6.9,3.1,5.4,2.1\n")
    got, err = _predictions(capsys, str(iris_run[0]), str(rows))
    assert got == [0, 2] and "no header: its first line is all numbers" in err
    assert _predictions(capsys, str(iris_run[0]), str(rows), "--header")[0] == [2]
    rows.write_text("0,1,2,3\n5.1,3.5,1.4,0.2\n")  # pandas' column names for an array
    got, err = _predictions(capsys, str(iris_run[0]), str(rows))
    assert got == [0] and "a header row" in err
    assert _predictions(capsys, str(iris_run[0]), str(rows), "--no-header")[0][1:] == [0]


def test_predict_names_a_wrong_column_count(iris_run, tmp_path, capsys):
    rows = tmp_path / "labelled.csv"
    rows.write_text("sl,sw,pl,pw,species\n5.1,3.5,1.4,0.2,0\n6.9,3.1,5.4,2.1,2\n")
    assert main(["predict", str(iris_run[0]), str(rows)]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"{rows}: 5 columns, the model expects 4" in err and "--target NAME" in err
    assert "broadcast" not in err
    for target in ("species", "-1", "4"):
        assert _predictions(capsys, str(iris_run[0]), str(rows), "--target", target)[0] == [0, 2]
    rows.write_text("5.1,3.5,1.4,0.2,0\n6.9,3.1,5.4,2.1,2\n")
    assert _predictions(capsys, str(iris_run[0]), str(rows), "--target", "-1")[0] == [0, 2]


def test_predict_refuses_nan_inputs_unless_allowed(iris_run, tmp_path, capsys):
    rows = tmp_path / "gaps.csv"
    rows.write_text("sl,sw,pl,pw\n5.1,3.5,1.4,0.2\n6.9,nan,5.4,2.1\n")
    assert main(["predict", str(iris_run[0]), str(rows)]) != 0
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"{rows} line 3 column 2 ('sw'): 'nan' is not a finite number" in err
    assert "--allow-nan" in err
    got, _ = _predictions(capsys, str(iris_run[0]), str(rows), "--allow-nan")
    assert got[0] == 0 and len(got) == 2
    rows.write_text("5.1,3.5,1.4,0.2\n6.9,3.1,5.4,1e39\n")  # inf as float32
    assert main(["predict", str(iris_run[0]), str(rows), "--allow-nan"]) != 0
    assert "line 2 column 4" in capsys.readouterr().err


def test_train_without_out_saves_into_a_timestamped_runs_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert (
        main(["train", "--dataset", "iris", "--hidden", "4", "--epochs", "1", "--verbose", "0"])
        == 0
    )
    out = capsys.readouterr().out
    (run,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"iris-\d{8}-\d{6}", run.name)
    assert (run / "model.safetensors").is_file() and f"wrote {Path('runs') / run.name}" in out


def test_validation_hold_out_is_data_holdouts_rule(monkeypatch, tmp_path):
    from glassnet.datasets.catalog import prepare
    from glassnet.train import Model

    seen = []
    fit = Model.fit

    def spy(self, x, y, **kw):
        seen.append(kw["validation_data"][0])
        return fit(self, x, y, **kw)

    monkeypatch.setattr(Model, "fit", spy)
    for flags in ([], ["--val-split", "5"]):
        assert (
            main(
                [
                    *QUICK_IRIS,
                    "--out",
                    str(tmp_path / "run"),
                    *flags,
                ]
            )
            == 0
        )
    x = prepare("iris").train[0]
    np.testing.assert_array_equal(seen[0], x[-12:])  # default 0.1, a fraction: the last 10 %
    np.testing.assert_array_equal(seen[1], x[:5])  # a count: the first 5, as the seed's 5000


def test_dataset_names_take_either_spelling(tmp_path, capsys):
    cfg = tmp_path / "t10k.toml"
    cfg.write_text('dataset = "mnist_t10k"\nhidden = [8]\nepochs = 1\nverbose = 0\n')
    assert main(["train", "--config", str(cfg), "--out", str(tmp_path / "run")]) == 0
    assert (
        "glassnet train: mnist-t10k (7000 train, 1000 validation, 2000 test)"
        in capsys.readouterr().out
    )
    assert (
        main(["evaluate", str(tmp_path / "run" / "model.safetensors"), "--dataset", "MNIST_T10K"])
        == 0
    )
    assert capsys.readouterr().out.startswith("mnist-t10k test: loss")
    from glassnet.datasets.catalog import canonical_name

    assert canonical_name("fashion_mnist") == canonical_name("Fashion-MNIST") == "fashion-mnist"


def test_no_arguments_prints_the_help_and_version_works(capsys):
    import glassnet as gn

    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: glassnet") and "train" in out and "error" not in out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"glassnet {gn.__version__}"


def test_datasets_says_where_it_looked_and_about_glassnet_data(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert f"{tmp_path}/<name>/   ($GLASSNET_DATA={tmp_path})" in out
    assert f"missing (looked in {tmp_path}/fashion-mnist/, {tmp_path}/cache/glassnet/" in out
    monkeypatch.delenv("GLASSNET_DATA")
    assert main(["datasets"]) == 0
    assert "$GLASSNET_DATA/<name>/   (GLASSNET_DATA is not set" in capsys.readouterr().out


def test_plots_say_what_was_trained_and_how_well(tmp_path, monkeypatch):
    require("matplotlib")
    from glassnet.train import plots

    figs = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: (figs.append(fig), save(fig, path)))
    h = {
        "loss": [1.0, 0.5, 0.4],
        "val_loss": [1.1, 0.6, 0.5],
        "accuracy": [0.5, 0.7, 0.8],
        "val_accuracy": [0.4, 0.6, 0.7],
    }
    plots.plot_history(h, tmp_path / "c.png", title="iris: hidden [16], test accuracy 0.9333")
    plots.plot_confusion_matrix(
        np.array([[5, 1], [0, 4]]), tmp_path / "m.png", ["a", "b"], title="iris: test set"
    )
    curves, confusion = figs
    assert curves._suptitle.get_text() == "iris: hidden [16], test accuracy 0.9333"
    for ax in curves.axes:
        assert [t for t in ax.get_xticks() if 1 <= t <= 3] == [1, 2, 3]  # whole epochs only
    main_ax, bar = confusion.axes  # the heat map and its colour scale
    assert main_ax.get_title() == "iris: test set\n10 samples, accuracy 0.9000 (9 correct)"
    assert bar.get_ylabel() == "samples"


def test_the_cli_builds_with_the_shared_core(tmp_path):
    import glassnet as gn
    from glassnet import cli

    assert not hasattr(cli, "build_mlp") and not hasattr(cli, "ACTIVATIONS")
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--dataset",
                "iris",
                "--hidden",
                "8,4",
                "--activation",
                "logistic",
                "--optimizer",
                "momentum",
                "--epochs",
                "1",
                "--verbose",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    net = gn.load(out / "model.safetensors")
    assert isinstance(net[1], gn.models.MLP) and net[1].sizes == [4, 8, 4, 3]
    assert isinstance(net[1][1], gn.nn.Sigmoid)  # "logistic" from nn.ACTIVATIONS
    group = gn.train.load_model(out / "model.safetensors").optimizer.param_groups[0]
    assert group["lr"] == gn.optim.DEFAULT_LR["momentum"] and group["momentum"] == 0.9


# ----- issue 12: hostile input, NaN runs, concurrent writers, spreadsheet formulas ----------
def _one_line(capsys, argv, status=2):
    """Run the CLI; it must return `status` with exactly one line on stderr, no traceback."""
    assert main(argv) == status
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_run_that_ends_in_nan_restores_good_weights_and_exits_nonzero(tmp_path, capsys):
    import glassnet as gn
    from glassnet.datasets.catalog import prepare

    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--dataset",
                "iris",
                "--optimizer",
                "sgd",
                "--lr",
                "1e6",
                "--hidden",
                "16",
                "--epochs",
                "5",
                "--verbose",
                "0",
                "--out",
                str(out),
            ]
        )
        == 1
    )
    cap = capsys.readouterr()
    assert "restored the weights from the start of epoch" in cap.out
    err = cap.err.strip().splitlines()[-1]
    assert err.startswith("glassnet: error: training terminated: the loss became")
    assert "marked as terminated" in err and str(out / "model.safetensors") in err
    model = gn.train.load_model(out / "model.safetensors")
    assert model.info["terminated"]["weights_from_start_of_epoch"] == 1
    xt = prepare("iris").test[0]
    assert np.isfinite(model.predict(xt)).all()  # the weights kept give finite outputs
    test = re.search(r"test loss (\S+)", cap.out).group(1)
    assert test != "nan"
    assert main(["evaluate", str(out / "model.safetensors")]) == 0
    warning = capsys.readouterr().err.strip()
    assert warning.startswith(
        f"glassnet evaluate: warning: {out / 'model.safetensors'}: its "
        "training was terminated: the loss became NaN/inf at epoch"
    )


def _model_file(tmp_path, name="m.safetensors", **training):
    """A model file written by the library's own save, with crafted training metadata."""
    import glassnet as gn

    net = gn.nn.Sequential(gn.nn.Linear(4, 3))
    opt = gn.optim.SGD(net.parameters(), lr=0.1)
    path = tmp_path / name
    meta = training.pop("raw", None)
    if meta is None:
        meta = {
            "epoch": 1,
            "compile": {"loss": "cross_entropy", "metrics": ["accuracy"]},
            "info": {"dataset": "iris", "classes": ["a", "b", "c"], "inputs": 4},
        }
        meta.update(training)
    gn.serialization.save(net, path, optimizer=opt, training=meta)
    return path


@pytest.mark.parametrize(
    "field, training",
    [
        ("training", {"raw": [1, 2]}),  # the training metadata as a list: AttributeError before
        ("epoch", {"epoch": float("inf")}),  # 1e400 reads as inf: OverflowError before
        ("info", {"info": [1]}),
        ("info", {"info": "iris"}),
        ("classes", {"info": {"dataset": "iris", "classes": 5}}),
        ("classes", {"info": {"dataset": "iris", "classes": [["a"], "b", "c"]}}),
        ("dataset", {"info": {"dataset": 5}}),
        ("inputs", {"info": {"dataset": "iris", "inputs": "x"}}),
        ("loss", {"compile": {"loss": "zzz"}}),
        ("compile", {"compile": [1]}),
    ],
)
@pytest.mark.parametrize("cmd", ["evaluate", "predict"])
def test_a_crafted_model_file_gives_one_line_naming_the_file(
    field, training, cmd, tmp_path, capsys
):
    path = _model_file(tmp_path, **training)
    rows = tmp_path / "rows.csv"
    rows.write_text("5.1,3.5,1.4,0.2\n")
    err = _one_line(capsys, [cmd, str(path), *([str(rows)] if cmd == "predict" else [])])
    assert str(path) in err and "error" in err


def test_model_metadata_is_checked_field_by_field():
    from glassnet.cli import CLIError, checked_info

    assert checked_info({"dataset": "iris", "classes": ["a", 2], "inputs": 4}, "f") == {
        "dataset": "iris",
        "classes": ["a", "2"],
        "inputs": 4,
    }
    for bad, says in [
        ([1], "info must be a table"),
        ({"classes": "abc"}, "info.classes"),
        ({"classes": [None]}, "info.classes"),
        ({"inputs": 0}, "info.inputs"),
        ({"inputs": True}, "info.inputs"),
        ({"dataset": ["x"]}, "info.dataset"),
        ({"shift": [1], "scale": "x"}, "info.scale"),
        ({"classes": ["a"] * 2_000_000}, "info.classes"),
    ]:
        with pytest.raises(CLIError, match=f"^f: .*{re.escape(says)}"):
            checked_info(bad, "f")


def _limited(*argv, timeout=120):
    """The CLI in a child process with at most 2 GiB of address space (so a reader that
    reads without end fails fast instead of eating the machine)."""
    import os
    import resource
    import subprocess
    import sys

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run(
        [sys.executable, "-m", "glassnet", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=cap,
        env=env,
    )


@pytest.mark.parametrize(
    "argv, says",
    [
        (["evaluate", "/dev/zero"], "/dev/zero: not a regular file (a character device)"),
        (
            ["predict", "/dev/zero", "rows.csv"],
            "/dev/zero: not a regular file (a character device)",
        ),
        (["train", "--config", "/dev/zero"], "/dev/zero: not a regular file (a character device)"),
        (["evaluate", "."], ".: not a regular file (a directory)"),
    ],
)
def test_devices_and_folders_are_refused_before_reading(argv, says):
    r = _limited(*argv)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [f"glassnet: error: {says}"]


def test_files_too_large_to_be_a_model_or_config_are_refused_unread(tmp_path, capsys):
    from glassnet import cli

    big = tmp_path / "big.safetensors"
    with open(big, "wb") as f:
        f.truncate(cli.MAX_MODEL_BYTES + 1)  # sparse: no disk used
    assert "is larger than the" in _one_line(capsys, ["evaluate", str(big)])
    cfg = tmp_path / "big.toml"
    with open(cfg, "wb") as f:
        f.truncate(cli.MAX_CONFIG_BYTES + 1)
    err = _one_line(capsys, ["train", "--config", str(cfg)])
    assert str(cfg) in err and "is larger than the" in err


@pytest.mark.parametrize(
    "text, says",
    [
        ("val_split = inf", "val_split: expected a finite number, got inf"),
        ("val_split = nan", "val_split: expected a finite number, got nan"),
        ("lr = inf", "lr: expected a finite number, got inf"),
        ("l2 = nan", "l2: expected a finite number, got nan"),
        ("l2 = -1", "l2 must be >= 0, got -1"),
        ("epochs = 99999999999999999999999", "epochs must be at most 1000000"),
        ("epochs = 0", "epochs must be at least 1, got 0"),
        ("batch_size = 99999999999999999999999", "batch_size must be at most"),
        ("early_stopping = 99999999999999999999", "early_stopping must be at most"),
        ("verbose = 7", "verbose must be at most 2, got 7"),
        ("seed = -1", "seed must be at least 0, got -1"),
        ("hidden = [100000, 100000]", "hidden [100000, 100000] makes 10,000,"),
        ("hidden = [4, 99999999999999999999]", "hidden [4, 99999999999999999999] makes"),
        ("hidden = " + str([2] * 1000), "hidden has 1000 layers; at most 100"),
        ('out = "a\\u0000b"', "out: a path cannot contain a NUL character"),
        ("train = 5", "unknown setting 'train'"),
    ],
)
def test_config_values_are_range_checked_naming_file_and_key(text, says, tmp_path, capsys):
    cfg = tmp_path / "run.toml"
    cfg.write_text(f'dataset = "iris"\n{text}\n' + ("" if "verbose" in text else "verbose = 0\n"))
    out = [] if text.startswith("out") else ["--out", str(tmp_path / "o")]  # flags win
    err = _one_line(capsys, ["train", "--config", str(cfg), *out])
    assert f"{cfg}: " in err and says in err
    assert not (tmp_path / "o").exists()  # refused before anything was built or written


@pytest.mark.parametrize(
    "flags, says",
    [
        (["--lr", "inf"], "--lr: expected a finite number, got inf"),
        (["--lr", "1e400"], "--lr: expected a finite number, got inf"),
        (["--l2", "nan"], "--l2: expected a finite number, got nan"),
        (["--val-split", "inf"], "--val-split: expected a finite number, got inf"),
        (["--epochs", "10000000000"], "--epochs must be at most 1000000"),
        (["--hidden", "100000,100000"], "--hidden 100000,100000 makes 10,000,"),
        (["--seed", "-3"], "--seed must be at least 0, got -3"),
    ],
)
def test_flags_are_range_checked_too(flags, says, tmp_path, capsys):
    err = _one_line(
        capsys,
        ["train", "--dataset", "iris", "--verbose", "0", "--out", str(tmp_path / "o"), *flags],
    )
    assert says in err and "parameters" in err if "hidden" in flags[0] else says in err


def test_unexpected_failures_are_one_line_with_status_1(monkeypatch, capsys):
    from glassnet import cli

    def boom(args):
        raise KeyError("oops")

    monkeypatch.setattr(cli, "run_datasets", boom)
    monkeypatch.delenv("GLASSNET_DEBUG", raising=False)
    err = _one_line(capsys, ["datasets"], status=1)
    assert "KeyError" in err and "GLASSNET_DEBUG=1" in err
    monkeypatch.setattr(cli, "run_datasets", lambda a: (_ for _ in ()).throw(MemoryError()))
    assert "out of memory" in _one_line(capsys, ["datasets"], status=1)


def test_a_second_writer_of_the_same_out_is_refused(tmp_path, capsys):
    import os
    import subprocess
    import sys

    out = tmp_path / "run"
    out.mkdir()
    holder = (
        "import fcntl, os, sys\n"
        "f = open(os.path.join(sys.argv[1], '.glassnet.lock'), 'a+')\n"
        "fcntl.flock(f, fcntl.LOCK_EX); f.truncate(0); f.write(f'{os.getpid()}\\n')\n"
        "f.flush(); print('locked', flush=True); sys.stdin.read()\n"
    )
    p = subprocess.Popen(
        [sys.executable, "-c", holder, str(out)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    argv = [*QUICK_IRIS, "--out", str(out)]
    try:
        assert p.stdout.readline().strip() == "locked"
        err = _one_line(capsys, argv)
        assert f"--out {out}: process {p.pid} is writing there" in err
        assert not (out / "model.safetensors").exists() and not (out / "history.csv").exists()
    finally:
        p.kill()  # a crashed holder: its lock dies with it
        p.wait(timeout=60)
    assert main(argv) == 0
    assert (out / "model.safetensors").is_file() and not (out / ".glassnet.lock").exists()
    from glassnet.io import folder_lock

    with folder_lock(out):  # one process, two writers: refused too, naming this PID
        assert f"process {os.getpid()} is writing there" in _one_line(capsys, argv)


def test_predicted_labels_cannot_run_as_spreadsheet_formulas(tmp_path, capsys):
    import csv
    import io

    import glassnet as gn
    from glassnet.train import Model

    names = [
        '=HYPERLINK("http://evil.example","x")',
        "+1+2",
        "-2+3",
        "@SUM(A1)",
        "\tx",
        "\rx",
        "setosa",
        "'quoted",
        'a,"b"\rc',
    ]
    net = gn.nn.Sequential(gn.nn.Linear(len(names), len(names)))
    net[0].weight._array[...] = 10 * np.eye(len(names), dtype=np.float32)
    net[0].bias._array[...] = 0
    model = Model(net)
    model.info = {"classes": names, "inputs": len(names)}
    model.save(tmp_path / "m.safetensors")
    rows = tmp_path / "rows.csv"
    np.savetxt(rows, np.eye(len(names)), fmt="%d", delimiter=",")
    assert main(["predict", str(tmp_path / "m.safetensors"), str(rows)]) == 0
    got = [r[1] for r in csv.reader(io.StringIO(capsys.readouterr().out, newline=""))][1:]
    assert got == ["'" + n for n in names[:6]] + names[6:]  # a lone CR is quoted too
    assert main(["predict", "--help"]) == 0
    assert "running it as a formula" in " ".join(capsys.readouterr().out.split())
    err = _one_line(capsys, ["predict", str(tmp_path / "m.safetensors"), "/dev/zero"])
    assert err == "glassnet: error: /dev/zero: not a regular file (a character device)"


_EXTREMES = [
    math.inf,
    -math.inf,
    math.nan,
    0,
    -1,
    1,
    2,
    0.5,
    -0.0,
    1e-308,
    1e308,
    2**63,
    10**30,
    True,
    False,
    "",
    "iris",
    "adam",
    "x" * 500,
    "a\u0000b",
    "300,100",
    [],
    [0],
    [1] * 200,
    [[1]],
    [10**6, 10**6],
    [3.5],
    {"a": 1},
    None,
]
_KEYS = [
    "dataset",
    "model",
    "activation",
    "optimizer",
    "lr",
    "epochs",
    "batch_size",
    "val_split",
    "early_stopping",
    "seed",
    "out",
    "verbose",
    "l2",
    "hidden",
    "epoch",
    "train",
    "Epochs",
    "batch-size",
]


def _toml_value(v):
    """A value as TOML (no null in TOML: None is left to the JSON half)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return (
            "nan"
            if math.isnan(v)
            else "inf"
            if v == math.inf
            else "-inf"
            if v == -math.inf
            else repr(v)
        )
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(i) for i in v) + "]"
    return "{" + ", ".join(f"{k} = {_toml_value(i)}" for k, i in v.items()) + "}"


def test_config_fuzz_every_outcome_is_valid_settings_or_an_error_naming_the_file():
    """3,000 configs with one to three settings set to extremes or wrong types, as TOML and
    JSON: parse_config + merge_settings accept them within the caps or refuse them with a
    CLIError naming the file; nothing else, and quickly."""
    import random
    import time

    from glassnet import cli

    rng = random.Random(12)
    start, accepted, refused = time.perf_counter(), 0, 0
    for i in range(3000):
        settings = {"dataset": "iris", "hidden": [16], "epochs": 2, "lr": 0.01}
        for _ in range(rng.randint(1, 3)):
            settings[rng.choice(_KEYS)] = rng.choice(_EXTREMES)
        as_json = i % 2 or any(v is None for v in settings.values())
        name = f"c{i}.json" if as_json else f"c{i}.toml"
        text = (
            json.dumps(settings)
            if as_json
            else "\n".join(f"{k} = {_toml_value(v)}" for k, v in settings.items())
        )
        try:
            cfg, _ = cli.merge_settings(cli.parse_config(text.encode(), name), {}, name)
        except cli.CLIError as e:
            assert str(e).startswith(f"{name}: "), (text, e)
            refused += 1
            continue
        accepted += 1
        for key, (low, high) in cli._INT_RANGES.items():
            assert cfg[key] is None or low <= cfg[key] <= high, (text, cfg)
        assert all(math.isfinite(cfg[k]) for k in ("lr", "l2") if cfg[k] is not None), text
        assert 0 < len(cfg["hidden"]) <= cli.MAX_HIDDEN_LAYERS and min(cfg["hidden"]) > 0
    assert accepted > 100 and refused > 1000, (accepted, refused)
    assert time.perf_counter() - start < 30
