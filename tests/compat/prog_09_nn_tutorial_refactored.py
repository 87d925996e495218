# Source: PyTorch tutorials, "What is torch.nn really?", parts "Using torch.nn.functional",
# "Refactor using nn.Module / nn.Linear / torch.optim / Dataset / DataLoader", "Add validation",
# "Create fit() and get_data()"
# path: beginner_source/nn_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/nn_tutorial.py
# Written out from the tutorial's steps; changed: the import, and the data loading (2,000
# MNIST images from glassnet.datasets instead of the pickled download).
import numpy as np
from _mnist import images

METRIC, BOUND = "validation loss after 2 epochs", 0.7


def main(torch):
    nn, optim = torch.nn, torch.optim  # the imports: from torch import nn, optim
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset

    F = torch.nn.functional
    x_train, y_train, x_valid, y_valid = map(torch.tensor, images("mnist"))
    torch.manual_seed(0)
    loss_func = F.cross_entropy

    class Mnist_Logistic(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    bs, lr, epochs = 64, 0.5, 2
    train_ds = TensorDataset(x_train, y_train)
    valid_ds = TensorDataset(x_valid, y_valid)

    def get_data(train_ds, valid_ds, bs):
        return (
            DataLoader(train_ds, batch_size=bs, shuffle=True),
            DataLoader(valid_ds, batch_size=bs * 2),
        )

    def get_model():
        model = Mnist_Logistic()
        return model, optim.SGD(model.parameters(), lr=lr)

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
        for epoch in range(epochs):
            model.train()
            for xb, yb in train_dl:
                loss_batch(model, loss_func, xb, yb, opt)
            model.eval()
            with torch.no_grad():
                losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
            val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        return val_loss

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model, opt = get_model()
    return fit(epochs, model, loss_func, opt, train_dl, valid_dl)
