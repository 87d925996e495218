"""Learning-rate schedules with PyTorch's names: call `scheduler.step()` once per epoch."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base: sets each group's lr to `get_lr()` of the epoch counter `last_epoch`."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for g in optimizer.param_groups:
            g.setdefault("initial_lr", g["lr"])
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """The schedule itself: a group's lr at `epoch` from its initial lr (subclasses define it).

        Computed from the epoch alone, so a restored `last_epoch` resumes the same schedule.
        """
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group as set by the latest `step()`."""
        return list(self._last_lr)

    def step(self) -> None:
        """Advance one epoch and set every group's lr for it (call once per epoch, after
        `optimizer.step()`; the constructor already did it for epoch 0)."""
        self.last_epoch += 1
        for g, base in zip(self.optimizer.param_groups, self.base_lrs):
            g["lr"] = self.lr_at(base, self.last_epoch)
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's attributes except the optimizer and callables (e.g. `lr_lambda`)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer" and not callable(v)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore attributes saved by `state_dict()` (the optimizer keeps its own state)."""
        self.__dict__.update(state)


class StepLR(LRScheduler):
    """lr · gamma^(epoch // step_size)."""

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """base_lr · gamma^(epoch // step_size): decay by gamma every step_size epochs."""
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """lr · gamma^(number of milestones passed)."""

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: Sequence[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """base_lr · gamma^k, k = the number of milestones <= epoch."""
        return base_lr * self.gamma ** bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """lr · gamma^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """base_lr · gamma^epoch: decay by gamma every epoch."""
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """eta_min + (lr − eta_min)(1 + cos(π·epoch/T_max))/2."""

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """Half a cosine from base_lr at epoch 0 down to eta_min at epoch T_max."""
        return (
            self.eta_min
            + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2
        )


class LambdaLR(LRScheduler):
    """lr · lr_lambda(epoch)."""

    def __init__(
        self, optimizer: Optimizer, lr_lambda: Callable[[int], float], last_epoch: int = -1
    ) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        """base_lr times the user's factor `lr_lambda(epoch)`."""
        return base_lr * self.lr_lambda(epoch)


class ReduceLROnPlateau:
    """Multiply lr by `factor` when the monitored metric stops improving for `patience` epochs."""

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: bad mode {mode!r} or threshold_mode {threshold_mode!r}"
            )
        self.optimizer = optimizer
        self.mode, self.factor, self.patience = mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown, self.eps = (
            threshold,
            threshold_mode,
            cooldown,
            eps,
        )
        n = len(optimizer.param_groups)
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = [g["lr"] for g in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        """Whether `a` beats `best` (lower in "min" mode, higher in "max") beyond `threshold`.

        `threshold_mode` "rel" compares with best·(1 ∓ threshold), "abs" with best ∓ threshold.
        """
        if self.mode == "min":
            edge = (
                best * (1 - self.threshold)
                if self.threshold_mode == "rel"
                else best - self.threshold
            )
            return a < edge
        edge = (
            best * (1 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold
        )
        return a > edge

    def step(self, metrics: float) -> None:
        """Record this epoch's monitored value; cut lr by `factor` (not below `min_lr`) once it
        has failed to improve for more than `patience` epochs, then wait `cooldown` epochs."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for g, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new = max(g["lr"] * self.factor, min_lr)
                if g["lr"] - new > self.eps:
                    g["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group after the latest `step(metrics)`."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Best value, counters and settings, everything but the optimizer."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict()` saved."""
        self.__dict__.update(state)
