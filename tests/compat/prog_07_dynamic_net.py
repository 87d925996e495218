# Source: PyTorch tutorials, "Learning PyTorch with Examples: Control Flow + Weight Sharing"
# path: beginner_source/examples_nn/dynamic_net.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_nn/dynamic_net.py
# Written out from the tutorial's steps; changed: the import, and 3000 of its 30000 steps
# (so it runs in seconds; the bound is for 3000, against a first loss near 1e5).
import math
import random

METRIC, BOUND = "final loss (sum of squares over 2000 points)", 5000.0


def main(torch):
    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x**2 + self.d * x**3
            for exp in range(4, random.randint(4, 6)):
                y = y + self.e * x**exp
            return y

    torch.manual_seed(0)
    random.seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    for t in range(3000):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()
