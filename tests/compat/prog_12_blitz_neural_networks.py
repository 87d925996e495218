# Source: PyTorch tutorials, "Deep Learning with PyTorch: A 60 Minute Blitz", "Neural Networks"
# path: beginner_source/blitz/neural_networks_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/blitz/neural_networks_tutorial.py
# Written out from the tutorial's steps; changed: the import, and the single update step
# repeated 30 times so the loss on its one random sample has to fall.

METRIC, BOUND = "loss after 30 steps / first loss", 0.5


def main(torch):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            return self.fc3(f6)

    torch.manual_seed(0)
    net = Net()
    params = list(net.parameters())
    assert len(params) == 10 and params[0].size() == (6, 1, 5, 5)
    input = torch.randn(1, 1, 32, 32)
    out = net(input)
    net.zero_grad()
    out.backward(torch.randn(1, 10))
    output = net(input)
    target = torch.randn(10)
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    names = [
        loss.grad_fn.name(),
        loss.grad_fn.next_functions[0][0].name(),
        loss.grad_fn.next_functions[0][0].next_functions[0][0].name(),
    ]
    assert all(isinstance(n, str) for n in names)
    net.zero_grad()
    loss.backward()
    assert net.conv1.bias.grad is not None
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    first = None
    for _ in range(30):
        optimizer.zero_grad()
        output = net(input)
        loss = criterion(output, target)
        first = loss.item() if first is None else first
        loss.backward()
        optimizer.step()
    return loss.item() / first
