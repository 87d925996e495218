# Source: PyTorch tutorials, "Learning PyTorch with Examples: Tensors and autograd"
# path: beginner_source/examples_autograd/polynomial_autograd.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_autograd/polynomial_autograd.py
# Written out from the tutorial's steps; changed: the import only.
import math

METRIC, BOUND = "final loss (sum of squares over 2000 points)", 50.0


def main(torch):
    dtype = torch.float
    device = "cpu"
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype, device=device)
    y = torch.sin(x)
    a = torch.randn((), dtype=dtype, requires_grad=True)
    b = torch.randn((), dtype=dtype, requires_grad=True)
    c = torch.randn((), dtype=dtype, requires_grad=True)
    d = torch.randn((), dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = a + b * x + c * x**2 + d * x**3
        loss = (y_pred - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return loss.item()
