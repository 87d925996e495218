import numpy as np

import glassnet as gn


def test_cli_trains_the_seed_dnn_on_digits(tmp_path, capsys):
    from glassnet.cli import main

    assert main(["train", "--epochs", "10", "--verbose", "0", "--out", str(tmp_path)]) == 0
    acc = float(capsys.readouterr().out.split("test accuracy")[1].split()[0])
    assert acc >= 0.95  # 10 epochs of the [300, 100] MLP on 8x8 digits (40 epochs: ~0.97)
    assert (tmp_path / "model.safetensors").stat().st_size > 0


def test_backward_accumulates_when_a_tensor_is_used_twice():
    a = gn.tensor(3.0, requires_grad=True)
    (a + a).backward()
    assert a.grad.item() == 2.0
    b = gn.tensor(np.ones(3), requires_grad=True)
    (b * b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), 2 * np.ones(3))
