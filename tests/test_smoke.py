import numpy as np

import glassnet as gn


def test_mlp_learns_circles():
    from glassnet.cli import main

    assert main(["train", "--epochs", "10"]) == 0


def test_backward_accumulates_when_a_tensor_is_used_twice():
    a = gn.tensor(3.0, requires_grad=True)
    (a + a).backward()
    assert a.grad.item() == 2.0
    b = gn.tensor(np.ones(3), requires_grad=True)
    (b * b).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), 2 * np.ones(3))
