"""The seed's DNN ([300, 100], ReLU, softmax cross-entropy, batch 50) in glassnet and PyTorch.

The optimizer is the seed's: tf.estimator.DNNClassifier trains with Adagrad at 0.05 (OPT=adam
switches both sides to Adam at 1e-3). Same data in the same shuffled order (PyTorch's
DataLoader gets a sampler that draws the very permutations glassnet's fit draws), same initial
weights, same optimizer, same epochs and early-stopping rule (val_loss, patience 5, best
weights restored); prints both test accuracies. What differs is each framework's arithmetic.

    python benchmarks/seed_dnn.py [fashion-mnist|mnist-t10k] [max_epochs] [n_seeds]

Where training stops early depends on noise in the validation loss, so one run's accuracy
moves by about ±0.5 points; with n_seeds > 1 both frameworks run seeds 0..n-1 and the means
are compared.

Data: Fashion-MNIST 60,000 train (first 5,000 validate) / 10,000 test; `mnist-t10k` uses only
MNIST's 10,000 test images (first 8,000 train, of them the first 1,000 validate; last 2,000 test),
because MNIST's training images are not available here.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.datasets.catalog import prepare  # noqa: E402
from glassnet.train import EarlyStopping, Model  # noqa: E402


def torch_mlp(net: gn.nn.Sequential) -> torch.nn.Sequential:
    """The same architecture in PyTorch, starting from the glassnet net's weights."""
    layers = []
    for m in net:
        if isinstance(m, gn.nn.Linear):
            t = torch.nn.Linear(m.in_features, m.out_features)
            with torch.no_grad():
                t.weight.copy_(torch.from_numpy(m.weight._array.copy()))
                t.bias.copy_(torch.from_numpy(m.bias._array.copy()))
            layers.append(t)
        else:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


class SameOrder(torch.utils.data.Sampler):
    """Yields, each epoch, the permutation glassnet's DataLoader draws from the same RNG state."""

    def __init__(self, n: int, rng_state: dict) -> None:
        self.n = n
        self.rng = np.random.default_rng()
        self.rng.bit_generator.state = rng_state

    def __iter__(self):
        return iter(self.rng.permutation(self.n).tolist())

    def __len__(self) -> int:
        return self.n


OPTIMIZERS = {"adagrad": (torch.optim.Adagrad, 0.05), "adam": (torch.optim.Adam, 1e-3)}


def torch_fit(model, x, y, xv, yv, epochs, patience, rng_state, optimizer, batch_size=50):
    """Plain PyTorch loop with a DataLoader; early stopping on val loss, best weights kept."""
    cls, lr = OPTIMIZERS[optimizer]
    opt = cls(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    dl = torch.utils.data.DataLoader(
        ds, batch_size=batch_size, sampler=SameOrder(len(x), rng_state)
    )
    xv_t, yv_t = torch.from_numpy(xv), torch.from_numpy(yv)
    best, best_state, wait, ran = float("inf"), None, 0, 0
    for _ in range(epochs):
        model.train()
        for xb, yb in dl:
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        ran += 1
        model.eval()
        with torch.no_grad():
            vl = loss_fn(model(xv_t), yv_t).item()
        if vl < best:
            best, wait = vl, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            wait += 1
            if patience is not None and wait >= patience:
                break
    if best_state is not None and patience is not None:
        model.load_state_dict(best_state)
    return ran


def torch_accuracy(model, x, y) -> float:
    model.eval()
    with torch.no_grad():
        return float((model(torch.from_numpy(x)).argmax(1).numpy() == y).mean())


def compare(
    name: str,
    epochs: int,
    patience: int | None = 5,
    seed: int = 0,
    subset: int | None = None,
    optimizer: str = "adagrad",
) -> dict:
    """Train both frameworks on the same split and weights; returns accuracies and times."""
    ds = prepare(name)  # raw features; both frameworks get them scaled as the CLI's layer does
    (x, y), (xt, yt) = ds.train, ds.test
    x, xt = ds.scaled(x), ds.scaled(xt)
    x, y, xv, yv = gn.data.holdout(x, y, int(ds.val_default))  # the seed's: the first k
    if subset:
        x, y = x[:subset], y[:subset]
    gn.manual_seed(seed)
    net = gn.models.MLP([x.shape[1], 300, 100, 10], "relu")
    tnet = torch_mlp(net)
    model = Model(net).compile(
        optimizer, "cross_entropy", ["accuracy"], lr=OPTIMIZERS[optimizer][1]
    )
    cbs = [EarlyStopping(patience=patience, restore_best_weights=True)] if patience else []
    rng_state = gn.get_rng_state()  # fit's shuffling starts from here
    t = time.perf_counter()
    h = model.fit(
        x, y, batch_size=50, epochs=epochs, validation_data=(xv, yv), callbacks=cbs, verbose=0
    )
    gn_time = time.perf_counter() - t
    gn_acc = model.evaluate(xt, yt, return_dict=True)["accuracy"]
    t = time.perf_counter()
    ran = torch_fit(tnet, x, y, xv, yv, epochs, patience, rng_state, optimizer)
    torch_time = time.perf_counter() - t
    return {
        "glassnet": gn_acc,
        "torch": torch_accuracy(tnet, xt, yt),
        "glassnet_epochs": len(h.history["loss"]),
        "torch_epochs": ran,
        "glassnet_s": gn_time,
        "torch_s": torch_time,
    }


OPT = os.environ.get("OPT", "adagrad")


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "fashion-mnist"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    from _common import setup_threads

    setup_threads()
    runs = []
    for seed in range(seeds):
        r = compare(name, epochs, seed=seed, optimizer=OPT)
        runs.append(r)
        print(
            f"{name} seed {seed}: glassnet {r['glassnet']:.4f} ({r['glassnet_epochs']} "
            f"epochs, {r['glassnet_s']:.1f} s) | pytorch {r['torch']:.4f} "
            f"({r['torch_epochs']} epochs, {r['torch_s']:.1f} s)",
            flush=True,
        )
    g = np.mean([r["glassnet"] for r in runs])
    t = np.mean([r["torch"] for r in runs])
    print(f"{name}: mean test accuracy over {seeds} seed(s): glassnet {g:.4f}, pytorch {t:.4f}")
    print(f"difference (points) = {100 * (g - t):+.2f}")
    gs, ts = sum(r["glassnet_s"] for r in runs), sum(r["torch_s"] for r in runs)
    print(f"ratio torch_time/glassnet_time = {ts / gs:.2f}")


if __name__ == "__main__":
    main()
