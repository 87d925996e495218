"""Per-op dispatch overhead on tiny tensors, glassnet vs PyTorch (same thread count).

A tiny tensor makes the arithmetic free, so what is timed is the framework: wrapping, graph
recording and the backward loop. Prints ops/s for each case and the ratio glassnet/PyTorch
(above 1 means glassnet is faster); last line ``ratio_forward=… ratio_backward=…``.
"""

from __future__ import annotations

import statistics

import numpy as np
import torch

import glassnet as gn
from _common import compare, setup_threads

CHAIN = 20  # ops per timed call


def forward_chain(a, b):
    """CHAIN elementwise ops (add, mul, relu, sub, ...) on tiny tensors."""

    def run():
        x = a
        for _ in range(CHAIN // 4):
            x = (x + b) * b
            x = x.relu() - a
        return x

    return run


def backward_chain(a, b):
    """The same chain recorded with requires_grad, then backward through it."""
    run_fwd = forward_chain(a, b)

    def run():
        a.grad = b.grad = None
        run_fwd().sum().backward()

    return run


def tensors(lib, requires_grad: bool):
    rng = np.random.default_rng(0)
    arrs = [rng.standard_normal((4, 4), dtype=np.float32) for _ in range(2)]
    if lib is gn:
        return [gn.tensor(x, requires_grad=requires_grad) for x in arrs]
    return [torch.tensor(x, requires_grad=requires_grad) for x in arrs]


def main() -> None:
    setup_threads()
    ratios = {}
    for name, make, grad in (("forward", forward_chain, False), ("backward", backward_chain, True)):
        ours = make(*tensors(gn, grad))
        ref = make(*tensors(torch, grad))
        if not grad:
            with gn.no_grad(), torch.no_grad():
                g, t, r = compare(ours, ref, CHAIN)
        else:
            g, t, r = compare(ours, ref, CHAIN)
        print(f"{name}: glassnet {g:,.0f} ops/s, torch {t:,.0f} ops/s, ratio {r:.3f}")
        ratios[name] = r
    print(f"geometric mean {statistics.geometric_mean(ratios.values()):.3f}")
    print(f"ratio_forward={ratios['forward']:.3f} ratio_backward={ratios['backward']:.3f}")


if __name__ == "__main__":
    main()
