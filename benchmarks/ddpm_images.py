"""DDPM on small images: Fashion-MNIST downsampled to 14×14 (2×2 means), scaled to [−1, 1].

An MLP ε-predictor (196 + 64 → 512 → 512 → 196, SiLU) on T = 200 steps of the cosine
schedule, Adam 1e-3, batch 128, EPOCHS epochs over the 60,000 training images. Prints the time
and the last epoch's loss, and writes a grid of 64 samples (ancestral sampling, x̂_0 clipped
to [−1, 1]) to
OUT (default ddpm_fashion.png). Usage: GLASSNET_DATA=... python benchmarks/ddpm_images.py
"""

from __future__ import annotations

import os
import time

import numpy as np

import glassnet as gn
from glassnet.generative import DDPM, GenerativeModel
from glassnet.generative.commands import save_samples

EPOCHS, OUT = int(os.environ.get("EPOCHS", 5)), os.environ.get("OUT", "ddpm_fashion.png")


def main() -> None:
    x, _ = gn.datasets.fashion_mnist("train", download=False)
    x = x.astype(np.float32).reshape(-1, 14, 2, 14, 2).mean((2, 4)) / 255
    x = (x.reshape(len(x), -1) * 2 - 1).astype(np.float32)
    gn.manual_seed(0)
    ddpm = DDPM(196, 200, "cosine", hidden=(512, 512), time_dim=64)
    model = GenerativeModel(ddpm).compile("adam", lr=1e-3)
    t0 = time.perf_counter()
    history = model.fit(x, epochs=EPOCHS, batch_size=128, verbose=1)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    with gn.no_grad():
        samples = ddpm.sample(64, clip=1.0)
    save_samples((samples + 1) / 2, OUT, 14)
    print(
        f"{EPOCHS} epochs in {t_fit:.0f} s, last epoch loss {history.history['loss'][-1]:.4f}; "
        f"64 samples in {time.perf_counter() - t0:.1f} s -> {OUT}"
    )


if __name__ == "__main__":
    main()
