# Source: PyTorch tutorials, "Learning PyTorch with Examples: Tensors"
# path: beginner_source/examples_tensor/polynomial_tensor.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_tensor/polynomial_tensor.py
# Written out from the tutorial's steps; changed: the import (the `torch` argument), 2000
# steps kept, no printing.
import math

METRIC, BOUND = "final loss (sum of squares over 2000 points)", 50.0


def main(torch):
    dtype = torch.float
    device = torch.device("cpu")
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)
    a = torch.randn((), device=device, dtype=dtype)
    b = torch.randn((), device=device, dtype=dtype)
    c = torch.randn((), device=device, dtype=dtype)
    d = torch.randn((), device=device, dtype=dtype)
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum().item()
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x**2).sum()
        grad_d = (grad_y_pred * x**3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    return loss
