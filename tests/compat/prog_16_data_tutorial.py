# Source: PyTorch tutorials, "Learn the Basics: Datasets & DataLoaders" (a custom Dataset
# class) with "Optimizing Model Parameters" (train_loop / test_loop)
# paths: beginner_source/basics/data_tutorial.py, beginner_source/basics/optimization_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/basics/data_tutorial.py
# https://github.com/pytorch/tutorials/blob/main/beginner_source/basics/optimization_tutorial.py
# Written out from the tutorials' steps; changed: the import, the data loading (the custom
# Dataset reads 2,000 Fashion-MNIST arrays from glassnet.datasets, not image files), lr 1e-1
# for 1e-3 and 2 epochs for 10.
from _mnist import images

METRIC, BOUND, HIGHER_IS_BETTER = "test accuracy (chance: 0.1)", 0.35, True


def main(torch):
    nn = torch.nn
    Dataset, DataLoader = torch.utils.data.Dataset, torch.utils.data.DataLoader
    xtr, ytr, xte, yte = images("fashion", 2000, 500)

    class CustomImageDataset(Dataset):
        def __init__(self, images, labels, transform=None, target_transform=None):
            self.images, self.img_labels = images, labels
            self.transform = transform
            self.target_transform = target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image = torch.tensor(self.images[idx].reshape(1, 28, 28))
            label = int(self.img_labels[idx])
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    torch.manual_seed(0)
    training_data = CustomImageDataset(xtr, ytr)
    test_data = CustomImageDataset(xte, yte)
    train_dataloader = DataLoader(training_data, batch_size=64, shuffle=True)
    test_dataloader = DataLoader(test_data, batch_size=64, shuffle=True)
    train_features, train_labels = next(iter(train_dataloader))
    assert tuple(train_features.size()) == (64, 1, 28, 28) and tuple(train_labels.size()) == (64,)

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
            return self.linear_relu_stack(x)

    model = NeuralNetwork()
    learning_rate, batch_size, epochs = 1e-1, 64, 2
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

    def train_loop(dataloader, model, loss_fn, optimizer):
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        correct = 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        return correct / size

    for t in range(epochs):
        train_loop(train_dataloader, model, loss_fn, optimizer)
        accuracy = test_loop(test_dataloader, model, loss_fn)
    return accuracy
