"""The seed's DNN on real data (Fashion-MNIST, MNIST test images) against PyTorch.

Short runs for CI (the full 40-epoch comparison is benchmarks/seed_dnn.py): both frameworks
start from the same weights and see the same batches; the bounds are stated per test.
"""

import pytest
from tests.conftest import require


@pytest.mark.slow
def test_fashion_mnist_three_epochs_matches_pytorch():
    require("torch")
    from benchmarks.seed_dnn import compare

    # 20,000 training images, 3 epochs of Adagrad(0.05), all 10,000 test images. (All 55,000
    # for up to 40 epochs with early stopping reach 0.881-0.885: benchmarks/seed_dnn.py.)
    r = compare("fashion-mnist", epochs=3, patience=None, subset=20000)
    assert r["glassnet"] >= 0.83, r
    assert abs(r["glassnet"] - r["torch"]) <= 0.01, r


@pytest.mark.slow
def test_mnist_test_images_split_matches_pytorch():
    require("torch")
    from benchmarks.seed_dnn import compare

    r = compare("mnist-t10k", epochs=5, patience=None)
    assert r["glassnet"] >= 0.93, r  # 7,000 training images, the last 2,000 as test
    assert abs(r["glassnet"] - r["torch"]) <= 0.015, r


@pytest.mark.slow
def test_cli_trains_on_real_mnist_files(tmp_path, capsys):
    from glassnet.cli import main

    assert (
        main(
            [
                "train",
                "--dataset",
                "mnist-t10k",
                "--epochs",
                "3",
                "--verbose",
                "0",
                "--out",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    acc = float(capsys.readouterr().out.split("test accuracy")[1].split()[0])
    assert acc >= 0.92


@pytest.mark.slow
def test_cli_trains_lenet5_then_evaluates_and_predicts(tmp_path, capsys):
    import numpy as np

    import glassnet as gn
    from glassnet.cli import main

    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--dataset",
                "mnist-t10k",
                "--model",
                "lenet5",
                "--optimizer",
                "adam",
                "--epochs",
                "2",
                "--verbose",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    acc = float(capsys.readouterr().out.split("test accuracy")[1].split()[0])
    assert acc >= 0.93  # 7,000 training images, 2 epochs; the last 2,000 as test
    assert main(["evaluate", str(out / "model.safetensors")]) == 0
    assert f"accuracy {acc:.4f}" in capsys.readouterr().out
    x, y = gn.datasets.mnist("test")
    rows = tmp_path / "digits.csv"  # raw pixel rows, as a user would write them
    np.savetxt(
        rows,
        x[-20:].reshape(20, -1),
        fmt="%d",
        delimiter=",",
        header=",".join(f"px{i}" for i in range(784)),
        comments="",
    )
    assert main(["predict", str(out / "model.safetensors"), str(rows)]) == 0
    pred = [int(r.split(",")[0]) for r in capsys.readouterr().out.strip().splitlines()[1:]]
    assert np.mean(np.array(pred) == y[-20:]) >= 0.8
