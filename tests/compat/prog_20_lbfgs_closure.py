# Source: PyTorch documentation, torch.optim, "optimizer.step(closure)" (the closure example,
# with LBFGS, as the documentation recommends for it)
# path: docs/source/optim.md (pytorch/pytorch)
# https://pytorch.org/docs/stable/optim.html#optimizer-step-closure
# Written out from the documented steps; changed: the import, and a least-squares problem for
# its placeholder `dataset` and `model`.

METRIC, BOUND = "final mean squared error", 1e-6


def main(torch):
    torch.manual_seed(0)
    x = torch.randn(100, 3)
    y = x @ torch.tensor([[2.0], [-1.0], [0.5]]) + 1.0
    dataset = [(x, y)]
    model = torch.nn.Linear(3, 1)
    loss_fn = torch.nn.MSELoss()
    optimizer = torch.optim.LBFGS(
        model.parameters(), history_size=10, line_search_fn="strong_wolfe"
    )
    for input, target in dataset * 5:

        def closure():
            optimizer.zero_grad()
            output = model(input)
            loss = loss_fn(output, target)
            loss.backward()
            return loss

        optimizer.step(closure)
    return loss_fn(model(x), y).item()
