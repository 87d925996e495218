"""BernoulliRBM on scikit-learn's nudged digits: glassnet's against scikit-learn's.

scikit-learn's example "Restricted Boltzmann Machine features for digit classification":
digits shifted one pixel four ways (8,985 images), min-max scaled, 80/20 split; RBM(100
components, learning rate 0.06, 10 iterations, random_state 0) → LogisticRegression(C=6000);
and LogisticRegression on raw pixels. Prints each test accuracy, each RBM's fit time and the
ratio scikit-learn time / glassnet time (higher is better): the median over 7 rounds that
time the two fits in alternation (`_common.compare`), with the load average.
Usage: BENCH_THREADS=1 python benchmarks/rbm.py
"""

from __future__ import annotations

import os

import numpy as np
from scipy.ndimage import convolve
from sklearn import datasets, linear_model, neural_network
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import minmax_scale

from _common import compare, setup_threads
from glassnet.sklearn import BernoulliRBM

REPEATS = int(os.environ.get("REPEATS", 7))


def nudged_digits() -> list[np.ndarray]:
    x, y = datasets.load_digits(return_X_y=True)
    moved = []
    for dy, dx in [(-1, 0), (0, -1), (0, 1), (1, 0)]:
        w = np.zeros((3, 3))
        w[1 + dy, 1 + dx] = 1
        moved.append(np.stack([convolve(a.reshape(8, 8), w, mode="constant").ravel() for a in x]))
    x = minmax_scale(np.concatenate([x, *moved]).astype(np.float32), (0, 1))
    return train_test_split(x, np.concatenate([y] * 5), test_size=0.2, random_state=0)


def main() -> None:
    setup_threads()
    x_train, x_test, y_train, y_test = nudged_digits()
    raw = linear_model.LogisticRegression(C=100, max_iter=1000).fit(x_train, y_train)
    print(f"raw pixels + LogisticRegression: {raw.score(x_test, y_test):.4f}")
    for name, cls in [("glassnet", BernoulliRBM), ("sklearn", neural_network.BernoulliRBM)]:
        rbm = cls(n_components=100, learning_rate=0.06, n_iter=10, random_state=0)
        logistic = linear_model.LogisticRegression(C=6000, max_iter=1000)
        pipe = Pipeline([("rbm", rbm), ("logistic", logistic)]).fit(x_train, y_train)
        print(
            f"{name}: RBM features accuracy {pipe.score(x_test, y_test):.4f}, "
            f"mean pseudo-log-likelihood {rbm.score_samples(x_test).mean():.2f}",
            flush=True,
        )

    def fit(cls):  # one fit of scikit-learn's example's RBM
        return lambda: cls(n_components=100, learning_rate=0.06, n_iter=10, random_state=0).fit(
            x_train
        )

    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else "?"
    rate_gn, rate_sk, ratio = compare(
        fit(BernoulliRBM), fit(neural_network.BernoulliRBM), 1, repeats=REPEATS, min_time=0
    )
    print(f"fit: glassnet {1 / rate_gn:.3f} s, sklearn {1 / rate_sk:.3f} s (medians); load {load}")
    print(f"ratio (sklearn fit time / glassnet fit time) = {ratio:.2f}")


if __name__ == "__main__":
    main()
