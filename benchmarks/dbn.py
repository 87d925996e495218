"""DBN pretraining with few labels: Fashion-MNIST, 1,000 labelled training images.

A DBN 784-500-200 is pretrained greedily on all 60,000 training images without their labels
(each RBM: CD-1, EPOCHS epochs, lr 0.05, batch 100); it initialises a sigmoid MLP
784-500-200-10 that is fine-tuned on 1,000 labelled images (Adam 1e-3, batch 32, FINETUNE
epochs). The same MLP from random init is trained the same way. Prints the test accuracy
(10,000 images) of both for SEEDS seeds and their means.
Usage: GLASSNET_DATA=/path/to/datasets BENCH_THREADS=1 python benchmarks/dbn.py
"""

from __future__ import annotations

import os
import time

import numpy as np

import glassnet as gn
from _common import setup_threads
from glassnet.generative import DBN
from glassnet.models import MLP
from glassnet.train import Model

EPOCHS, FINETUNE = int(os.environ.get("EPOCHS", 5)), int(os.environ.get("FINETUNE", 30))
SEEDS, LABELS = int(os.environ.get("SEEDS", 3)), 1000


def load(split: str) -> tuple[np.ndarray, np.ndarray]:
    x, y = gn.datasets.fashion_mnist(split, download=False)
    return x.reshape(len(x), -1).astype(np.float32) / 255, y.astype(np.int64)


def finetune(
    net: gn.nn.Module, x: np.ndarray, y: np.ndarray, xt: np.ndarray, yt: np.ndarray
) -> float:
    model = Model(net).compile("adam", "cross_entropy", ["accuracy"], lr=1e-3)
    model.fit(x, y, epochs=FINETUNE, batch_size=32, verbose=0)
    return model.evaluate(xt, yt, return_dict=True)["accuracy"]


def main() -> None:
    setup_threads()
    x, y = load("train")
    xt, yt = load("test")
    results = {"dbn": [], "random": []}
    for seed in range(SEEDS):
        gn.manual_seed(seed)
        labelled = np.random.default_rng(seed).choice(len(x), LABELS, replace=False)
        t0 = time.perf_counter()
        dbn = DBN([784, 500, 200])
        dbn.pretrain(x, epochs=EPOCHS, lr=0.05, batch_size=100)
        t_pre = time.perf_counter() - t0
        net = dbn.to_mlp(10)
        results["dbn"].append(finetune(net, x[labelled], y[labelled], xt, yt))
        gn.manual_seed(seed)
        results["random"].append(
            finetune(MLP([784, 500, 200, 10], "sigmoid"), x[labelled], y[labelled], xt, yt)
        )
        print(
            f"seed {seed}: DBN-initialised {results['dbn'][-1]:.4f}, random init "
            f"{results['random'][-1]:.4f} (pretraining {t_pre:.0f} s)",
            flush=True,
        )
    print(
        f"mean of {SEEDS} seeds: DBN-initialised {np.mean(results['dbn']):.4f}, random init "
        f"{np.mean(results['random']):.4f}"
    )


if __name__ == "__main__":
    main()
