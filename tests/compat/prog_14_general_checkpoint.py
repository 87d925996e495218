# Source: PyTorch recipes, "Saving and loading a general checkpoint in PyTorch"
# path: recipes_source/recipes/saving_and_loading_a_general_checkpoint.py
# https://github.com/pytorch/tutorials/blob/main/recipes_source/recipes/saving_and_loading_a_general_checkpoint.py
# Written out from the recipe's steps; changed: the import, and a fixed random batch (the
# recipe has no data) trained for 5 steps before the save and 5 after the load.

METRIC, BOUND = "loss after resuming / loss before saving", 1.0


def main(torch):
    nn = torch.nn
    F = torch.nn.functional
    optim = torch.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(-1, 16 * 5 * 5)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    torch.manual_seed(0)
    inputs, labels = torch.randn(8, 3, 32, 32), torch.randint(0, 10, (8,))
    criterion = nn.CrossEntropyLoss()
    net = Net()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    for epoch in range(5):
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
    EPOCH = 5
    PATH = "model.pt"
    LOSS = loss.item()
    torch.save(
        {
            "epoch": EPOCH,
            "model_state_dict": net.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "loss": LOSS,
        },
        PATH,
    )
    model = Net()
    optimizer = optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    checkpoint = torch.load(PATH, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    epoch = checkpoint["epoch"]
    loss = checkpoint["loss"]
    model.eval()
    model.train()
    for epoch in range(epoch, epoch + 5):
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
    return loss.item() / LOSS
