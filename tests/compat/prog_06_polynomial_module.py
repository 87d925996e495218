# Source: PyTorch tutorials, "Learning PyTorch with Examples: Custom nn Modules"
# path: beginner_source/examples_nn/polynomial_module.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_nn/polynomial_module.py
# Written out from the tutorial's steps; changed: the import only.
import math

METRIC, BOUND = "final loss (sum of squares over 2000 points)", 50.0


def main(torch):
    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x**2 + self.d * x**3

        def string(self):
            return (
                f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                f"{self.d.item()} x^3"
            )

    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = Polynomial3()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    for t in range(2000):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    _ = f"Result: {model.string()}"
    return loss.item()
