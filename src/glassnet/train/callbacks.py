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

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once before the first epoch; reset per-run state here, not in `__init__`."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once after the last epoch (or an early stop) with the final epoch's logs."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of each epoch (`epoch` counts from 0), before any batch."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called after each epoch's training and validation; `logs` holds its results.

        Set `self.model.stop_training = True` here to end `fit` after this epoch.
        """

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before each training batch; only callbacks that override it are called."""

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after each training step; `logs` is train_step's (loss, ...) plus "batch", "size".

        Only callbacks that override it are called, so an unused hook costs nothing per batch.
        """


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
    """Records every epoch's logs: `history.history["val_loss"]` is a list, one per epoch.

    `fit` adds it first and returns it; `history.epoch` lists the epoch numbers (from 0). Every
    list has one value per epoch: a key missing from an epoch's logs (no validation after a NaN
    stop) gets NaN there, so the columns stay aligned.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Append the epoch number and each logs value to the lists."""
        logs = logs or {}
        for k, v in logs.items():
            self.history.setdefault(k, [math.nan] * len(self.epoch)).append(v)
        self.epoch.append(epoch)
        for k, values in self.history.items():
            if k not in logs:
                values.append(math.nan)


def _monitor_op(name: str, monitor: str, mode: str) -> Callable[[float, float], bool]:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{name}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        higher = any(s in monitor for s in ("acc", "precision", "recall", "f1", "r2", "auc"))
        mode = "max" if higher else "min"
    return np.greater if mode == "max" else np.less


def _nan_stopped(model: Any) -> bool:
    """Whether TerminateOnNaN cut this epoch short (its logs are partial: no validation)."""
    return getattr(model, "nan_at", None) is not None


def _monitored(name: str, logs: dict | None, monitor: str) -> float | None:
    v = (logs or {}).get(monitor)
    if v is None:
        import warnings

        warnings.warn(
            f"{name}: metric {monitor!r} is not in the logs (available: "
            f"{sorted(logs or {})}); skipping",
            stacklevel=3,
        )
    return v


class EarlyStopping(Callback):
    """Stop when `monitor` has not improved by more than `min_delta` for `patience` epochs.

    Stopping once validation stops improving keeps the model from over-fitting the training set.

    Args:
        monitor: the logs key to watch, e.g. "val_loss" or "val_accuracy".
        min_delta: a change smaller than this does not count as an improvement.
        patience: epochs without improvement after which training stops.
        verbose: 1 prints the epoch it stopped at and when weights are restored.
        mode: "min" (lower is better), "max", or "auto": "max" when the name contains acc,
            precision, recall, f1, r2 or auc, "min" otherwise.
        baseline: a value the metric must beat; until it does, improvements do not reset
            the patience count, so training stops if it is not reached within `patience`.
        restore_best_weights: when training stopped early, put back the weights of the best
            epoch (otherwise the last epoch's weights stay).
        start_from_epoch: epochs before this one are ignored (a warm-up with no stopping).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        self.monitor, self.patience, self.verbose = monitor, patience, verbose
        self.baseline, self.restore_best_weights = baseline, restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = _monitor_op("EarlyStopping", monitor, mode)
        self.min_delta = abs(min_delta) * (1 if self.monitor_op is np.greater else -1)

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Reset the patience count and best value, so one instance can serve several fits."""
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0
        self.best = -math.inf if self.monitor_op is np.greater else math.inf
        self.best_weights = None

    def _improved(self, current: float, reference: float) -> bool:
        return bool(self.monitor_op(current - self.min_delta, reference))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Compare `monitor` with the best so far; stop fit after `patience` epochs without
        improvement."""
        if _nan_stopped(self.model):
            return
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
        """Report the stop and, with `restore_best_weights`, load the best epoch's weights."""
        if self.stopped_epoch > 0:
            if self.verbose:
                print(f"Epoch {self.stopped_epoch + 1}: early stopping")
            if self.restore_best_weights and self.best_weights is not None:
                if self.verbose:
                    print(
                        f"Restoring model weights from the end of the best epoch: "
                        f"{self.best_epoch + 1}."
                    )
                self.model.set_weights(self.best_weights)


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by `factor` after `patience` epochs without improvement.

    Smaller steps often get a stalled loss moving again. Wraps
    `optim.lr_scheduler.ReduceLROnPlateau` (absolute threshold) on the model's optimizer,
    and changes every parameter group.

    Args:
        monitor: the logs key to watch, e.g. "val_loss".
        factor: the multiplier for the learning rate (< 1): new_lr = lr · factor.
        patience: epochs without improvement before the learning rate is cut.
        verbose: 1 prints each reduction.
        mode: "min", "max", or "auto" (from the metric's name, as in `EarlyStopping`).
        min_delta: the smallest change that counts as an improvement (absolute).
        cooldown: epochs to wait after a cut before counting epochs without improvement again.
        min_lr: the learning rate is never cut below this.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
    ) -> None:
        self.monitor, self.verbose = monitor, verbose
        op = _monitor_op("ReduceLROnPlateau", monitor, mode)
        self._args = dict(
            mode="max" if op is np.greater else "min",
            factor=factor,
            patience=patience,
            threshold=min_delta,
            threshold_mode="abs",
            cooldown=cooldown,
            min_lr=min_lr,
            eps=0.0,
        )
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Attach a fresh plateau scheduler to the model's optimizer."""
        self.plateau = lr_scheduler.ReduceLROnPlateau(self.model.optimizer, **self._args)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Feed `monitor` to the scheduler, which cuts the learning rate on a plateau."""
        if _nan_stopped(self.model):
            return
        current = _monitored("ReduceLROnPlateau", logs, self.monitor)
        if current is None:
            return
        before = self.plateau.get_last_lr()
        self.plateau.step(current)
        if self.verbose and self.plateau.get_last_lr() != before:
            print(
                f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                f"{self.plateau.get_last_lr()[0]:.4g}."
            )


class ModelCheckpoint(Callback):
    """Save the model (with optimizer and RNG state) after each epoch, written atomically.

    So a long run can be resumed (`train.load_model`) or its best epoch kept.

    Args:
        filepath: where to save; may hold format fields, `epoch` (from 1) and any logs key,
            such as ``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``.
        monitor: the logs key that decides "best" when `save_best_only` is set.
        verbose: 1 prints a line each time a better model is saved (with `save_best_only`).
        save_best_only: save only when `monitor` improves on the best value so far;
            otherwise save every epoch.
        mode: "min", "max", or "auto" (from the metric's name, as in `EarlyStopping`).
    """

    def __init__(
        self,
        filepath: str | os.PathLike,
        monitor: str = "val_loss",
        verbose: int = 0,
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        self.filepath, self.monitor, self.verbose = str(filepath), monitor, verbose
        self.save_best_only = save_best_only
        self.monitor_op = _monitor_op("ModelCheckpoint", monitor, mode)
        self.best = -math.inf if self.monitor_op is np.greater else math.inf

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Save the model to the formatted path (if it improved, with `save_best_only`).

        An epoch cut short by a NaN loss is not saved: the last checkpoint stays the last good one.
        """
        if _nan_stopped(self.model):
            return
        logs = logs or {}
        path = self.filepath.format(epoch=epoch + 1, **logs)
        if self.save_best_only:
            current = _monitored("ModelCheckpoint", logs, self.monitor)
            if current is None or not self.monitor_op(current, self.best):
                return
            if self.verbose:
                print(
                    f"Epoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                    f"{current:.5f}, saving model to {path}"
                )
            self.best = current
        self.model.save(path)


class CSVLogger(Callback):
    """Write one CSV row per epoch (epoch, then the logs' keys in sorted order).

    The file is rewritten atomically after every epoch, so it is complete even if training
    is killed. The columns are fixed by the first epoch's logs (or an appended file's header).

    Args:
        filename: the CSV file to write.
        separator: the field delimiter.
        append: keep an existing file's rows (and its columns) and add to them, instead of
            starting a new file.
    """

    def __init__(
        self, filename: str | os.PathLike, separator: str = ",", append: bool = False
    ) -> None:
        self.filename, self.sep, self.append = Path(filename), separator, append

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Start a new file, or read an appended file's rows and columns."""
        exists = self.append and self.filename.exists()
        self._text = self.filename.read_text() if exists else ""
        self._keys: list[str] | None = None
        if exists and self._text.strip():
            self._keys = self._text.splitlines()[0].split(self.sep)[1:]

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Add the epoch's row (and the header on the first) and rewrite the file atomically."""
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
    """Set the learning rate at each epoch's start to `schedule(epoch, lr)`.

    For a schedule written as a plain function; a non-finite or negative result raises.

    Args:
        schedule: called as schedule(epoch, lr) with the epoch (from 0) and the current lr
            of the first parameter group; its return value becomes every group's lr.
        verbose: 1 prints the learning rate set at each epoch.
    """

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Set every group's lr to `schedule(epoch, lr)`."""
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
    line per epoch (verbose=2). fit adds it when verbose > 0.

    Args:
        refresh_s: the fewest seconds between updates of the bar's running metrics, since
            some (f1, precision) cost a pass over the epoch's outputs to compute.
    """

    def __init__(self, refresh_s: float = 0.25) -> None:
        self.refresh_s = refresh_s
        self.bar: Any = None

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Start the epoch's clock and, with verbose=1, its progress bar."""
        self.start, self.shown, self.epoch = time.perf_counter(), 0.0, epoch
        if self.params.get("verbose", 1) == 1:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=self.params.get("steps"),
                unit="batch",
                file=sys.stdout,
                desc=f"Epoch {epoch + 1}/{self.params.get('epochs', '?')}",
                dynamic_ncols=True,
                leave=True,
            )

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Advance the bar; refresh its running metrics at most every `refresh_s`."""
        if self.bar is None:
            return
        self.bar.update(1)
        now = time.monotonic()
        if now - self.shown > self.refresh_s:  # metrics such as f1 cost O(n) to compute
            self.shown = now
            self.bar.set_postfix(self.model.running_logs(), refresh=False)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Close the bar with the epoch's final logs, or print the verbose=2 line."""
        shown = {k: v for k, v in (logs or {}).items() if k != "lr"}
        if self.bar is not None:
            self.bar.set_postfix(shown)
            self.bar.close()
            self.bar = None
        elif self.params.get("verbose") == 2:
            secs = time.perf_counter() - self.start
            parts = " - ".join(f"{k}: {v:.4f}" for k, v in shown.items())
            print(
                f"Epoch {epoch + 1}/{self.params.get('epochs', '?')} - {secs:.1f}s - {parts}",
                flush=True,
            )


class TerminateOnNaN(Callback):
    """Stop at the first NaN/inf loss and put back the last *good* weights (on by default in fit).

    "Good" is checked, not assumed. The weights after the last finite loss are not kept: a step
    that blows up (a far too large learning rate) leaves weights that are finite but whose every
    output overflows. Instead, each epoch's starting weights (and optimizer state) are copied,
    and the epoch's first batch, whose loss is computed with exactly those weights, judges them:
    they count as good when all are finite and that loss is finite and no higher than the best
    such first-batch loss so far. The weights put back are the last good ones: the start of the
    epoch in which the loss went non-finite, unless they were already diverging (a finite but
    higher loss) or non-finite on the first batch; then an earlier epoch's start. It costs one
    copy per epoch (two are held while an epoch's copy awaits its verdict).

    After a stop, `nan_at` (also `model.nan_at`) is (epoch, batch), counted from 0, and
    `restored_epoch` is the epoch whose starting weights were put back (`model.epoch` is set to
    it), or None when there were none: the weights fit started from gave a non-finite loss on
    the first batch, so no step was taken and they are left as they were.
    """

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Forget any earlier fit's snapshots and stop."""
        self.nan_at: tuple[int, int] | None = None
        self.restored_epoch: int | None = None
        self._first_epoch: int | None = None
        self._good: tuple[int, list[np.ndarray], dict | None] | None = None
        self._candidate: tuple[int, list[np.ndarray], dict | None] | None = None
        self._good_loss = math.inf

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Copy the weights and optimizer state: good once this epoch's first loss is finite."""
        self.epoch = epoch
        if self._first_epoch is None:
            self._first_epoch = epoch
        opt = getattr(self.model, "optimizer", None)
        self._candidate = (
            epoch,
            self.model.get_weights(),
            opt.state_dict() if opt is not None else None,
        )

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Confirm the epoch's copy on a finite first loss; on a non-finite one, put the last
        good copy back and stop fit."""
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        if math.isfinite(loss):
            if self._candidate is not None:
                if loss <= self._good_loss and all(
                    np.isfinite(w).all() for w in self._candidate[1]
                ):
                    self._good, self._good_loss = self._candidate, loss
                self._candidate = None
            return
        self.nan_at = self.model.nan_at = (self.epoch, batch)
        self.model.stop_training = True
        print(
            f"TerminateOnNaN: loss is {loss} at epoch {self.epoch + 1}, batch {batch + 1}; "
            f"training stopped, {self._restore()}"
        )

    def _restore(self) -> str:
        """Put the last good copy back; say which it was."""
        if self._good is None:
            return (
                "no earlier weights to restore: those fit started from already give a "
                "non-finite loss on its first batch (no step was taken)"
            )
        epoch, weights, opt_state = self._good
        self.model.set_weights(weights)
        if opt_state is not None:
            self.model.optimizer.load_state_dict(opt_state)
        self.restored_epoch = epoch
        first = " (those fit started from)" if epoch == self._first_epoch else ""
        return f"restored the weights from the start of epoch {epoch + 1}{first}"

    def on_train_end(self, logs: dict | None = None) -> None:
        """After a stop with weights put back, `model.epoch` counts the epochs they had seen."""
        if self.restored_epoch is not None:
            self.model.epoch = self.restored_epoch
        self._good = self._candidate = None


class LambdaCallback(Callback):
    """A callback from plain functions: LambdaCallback(on_epoch_end=lambda epoch, logs: ...).

    For a one-off hook without writing a class. Each argument, when given, is used as the hook
    of the same name and takes that hook's arguments: on_epoch_begin/on_epoch_end (epoch, logs),
    on_train_begin/on_train_end (logs), on_train_batch_begin/on_train_batch_end (batch, logs).
    """

    def __init__(
        self,
        on_epoch_begin: Callable | None = None,
        on_epoch_end: Callable | None = None,
        on_train_begin: Callable | None = None,
        on_train_end: Callable | None = None,
        on_train_batch_begin: Callable | None = None,
        on_train_batch_end: Callable | None = None,
    ) -> None:
        for name, fn in dict(
            on_epoch_begin=on_epoch_begin,
            on_epoch_end=on_epoch_end,
            on_train_begin=on_train_begin,
            on_train_end=on_train_end,
            on_train_batch_begin=on_train_batch_begin,
            on_train_batch_end=on_train_batch_end,
        ).items():
            if fn is not None:
                setattr(self, name, fn)
