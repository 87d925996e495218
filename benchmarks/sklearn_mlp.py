"""MLPClassifier on digits: glassnet vs scikit-learn, same hidden sizes, adam, max_iter, threads.

Prints both test accuracies and fit times (best of --repeat), the BLAS in use, the OPENBLAS_*
environment, and last the ratio sklearn_time / glassnet_time (> 1: glassnet is faster).
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP
from threadpoolctl import threadpool_info, threadpool_limits

from _common import contend_mode, start_neighbours
from glassnet.sklearn import MLPClassifier as GnMLP


def fit_time(cls, X, y, X_test, y_test, repeat: int, **kw) -> tuple[float, float]:
    """Best wall time of `repeat` fits and the test accuracy of the last one."""
    best = np.inf
    for _ in range(repeat):
        est = cls(**kw)
        t0 = time.perf_counter()
        est.fit(X, y)
        best = min(best, time.perf_counter() - t0)
    return best, est.score(X_test, y_test)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--max-iter", type=int, default=200)
    ap.add_argument("--hidden", type=int, nargs="+", default=[100])
    mode = contend_mode()  # BENCH_CONTEND / --contend: neighbours beside both fits
    args = ap.parse_args()
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X / 16.0, y, random_state=0, stratify=y)
    kw = dict(
        hidden_layer_sizes=tuple(args.hidden), solver="adam", max_iter=args.max_iter, random_state=0
    )
    warnings.simplefilter("ignore", ConvergenceWarning)
    if mode:
        start_neighbours(mode)
    with threadpool_limits(limits=args.threads):
        blas = [
            (i["internal_api"], i.get("architecture"), i["num_threads"]) for i in threadpool_info()
        ]
        t_sk = t_gn = np.inf
        for _ in range(args.repeat):  # alternating, so a neighbour slows both alike
            t, acc_sk = fit_time(SkMLP, X_train, y_train, X_test, y_test, 1, **kw)
            t_sk = min(t_sk, t)
            t, acc_gn = fit_time(GnMLP, X_train, y_train, X_test, y_test, 1, **kw)
            t_gn = min(t_gn, t)
    print(
        f"digits {X_train.shape} -> {X_test.shape}, hidden={args.hidden}, adam, "
        f"max_iter={args.max_iter}, threads={args.threads}"
    )
    print(f"BLAS: {blas}")
    print(f"env: { {k: v for k, v in os.environ.items() if k.startswith('OPENBLAS_')} }")
    print(f"scikit-learn: fit {t_sk:.3f} s, test accuracy {acc_sk:.4f}")
    print(f"glassnet:     fit {t_gn:.3f} s, test accuracy {acc_gn:.4f}")
    print(f"ratio sklearn_time/glassnet_time={t_sk / t_gn:.2f}")


if __name__ == "__main__":
    main()
