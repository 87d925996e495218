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
def test_cli_trains_on_real_mnist_files(capsys):
    from glassnet.cli import main

    assert main(["train", "--dataset", "mnist-t10k", "--epochs", "3", "--verbose", "0"]) == 0
    acc = float(capsys.readouterr().out.split("test accuracy")[1].split()[0])
    assert acc >= 0.92
