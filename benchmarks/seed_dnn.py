"""The seed's DNN ([300, 100], ReLU, softmax cross-entropy, batch 50) in glassnet and PyTorch.

Same data, same initial weights, same optimizer (Adam, lr 1e-3), same epochs and early-stopping
rule (val_loss, patience 5, best weights restored); prints both test accuracies.

    python benchmarks/seed_dnn.py [fashion-mnist|mnist-t10k] [max_epochs]

Data: Fashion-MNIST 60,000 train (first 5,000 validate) / 10,000 test; `mnist-t10k` uses only
MNIST's 10,000 test images (first 8,000 train, of them the first 1,000 validate; last 2,000 test),
because MNIST's training images are not available here.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import torch  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.cli import build_mlp  # noqa: E402
from glassnet.datasets.catalog import prepare  # noqa: E402
from glassnet.train import EarlyStopping, Model  # noqa: E402


def torch_mlp(net: gn.nn.Sequential) -> torch.nn.Sequential:
    """The same architecture in PyTorch, starting from the glassnet net's weights."""
    layers = []
    for m in net:
        if isinstance(m, gn.nn.Linear):
            t = torch.nn.Linear(m.in_features, m.out_features)
            with torch.no_grad():
                t.weight.copy_(torch.from_numpy(m.weight.data.copy()))
                t.bias.copy_(torch.from_numpy(m.bias.data.copy()))
            layers.append(t)
        else:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_fit(model, x, y, xv, yv, epochs, patience, batch_size=50, seed=0, max_epochs=None):
    """Plain PyTorch loop with a DataLoader; early stopping on val loss, best weights kept."""
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    dl = torch.utils.data.DataLoader(ds, batch_size=batch_size, shuffle=True)
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


def compare(name: str, epochs: int, patience: int | None = 5, seed: int = 0,
            subset: int | None = None) -> dict:
    """Train both frameworks on the same split and weights; returns accuracies and times."""
    ds = prepare(name)
    (x, y), (xt, yt) = ds.train, ds.test
    k = int(ds.val_default)
    xv, yv, x, y = x[:k], y[:k], x[k:], y[k:]
    if subset:
        x, y = x[:subset], y[:subset]
    gn.manual_seed(seed)
    net = build_mlp(x.shape[1], [300, 100], 10, "relu")
    tnet = torch_mlp(net)
    model = Model(net).compile("adam", "cross_entropy", ["accuracy"], lr=1e-3)
    cbs = [EarlyStopping(patience=patience, restore_best_weights=True)] if patience else []
    t = time.perf_counter()
    h = model.fit(x, y, batch_size=50, epochs=epochs, validation_data=(xv, yv), callbacks=cbs,
                  verbose=0)
    gn_time = time.perf_counter() - t
    gn_acc = model.evaluate(xt, yt, return_dict=True)["accuracy"]
    t = time.perf_counter()
    ran = torch_fit(tnet, x, y, xv, yv, epochs, patience, seed=seed)
    torch_time = time.perf_counter() - t
    return {"glassnet": gn_acc, "torch": torch_accuracy(tnet, xt, yt),
            "glassnet_epochs": len(h.history["loss"]), "torch_epochs": ran,
            "glassnet_s": gn_time, "torch_s": torch_time}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "fashion-mnist"
    epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(int(os.environ.get("THREADS", "2"))):
        r = compare(name, epochs)
    print(f"BLAS: {[(i.get('internal_api'), i.get('num_threads')) for i in threadpool_info()]}")
    print(f"env: { {k: v for k, v in os.environ.items() if k.startswith('OPENBLAS')} }")
    print(f"{name}: glassnet test accuracy {r['glassnet']:.4f} ({r['glassnet_epochs']} epochs, "
          f"{r['glassnet_s']:.1f} s)")
    print(f"{name}: pytorch  test accuracy {r['torch']:.4f} ({r['torch_epochs']} epochs, "
          f"{r['torch_s']:.1f} s)")
    print(f"difference (points) = {100 * (r['glassnet'] - r['torch']):+.2f}")
    print(f"ratio torch_time/glassnet_time = {r['torch_s'] / r['glassnet_s']:.2f}")


if __name__ == "__main__":
    main()
