"""Keras-style callbacks: hooks called by `Model.fit` at train, epoch and batch boundaries.

Names, arguments and defaults follow Keras 3 (`EarlyStopping(monitor="val_loss", patience=0)`,
...). `logs` is the dict of the epoch's results: loss, metrics, val_loss, val_<metric>, lr.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..io import atomic_write_text
from ..optim import lr_scheduler


class Callback:
    """Base class: override the hooks you need; `self.model` is the training `Model`."""

    model: Any = None
    params: dict = {}  # set per fit: epochs, steps (batches per epoch), verbose

    def set_model(self, model: Any) -> None:
        """Called by fit with the Model being trained."""
        self.model = model

    def set_params(self, params: dict) -> None:
        """Called by fit with {"epochs", "steps", "verbose"}."""
        self.params = params

    def on_train_begin(self, logs: dict | None = None) -> None: ...
    def on_train_end(self, logs: dict | None = None) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None: ...
    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None: ...


class CallbackList:
    """Calls a hook on every callback; batch hooks only on those that override them (speed)."""

    def __init__(self, callbacks: list[Callback], model: Any) -> None:
        self.callbacks = callbacks
        for c in callbacks:
            c.set_model(model)
        self.batch_begin = [c for c in callbacks if _overrides(c, "on_train_batch_begin")]
        self.batch_end = [c for c in callbacks if _overrides(c, "on_train_batch_end")]

    def set_params(self, params: dict) -> None:
        """Hand fit's parameters to every callback."""
        for c in self.callbacks:
            c.set_params(params)

    def call(self, hook: str, *args: Any) -> None:
        """Call `hook(*args)` on every callback, in order."""
        for c in self.callbacks:
            getattr(c, hook)(*args)


def _overrides(c: Callback, hook: str) -> bool:
    return getattr(type(c), hook) is not getattr(Callback, hook) or hook in c.__dict__


class History(Callback):
    """Records every epoch's logs: `history.history["val_loss"]` is a list, one per epoch."""

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)


def _monitor_op(name: str, monitor: str, mode: str) -> Callable[[float, float], bool]:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        higher = any(s in monitor for s in ("acc", "precision", "recall", "f1", "r2", "auc"))
        mode = "max" if higher else "min"
    return np.greater if mode == "max" else np.less


def _monitored(name: str, logs: dict | None, monitor: str) -> float | None:
    v = (logs or {}).get(monitor)
    if v is None:
        import warnings

        warnings.warn(f"{name}: metric {monitor!r} is not in the logs (available: "
                      f"{sorted(logs or {})}); skipping", stacklevel=3)
    return v


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs."""

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = _monitor_op("EarlyStopping", monitor, mode)
        self.min_delta = abs(min_delta) * (1 if self.monitor_op is np.greater else -1)

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = -math.inf if self.monitor_op is np.greater else math.inf
        self.best_weights = None

    def _improved(self, current: float, reference: float) -> bool:
        return bool(self.monitor_op(current - self.min_delta, reference))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = _monitored("EarlyStopping", logs, self.monitor)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._improved(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._improved(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0:
            if self.verbose:
                print(f"Epoch {self.stopped_epoch + 1}: early stopping")
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    print(f"Restoring model weights from the end of the best epoch: "
                          f"{self.best_epoch + 1}.")
                self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        self.monitor, self.verbose = monitor, verbose
        op = _monitor_op("ReduceLROnPlateau", monitor, mode)
        self._args = dict(mode="max" if op is np.greater else "min", factor=factor,
                          patience=patience, threshold=min_delta, threshold_mode="abs",
                          cooldown=cooldown, min_lr=min_lr, eps=0.0)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.plateau = lr_scheduler.ReduceLROnPlateau(self.model.optimizer, **self._args)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        current = _monitored("ReduceLROnPlateau", logs, self.monitor)
        if current is None:
            return
        before = self.plateau.get_last_lr()
        self.plateau.step(current)
        if self.verbose and self.plateau.get_last_lr() != before:
            print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                  f"{self.plateau.get_last_lr()[0]:.4g}.")


class ModelCheckpoint(Callback):
    """Save the model (with optimizer and RNG state) after each epoch, written atomically.

    `filepath` may hold format fields such as ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
    """

    def __init__(self, filepath: str | os.PathLike, monitor: str = "val_loss", verbose: int = 0,
                 save_best_only: bool = False, mode: str = "auto") -> None:
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only = save_best_only
        self.monitor_op = _monitor_op("ModelCheckpoint", monitor, mode)
        self.best = -math.inf if self.monitor_op is np.greater else math.inf

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = _monitored("ModelCheckpoint", logs, self.monitor)
            if current is None or not self.monitor_op(current, self.best):
                return
            if self.verbose:
                print(f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        self.model.save(path)


class CSVLogger(Callback):
    """Write one CSV row per epoch (epoch, then the logs' keys in sorted order)."""

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False
                 ) -> None:
        self.filename, self.sep, self.append = Path(filename), separator, append

    def on_train_begin(self, logs: dict | None = None) -> None:
        exists = self.append and self.filename.exists()
        self._text = self.filename.read_text() if exists else ""
        self._keys: list[str] | None = None
        if exists and self._text.strip():
            self._keys = self._text.splitlines()[0].split(self.sep)[1:]

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=self.sep, lineterminator="\n")
        if self._keys is None:
            self._keys = sorted(logs)
            w.writerow(["epoch", *self._keys])
        w.writerow([epoch, *(logs.get(k, "") for k in self._keys)])
        self._text += buf.getvalue()
        atomic_write_text(self.filename, self._text)


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start to `schedule(epoch, lr)`."""

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        groups = self.model.optimizer.param_groups
        lr = float(self.schedule(epoch, float(groups[0]["lr"])))
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"LearningRateScheduler: schedule returned lr={lr} at epoch {epoch}")
        for g in groups:
            g["lr"] = lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr:.4g}.")


class ProgbarLogger(Callback):
    """fit's progress: a tqdm bar per epoch with running loss and metrics (verbose=1), or one
    line per epoch (verbose=2). fit adds it when verbose > 0."""

    def __init__(self, refresh_s: float = 0.25) -> None:
        self.refresh_s = refresh_s
        self.bar: Any = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.start, self.shown, self.epoch = time.perf_counter(), 0.0, epoch
        if self.params.get("verbose", 1) == 1:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=self.params.get("steps"), unit="batch", file=sys.stdout,
                            desc=f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}",
                            dynamic_ncols=True, leave=True)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.bar is None:
            return
        self.bar.update(1)
        now = time.monotonic()
        if now - self.shown > self.refresh_s:  # metrics such as f1 cost O(n) to compute
            self.shown = now
            self.bar.set_postfix(self.model.running_logs(), refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        shown = {k: v for k, v in (logs or {}).items() if k != "lr"}
        if self.bar is not None:
            self.bar.set_postfix(shown)
            self.bar.close()
            self.bar = None
        elif self.params.get("verbose") == 2:
            secs = time.perf_counter() - self.start
            parts = " - ".join(f"{k}: {v:.4f}" for k, v in shown.items())
            print(f"Epoch {epoch + 1}/{self.params.get('epochs', '?')} - {secs:.1f}s - {parts}",
                  flush=True)


class TerminateOnNaN(Callback):
    """Stop at the first NaN/inf loss, keeping the last good weights (on by default in fit).

    `fit` never applies an update from a non-finite loss; if the weights themselves went
    non-finite, the copy taken at the start of the epoch is put back.
    """

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch
        self._snapshot = self.model.get_weights()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            restored = not all(np.isfinite(w).all() for w in self.model.get_weights())
            if restored:
                self.model.set_weights(self._snapshot)
            print(f"TerminateOnNaN: loss is {loss} at epoch {self.epoch + 1}, batch {batch + 1}; "
                  "training stopped, keeping the last good weights"
                  + (" (from the start of the epoch)" if restored else ""))
            self.model.stop_training = True
            self.model.nan_at = (self.epoch, batch)


class LambdaCallback(Callback):
    """A callback from plain functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...)."""

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None,
                 on_train_batch_end: Callable | None = None) -> None:
        for name, fn in dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                             on_train_begin=on_train_begin, on_train_end=on_train_end,
                             on_train_batch_begin=on_train_batch_begin,
                             on_train_batch_end=on_train_batch_end).items():
            if fn is not None:
                setattr(self, name, fn)
