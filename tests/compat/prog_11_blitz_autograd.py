# Source: PyTorch tutorials, "Deep Learning with PyTorch: A 60 Minute Blitz", "A Gentle
# Introduction to torch.autograd" (the "Differentiation in Autograd" and "Exclusion from the
# DAG" steps)
# path: beginner_source/blitz/autograd_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/blitz/autograd_tutorial.py
# Written out from the tutorial's steps; changed: the import (the resnet18 part, which
# downloads weights, is left out).

METRIC, BOUND = "max |a.grad - 9a²| + |b.grad + 2b|", 1e-5


def main(torch):
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a**3 - b**2
    external_grad = torch.tensor([1.0, 1.0])
    Q.backward(gradient=external_grad)
    assert bool(((9 * a**2 == a.grad).all()).item()) and bool((-2 * b == b.grad).all().item())
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a2 = x + y
    assert not a2.requires_grad
    b2 = x + z
    assert b2.requires_grad
    err = (a.grad - 9 * a**2).abs().max() + (b.grad + 2 * b).abs().max()
    return err.item()
