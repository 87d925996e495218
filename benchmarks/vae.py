"""PyTorch's examples/vae on Fashion-MNIST: glassnet and PyTorch from the same initial weights,
the same batches and the same ε draws, trained side by side.

Prints each epoch's test loss (nats per image: summed BCE + KL over the 10,000 test images,
divided by 10,000) for both, their relative difference, each epoch's training time and the
ratio torch time / glassnet time; exits 1 unless the last epoch's losses agree within 0.5 %.
Usage: GLASSNET_DATA=/path/to/datasets BENCH_THREADS=1 python benchmarks/vae.py  (EPOCHS=5)
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np
import torch

import glassnet as gn
from _common import setup_threads
from glassnet.generative import VAE, GenerativeModel

EPOCHS, BATCH, LATENT = int(os.environ.get("EPOCHS", 5)), 128, 20


class TorchVAE(torch.nn.Module):
    """The reference: PyTorch's examples/vae network, ε passed in."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc21 = torch.nn.Linear(784, 400), torch.nn.Linear(400, 20)
        self.fc22, self.fc3 = torch.nn.Linear(400, 20), torch.nn.Linear(20, 400)
        self.fc4 = torch.nn.Linear(400, 784)

    def loss(self, x: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        recon = torch.sigmoid(self.fc4(torch.relu(self.fc3(mu + eps * torch.exp(0.5 * logvar)))))
        bce = torch.nn.functional.binary_cross_entropy(recon, x, reduction="sum")
        return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def load(split: str) -> np.ndarray:
    x, _ = gn.datasets.fashion_mnist(split, download=False)
    return x.reshape(len(x), -1).astype(np.float32) / 255


def batches(n: int, rng: np.random.Generator, shuffle: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """(indices, ε) per batch: one shuffle and one set of draws, shared by both frameworks."""
    order = rng.permutation(n) if shuffle else np.arange(n)
    return [
        (idx, rng.standard_normal((len(idx), LATENT)).astype(np.float32))
        for idx in np.array_split(order, range(BATCH, n, BATCH))
    ]


def main() -> int:
    setup_threads()
    x_train, x_test = load("train"), load("test")
    torch.manual_seed(0)
    ref = TorchVAE()
    vae = VAE()
    vae.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    model = GenerativeModel(vae).compile("adam", lr=1e-3)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    last = (0.0, 0.0)
    for epoch in range(1, EPOCHS + 1):
        plan = batches(len(x_train), rng, shuffle=True)
        t0 = time.perf_counter()
        for idx, eps in plan:
            vae.noise = lambda shape, e=eps: e
            model.train_step((x_train[idx], idx))
        t_gn = time.perf_counter() - t0
        t0 = time.perf_counter()
        for idx, eps in plan:
            opt.zero_grad()
            ref.loss(torch.from_numpy(x_train[idx]), torch.from_numpy(eps)).backward()
            opt.step()
        t_torch = time.perf_counter() - t0
        test_plan = batches(len(x_test), rng, shuffle=False)
        ours = theirs = 0.0
        with gn.no_grad(), torch.no_grad():
            for idx, eps in test_plan:
                vae.noise = lambda shape, e=eps: e
                ours += float(vae.loss(gn.tensor(x_test[idx])).data)
                theirs += ref.loss(torch.from_numpy(x_test[idx]), torch.from_numpy(eps)).item()
        last = (ours / len(x_test), theirs / len(x_test))
        print(
            f"epoch {epoch}: test loss glassnet {last[0]:.3f}  torch {last[1]:.3f} nats/image "
            f"(rel. diff {abs(last[0] - last[1]) / last[1]:.2e}); epoch time glassnet "
            f"{t_gn:.1f} s, torch {t_torch:.1f} s, ratio (torch/glassnet) {t_torch / t_gn:.2f}",
            flush=True,
        )
    return 0 if abs(last[0] - last[1]) <= 0.005 * last[1] else 1


if __name__ == "__main__":
    sys.exit(main())
