"""Command-line interface. For now: `glassnet train` on a built-in two-circles set."""

from __future__ import annotations

import argparse
import sys

import numpy as np

import glassnet as gn


def _circles(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r = np.concatenate([rng.uniform(0, 2, n // 2), rng.uniform(3, 5, n - n // 2)])
    a = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.cos(a), r * np.sin(a)], 1).astype(np.float32)
    y = (np.arange(n) >= n // 2).astype(np.int64)
    return x, y


def train(args: argparse.Namespace) -> int:
    gn.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    x, y = _circles(1000, rng)
    idx = rng.permutation(len(x))
    tr, te = idx[:800], idx[800:]
    model = gn.nn.Sequential(gn.nn.Linear(2, 8), gn.nn.Tanh(), gn.nn.Linear(8, 2))
    opt = gn.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loss_fn = gn.nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        perm = rng.permutation(tr)
        for i in range(0, len(perm), args.batch_size):
            b = perm[i:i + args.batch_size]
            loss = loss_fn(model(gn.tensor(x[b])), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}/{args.epochs} loss {loss.item():.4f}")
    with gn.no_grad():
        acc = (model(gn.tensor(x[te])).argmax(1).numpy() == y[te]).mean()
    print(f"test accuracy {acc:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="glassnet", description="glassnet command line")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a small network on built-in data")
    t.add_argument("--epochs", type=int, default=20)
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--lr", type=float, default=0.1)
    t.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    return train(args)


if __name__ == "__main__":
    sys.exit(main())
