# Source: PyTorch tutorials, "Learning PyTorch with Examples: nn module"
# path: beginner_source/examples_nn/polynomial_nn.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/examples_nn/polynomial_nn.py
# Written out from the tutorial's steps; changed: the import only.
import math

METRIC, BOUND = "final loss (sum of squares over 2000 points)", 50.0


def main(torch):
    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    linear_layer = model[0]
    _ = (
        f"Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + "
        f"{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3"
    )
    return loss.item()
