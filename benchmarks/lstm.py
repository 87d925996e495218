"""LSTM forward+backward (input 32, hidden 128, seq 35, batch 32, float32): glassnet vs torch."""

from __future__ import annotations

import numpy as np
import torch

import glassnet as gn
from _common import best_time, report, setup_threads


def main() -> None:
    setup_threads()
    seq, batch, n_in, hid = 35, 32, 32, 128
    x = np.random.default_rng(0).standard_normal((seq, batch, n_in)).astype(np.float32)

    gm = gn.nn.LSTM(n_in, hid)
    gx = gn.tensor(x, requires_grad=True)

    def gn_step() -> None:
        gm.zero_grad()
        out, (h, c) = gm(gx)
        (out.sum() + h.sum()).backward()

    tm = torch.nn.LSTM(n_in, hid)
    tx = torch.tensor(x, requires_grad=True)

    def torch_step() -> None:
        tm.zero_grad()
        out, (h, c) = tm(tx)
        (out.sum() + h.sum()).backward()

    t_gn, t_torch = best_time(gn_step), best_time(torch_step)
    report("lstm_fwd_bwd", t_gn, t_torch)


if __name__ == "__main__":
    main()
