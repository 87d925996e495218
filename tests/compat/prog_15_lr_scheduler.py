# Source: PyTorch documentation, torch.optim, "How to adjust learning rate" (ExponentialLR,
# then chaining ExponentialLR with MultiStepLR)
# path: docs/source/optim.md (pytorch/pytorch)
# https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate
# Written out from the documented steps; changed: the import, and a small regression data set
# (the documentation's `dataset` and `model` are placeholders).

METRIC, BOUND = "final mean squared error", 0.05


def main(torch):
    optim = torch.optim
    ExponentialLR = torch.optim.lr_scheduler.ExponentialLR
    MultiStepLR = torch.optim.lr_scheduler.MultiStepLR
    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1
    dataset = [(x[i : i + 16], y[i : i + 16]) for i in range(0, 64, 16)]
    model = torch.nn.Linear(4, 1)
    loss_fn = torch.nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    scheduler1 = ExponentialLR(optimizer, gamma=0.9)
    scheduler2 = MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1)
    for epoch in range(20):
        for input, target in dataset:
            optimizer.zero_grad()
            output = model(input)
            loss = loss_fn(output, target)
            loss.backward()
            optimizer.step()
        scheduler1.step()
        scheduler2.step()
    assert abs(scheduler1.get_last_lr()[0] - 0.1 * 0.9**20) < 1e-9
    return loss_fn(model(x), y).item()
