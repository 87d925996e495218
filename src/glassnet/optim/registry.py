"""Optimizers by name and the one table of learning-rate defaults the front ends share.

    opt = optim.create("adagrad", model.parameters())         # lr 0.05, the seed's
    opt = optim.create("momentum", model.parameters(), lr=0.03)  # SGD with momentum 0.9

The classes keep PyTorch's own defaults (`optim.Adagrad(params)` has lr 0.01); a name given to
`create` (and so to `Model.compile`, the CLI and the playground) takes `DEFAULT_LR` instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .adaptive import Adadelta, Adagrad, Adam, AdamW, RMSprop
from .optimizer import Optimizer
from .sgd import SGD

OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "momentum": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
}
PRESETS: dict[str, dict[str, Any]] = {"momentum": {"momentum": 0.9}}  # TF Playground's
DEFAULT_LR: dict[str, float] = {
    "sgd": 0.01,  # Keras' SGD (PyTorch's SGD default, 1e-3, is rarely what anyone wants)
    "momentum": 0.01,  # as sgd
    "adam": 1e-3,
    "adamw": 1e-3,  # Kingma & Ba; PyTorch and Keras agree
    "rmsprop": 1e-2,  # PyTorch's
    "adagrad": 0.05,  # tf.estimator.DNNClassifier's, the seed's optimizer
    "adadelta": 1.0,  # Zeiler; PyTorch's
}


def optimizer_name(name: str, where: str = "optimizer") -> str:
    """The registry key for a name (case-insensitive, class names accepted), or a clear error."""
    key = name.lower() if isinstance(name, str) else name
    if key in OPTIMIZERS:
        return key
    raise ValueError(f"{where}: unknown optimizer {name!r}; choose from {sorted(OPTIMIZERS)}")


def create(name: str, params: Iterable[Any], lr: float | None = None, **kwargs: Any) -> Optimizer:
    """An optimizer by name, with `DEFAULT_LR[name]` unless `lr` is given."""
    key = optimizer_name(name)
    options = {**PRESETS.get(key, {}), **kwargs}
    return OPTIMIZERS[key](params, lr=DEFAULT_LR[key] if lr is None else lr, **options)
