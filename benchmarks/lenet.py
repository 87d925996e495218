"""LeNet-5 training step (batch 64, 28×28, float32): glassnet vs PyTorch in the same run."""

from __future__ import annotations

import numpy as np
import torch

import glassnet as gn
from _common import paired_times, report, setup_threads
from glassnet.models import LeNet5


def torch_lenet() -> torch.nn.Module:
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def main() -> None:
    setup_threads()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 64)

    gm = LeNet5()
    gopt = gn.optim.SGD(gm.parameters(), lr=0.01, momentum=0.9)
    gx, gy, gloss = gn.tensor(x), y, gn.nn.CrossEntropyLoss()

    def gn_step() -> None:
        gopt.zero_grad()
        gloss(gm(gx), gy).backward()
        gopt.step()

    tm = torch_lenet()
    topt = torch.optim.SGD(tm.parameters(), lr=0.01, momentum=0.9)
    tx, ty, tloss = torch.tensor(x), torch.tensor(y), torch.nn.CrossEntropyLoss()

    def torch_step() -> None:
        topt.zero_grad()
        tloss(tm(tx), ty).backward()
        topt.step()

    t_gn, t_torch = paired_times(gn_step, torch_step)
    report("lenet_train_step", t_gn, t_torch)


if __name__ == "__main__":
    main()
