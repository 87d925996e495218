"""`HealthMonitor`: is training healthy? Per layer, sampled every few steps.

- activations: mean, std, saturation share (|tanh| > 0.97, sigmoid within 0.03 of 0 or 1),
  dead-ReLU share (units that never fired in the epoch's sampled batches);
- weight layers: gradient norm, grad:data and update:data ratios (std over std; the rule of
  thumb for the last is ~1e-3: far above, the learning rate is too high; far below, too low);
- the first layer whose output held a NaN or an infinity.

A callback for `Model.fit`, and the same three calls for a hand-written loop:

    mon = HealthMonitor(every=50).attach(net)
    for x, y in loader:
        mon.begin_step(); opt.zero_grad(); loss_fn(net(x), y).backward(); opt.step()
        mon.end_step()
    mon.end_epoch(); mon.save("runs/health")   # health.csv, health.png, health_<q>.png
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..io import atomic_write_text
from ..nn import LeakyReLU, Module, ReLU, Sigmoid, Tanh
from ..train.callbacks import Callback

COLUMNS = [
    "step",
    "epoch",
    "layer",
    "type",
    "act_mean",
    "act_std",
    "saturated",
    "dead",
    "grad_norm",
    "grad_data",
    "update_data",
]
QUANTITIES = {
    "act_mean": "activation mean",
    "act_std": "activation std",
    "saturated": "saturated share",
    "dead": "dead-ReLU share (per epoch)",
    "grad_norm": "gradient norm",
    "grad_data": "grad:data ratio",
    "update_data": "update:data ratio",
}
SATURATION = 0.97
_RELUS = (ReLU, LeakyReLU)


class HealthWarning(UserWarning):
    """A training-health finding in plain words (dead ReLUs, saturation, bad ratios, NaN)."""


def _std(a: np.ndarray) -> float:
    return float(a.astype(np.float64).std())


def _weight(m: Module) -> Tensor | None:
    w = m._parameters.get("weight")
    return w if w is not None and w.ndim >= 2 else None


class HealthMonitor(Callback):
    """Training-health statistics per layer, every `every` steps; `path` (a folder) gets
    health.csv and the plots at the end of `fit`; `verbose` issues `HealthWarning`s."""

    def __init__(
        self, every: int = 50, path: str | os.PathLike | None = None, verbose: bool = True
    ):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"HealthMonitor: every must be a positive integer, got {every!r}")
        self.every, self.path, self.verbose = every, path, verbose
        self.module: Module | None = None
        self._handles: list = []
        self.reset()

    def reset(self) -> None:
        """Forget every record (a new run)."""
        self.rows: list[dict[str, Any]] = []
        self.warnings: list[str] = []
        self.first_nonfinite: tuple[int, str] | None = None  # (step, layer)
        self.step, self.epoch = 0, 0
        self._sampling = False
        self._acts: dict[str, dict[str, float]] = {}
        self._fired: dict[str, np.ndarray] = {}
        self._before: dict[str, np.ndarray] = {}

    # ----- the hook API -------------------------------------------------------------------
    def attach(self, module: Module) -> HealthMonitor:
        """Watch `module`'s activations and weight layers (forward hooks); returns self."""
        self.detach()
        self.module = getattr(module, "module", module)
        self._layers: list[tuple[str, Module]] = []
        for name, m in self.module.named_modules():
            if isinstance(m, (*_RELUS, Sigmoid, Tanh)) or _weight(m) is not None:
                self._layers.append((name, m))
                self._handles.append(m.register_forward_hook(self._hook(name)))
        if not self._layers:
            raise ValueError(
                f"HealthMonitor: {type(self.module).__name__} has no layer to watch "
                "(activations or layers with a weight matrix)"
            )
        return self

    def detach(self) -> None:
        """Remove the forward hooks."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def _hook(self, name: str) -> Any:
        def hook(m: Module, _in: tuple, out: Any) -> None:
            if not isinstance(out, Tensor):
                return
            if self.first_nonfinite is None and not np.isfinite(out._array).all():
                self.first_nonfinite = (self.step, _label(name, m))
                self._say(f"layer {_label(name, m)} produced NaN or inf first (step {self.step})")
            if self._sampling:
                self._activations(name, m, out._array)

        return hook

    def _activations(self, name: str, m: Module, a: np.ndarray) -> None:
        row = {"act_mean": float(a.astype(np.float64).mean()), "act_std": _std(a)}
        if isinstance(m, Tanh):
            row["saturated"] = float((np.abs(a) > SATURATION).mean())
        elif isinstance(m, Sigmoid):
            row["saturated"] = float(((a < 1 - SATURATION) | (a > SATURATION)).mean())
        elif isinstance(m, _RELUS) and a.ndim >= 2:
            units = np.moveaxis(a > 0, 1, 0).reshape(a.shape[1], -1).any(axis=1)
            self._fired[name] = units | self._fired.get(name, False)
        self._acts[name] = row

    def begin_step(self) -> None:
        """Call before a training step: decides whether it is sampled, notes the weights."""
        if self.module is None:
            raise RuntimeError("HealthMonitor: call attach(module) first")
        self._sampling = self.step % self.every == 0
        self._acts = {}
        if self._sampling:
            self._before = {
                n: w._array.copy() for n, m in self._layers if (w := _weight(m)) is not None
            }

    def end_step(self) -> None:
        """Call after the optimizer step: records the sampled step's statistics."""
        if self._sampling:
            for name, m in self._layers:
                row = {
                    "step": self.step,
                    "epoch": self.epoch,
                    "layer": name,
                    "type": type(m).__name__,
                }
                row.update(self._acts.get(name, {}))
                w = _weight(m)
                if w is not None:
                    row.update(self._weights(name, w))
                self.rows.append(row)
        self._sampling = False
        self.step += 1

    def _weights(self, name: str, w: Tensor) -> dict[str, float]:
        row: dict[str, float] = {}
        data_std = _std(w._array)
        if w.grad is not None:
            g = w.grad._array.astype(np.float64)
            row["grad_norm"] = float(np.sqrt((g * g).sum()))
            row["grad_data"] = float(g.std()) / data_std if data_std else math.nan
        before = self._before.get(name)
        if before is not None:
            row["update_data"] = _std(w._array - before) / data_std if data_std else math.nan
        return row

    def end_epoch(self) -> list[str]:
        """Call after an epoch: the dead-ReLU shares and the epoch's warnings (also returned)."""
        found = []
        for name, m in self._layers:
            if name in self._fired:
                dead = float(1 - self._fired[name].mean())
                self.rows.append(
                    {
                        "step": self.step,
                        "epoch": self.epoch,
                        "layer": name,
                        "type": type(m).__name__,
                        "dead": dead,
                    }
                )
                if dead >= 0.5:
                    found.append(
                        f"layer {_label(name, m)}: {dead:.0%} of ReLUs never fired this epoch "
                        "(dead units: lower the learning rate, or try LeakyReLU or He init)"
                    )
        found += self._epoch_findings()
        for text in found:
            self._say(text)
        self._fired = {}
        self.epoch += 1
        return found

    def _epoch_findings(self) -> list[str]:
        rows = [r for r in self.rows if r["epoch"] == self.epoch and "dead" not in r]
        found = []
        for name, m in self._layers:
            mine = [r for r in rows if r["layer"] == name]
            sat = [r["saturated"] for r in mine if "saturated" in r]
            if sat and np.mean(sat) >= 0.5:
                found.append(
                    f"layer {_label(name, m)}: {np.mean(sat):.0%} of outputs saturated "
                    "(gradients barely pass; smaller init or inputs, or ReLU)"
                )
            upd = [r["update_data"] for r in mine if math.isfinite(r.get("update_data", math.nan))]
            if upd and not 1e-4 <= np.median(upd) <= 1e-2:
                too = "high" if np.median(upd) > 1e-2 else "low"
                found.append(
                    f"layer {_label(name, m)}: update:data ratio {np.median(upd):.1e} "
                    f"(rule of thumb ~1e-3): the learning rate looks too {too}"
                )
        norms = list(self.gradient_norms(self.epoch).items())
        if len(norms) >= 2:
            (first, g0), (_, g1) = norms[0], norms[-1]
            if g1 > 0 and g0 < 1e-3 * g1:
                found.append(
                    f"layer {first}: gradient norm {g0 / g1:.1e} of the last layer's: "
                    "vanishing gradients (try ReLU with He init, or normalisation)"
                )
        return found

    def gradient_norms(self, epoch: int | None = None) -> dict[str, float]:
        """Weight layer -> its mean gradient norm (input first), over `epoch` or all epochs."""
        out = {}
        for name, m in self._layers:
            v = [
                r["grad_norm"]
                for r in self.rows
                if r["layer"] == name
                and "grad_norm" in r
                and (epoch is None or r["epoch"] == epoch)
            ]
            if v:
                out[_label(name, m)] = float(np.mean(v))
        return out

    def latest(self, column: str) -> dict[str, float]:
        """layer -> the last recorded value of `column` (e.g. "dead", "saturated")."""
        return {r["layer"]: r[column] for r in self.rows if column in r}

    def _say(self, text: str) -> None:
        self.warnings.append(text)
        if self.verbose:
            warnings.warn(text, HealthWarning, stacklevel=3)

    # ----- output -------------------------------------------------------------------------
    def to_csv(self, path: str | os.PathLike | None = None) -> str:
        """The records as CSV (one row per layer per sampled step); written to `path` if given."""
        buf = io.StringIO()
        w = csv.DictWriter(buf, COLUMNS, restval="", lineterminator="\n")
        w.writeheader()
        w.writerows(
            {k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()}
            for r in self.rows
        )
        if path is not None:
            atomic_write_text(path, buf.getvalue())
        return buf.getvalue()

    def plot(self, path: str | os.PathLike, quantities: list[str] | None = None) -> None:
        """One panel per quantity, one line per layer, as a PNG at `path`."""
        from ..train.plots import _pyplot, _save

        plt = _pyplot()
        qs = [q for q in quantities or QUANTITIES if any(q in r for r in self.rows)]
        if not qs:
            raise ValueError("HealthMonitor.plot: nothing recorded yet")
        fig, axes = plt.subplots(len(qs), 1, figsize=(8, 2.6 * len(qs)), squeeze=False)
        for ax, q in zip(axes[:, 0], qs):
            for name, m in self._layers:
                pts = [(r["step"], r[q]) for r in self.rows if r["layer"] == name and q in r]
                if pts:
                    ax.plot(
                        *zip(*pts), marker="." if len(pts) < 30 else None, label=_label(name, m)
                    )
            if q in ("grad_norm", "grad_data", "update_data") and _positive(self.rows, q):
                ax.set_yscale("log")
            if q == "update_data":
                ax.axhline(1e-3, color="k", ls=":", lw=1)
            ax.set_title(QUANTITIES[q])
            ax.set_xlabel("step")
            ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        _save(fig, path)
        plt.close(fig)

    def save(self, folder: str | os.PathLike, per_quantity: bool = True) -> None:
        """health.csv, health.png (all quantities) and, with `per_quantity`, one
        health_<quantity>.png per quantity in `folder`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.to_csv(folder / "health.csv")
        if self.rows:
            self.plot(folder / "health.png")
            for q in QUANTITIES if per_quantity else ():
                if any(q in r for r in self.rows):
                    self.plot(folder / f"health_{q}.png", [q])

    # ----- the callback -------------------------------------------------------------------
    def on_train_begin(self, logs: dict | None = None) -> None:
        """Attach to the model's module and start a fresh record."""
        self.reset()
        self.attach(self.model.module)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """`begin_step`."""
        self.begin_step()

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """`end_step`."""
        self.end_step()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """`end_epoch`."""
        self.end_epoch()

    def on_train_end(self, logs: dict | None = None) -> None:
        """Remove the hooks; write the files when a path was given."""
        self.detach()
        if self.path is not None:
            self.save(self.path)


def _label(name: str, m: Module) -> str:
    return f"{name or '(model)'} ({type(m).__name__})"


def _positive(rows: list[dict], q: str) -> bool:
    return any(r.get(q, 0) > 0 for r in rows)
