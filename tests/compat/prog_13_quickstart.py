# Source: PyTorch tutorials, "Learn the Basics: Quickstart"
# path: beginner_source/basics/quickstart_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/basics/quickstart_tutorial.py
# Written out from the tutorial's steps; changed: the import, the data loading (2,000
# Fashion-MNIST images from glassnet.datasets, shaped as ToTensor gives them), lr 1e-1 for its
# 1e-3 and 3 epochs for its 5 (so a few hundred steps learn), no printing. The saving and
# loading steps are kept.
from _mnist import images

METRIC, BOUND, HIGHER_IS_BETTER = "test accuracy", 0.6, True


def main(torch):
    nn = torch.nn
    DataLoader = torch.utils.data.DataLoader
    xtr, ytr, xte, yte = images("fashion", 2000, 500)
    training_data = torch.utils.data.TensorDataset(
        torch.tensor(xtr.reshape(-1, 1, 28, 28)), torch.tensor(ytr)
    )
    test_data = torch.utils.data.TensorDataset(
        torch.tensor(xte.reshape(-1, 1, 28, 28)), torch.tensor(yte)
    )
    batch_size = 64
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)
    for X, y in test_dataloader:
        assert X.shape == (64, 1, 28, 28) and y.dtype == torch.int64
        break
    device = (
        torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    )

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    torch.manual_seed(0)
    model = NeuralNetwork().to(device)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            X, y = X.to(device), y.to(device)
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 100 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                _ = f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]"

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                X, y = X.to(device), y.to(device)
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        return correct

    epochs = 3
    for t in range(epochs):
        train(train_dataloader, model, loss_fn, optimizer)
        accuracy = test(test_dataloader, model, loss_fn)
    torch.save(model.state_dict(), "model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(torch.load("model.pth", weights_only=True))
    assert test(test_dataloader, model, loss_fn) == accuracy
    return accuracy
