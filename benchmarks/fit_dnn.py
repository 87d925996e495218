"""One epoch of the seed's DNN on Fashion-MNIST: glassnet `Model.fit` vs a PyTorch loop.

glassnet: `fit` with everything on (array -> DataLoader, shuffling, tqdm progress bar, accuracy
metric, TerminateOnNaN). PyTorch: the usual loop over `DataLoader(TensorDataset, batch_size=50,
shuffle=True)`. Both use the seed's optimizer, Adagrad at 0.05 (DNNClassifier's default);
OPT=adam switches both to Adam at 1e-3. Same data (55,000 images, float32 /255), batch 50,
same thread count.
Then the full 40-epoch glassnet run (set FULL=0 to skip). The last line is the ratio
torch_time / glassnet_time (> 1 means glassnet is faster).
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassnet as gn  # noqa: E402
from _common import setup_threads  # noqa: E402
from glassnet.datasets import fashion_mnist  # noqa: E402
from glassnet.train import Model  # noqa: E402

OPT = os.environ.get("OPT", "adagrad")
LR = {"adagrad": 0.05, "adam": 1e-3}[OPT]


def data() -> tuple[np.ndarray, np.ndarray]:
    x, y = fashion_mnist("train")
    x = x.reshape(len(x), -1).astype(np.float32) / 255
    return x[5000:], y[5000:]


def glassnet_epochs(x: np.ndarray, y: np.ndarray, epochs: int, verbose: int = 1) -> float:
    gn.manual_seed(0)
    model = Model(gn.models.MLP([784, 300, 100, 10], "relu"))
    model.compile(OPT, "cross_entropy", ["accuracy"], lr=LR)
    t = time.perf_counter()
    model.fit(x, y, batch_size=50, epochs=epochs, verbose=verbose)
    return time.perf_counter() - t


def torch_epoch(x: np.ndarray, y: np.ndarray) -> float:
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 300),
        torch.nn.ReLU(),
        torch.nn.Linear(300, 100),
        torch.nn.ReLU(),
        torch.nn.Linear(100, 10),
    )
    opt = {"adagrad": torch.optim.Adagrad, "adam": torch.optim.Adam}[OPT](net.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    t = time.perf_counter()
    for xb, yb in torch.utils.data.DataLoader(ds, batch_size=50, shuffle=True):
        opt.zero_grad()
        loss_fn(net(xb), yb).backward()
        opt.step()
    return time.perf_counter() - t


def main() -> None:
    threads = setup_threads()
    x, y = data()
    glassnet_epochs(x[:5000], y[:5000], 1, verbose=0)  # warm-up
    torch_epoch(x[:5000], y[:5000])
    g = min(glassnet_epochs(x, y, 1) for _ in range(2))
    t = min(torch_epoch(x, y) for _ in range(2))
    full = (
        glassnet_epochs(x, y, 40, verbose=0) if os.environ.get("FULL", "1") != "0" else float("nan")
    )
    print(f"threads: {threads} (numpy BLAS and torch), optimizer {OPT} lr {LR}")
    print(f"glassnet fit, 1 epoch (1,100 batches of 50): {g:.2f} s")
    print(f"pytorch loop + DataLoader, 1 epoch:           {t:.2f} s")
    print(f"glassnet fit, 40 epochs (no early stopping):  {full:.1f} s")
    print(f"ratio torch/glassnet = {t / g:.2f}")


if __name__ == "__main__":
    main()
