"""TensorFlow Playground's six 2-D data sets, with its exact geometry and noise rules.

Classification sets return labels +1/-1 (`labels="pm1"`) or 1/0 (`labels="01"`); regression
sets return targets in [-1, 1]. X is float32 of shape (n_samples, 2) in the ±6 square.
(Implementation owned by the playground work, issue 6.)
"""

from __future__ import annotations

import numpy as np

Data = tuple[np.ndarray, np.ndarray]


def circle(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
           labels: str = "pm1") -> Data:
    raise NotImplementedError


def xor(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
        labels: str = "pm1") -> Data:
    raise NotImplementedError


def gauss(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
          labels: str = "pm1") -> Data:
    raise NotImplementedError


def spiral(n_samples: int = 500, noise: float = 0.0, seed: int | None = None,
           labels: str = "pm1") -> Data:
    raise NotImplementedError


def reg_plane(n_samples: int = 500, noise: float = 0.0, seed: int | None = None) -> Data:
    raise NotImplementedError


def reg_gauss(n_samples: int = 500, noise: float = 0.0, seed: int | None = None) -> Data:
    raise NotImplementedError
