"""`Model`: Keras' compile / fit / evaluate / predict around any `nn.Module`.

    model = Model(nn.Sequential(nn.Flatten(), nn.Linear(784, 300), nn.ReLU(), ...))
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=40, batch_size=50, validation_split=0.1,
                        callbacks=[EarlyStopping(patience=3, restore_best_weights=True)])

Arrays go through a `DataLoader` (whole batches by one fancy index; shuffled by glassnet's
global generator, so `manual_seed` makes a run repeatable and checkpoints can resume it).
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import Any

import numpy as np

from .. import metrics as _metrics
from .. import nn, optim
from ..autograd import Tensor, get_rng_state, no_grad, set_rng_state
from ..data import DataLoader, TensorDataset
from ..optim import lr_scheduler
from ..serialization import CheckpointError, load_checkpoint, save
from .callbacks import Callback, CallbackList, History, TerminateOnNaN

OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW,
              "rmsprop": optim.RMSprop, "adagrad": optim.Adagrad, "adadelta": optim.Adadelta}
KERAS_LR = {"sgd": 0.01}  # Keras' default where PyTorch's differs (SGD has none)
LOSSES = {"cross_entropy": nn.CrossEntropyLoss, "sparse_categorical_crossentropy":
          nn.CrossEntropyLoss, "mse": nn.MSELoss, "mean_squared_error": nn.MSELoss,
          "mae": nn.L1Loss, "mean_absolute_error": nn.L1Loss, "huber": nn.HuberLoss,
          "bce": nn.BCELoss, "bce_with_logits": nn.BCEWithLogitsLoss,
          "binary_crossentropy": nn.BCEWithLogitsLoss, "nll": nn.NLLLoss}


def _raw(a: Any) -> np.ndarray:
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _lookup(kind: str, table: dict, name: str) -> Any:
    key = name.lower() if isinstance(name, str) else name
    for k, v in table.items():
        if key == k or (isinstance(key, str) and key == v.__name__.lower()):
            return k, v
    raise ValueError(f"compile: unknown {kind} {name!r}; choose from {sorted(table)}")


class Model:
    """Wraps a module with an optimizer, a loss and metrics; trains it the Keras way."""

    def __init__(self, module: nn.Module) -> None:
        if not isinstance(module, nn.Module):
            raise TypeError(f"Model: expected an nn.Module, got {type(module).__name__}")
        self.module = module
        self.optimizer: optim.Optimizer | None = None
        self.scheduler: Any = None
        self.loss_fn: Any = None
        self.metric_names: list[str] = []
        self.history: History | None = None
        self.stop_training = False
        self.epoch = 0  # epochs completed (resumes continue from here)
        self.nan_at: tuple[int, int] | None = None
        self.info: dict = {}  # JSON-able notes saved with the model (e.g. input preprocessing)
        self._config: dict = {}

    # ----- set-up ---------------------------------------------------------------------------
    def compile(self, optimizer: str | optim.Optimizer = "adam", loss: Any = "cross_entropy",
                metrics: list[str] | None = None, lr: float | None = None,
                scheduler: Any = None, l1: float = 0.0, l2: float = 0.0) -> Model:
        """Choose optimizer (name or instance), loss (name, module or callable) and metrics.

        `scheduler` is an optim.lr_scheduler instance or a function optimizer -> scheduler,
        stepped after every epoch; `l1`/`l2` add λ·Σ|w| / λ·Σw² over weight matrices.
        """
        if isinstance(optimizer, str):
            key, cls = _lookup("optimizer", OPTIMIZERS, optimizer)
            rate = lr if lr is not None else KERAS_LR.get(key)
            self.optimizer = cls(self.module.parameters(), **({} if rate is None else {"lr": rate}))
        elif isinstance(optimizer, optim.Optimizer):
            self.optimizer = optimizer
        else:
            raise TypeError(f"compile: optimizer must be a name or an Optimizer, got "
                            f"{type(optimizer).__name__}")
        if isinstance(loss, str):
            key, cls = _lookup("loss", LOSSES, loss)
            self.loss_fn, loss_name = cls(), key
        elif callable(loss):
            self.loss_fn, loss_name = loss, type(loss).__name__
        else:
            raise TypeError(f"compile: loss must be a name or a callable, got "
                            f"{type(loss).__name__}")
        logits = isinstance(self.loss_fn, nn.BCEWithLogitsLoss)
        self.metric_names = list(metrics or [])
        self._threshold = 0.0 if logits else 0.5
        for m in self.metric_names:
            _metrics.get(m)  # fail now on unknown names
        self.scheduler = scheduler(self.optimizer) if callable(scheduler) and not hasattr(
            scheduler, "step") else scheduler
        if l1 < 0 or l2 < 0:
            raise ValueError(f"compile: l1={l1} and l2={l2} must be >= 0")
        self.l1, self.l2 = l1, l2
        self._config = {"loss": loss_name, "metrics": self.metric_names, "l1": l1, "l2": l2}
        return self

    def _require_compiled(self, what: str) -> None:
        if self.optimizer is None or self.loss_fn is None:
            raise RuntimeError(f"{what}: call model.compile(optimizer, loss, metrics) first")

    def __call__(self, x: Any) -> Any:
        return self.module(x)

    # ----- weights --------------------------------------------------------------------------
    def _tensors(self) -> list[Tensor]:
        return [p for _, p in self.module.named_parameters()] + [
            b for _, b in self.module.named_buffers() if isinstance(b, Tensor)]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all parameters and buffers, in state_dict order."""
        return [t.data.copy() for t in self._tensors()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Copy arrays (from get_weights) into the parameters, in place."""
        ts = self._tensors()
        if len(weights) != len(ts):
            raise ValueError(f"set_weights: got {len(weights)} arrays, the model has {len(ts)}")
        for t, w in zip(ts, weights):
            if np.shape(w) != t.shape:
                raise ValueError(f"set_weights: shape {np.shape(w)} does not fit {t.shape}")
            t.data[...] = w

    # ----- data -----------------------------------------------------------------------------
    def _dtype(self) -> np.dtype:
        for p in self.module.parameters():
            return p.dtype
        return np.dtype(np.float32)

    def _features(self, x: Any) -> np.ndarray:
        a = _raw(x)
        return a if a.dtype == self._dtype() else a.astype(self._dtype())

    def _loader(self, x: Any, y: Any, batch_size: int, shuffle: bool) -> DataLoader:
        if isinstance(x, DataLoader):
            if y is not None:
                raise ValueError("fit/evaluate: pass y=None when x is a DataLoader")
            return x
        if y is None:
            raise ValueError("fit/evaluate: y is required when x is an array")
        xa, ya = self._features(x), _raw(y)
        if len(xa) != len(ya):
            raise ValueError(f"fit/evaluate: x has {len(xa)} samples (shape {xa.shape}), y has "
                             f"{len(ya)} (shape {ya.shape})")
        return DataLoader(TensorDataset(xa, ya), batch_size=batch_size, shuffle=shuffle)

    def _batch(self, batch: Any) -> tuple[Tensor, np.ndarray]:
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise ValueError("fit/evaluate: a DataLoader must yield (inputs, targets) batches")
        xb, yb = _raw(batch[0]), _raw(batch[1])
        if xb.dtype != self._dtype():
            xb = xb.astype(self._dtype())
        return Tensor._wrap(xb, False), yb

    def _loss(self, out: Tensor, yb: np.ndarray) -> Tensor:
        """The loss, with regression/binary targets cast to the output's dtype and shape."""
        if not isinstance(self.loss_fn, (nn.CrossEntropyLoss, nn.NLLLoss)):
            if yb.dtype != out.dtype:
                yb = yb.astype(out.dtype)
            if yb.ndim == out.ndim - 1 and out.shape[-1] == 1:
                yb = yb[..., None]
        return self.loss_fn(out, yb)

    def _penalty(self) -> float:
        """Add the L1/L2 gradient to weight matrices' grads; return the penalty's value."""
        total = 0.0
        for p in self.module.parameters():
            if p.ndim < 2 or p.grad is None:
                continue
            if self.l2:
                total += self.l2 * float((p.data * p.data).sum())
                p.grad.data += (2 * self.l2) * p.data
            if self.l1:
                total += self.l1 * float(np.abs(p.data).sum())
                p.grad.data += self.l1 * np.sign(p.data)
        return total

    # ----- training ---------------------------------------------------------------------------
    def fit(self, x: Any = None, y: Any = None, batch_size: int = 32, epochs: int = 1,
            verbose: int = 1, callbacks: list[Callback] | None = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            initial_epoch: int = 0) -> History:
        """Train for `epochs` (counted from `initial_epoch`); returns the History."""
        self._require_compiled("fit")
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        if not 0 <= validation_split < 1:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if validation_split and validation_data is None:
            if isinstance(x, DataLoader):
                raise ValueError("fit: validation_split needs arrays; pass validation_data "
                                 "with a DataLoader")
            xa, ya = _raw(x), _raw(y)
            cut = len(xa) - int(math.floor(len(xa) * validation_split))  # Keras: the last part
            if cut == len(xa) or cut == 0:
                raise ValueError(f"fit: validation_split={validation_split} of {len(xa)} samples "
                                 "leaves an empty part")
            x, y, validation_data = xa[:cut], ya[:cut], (xa[cut:], ya[cut:])
        train = self._loader(x, y, batch_size, shuffle)
        val = None
        if validation_data is not None:
            val = validation_data if isinstance(validation_data, DataLoader) else \
                self._loader(validation_data[0], validation_data[1], max(batch_size, 256), False)
        cbs = list(callbacks or [])
        if not any(isinstance(c, TerminateOnNaN) for c in cbs):
            cbs.append(TerminateOnNaN())
        self.history = History()
        hooks = CallbackList([self.history, *cbs], self)
        self.stop_training, self.nan_at = False, None
        hooks.call("on_train_begin", {})
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            hooks.call("on_epoch_begin", epoch, {})
            start = time.perf_counter()
            logs, bar = self._train_epoch(train, epoch, epochs, hooks, verbose)
            if val is not None and not self.stop_training:
                logs.update({f"val_{k}": v for k, v in self._evaluate(val).items()})
            if bar is not None:
                bar.set_postfix(logs)
                bar.close()
            logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
            if self.scheduler is not None:
                if isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
                    self.scheduler.step(logs.get("val_loss", logs["loss"]))
                else:
                    self.scheduler.step()
            self.epoch = epoch + 1
            if verbose == 2:
                self._print_epoch(epoch, epochs, logs, time.perf_counter() - start)
            hooks.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        hooks.call("on_train_end", logs)
        return self.history

    def _train_epoch(self, loader: DataLoader, epoch: int, epochs: int, hooks: CallbackList,
                     verbose: int) -> tuple[dict[str, float], Any]:
        self.module.train()
        mets = [_metrics.get(m, self._threshold) for m in self.metric_names]
        bar = None
        if verbose == 1:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(loader), desc=f"Epoch {epoch + 1}/{epochs}", unit="batch",
                       file=sys.stdout, dynamic_ncols=True, leave=True)
        total, count, shown = 0.0, 0, 0.0
        penalize = self.l1 or self.l2
        opt, module = self.optimizer, self.module
        for i, batch in enumerate(loader):
            for c in hooks.batch_begin:
                c.on_train_batch_begin(i, {})
            xb, yb = self._batch(batch)
            out = module(xb)
            loss = self._loss(out, yb)
            value = float(loss.data)
            if math.isfinite(value):  # never step on a NaN/inf loss
                opt.zero_grad()
                loss.backward()
                if penalize:
                    value += self._penalty()
                opt.step()
            n = len(yb)
            total += value * n
            count += n
            for m in mets:
                m.update(out.data, yb)
            if hooks.batch_end:
                for c in hooks.batch_end:
                    c.on_train_batch_end(i, {"loss": value, "batch": i, "size": n})
            if bar is not None:
                bar.update(1)
                now = time.monotonic()
                if now - shown > 0.25:
                    shown = now
                    bar.set_postfix(self._running(total, count, mets), refresh=False)
            if self.stop_training:
                break
        return self._running(total, count, mets), bar

    @staticmethod
    def _running(total: float, count: int, mets: list) -> dict[str, float]:
        logs = {"loss": total / count if count else float("nan")}
        logs.update({m.name: m.result() for m in mets})
        return logs

    @staticmethod
    def _print_epoch(epoch: int, epochs: int, logs: dict, secs: float) -> None:
        parts = [f"{k}: {v:.4f}" for k, v in logs.items() if k != "lr"]
        print(f"Epoch {epoch + 1}/{epochs} - {secs:.1f}s - " + " - ".join(parts), flush=True)

    # ----- evaluation ---------------------------------------------------------------------
    def _evaluate(self, loader: DataLoader) -> dict[str, float]:
        was = self.module.training
        self.module.eval()
        mets = [_metrics.get(m, self._threshold) for m in self.metric_names]
        total, count = 0.0, 0
        try:
            with no_grad():
                for batch in loader:
                    xb, yb = self._batch(batch)
                    out = self.module(xb)
                    total += float(self._loss(out, yb).data) * len(yb)
                    count += len(yb)
                    for m in mets:
                        m.update(out.data, yb)
        finally:
            self.module.train(was)
        if count == 0:
            raise ValueError("evaluate: got no samples")
        return self._running(total, count, mets)

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int = 256, verbose: int = 0,
                 return_dict: bool = False) -> Any:
        """Loss and metrics on data: [loss, *metrics], or a dict with return_dict=True."""
        self._require_compiled("evaluate")
        logs = self._evaluate(self._loader(x, y, batch_size, False))
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return logs if return_dict else (list(logs.values()) if len(logs) > 1 else logs["loss"])

    def predict(self, x: Any, batch_size: int = 256, verbose: int = 0) -> np.ndarray:
        """The network's outputs for inputs x (an array or a DataLoader), in eval mode."""
        was = self.module.training
        self.module.eval()
        outs = []
        try:
            with no_grad():
                if isinstance(x, DataLoader):
                    batches = (self._batch(b)[0] if isinstance(b, (tuple, list)) else
                               Tensor._wrap(self._features(b), False) for b in x)
                else:
                    xa = self._features(x)
                    batches = (Tensor._wrap(xa[i:i + batch_size], False)
                               for i in range(0, len(xa), batch_size))
                for xb in batches:
                    outs.append(self.module(xb).data)
        finally:
            self.module.train(was)
        if not outs:
            raise ValueError("predict: got no samples")
        return np.concatenate(outs)

    def summary(self, input_shape: tuple[int, ...]) -> str:
        return self.module.summary(input_shape)

    # ----- saving ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write weights, architecture, optimizer/scheduler state, RNG state and epoch."""
        training = {"epoch": self.epoch, "rng": get_rng_state(), "compile": self._config,
                    "history": self.history.history if self.history else {}, "info": self.info}
        save(self.module, path, optimizer=self.optimizer, scheduler=self.scheduler,
             training=training)


def load_model(path: str | os.PathLike, restore_rng: bool = True) -> Model:
    """Rebuild a saved Model, compiled, with its optimizer, scheduler, epoch and RNG state."""
    ck = load_checkpoint(path)
    model = Model(ck.module)
    tr = ck.training
    model.info = tr.get("info") or {}
    cfg = tr.get("compile") or {}
    if ck.optimizer is None:
        return model
    try:
        opt_cls = next(c for c in OPTIMIZERS.values() if c.__name__ == ck.optimizer.get("type"))
        optimizer = opt_cls(model.module.parameters())
        optimizer.load_state_dict({"state": ck.optimizer["state"],
                                   "param_groups": ck.optimizer["param_groups"]})
        loss = cfg.get("loss", "cross_entropy")
        loss = loss if loss in LOSSES else next(
            k for k, v in LOSSES.items() if v.__name__ == loss)
        model.compile(optimizer, loss, cfg.get("metrics"), l1=cfg.get("l1", 0.0),
                      l2=cfg.get("l2", 0.0))
        if ck.scheduler is not None:
            cls = getattr(lr_scheduler, ck.scheduler["type"])
            sched = cls.__new__(cls)
            sched.optimizer = optimizer
            sched.load_state_dict(ck.scheduler["state"])
            model.scheduler = sched
    except (StopIteration, KeyError, TypeError, ValueError, AttributeError) as e:
        raise CheckpointError(f"{path}: cannot restore the training state ({e!r})") from None
    model.epoch = int(tr.get("epoch", 0))
    if restore_rng and tr.get("rng"):
        set_rng_state(tr["rng"])
    return model
