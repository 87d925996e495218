"""What every generative family shares: `GenerativeModel`, the `train.Model` that trains a
module on its own objective, and the argument checks.

A generative module has `loss(x) -> Tensor` (its training objective on a batch, as the
reference implementation writes it) and `sample(n) -> np.ndarray`. `GenerativeModel` overrides
only `train_step`/`test_step`; `fit` (progress bar, History, callbacks) is `train.Model`'s.

    model = GenerativeModel(VAE()).compile(optimizer="adam", lr=1e-3)
    model.fit(x_train, epochs=10, batch_size=128, validation_data=x_test)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import nn
from ..autograd import Tensor, no_grad
from ..data import DataLoader
from ..serialization import save
from ..train.model import Model, _raw


def check_size(where: str, name: str, value: Any, low: int = 1) -> int:
    """A whole-number argument >= low, or a ValueError naming it (e.g. a latent size < 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{where}: {name} must be a whole number >= {low}, got {value!r}")
    return int(value)


def config_size(args: dict, *keys: str) -> list[int]:
    """Sizes from a saved config, for a `register_module(numel=...)` bound (ValueError if bad)."""
    out = []
    for k in keys:
        v = args.get(k)
        items = v if isinstance(v, (list, tuple)) else [v]
        for x in items:
            if isinstance(x, bool) or not isinstance(x, int) or x < 0:
                raise ValueError(f"config {k!r} must be whole numbers >= 0, got {str(v)[:40]}")
        out.append(v if isinstance(v, int) else list(items))
    return out


def check_images(where: str, x: Tensor, shape: tuple[int, ...]) -> None:
    """Refuse inputs that are not (N, *shape), naming the layer and both shapes."""
    if tuple(x.shape[1:]) != tuple(shape) or x.ndim != len(shape) + 1:
        raise ValueError(
            f"{where}: expected inputs of shape (N, {', '.join(map(str, shape))}), got {x.shape}"
        )


def flat_inputs(where: str, x: Tensor, features: int) -> Tensor:
    """x as rows (N, features), images flattened; ValueError naming `where` if they do not fit."""
    x = x.reshape(len(x), -1) if x.ndim > 2 else x
    check_images(where, x, (features,))
    return x


class GenerativeModel(Model):
    """`train.Model` for a module that scores itself: each step minimises `module.loss(x)`.

    Labels are not needed (`fit(x)`); where the module's loss is a sum over the batch
    (`module.reduction == "sum"`, as PyTorch's VAE example), the logged loss is per sample.
    """

    def compile(self, optimizer: Any = "adam", lr: float | None = None, **kwargs: Any) -> Any:
        """Choose the optimizer (a name for `optim.create`, or an instance) and its lr."""
        loss = getattr(self.module, "loss", None) or self.module.update
        return super().compile(optimizer, loss=loss, lr=lr, **kwargs)

    def fit(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        """`train.Model.fit` on inputs alone (y is ignored, validation_data may be inputs)."""
        val = kwargs.get("validation_data")
        if val is not None and not isinstance(val, (tuple, list, DataLoader)):
            kwargs["validation_data"] = (val, _no_labels(val))
        if y is None and not isinstance(x, DataLoader):
            y = _no_labels(x)
        return super().fit(x, y, **kwargs)

    def evaluate(self, x: Any = None, y: Any = None, **kwargs: Any) -> Any:
        """The module's loss on inputs x (per sample), as `train.Model.evaluate`."""
        if y is None and not isinstance(x, DataLoader):
            y = _no_labels(x)
        return super().evaluate(x, y, **kwargs)

    def save(self, path: Any) -> None:
        """Write the module (architecture and weights, loadable with `gn.load`) with the epoch
        count and History; the optimizer is not saved (a generative run does not resume)."""
        history = self.history.history if self.history else {}
        save(self.module, path, training={"epoch": self.epoch, "history": history})

    def _value(self, loss: Tensor, n: int) -> float:
        value = float(loss._array)
        return value / n if getattr(self.module, "reduction", "mean") == "sum" else value

    def train_step(self, batch: Any) -> dict[str, float]:
        """One batch: the module's loss, backward, optimizer step; logs the loss per sample.

        A module with a rule of its own that is no gradient step (an RBM's contrastive
        divergence) has `update(x, lr)`, called with the optimizer's learning rate instead.
        """
        update = getattr(self.module, "update", None)
        if callable(update):  # the raw batch (update checks and casts it itself)
            x = _raw(batch[0]) if isinstance(batch, (tuple, list)) else self._batch(batch)[0]._array
            return update(x, self.optimizer.param_groups[0]["lr"])
        xb, _ = self._batch(batch)
        loss = self.module.loss(xb)
        if math.isfinite(float(loss._array)):
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        return {"loss": self._value(loss, len(xb))}

    def test_step(self, batch: Any) -> dict[str, float]:
        """The module's loss on one batch (under no_grad, in eval mode); for an RBM, the
        negative mean pseudo-log-likelihood."""
        xb, _ = self._batch(batch)
        if callable(getattr(self.module, "pseudo_log_likelihood", None)):
            return {"loss": -float(self.module.pseudo_log_likelihood(xb._array).mean())}
        return {"loss": self._value(self.module.loss(xb), len(xb))}


def _no_labels(x: Any) -> np.ndarray:
    return np.zeros(len(x), np.int8)


def sample(module: nn.Module, n: int) -> np.ndarray:
    """`module.sample(n)` in eval mode without gradients; TypeError if it is not generative."""
    if not callable(getattr(module, "sample", None)):
        raise TypeError(
            f"sample: a {type(module).__name__} is not a generative model (it has no sample(n))"
        )
    n = check_size("sample", "n", n)
    was = module.training
    module.eval()
    try:
        with no_grad():
            return module.sample(n)
    finally:
        module.train(was)
