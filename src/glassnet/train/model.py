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
from typing import Any

import numpy as np

from .. import metrics as _metrics
from .. import nn, optim
from ..autograd import Tensor, get_rng_state, no_grad, set_rng_state
from ..data import DataLoader, TensorDataset, holdout
from ..optim import lr_scheduler
from ..serialization import CheckpointError, load_checkpoint, save
from .callbacks import Callback, CallbackList, History, ProgbarLogger, TerminateOnNaN

OPTIMIZERS = optim.OPTIMIZERS  # names → classes; learning-rate defaults in optim.DEFAULT_LR
LOSSES = {
    "cross_entropy": nn.CrossEntropyLoss,
    "sparse_categorical_crossentropy": nn.CrossEntropyLoss,
    "mse": nn.MSELoss,
    "mean_squared_error": nn.MSELoss,
    "mae": nn.L1Loss,
    "mean_absolute_error": nn.L1Loss,
    "huber": nn.HuberLoss,
    "bce": nn.BCELoss,
    "bce_with_logits": nn.BCEWithLogitsLoss,
    "binary_crossentropy": nn.BCEWithLogitsLoss,
    "nll": nn.NLLLoss,
}


def _raw(a: Any) -> np.ndarray:
    return a._array if isinstance(a, Tensor) else np.asarray(a)


def _batch_len(batch: Any) -> int:
    first = batch[0] if isinstance(batch, (tuple, list)) else batch
    return len(first)


class _Mean:
    """Batch-size-weighted running means of every number in a step's logs."""

    def __init__(self) -> None:
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, logs: dict[str, float], n: int) -> None:
        for k, v in logs.items():
            self.sums[k] = self.sums.get(k, 0.0) + float(v) * n
        self.count += n

    def result(self) -> dict[str, float]:
        if not self.count:
            return {"loss": float("nan")}
        return {k: v / self.count for k, v in self.sums.items()}


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
        self.metrics: list[_metrics.Metric] = []
        self.metric_names: list[str] = []
        self.l1 = self.l2 = 0.0
        self._running = _Mean()
        self.history: History | None = None
        self.stop_training = False
        self.epoch = 0  # epochs completed (resumes continue from here)
        self.nan_at: tuple[int, int] | None = None
        self.info: dict = {}  # JSON-able notes saved with the model (e.g. input preprocessing)
        self._config: dict = {}
        self._step = self.train_step  # what _train_epoch calls: a strategy's step while fitting

    # ----- set-up ---------------------------------------------------------------------------
    def compile(
        self,
        optimizer: str | optim.Optimizer = "adam",
        loss: Any = "cross_entropy",
        metrics: list[str] | None = None,
        lr: float | None = None,
        scheduler: Any = None,
        l1: float = 0.0,
        l2: float = 0.0,
    ) -> Model:
        """Choose optimizer (name or instance), loss (name, module or callable) and metrics.

        `scheduler` is an optim.lr_scheduler instance or a function optimizer -> scheduler,
        stepped after every epoch; `l1`/`l2` add λ·Σ|w| / λ·Σw² over weight matrices.
        """
        if isinstance(optimizer, str):
            name = optim.optimizer_name(optimizer, "compile")
            self.optimizer = optim.create(name, self.module.parameters(), lr=lr)
        elif isinstance(optimizer, optim.Optimizer):
            self.optimizer = optimizer
        else:
            raise TypeError(
                f"compile: optimizer must be a name or an Optimizer, got {type(optimizer).__name__}"
            )
        if isinstance(loss, str):
            key, cls = _lookup("loss", LOSSES, loss)
            self.loss_fn, loss_name = cls(), key
        elif callable(loss):
            self.loss_fn, loss_name = loss, type(loss).__name__
        else:
            raise TypeError(
                f"compile: loss must be a name or a callable, got {type(loss).__name__}"
            )
        threshold = 0.0 if isinstance(self.loss_fn, nn.BCEWithLogitsLoss) else 0.5
        self.metrics = [_metrics.get(m, threshold) for m in metrics or []]
        self.metric_names = [m.name for m in self.metrics]
        self.scheduler = (
            scheduler(self.optimizer)
            if callable(scheduler) and not hasattr(scheduler, "step")
            else scheduler
        )
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
            b for _, b in self.module.named_buffers() if isinstance(b, Tensor)
        ]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all parameters and buffers, in state_dict order."""
        return [t._array.copy() for t in self._tensors()]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """Copy arrays (from get_weights) into the parameters, in place."""
        ts = self._tensors()
        if len(weights) != len(ts):
            raise ValueError(f"set_weights: got {len(weights)} arrays, the model has {len(ts)}")
        for t, w in zip(ts, weights):
            if np.shape(w) != t.shape:
                raise ValueError(f"set_weights: shape {np.shape(w)} does not fit {t.shape}")
            t._array[...] = w

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
            raise ValueError(
                f"fit/evaluate: x has {len(xa)} samples (shape {xa.shape}), y has "
                f"{len(ya)} (shape {ya.shape})"
            )
        return DataLoader(TensorDataset(xa, ya), batch_size=batch_size, shuffle=shuffle)

    def _batch(self, batch: Any) -> tuple[Tensor, np.ndarray]:
        if not isinstance(batch, (tuple, list)) or len(batch) < 2:
            raise ValueError("fit/evaluate: a DataLoader must yield (inputs, targets) batches")
        xb, yb = _raw(batch[0]), _raw(batch[1])
        if xb.dtype != self._dtype():
            xb = xb.astype(self._dtype())
        return Tensor._wrap(xb, False), yb

    # ----- one batch: the units custom training overrides -------------------------------------
    def compute_loss(self, out: Tensor, y: Any) -> Tensor:
        """The loss of outputs against targets (regression/binary targets cast to out's dtype
        and shape)."""
        yb = _raw(y)
        if not isinstance(self.loss_fn, (nn.CrossEntropyLoss, nn.NLLLoss)):
            if yb.dtype != out.dtype:
                yb = yb.astype(out.dtype)
            if yb.ndim == out.ndim - 1 and out.shape[-1] == 1:
                yb = yb[..., None]
        return self.loss_fn(out, yb)

    def compute_gradients(self, batch: Any) -> tuple[dict[str, float], np.ndarray]:
        """Forward, loss (+ L1/L2 penalty), zero_grad and backward: every parameter's `.grad`
        is this batch's gradient (left at zero for a non-finite loss).

        Returns the batch's logs ({"loss": ...}) and the outputs; the half of `train_step`
        that a data-parallel worker runs on its shard (`glassnet.distributed`).
        """
        xb, yb = self._batch(batch)
        out = self.module(xb)
        loss = self.compute_loss(out, yb)
        extra = nn.penalty(self.module, self.l1, self.l2) if self.l1 or self.l2 else None
        if extra is not None:
            loss = loss + extra
        value = float(loss._array)
        self.optimizer.zero_grad()
        if math.isfinite(value):
            loss.backward()
        return {"loss": value}, out._array

    def update_metrics(self, out: np.ndarray, y: Any) -> None:
        """Feed one batch's outputs and targets to every metric."""
        yb = _raw(y)
        for m in self.metrics:
            m.update(out, yb)

    def train_step(self, batch: Any) -> dict[str, float]:
        """One batch of training: `compute_gradients`, then the optimizer step.

        Updates `self.metrics` and returns this batch's logs ({"loss": ...}). A GAN, a VAE or
        a DQN overrides this method; `fit` only iterates and calls it. A non-finite loss is
        never stepped on (TerminateOnNaN then stops the run).
        """
        logs, out = self.compute_gradients(batch)
        if math.isfinite(logs["loss"]):
            self.optimizer.step()
        self.update_metrics(out, batch[1])
        return logs

    def test_step(self, batch: Any) -> dict[str, float]:
        """One batch of evaluation: forward and loss (no penalty); updates `self.metrics`.

        Called under `no_grad` with the module in eval mode.
        """
        xb, yb = self._batch(batch)
        out = self.module(xb)
        value = float(self.compute_loss(out, yb)._array)
        for m in self.metrics:
            m.update(out._array, yb)
        return {"loss": value}

    def predict_step(self, batch: Any) -> np.ndarray:
        """The module's outputs for one batch of inputs (under `no_grad`, in eval mode)."""
        if isinstance(batch, (tuple, list)):
            batch = batch[0]
        return self.module(Tensor._wrap(self._features(batch), False))._array

    def reset_metrics(self) -> None:
        """Reset every metric's state (fit does it at each epoch's start, evaluate at its own)."""
        for m in self.metrics:
            m.reset()

    # ----- training ---------------------------------------------------------------------------
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int = 32,
        epochs: int = 1,
        verbose: int = 1,
        callbacks: list[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
        strategy: Any = None,
    ) -> History:
        """Train for `epochs` (counted from `initial_epoch`); returns the History.

        `validation_split` holds out the *last* fraction of x/y (Keras' rule, `data.holdout`).
        `strategy` (e.g. `glassnet.distributed.DataParallel(num_workers=2)`) runs each
        training step elsewhere; the loop, callbacks and progress bar stay here.
        """
        self._require_compiled("fit")
        if verbose not in (0, 1, 2):
            raise ValueError(f"fit: verbose must be 0, 1 or 2, got {verbose!r}")
        if not 0 <= validation_split < 1:
            raise ValueError(f"fit: validation_split must be in [0, 1), got {validation_split}")
        if validation_split and validation_data is None:
            if isinstance(x, DataLoader):
                raise ValueError(
                    "fit: validation_split needs arrays; pass validation_data with a DataLoader"
                )
            x, y, *validation_data = holdout(
                _raw(x), _raw(y), validation_split, "fit: validation_split"
            )
        train = self._loader(x, y, batch_size, shuffle)
        val = None
        if validation_data is not None:
            val = (
                validation_data
                if isinstance(validation_data, DataLoader)
                else self._loader(
                    validation_data[0], validation_data[1], max(batch_size, 256), False
                )
            )
        hooks = self._callbacks(callbacks, verbose, epochs, len(train))
        self.stop_training, self.nan_at = False, None
        self._step = self.train_step
        if strategy is not None:
            self._step = strategy.setup(self)
        try:
            self._fit_epochs(train, val, hooks, initial_epoch, epochs)
        finally:
            if strategy is not None:
                strategy.teardown()
            self._step = self.train_step
        return self.history

    def _fit_epochs(
        self, train: DataLoader, val: Any, hooks: CallbackList, initial_epoch: int, epochs: int
    ) -> None:
        """fit's epochs: train, validate, step the scheduler, call the epoch hooks."""
        hooks.call("on_train_begin", {})
        logs: dict[str, float] = {}
        for epoch in range(initial_epoch, epochs):
            hooks.call("on_epoch_begin", epoch, {})
            logs = self._train_epoch(train, hooks)
            if val is not None and not self.stop_training:
                logs.update({f"val_{k}": v for k, v in self._evaluate(val).items()})
            logs["lr"] = float(self.optimizer.param_groups[0]["lr"])
            if self.scheduler is not None:
                if isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
                    self.scheduler.step(logs.get("val_loss", logs["loss"]))
                else:
                    self.scheduler.step()
            self.epoch = epoch + 1
            hooks.call("on_epoch_end", epoch, logs)
            if self.stop_training:
                break
        hooks.call("on_train_end", logs)

    def _callbacks(
        self, callbacks: list[Callback] | None, verbose: int, epochs: int, steps: int
    ) -> CallbackList:
        """History first, the progress bar next (it closes before others print), then the
        user's callbacks and the always-on NaN guard."""
        cbs = list(callbacks or [])
        if not any(isinstance(c, TerminateOnNaN) for c in cbs):
            cbs.append(TerminateOnNaN())
        self.history = History()
        front: list[Callback] = [self.history]
        if verbose and not any(isinstance(c, ProgbarLogger) for c in cbs):
            front.append(ProgbarLogger())
        hooks = CallbackList([*front, *cbs], self)
        hooks.set_params({"epochs": epochs, "steps": steps, "verbose": verbose})
        return hooks

    def _train_epoch(self, loader: DataLoader, hooks: CallbackList) -> dict[str, float]:
        """Run train_step over one epoch; returns the epoch's mean logs and metrics."""
        self.module.train()
        self.reset_metrics()
        self._running = _Mean()
        for i, batch in enumerate(loader):
            for c in hooks.batch_begin:
                c.on_train_batch_begin(i, {})
            step_logs = self._step(batch)
            n = _batch_len(batch)
            self._running.add(step_logs, n)
            if hooks.batch_end:
                batch_logs = {**step_logs, "batch": i, "size": n}
                for c in hooks.batch_end:
                    c.on_train_batch_end(i, batch_logs)
            if self.stop_training:
                break
        return self.running_logs()

    def running_logs(self) -> dict[str, float]:
        """This epoch's logs so far: batch-size-weighted means of train_step's logs, and the
        metrics' results (what the progress bar shows)."""
        logs = self._running.result()
        logs.update({m.name: m.result() for m in self.metrics})
        return logs

    # ----- evaluation ---------------------------------------------------------------------
    def _evaluate(self, loader: DataLoader) -> dict[str, float]:
        was = self.module.training
        self.module.eval()
        self.reset_metrics()
        mean = _Mean()
        try:
            with no_grad():
                for batch in loader:
                    mean.add(self.test_step(batch), _batch_len(batch))
        finally:
            self.module.train(was)
        if mean.count == 0:
            raise ValueError("evaluate: got no samples")
        logs = mean.result()
        logs.update({m.name: m.result() for m in self.metrics})
        return logs

    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int = 256,
        verbose: int = 0,
        return_dict: bool = False,
    ) -> Any:
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
        if isinstance(x, DataLoader):
            batches: Any = x
        else:
            xa = self._features(x)
            batches = (xa[i : i + batch_size] for i in range(0, len(xa), batch_size))
        try:
            with no_grad():
                outs = [self.predict_step(b) for b in batches]
        finally:
            self.module.train(was)
        if not outs:
            raise ValueError("predict: got no samples")
        return np.concatenate(outs)

    def summary(self, input_shape: tuple[int, ...], print_fn: Any = print) -> str | None:
        """The module's layer table for `input_shape` (no batch dim), printed as Keras does;
        with print_fn=None it is returned instead."""
        return self.module.summary(input_shape, print_fn=print_fn)

    def __repr__(self) -> str:
        opt = (
            "not compiled"
            if self.optimizer is None
            else (f"{type(self.optimizer).__name__}(lr={self.optimizer.param_groups[0]['lr']:g})")
        )
        loss = type(self.loss_fn).__name__ if self.loss_fn is not None else None
        n = sum(p.numel() for p in self.module.parameters())
        return (
            f"Model({type(self.module).__name__}, {n:,} parameters, optimizer={opt}, "
            f"loss={loss}, metrics={self.metric_names}, epoch={self.epoch})"
        )

    # ----- saving ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write weights, architecture, optimizer/scheduler state, RNG state and epoch."""
        training = {
            "epoch": self.epoch,
            "rng": get_rng_state(),
            "compile": self._config,
            "history": self.history.history if self.history else {},
            "info": self.info,
        }
        save(
            self.module, path, optimizer=self.optimizer, scheduler=self.scheduler, training=training
        )


def load_model(path: str | os.PathLike, restore_rng: bool = True) -> Model:
    """Rebuild a saved Model, compiled, with its optimizer, scheduler, epoch and RNG state.

    Everything is checked before it is used: a file that loads resumes training (anything
    else is a CheckpointError naming the file and the field).
    """
    ck = load_checkpoint(path)
    model = Model(ck.module)
    try:
        info, epoch, rng, cfg = _training_fields(ck.training)
    except ValueError as e:
        raise CheckpointError(f"{path}: {e}") from None
    model.info = info
    if ck.optimizer is None:
        return model
    try:
        optimizer = optim.state.restore_optimizer(ck.optimizer, list(model.module.parameters()))
        model.compile(optimizer, cfg["loss"], cfg["metrics"], l1=cfg["l1"], l2=cfg["l2"])
        if ck.scheduler is not None:
            model.scheduler = optim.state.restore_scheduler(ck.scheduler, optimizer)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: cannot restore the training state ({e})") from None
    model.epoch = epoch
    if restore_rng and rng:
        set_rng_state(rng)
    return model


def _finite_rate(v: Any) -> bool:
    return optim.state.finite_number(v) and v >= 0


def _training_fields(tr: dict) -> tuple[dict, int, Any, dict]:
    """info, epoch, RNG state and compile settings of a file's training metadata, checked
    (ValueError naming the field)."""
    info, epoch, rng = tr.get("info") or {}, tr.get("epoch", 0), tr.get("rng")
    if not isinstance(info, dict):
        raise ValueError(f"training 'info' must be an object, got {type(info).__name__}")
    if not isinstance(epoch, int) or isinstance(epoch, bool) or not 0 <= epoch < 1 << 62:
        raise ValueError(f"training 'epoch' must be a count of epochs, got {str(epoch)[:40]}")
    if rng:
        try:  # on a throwaway generator of the same kind: numpy checks every field
            type(np.random.default_rng().bit_generator)().state = rng
        except (TypeError, ValueError, KeyError, OverflowError, AttributeError) as e:
            raise ValueError(f"training 'rng' is not a generator state ({e})") from None
    cfg = tr.get("compile") or {}
    if not isinstance(cfg, dict):
        raise ValueError(f"training 'compile' must be an object, got {type(cfg).__name__}")
    loss = cfg.get("loss", "cross_entropy")
    names = [k for k, v in LOSSES.items() if loss in (k, v.__name__)]
    metrics = cfg.get("metrics") or []
    l1, l2 = cfg.get("l1", 0.0), cfg.get("l2", 0.0)
    if not isinstance(loss, str) or not names:
        raise ValueError(
            f"training 'compile': unknown loss {str(loss)[:40]!r}; a model file "
            f"can restore {sorted(LOSSES)}"
        )
    if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics):
        raise ValueError(
            f"training 'compile': metrics must be a list of names, got {str(metrics)[:80]}"
        )
    for m in metrics:
        try:
            _metrics.get(m)
        except ValueError as e:
            raise ValueError(f"training 'compile': {e}") from None
    if not (_finite_rate(l1) and _finite_rate(l2)):
        raise ValueError(f"training 'compile': l1={l1!r} and l2={l2!r} must be finite and >= 0")
    return info, epoch, rng, {"loss": names[0], "metrics": metrics, "l1": l1, "l2": l2}
