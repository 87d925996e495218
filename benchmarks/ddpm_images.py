"""DDPM on small images: Fashion-MNIST downsampled to 14×14 (2×2 means), scaled to [−1, 1].

DENOISER=conv (the default): `ConvDenoiser`, a small U-Net (WIDTH channels at 14×14, twice
that at 7×7, GroupNorm and SiLU, the sinusoidal embedding of t added in every block);
DENOISER=mlp: an MLP ε-predictor (196 + 64 → 512 → 512 → 196, SiLU). T = 200 steps of the
cosine schedule, Adam 1e-3 (conv: 2e-3), batch 128, EPOCHS epochs over the first LIMIT of the
60,000 training images. Prints the time, the last epoch's loss and the load average, and
writes a grid of 64 samples (ancestral sampling, x̂_0 clipped to [−1, 1]) to OUT.
Usage: GLASSNET_DATA=... flock /tmp/glassnet-bench.lock python benchmarks/ddpm_images.py
"""

from __future__ import annotations

import os
import time

import numpy as np

import glassnet as gn
from glassnet.generative import DDPM, GenerativeModel
from glassnet.generative.commands import save_samples

DENOISER = os.environ.get("DENOISER", "conv")
EPOCHS, LIMIT = int(os.environ.get("EPOCHS", 3)), int(os.environ.get("LIMIT", 60000))
WIDTH = int(os.environ.get("WIDTH", 16))
OUT = os.environ.get("OUT", f"ddpm_fashion_{DENOISER}.png")


def main() -> None:
    x, _ = gn.datasets.fashion_mnist("train", download=False)
    x = x[:LIMIT].astype(np.float32).reshape(-1, 14, 2, 14, 2).mean((2, 4)) / 255
    x = (x.reshape(len(x), -1) * 2 - 1).astype(np.float32)
    gn.manual_seed(0)
    if DENOISER == "conv":
        ddpm = DDPM(196, 200, "cosine", time_dim=32, denoiser="conv", width=WIDTH)
    else:
        ddpm = DDPM(196, 200, "cosine", hidden=(512, 512), time_dim=64)
    model = GenerativeModel(ddpm).compile("adam", lr=2e-3 if DENOISER == "conv" else 1e-3)
    params = sum(p.numel() for p in ddpm.parameters())
    print(f"{DENOISER} denoiser, {params:,} parameters, {len(x):,} images")
    t0 = time.perf_counter()
    history = model.fit(x, epochs=EPOCHS, batch_size=128, verbose=1)
    t_fit = time.perf_counter() - t0
    t0 = time.perf_counter()
    with gn.no_grad():
        samples = ddpm.sample(64, clip=1.0)
    save_samples((samples + 1) / 2, OUT, 14)
    print(
        f"{EPOCHS} epochs in {t_fit:.0f} s, last epoch loss {history.history['loss'][-1]:.4f}; "
        f"64 samples in {time.perf_counter() - t0:.1f} s -> {OUT}; load "
        f"{' '.join(open('/proc/loadavg').read().split()[:3])}"
    )


if __name__ == "__main__":
    main()
