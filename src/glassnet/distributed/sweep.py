"""`sweep`: a grid or random search over `glassnet train` settings, one Ray task per trial.

    result = sweep({"dataset": "iris", "epochs": 20}, {"lr": [0.01, 0.1], "hidden": ["16", "32"]})
    print(result.table())

A search space maps setting names to a list of values (grid: every combination; random: a
choice) or, for random search, a range table {low, high, log}: floats drawn uniformly (in
log space with log = true), integers when low and high are both whole and log is false.
Each trial is one `glassnet train` run (`cli.train_into`) in `out/trial-NNN/`; the results go
to `out/results.csv`, and the best trial's model (by `metric`, on the validation data) to
`out/best.safetensors`. `trainable` is the same trial for Ray Tune's `Tuner`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._cluster import connect

METHODS = ("grid", "random")
METRICS = {"val_accuracy": "max", "val_loss": "min", "accuracy": "max", "loss": "min"}
MAX_TRIALS = 10_000
_NOT_SWEPT = ("out", "workers", "address", "verbose")  # set by the sweep itself


class SweepError(ValueError):
    """A search space or sweep setting that cannot be used (names the source and the key)."""


def _range(key: str, spec: dict, where: str) -> dict:
    """A random-search range {low, high, log}, checked."""
    unknown = set(spec) - {"low", "high", "log"}
    if unknown or "low" not in spec or "high" not in spec:
        raise SweepError(
            f"{where}: {key}: a range is a table {{low, high, log}}, got keys {sorted(spec)}"
        )
    low, high, log = spec["low"], spec["high"], spec.get("log", False)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)):
        raise SweepError(f"{where}: {key}: low and high must be numbers, got {low!r}, {high!r}")
    if not (math.isfinite(low) and math.isfinite(high) and low <= high):
        raise SweepError(f"{where}: {key}: needs finite low <= high, got {low!r}, {high!r}")
    if not isinstance(log, bool) or (log and low <= 0):
        raise SweepError(f"{where}: {key}: log must be true/false, and low > 0 with log = true")
    return {"low": low, "high": high, "log": log}


def _checked_space(space: Any, method: str, where: str) -> dict[str, Any]:
    from ..cli import TRAIN_DEFAULTS

    if not isinstance(space, dict) or not space:
        raise SweepError(f"{where}: the search space must be a non-empty table of settings")
    out: dict[str, Any] = {}
    for k, v in space.items():
        key = str(k).replace("-", "_")
        if key not in TRAIN_DEFAULTS or key in _NOT_SWEPT:
            known = sorted(set(TRAIN_DEFAULTS) - set(_NOT_SWEPT))
            raise SweepError(f"{where}: {k!r} is not a setting a sweep can vary; known: {known}")
        if isinstance(v, dict) and method == "random":
            out[key] = _range(key, v, where)
        elif isinstance(v, list) and v:
            out[key] = v
        else:
            want = "a non-empty list" + (
                " or a {low, high, log} range" if method == "random" else ""
            )
            raise SweepError(f"{where}: {key} must be {want}, got {v!r:.80}")
    return out


def _draw(spec: Any, rng: np.random.Generator) -> Any:
    if isinstance(spec, list):
        return spec[int(rng.integers(len(spec)))]
    low, high = spec["low"], spec["high"]
    if spec["log"]:
        return float(np.exp(rng.uniform(np.log(low), np.log(high))))
    if isinstance(low, int) and isinstance(high, int):
        return int(rng.integers(low, high + 1))
    return float(rng.uniform(low, high))


def trial_settings(
    space: dict[str, Any],
    method: str = "grid",
    trials: int = 8,
    seed: int = 0,
    where: str = "sweep",
) -> list[dict[str, Any]]:
    """The settings of every trial: the grid's combinations in order, or `trials` random
    draws (reproducible from `seed`)."""
    if method not in METHODS:
        raise SweepError(f"{where}: method must be one of {list(METHODS)}, got {method!r}")
    space = _checked_space(space, method, where)
    if method == "grid":
        keys = list(space)
        combos = [dict(zip(keys, vs)) for vs in itertools.product(*space.values())]
    else:
        if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
            raise SweepError(f"{where}: trials must be a whole number >= 1, got {trials!r}")
        rng = np.random.default_rng(seed)
        combos = [{k: _draw(s, rng) for k, s in space.items()} for _ in range(trials)]
    if len(combos) > MAX_TRIALS:
        raise SweepError(f"{where}: {len(combos):,} trials; at most {MAX_TRIALS:,}")
    return combos


def _checked_trials(base: dict, combos: list[dict], where: str) -> list[tuple[dict, dict]]:
    """Every trial's full settings (defaults < base < trial), checked as `glassnet train`
    checks a config file, before any trial runs."""
    from ..cli import CLIError, check_settings, merge_settings

    nested = sorted(set(base) & set(_NOT_SWEPT) - {"verbose"})
    if nested:
        raise SweepError(
            f"{where}: {nested} cannot be set for sweep trials (each trial is one Ray task; "
            "the sweep chooses their folders)"
        )
    out = []
    for i, combo in enumerate(combos):
        name = f"{where}: trial {i}"
        try:
            settings = check_settings({**base, **combo, "verbose": 0}, name)
            out.append(merge_settings(settings, {}, name))
        except CLIError as e:
            raise SweepError(str(e)) from None
    return out


def run_trial(cfg: dict[str, Any], where: dict[str, str], out: str) -> dict[str, Any]:
    """One trial: `glassnet train` with `cfg` into `out` (its output in out/log.txt);
    returns its logs and test scores, or "error" when it failed."""
    from ..cli import train_into
    from ..io import atomic_write_text

    start, folder = time.perf_counter(), Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            result = train_into(folder, {**cfg, "out": str(folder)}, where)
    except Exception as e:  # a trial's failure is its row in the table, not the sweep's end
        result = {"error": f"{type(e).__name__}: {e}"}
    atomic_write_text(folder / "log.txt", buffer.getvalue())
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def trainable(config: dict[str, Any]) -> dict[str, Any]:
    """A Ray Tune function trainable: one `glassnet train` run of the settings in `config`
    (into config["out"], or a new temporary folder); returns its final metrics."""
    import tempfile

    settings = {k: v for k, v in config.items() if k != "out"}
    ((cfg, where),) = _checked_trials({}, [settings], "trainable")
    out = config.get("out") or tempfile.mkdtemp(prefix="glassnet-trial-")
    return run_trial(cfg, where, out)


@dataclass
class SweepResult:
    """Every trial's settings and results, the best trial's index, and the output folder."""

    trials: list[dict[str, Any]]
    swept: list[str]
    metric: str
    best: int | None
    out: Path
    columns: list[str] = field(default_factory=list)

    def table(self) -> str:
        """The results as an aligned text table (best trial marked with *)."""
        rows = [["trial", *self.columns]]
        for i, t in enumerate(self.trials):
            mark = "*" if i == self.best else " "
            rows.append([f"{i}{mark}", *(_cell(t.get(c)) for c in self.columns)])
        widths = [max(len(r[j]) for r in rows) for j in range(len(rows[0]))]
        return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows)

    def csv(self) -> str:
        """The results as CSV text (one row per trial)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["trial", *self.columns, "best"])
        for i, t in enumerate(self.trials):
            w.writerow([i, *(t.get(c, "") for c in self.columns), int(i == self.best)])
        return buf.getvalue()


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if abs(v) < 1e4 else f"{v:.4g}"
    return "-" if v is None else str(v)


def _best(results: list[dict], metric: str, mode: str) -> int | None:
    scored = [
        (r[metric], i) for i, r in enumerate(results) if math.isfinite(r.get(metric, math.nan))
    ]
    if not scored:
        return None
    return (max if mode == "max" else min)(scored)[1]


def sweep(
    base: dict[str, Any],
    space: dict[str, Any],
    method: str = "grid",
    trials: int = 8,
    metric: str = "val_accuracy",
    seed: int = 0,
    out: str | Path | None = None,
    address: str | None = None,
    keep_all: bool = False,
    where: str = "sweep",
) -> SweepResult:
    """Run `glassnet train` once per point of `space` (over the settings in `base`), each
    trial a Ray task; writes out/results.csv and out/best.safetensors (the other trials'
    models are removed unless `keep_all`). `metric` (validation) chooses the best."""
    from ..io import atomic_write_bytes, atomic_write_text

    if metric not in METRICS:
        raise SweepError(f"{where}: metric must be one of {sorted(METRICS)}, got {metric!r}")
    combos = trial_settings(space, method, trials, seed, where)
    checked = _checked_trials(base, combos, where)
    folder = Path(out) if out else Path("sweeps") / time.strftime("sweep-%Y%m%d-%H%M%S")
    ray = connect(address, where)
    task = ray.remote(num_cpus=1)(run_trial)
    refs = [
        task.remote(cfg, w, str(folder / f"trial-{i:03d}")) for i, (cfg, w) in enumerate(checked)
    ]
    results = [{**combo, **r} for combo, r in zip(combos, ray.get(refs))]
    best = _best(results, metric, METRICS[metric])
    swept = list(combos[0])
    others = [c for c in ("val_loss", "val_accuracy", "test_accuracy") if c != metric]
    cols = [*swept, metric, *others, "epochs", "seconds"]
    if any("error" in r for r in results):
        cols.append("error")
    result = SweepResult(results, swept, metric, best, folder, cols)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "results.csv", result.csv())
    if best is not None:
        atomic_write_bytes(
            folder / "best.safetensors",
            (folder / f"trial-{best:03d}" / "model.safetensors").read_bytes(),
        )
        if not keep_all:
            for i in range(len(results)):
                with contextlib.suppress(FileNotFoundError):
                    (folder / f"trial-{i:03d}" / "model.safetensors").unlink()
    return result


__all__ = ["SweepError", "SweepResult", "run_trial", "sweep", "trainable", "trial_settings"]
