"""LSTM forward+backward (input 32, hidden 128, seq 35, batch 32, float32): glassnet vs torch.

Also printed, for reading the ratio: torch with its oneDNN RNN kernel switched off (its generic
per-step path), and the step's GEMMs alone in NumPy — the floor for any NumPy implementation
on this BLAS. The floor depends on the kernels OpenBLAS runs: with OPENBLAS_CORETYPE=Haswell
forced on an AVX-512 machine its GEMMs take about twice as long as with the CPU's own kernels,
and the first line says which are in use.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from threadpoolctl import threadpool_info

import glassnet as gn
from _common import best_time, paired_times, report, setup_threads


def gemm_floor(seq: int, batch: int, n_in: int, hid: int) -> float:
    """Seconds for the matrix products of one LSTM forward+backward, with nothing else."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((seq * batch, n_in), dtype=np.float32)
    hs = rng.standard_normal((seq * batch, hid), dtype=np.float32)
    w_ih = rng.standard_normal((4 * hid, n_in), dtype=np.float32)
    w_hh_t = rng.standard_normal((hid, 4 * hid), dtype=np.float32)
    w_hh = np.ascontiguousarray(w_hh_t.T)
    dz = rng.standard_normal((seq * batch, 4 * hid), dtype=np.float32)
    gates, gh = np.empty((batch, 4 * hid), np.float32), np.empty((batch, hid), np.float32)

    def products() -> None:
        x @ w_ih.T  # input projection for all steps
        for t in range(seq):  # recurrent products, forward then back through time
            np.matmul(hs[t * batch : (t + 1) * batch], w_hh_t, out=gates)
        for t in range(seq):
            np.matmul(dz[t * batch : (t + 1) * batch], w_hh, out=gh)
        dz @ w_ih, dz.T @ x, dz.T @ hs  # input and weight gradients

    return best_time(products)


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

    t_gn, t_torch = paired_times(gn_step, torch_step)
    torch.backends.mkldnn.enabled = False  # (its flags() context also sets TF32 and warns)
    t_aten = best_time(torch_step)
    torch.backends.mkldnn.enabled = True
    t_floor = gemm_floor(seq, batch, n_in, hid)
    arch = [i.get("architecture") for i in threadpool_info() if i["internal_api"] == "openblas"]
    print(
        f"NumPy's OpenBLAS kernels: {arch[0] if arch else 'not OpenBLAS'}"
        f" (OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}); "
        f"torch CPU capability {torch.backends.cpu.get_cpu_capability()}; "
        f"torch without oneDNN: {t_aten * 1e3:.3f} ms/step (ratio {t_aten / t_gn:.3f})"
    )
    print(
        f"NumPy GEMMs alone: {t_floor * 1e3:.3f} ms/step "
        f"(the most any NumPy LSTM could reach: ratio {t_torch / t_floor:.3f})"
    )
    report("lstm_fwd_bwd", t_gn, t_torch)


if __name__ == "__main__":
    main()
