# Source: PyTorch tutorials, "What is torch.nn really?", part "Neural net from scratch
# (without torch.nn)"
# path: beginner_source/nn_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/nn_tutorial.py
# Written out from the tutorial's steps; changed: the import, and the data loading (2,000
# MNIST images from glassnet.datasets instead of the pickled download).
import math

from _mnist import images

METRIC, BOUND, HIGHER_IS_BETTER = "accuracy on the last batch seen", 0.8, True


def main(torch):
    x_train, y_train, x_valid, y_valid = map(torch.tensor, images("mnist"))
    n, c = x_train.shape
    torch.manual_seed(0)
    weights = torch.randn(784, 10) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    bs = 64
    lr = 0.5
    epochs = 2
    for epoch in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    return accuracy(model(x_valid), y_valid).item()
