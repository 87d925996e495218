"""The `glassnet` command: train, evaluate, predict, datasets, export, playground, lesson,
generate, sample, embed.

Each subcommand is one `add_<name>(subparsers)` function registered in SUBCOMMANDS; a new
one only appends its own function there. Errors print one line on stderr and exit non-zero
(2: bad usage or bad input, naming the flag, file or field; 1: failed), never a traceback
(GLASSNET_DEBUG=1 shows one for an unexpected error). `glassnet` alone prints the help and
exits 0. Every file the CLI reads must be a regular file (not a device or a pipe), and model
and config files are size-checked before they are read.

The CLI builds nothing of its own: the network is `models.MLP` (or `models.LeNet5`) behind
the data set's `nn.Standardize`, so a saved model takes raw inputs; activations come from
`nn.ACTIVATIONS`, optimizers and their default learning rates from `optim.create`, the
validation hold-out from `data.holdout`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import re
import stat
import sys
import time
import tomllib
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn

TRAIN_DEFAULTS: dict[str, Any] = {
    "dataset": "digits",
    "model": "mlp",
    "hidden": [300, 100],
    "activation": "relu",
    "optimizer": "adagrad",
    "lr": None,
    "epochs": 40,
    "batch_size": 50,
    "val_split": None,
    "early_stopping": None,
    "seed": 0,
    "out": None,
    "verbose": 1,
    "l2": 0.0,
    "workers": None,  # data-parallel Ray workers (glassnet.distributed); None: this process
    "address": None,  # the Ray cluster to join (None: a local one)
}
MIN_VAL_FOR_EARLY_STOPPING = 10  # below this, val_loss is too noisy to stop on
# Caps on what a flag, a config file or a model file may ask for (before anything is built):
MAX_CONFIG_BYTES = 1 << 20  # a settings file
MAX_MODEL_BYTES = 2 << 30  # a model file (the IDX reader's limit too)
MAX_EPOCHS = 1_000_000
MAX_BATCH_SIZE = 1 << 24
MAX_HIDDEN_LAYERS = 100
MAX_PARAMETERS = 100_000_000  # 400 MB of float32 weights, ~1.6 GB while training with Adam
MAX_CLASSES = 1_000_000
_INT_RANGES: dict[str, tuple[int, int]] = {
    "epochs": (1, MAX_EPOCHS),
    "batch_size": (1, MAX_BATCH_SIZE),
    "early_stopping": (0, MAX_EPOCHS),
    "seed": (0, 2**64 - 1),
    "verbose": (0, 2),
    "workers": (1, 1 << 16),
}
HOLDOUT_RULE = (
    "a fraction in (0, 1) holds out the LAST part of the training data (Keras' "
    "validation_split rule); a whole count >= 1 holds out the FIRST that many "
    "samples (the seed's X_train[:5000])"
)


class CLIError(Exception):
    """A user-facing error: printed as one line."""


class ConfigError(CLIError, ValueError):
    """A config file that cannot be used (names the file and the key)."""


class RunFailed(Exception):
    """A run that went wrong after its input was accepted (exit status 1), e.g. a NaN loss."""


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a pipe"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _check_regular(path: str, st: os.stat_result, limit: int | None, what: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise CLIError(f"{path}: not a regular file ({_kind(st.st_mode)})")
    if limit is not None and st.st_size > limit:
        raise CLIError(
            f"{path}: {st.st_size:,} bytes is larger than the {limit:,} a {what} may have"
        )


def check_input_file(path: str, limit: int | None = None, what: str = "file") -> None:
    """Refuse, naming `path`, what is missing, not a regular file, or over `limit` bytes."""
    try:
        st = os.stat(path)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        raise CLIError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    _check_regular(path, st, limit, what)


def read_input_file(path: str, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes (checked on the open file)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError) as e:
        raise CLIError(f"{path}: cannot read ({getattr(e, 'strerror', None) or e})") from None
    with os.fdopen(fd, "rb") as f:
        _check_regular(path, os.fstat(fd), limit, what)
        try:
            data = f.read(limit + 1)
        except OSError as e:
            raise CLIError(f"{path}: cannot read ({e.strerror or e})") from None
    if len(data) > limit:  # it grew after the check
        raise CLIError(f"{path}: larger than the {limit:,} bytes a {what} may have")
    return data


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        raise CLIError(f"{self.prog}: {message} (see {self.prog} --help)")


# ----- config files ---------------------------------------------------------------------------
def _short(v: Any, limit: int = 80) -> str:
    """repr(v), cut to `limit` characters so that a huge value cannot flood the error line."""
    try:
        r = repr(v)
    except ValueError:  # an int beyond Python's digit limit
        return f"an integer of more than {sys.get_int_max_str_digits()} digits"
    return r if len(r) <= limit else r[:limit] + " ..."


def _int_list(v: Any, key: str) -> list[int]:
    """Layer sizes from "300,100" or [300, 100]; empty sizes ("300,,100", "") are refused."""
    if isinstance(v, str):
        parts = [p.strip() for p in v.split(",")]
        if "" in parts:
            what = "is empty" if not v.strip() else "has an empty size between commas"
            raise ConfigError(
                f"{key} {_short(v)} {what}; expected comma-separated integers like 300,100"
            )
        try:
            v = [int(p) for p in parts]
        except ValueError:
            raise ConfigError(
                f"{key}: expected comma-separated integers like 300,100, got {_short(v)}"
            ) from None
    if (
        not isinstance(v, list)
        or not v
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in v)
    ):
        raise ConfigError(
            f"{key}: expected a non-empty list of positive integers like 300,100, got {_short(v)}"
        )
    return v


_TYPES: dict[str, Any] = {
    "dataset": str,
    "model": str,
    "activation": str,
    "optimizer": str,
    "lr": float,
    "epochs": int,
    "batch_size": int,
    "val_split": float,
    "early_stopping": int,
    "seed": int,
    "out": str,
    "verbose": int,
    "l2": float,
    "workers": int,
    "address": str,
}


def parse_config(text: bytes, name: str = "<config>") -> dict[str, Any]:
    """Training settings from TOML or JSON bytes, checked key by key (type and range); any
    problem is a ConfigError naming the file and the key."""
    try:
        s = text.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not UTF-8 text") from None
    loaders = [json.loads, tomllib.loads] if name.endswith(".json") else [tomllib.loads]
    if not name.endswith((".json", ".toml")):
        loaders = [json.loads, tomllib.loads]
    data, errors = None, []
    for load in loaders:
        try:
            data = load(s)
            break
        except (ValueError, RecursionError) as e:  # JSONDecodeError, TOMLDecodeError
            errors.append(str(e))
    if data is None:
        raise ConfigError(f"{name}: not valid TOML/JSON ({'; '.join(errors)})")
    if not isinstance(data, dict):
        raise ConfigError(f"{name}: expected a table of settings, got {type(data).__name__}")
    data = data.get("train", data) if isinstance(data.get("train"), dict) else data
    return check_settings(data, name)


def check_settings(data: dict, name: str) -> dict[str, Any]:
    """A table of training settings checked key by key (name, type and range), "-" in keys
    read as "_"; any problem is a ConfigError starting with `name`."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = str(k).replace("-", "_")
        if key == "hidden":
            out[key] = _int_list(v, f"{name}: hidden")
        elif key in _TYPES:
            t = _TYPES[key]
            ok = (
                isinstance(v, t)
                and not isinstance(v, bool)
                or (t is float and isinstance(v, int) and not isinstance(v, bool))
            )
            if not ok:
                raise ConfigError(f"{name}: {key} must be {t.__name__}, got {_short(v)}")
            out[key] = float(v) if t is float else v
        else:
            raise ConfigError(
                f"{name}: unknown setting {k!r}; known: {sorted([*_TYPES, 'hidden'])}"
            )
        check_setting(key, out[key], f"{name}: {key}", ConfigError)
    return out


def _read_config(path: str) -> dict[str, Any]:
    return parse_config(read_input_file(path, MAX_CONFIG_BYTES, "config file"), path)


# ----- train ----------------------------------------------------------------------------------
MODELS = ("mlp", "lenet5")


def _activation(name: str, where: str = "--activation") -> type:
    try:
        return gn.nn.get_activation(name, where)
    except ValueError as e:
        raise CLIError(str(e)) from None


def mlp_parameters(sizes: list[int]) -> int:
    """How many weights and biases `models.MLP(sizes)` has."""
    return sum(a * b + b for a, b in zip(sizes, sizes[1:]))


def _check_size(sizes: list[int], what: str) -> None:
    """Refuse a network over MAX_PARAMETERS before allocating it; `what` names the setting."""
    n = mlp_parameters(sizes)
    if n > MAX_PARAMETERS:
        raise CLIError(
            f"{what} makes {n:,} parameters with {sizes[0]} inputs and {sizes[-1]} "
            f"outputs; at most {MAX_PARAMETERS:,} (a cap, so that a typo cannot "
            "allocate all memory)"
        )


def build_model(
    name: str,
    n_in: int,
    hidden: list[int],
    n_out: int,
    activation: str,
    where: dict[str, str] | None = None,
) -> gn.nn.Module:
    """The network `--model` names: `models.MLP` (the seed's DNN), or LeNet-5 for 28×28 images
    behind an Unflatten, so both take rows of features.

    `where` names each setting after its source (a flag, or a config file's key) in errors.
    """
    where = where or {}
    act = _activation(activation, where.get("activation", "--activation"))
    model = where.get("model", "--model")
    if name == "mlp":
        _check_size([n_in, *hidden, n_out], where.get("hidden=", f"--hidden {hidden}"))
        return gn.models.MLP([n_in, *hidden, n_out], activation)
    if name != "lenet5":
        raise CLIError(f"{model}: unknown {name!r}; choose from {list(MODELS)}")
    if n_in != 28 * 28:
        raise CLIError(
            f"{model} lenet5: needs 28×28 images (784 inputs); this data set has "
            f"{n_in} inputs per sample"
        )
    return gn.nn.Sequential(gn.nn.Unflatten(1, (1, 28, 28)), gn.models.LeNet5(1, n_out, act))


def check_setting(key: str, v: Any, where: str, error: type[CLIError] = CLIError) -> None:
    """One training setting's range, `where` naming it in the error: whole numbers within
    _INT_RANGES, lr/l2/val_split finite with lr > 0 and l2 >= 0, `out` without NUL, at most
    MAX_HIDDEN_LAYERS hidden sizes (MAX_PARAMETERS is checked once the data set is known)."""
    if v is None:
        return
    if key in _INT_RANGES:
        low, high = _INT_RANGES[key]
        if not low <= v <= high:
            side = f"at least {low}" if v < low else f"at most {high}"
            raise error(f"{where} must be {side}, got {_short(v)}")
    elif key in ("lr", "l2", "val_split"):
        if not math.isfinite(v):
            raise error(f"{where}: expected a finite number, got {v}")
        if key == "lr" and not v > 0:
            raise error(f"{where} must be positive, got {v}")
        if key == "l2" and v < 0:
            raise error(f"{where} must be >= 0, got {v}")
    elif key == "out" and "\0" in v:
        raise error(f"{where}: a path cannot contain a NUL character")
    elif key == "hidden" and len(v) > MAX_HIDDEN_LAYERS:
        raise error(f"{where} has {len(v)} layers; at most {MAX_HIDDEN_LAYERS}")


def _check_names(cfg: dict[str, Any], where: dict[str, str]) -> None:
    """The data set's and the optimizer's names, as the catalog and the registry spell them."""
    from .datasets.catalog import canonical_name

    try:
        cfg["dataset"] = canonical_name(cfg["dataset"])
    except ValueError as e:
        raise CLIError(f"{where['dataset']}: {e}") from None
    try:
        cfg["optimizer"] = gn.optim.optimizer_name(cfg["optimizer"], where["optimizer"])
    except ValueError as e:
        raise CLIError(str(e)) from None


def _settings(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """Defaults, then the config file, then the flags (see merge_settings)."""
    from_file: dict[str, Any] = _read_config(args.config) if args.config else {}
    flags = {k: v for k, v in vars(args).items() if k in TRAIN_DEFAULTS and v is not None}
    return merge_settings(from_file, flags, args.config)


def merge_settings(
    from_file: dict[str, Any], flags: dict[str, Any], config: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """The defaults updated by a config file's settings, then by the flags; each checked.

    Returns the settings and, per key, how errors name it: "--flag" or "CONFIG: key" (and
    under "hidden=" the hidden sizes as given).
    """
    cfg = {**TRAIN_DEFAULTS, **from_file, **flags}
    where = {
        k: f"{config}: {k}" if k in from_file and k not in flags else f"--{k.replace('_', '-')}"
        for k in TRAIN_DEFAULTS
    }
    if isinstance(cfg["hidden"], str):
        where["hidden="] = f"--hidden {cfg['hidden']}"
        cfg["hidden"] = _int_list(cfg["hidden"], "--hidden")
    else:
        where["hidden="] = f"{where['hidden']} {cfg['hidden']}"
    for key in TRAIN_DEFAULTS:
        check_setting(key, cfg[key], where[key])
    _check_names(cfg, where)
    return cfg, where


def _split(
    cfg: dict[str, Any],
    x: np.ndarray,
    y: np.ndarray,
    default: float | int,
    where: str = "--val-split",
) -> list[np.ndarray]:
    """data.holdout with the setting's name in its errors; early stopping needs enough
    samples."""
    split = cfg["val_split"] if cfg["val_split"] is not None else default
    try:
        parts = gn.data.holdout(x, y, split, where=where)
    except (TypeError, ValueError) as e:
        raise CLIError(str(e)) from None
    k = len(parts[2])
    if cfg["early_stopping"] is not None and k < MIN_VAL_FOR_EARLY_STOPPING:
        raise CLIError(
            f"--early-stopping {cfg['early_stopping']}: {where} {split:g} holds "
            f"out only {k} of {len(x)} samples; val_loss on fewer than "
            f"{MIN_VAL_FOR_EARLY_STOPPING} is noise (use e.g. --val-split 0.1)"
        )
    return parts


def _out_dir(cfg: dict[str, Any]) -> Path:
    """--out, or a new runs/<dataset>-YYYYmmdd-HHMMSS/ (as Keras/Lightning users expect)."""
    if cfg["out"]:
        return Path(cfg["out"])
    base = Path("runs") / f"{cfg['dataset']}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, i = base, 1
    while out.exists():
        i += 1
        out = base.with_name(f"{base.name}-{i}")
    return out


def _plots(
    out: Path,
    history: Any,
    stopper: Any,
    yt: np.ndarray,
    pred: np.ndarray,
    classes: tuple[str, ...],
    dataset: str,
    title: str,
) -> list[str]:
    """curves.png and confusion.png (or none, with a note, without matplotlib)."""
    try:
        from .train.plots import plot_confusion_matrix, plot_history

        stopped = stopper.stopped_epoch if stopper else None
        plot_history(
            history,
            out / "curves.png",
            stopped,
            stopper.best_epoch if stopper and stopped else None,
            title=title,
        )
        cm = gn.metrics.confusion_matrix(yt, pred, np.arange(len(classes)))
        plot_confusion_matrix(cm, out / "confusion.png", classes, title=f"{dataset}: test set")
    except ImportError as e:
        print(f"glassnet train: no plots ({e})", file=sys.stderr)
        return []
    return ["curves.png", "confusion.png"]


def _terminated(guard: Any) -> dict[str, Any] | None:
    """What TerminateOnNaN did, as the saved model's info["terminated"] (None: it did not)."""
    if guard.nan_at is None:
        return None
    epoch, batch = guard.nan_at
    restored = guard.restored_epoch
    return {
        "reason": "non-finite loss",
        "epoch": epoch + 1,
        "batch": batch + 1,
        "weights_from_start_of_epoch": None if restored is None else restored + 1,
    }


def _terminated_note(t: dict[str, Any]) -> str:
    """info["terminated"] in words."""
    e = t.get("weights_from_start_of_epoch")
    kept = (
        f"the weights from the start of epoch {e} were restored"
        if e
        else "no weights were restored (the initial ones already gave a non-finite loss)"
    )
    return f"the loss became NaN/inf at epoch {t.get('epoch')}, batch {t.get('batch')}; {kept}"


def _make_out(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLIError(f"--out {out}: cannot create the folder ({e.strerror or e})") from None


def run_train(args: argparse.Namespace) -> int:
    """`glassnet train`: fit the network, report the test score, save model, history, plots.

    Everything is checked and built before `--out` is created; it is locked while the run
    writes there, and a second run into it is refused.
    """
    from .io import FolderBusyError, folder_lock

    cfg, where = _settings(args)
    run = _prepare_run(cfg, where)
    with contextlib.ExitStack() as stack:
        run["strategy"] = _data_parallel(cfg, stack)
        out = _out_dir(cfg)
        _make_out(out)
        try:
            stack.enter_context(folder_lock(out))
        except FolderBusyError as e:
            raise CLIError(f"--out {e}; wait for it to finish or choose another --out") from None
        run["health"] = bool(getattr(args, "health", False))
        return _train_into(out, cfg, run)


def train_into(out: Path, cfg: dict[str, Any], where: dict[str, str]) -> dict[str, Any]:
    """One `glassnet train` run of settings from `merge_settings` into the new folder `out`
    (what a sweep trial runs); returns the last epoch's logs, "test_loss", "test_accuracy"
    and "epochs". RunFailed if training was terminated."""
    run = _prepare_run(cfg, where)
    _make_out(out)
    _train_into(out, cfg, run)
    result = {k: v[-1] for k, v in run["history"].history.items() if v}
    result.update({f"test_{k}": v for k, v in run["test"].items()})
    result["epochs"] = len(run["history"].history.get("loss", []))
    return result


def _prepare_run(cfg: dict[str, Any], where: dict[str, str]) -> dict[str, Any]:
    """The data (train, validation, test), the compiled Model and the data set, for the run."""
    from .datasets.catalog import prepare
    from .train import Model

    gn.manual_seed(cfg["seed"])
    ds = prepare(cfg["dataset"])
    (x, y), (xt, yt) = ds.train, ds.test
    x, y, xv, yv = _split(cfg, x, y, ds.val_default, where["val_split"])
    n_classes = max(int(max(y.max(), yt.max())) + 1, len(ds.classes))
    net = gn.nn.Sequential(
        ds.standardize(),
        build_model(cfg["model"], x.shape[1], cfg["hidden"], n_classes, cfg["activation"], where),
    )
    opt = gn.optim.create(cfg["optimizer"], net.parameters(), lr=cfg["lr"])
    model = Model(net).compile(opt, "cross_entropy", ["accuracy"], l2=cfg["l2"])
    return {"ds": ds, "data": (x, y, xv, yv, xt, yt), "model": model}


def _own_ray(stack: contextlib.ExitStack, flag: str) -> None:
    """Ray imported (a CLIError naming `flag` without it); one this command starts is shut
    down when `stack` closes."""
    from .distributed._cluster import import_ray

    try:
        ray = import_ray(flag)
    except ImportError as e:
        raise CLIError(str(e)) from None
    if not ray.is_initialized():
        stack.callback(lambda: ray.is_initialized() and ray.shutdown())


def _data_parallel(cfg: dict[str, Any], stack: contextlib.ExitStack) -> Any:
    """DataParallel for --workers (None without it), its cluster joined and its CPUs
    checked before anything is written; a Ray this run started is shut down when `stack`
    closes. Ray's errors (no cluster, too few CPUs) are CLI errors naming the flag."""
    if cfg["workers"] is None:
        if cfg["address"] is not None:
            raise CLIError(f"--address {cfg['address']}: only used with --workers N")
        return None
    from .distributed import DataParallel

    _own_ray(stack, "--workers")
    dp = DataParallel(cfg["workers"], cfg["address"], verbose=cfg["verbose"])
    stack.callback(dp.close)
    try:
        dp.connect()
    except (ConnectionError, ValueError) as e:
        raise CLIError(f"--workers {cfg['workers']}: {e}") from None
    return dp


def _train_into(out: Path, cfg: dict[str, Any], run: dict[str, Any]) -> int:
    """The run itself, in the locked `out` folder."""
    from .train import CSVLogger, EarlyStopping, TerminateOnNaN

    ds, model = run["ds"], run["model"]
    x, y, xv, yv, xt, yt = run["data"]
    cfg["out"] = str(out)
    model.info = {
        "dataset": cfg["dataset"],
        "classes": list(ds.classes),
        "config": cfg,
        "inputs": int(x.shape[1]),
        "input_scale": "raw (the network's first layer, Standardize, scales)",
    }
    stopper, guard = None, TerminateOnNaN()
    callbacks: list[Any] = [CSVLogger(out / "history.csv")]
    if cfg["early_stopping"] is not None:
        stopper = EarlyStopping(
            patience=cfg["early_stopping"],
            restore_best_weights=True,
            verbose=1 if cfg["verbose"] else 0,
        )
        callbacks.append(stopper)
    health = None
    if run.get("health"):
        from .inspect import HealthMonitor

        health = HealthMonitor(every=50, verbose=False)
        callbacks.append(health)
    about = f"hidden {cfg['hidden']}" if cfg["model"] == "mlp" else "LeNet-5"
    print(
        f"glassnet train: {cfg['dataset']} ({len(x)} train, {len(xv)} validation, {len(xt)} "
        f"test), {about}, {cfg['activation']}, {cfg['optimizer']} (lr "
        f"{model.optimizer.param_groups[0]['lr']:g}), batch {cfg['batch_size']}, up to "
        f"{cfg['epochs']} epochs"
        + (f", data-parallel on {cfg['workers']} Ray workers" if cfg["workers"] else "")
        + f"; writing to {out}",
        flush=True,
    )
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # the guard reports
        history = model.fit(
            x,
            y,
            batch_size=cfg["batch_size"],
            epochs=cfg["epochs"],
            validation_data=(xv, yv),
            callbacks=[*callbacks, guard],
            verbose=cfg["verbose"],
            strategy=run.get("strategy"),
        )
    run["history"], run["test"] = history, model.evaluate(xt, yt, return_dict=True)
    terminated = _terminated(guard)
    if terminated:
        model.info["terminated"] = terminated
    test = run["test"]
    print(f"test loss {test['loss']:.4f} - test accuracy {test['accuracy']:.4f}")
    model.save(out / "model.safetensors")
    title = f"{cfg['dataset']}: {about}, test accuracy {test['accuracy']:.4f} ({len(xt)} samples)"
    written = [
        "model.safetensors",
        "history.csv",
        *_plots(
            out,
            history,
            stopper,
            yt,
            model.predict(xt).argmax(1),
            ds.classes,
            cfg["dataset"],
            title,
        ),
    ]
    if health is not None:
        health.save(out, per_quantity=False)
        written += ["health.csv", "health.png"] if health.rows else ["health.csv"]
        for line in health.warnings:
            print(f"health: {line}")
    print(f"wrote {', '.join(str(out / w) for w in written)}")
    if terminated:
        raise RunFailed(
            f"training terminated: {_terminated_note(terminated)}; saved anyway, "
            f"marked as terminated, to {out / 'model.safetensors'}"
        )
    return 0


def add_train(sub: Any) -> None:
    """Register `glassnet train` and its flags."""
    p = sub.add_parser(
        "train",
        help="train the seed's DNN (an MLP) or LeNet-5 on a data set",
        description="Train a classifier; flags override --config values. The "
        "model is saved with its input scaling as its first layer, so it takes "
        "raw inputs (`glassnet predict`, or gn.load(path)(x) in Python).",
    )
    p.add_argument(
        "--config", help="TOML or JSON file with the settings below (keys as flags, with _ for -)"
    )
    p.add_argument(
        "--dataset",
        help=f"data set name (default {TRAIN_DEFAULTS['dataset']}; - or "
        "_ both work, e.g. fashion-mnist or fashion_mnist; see `glassnet datasets`)",
    )
    p.add_argument(
        "--model",
        choices=MODELS,
        help="mlp (default: the seed's DNN) or lenet5 (a CNN for 28×28 images: the MNIST sets)",
    )
    p.add_argument("--hidden", help="hidden layer sizes of the mlp, e.g. 300,100 (the default)")
    p.add_argument(
        "--activation",
        choices=sorted(gn.nn.ACTIVATIONS),
        help="hidden-layer activation (default relu)",
    )
    p.add_argument(
        "--optimizer",
        help="adagrad (default, as the seed's DNNClassifier), "
        + ", ".join(sorted(set(gn.optim.OPTIMIZERS) - {"adagrad"})),
    )
    p.add_argument(
        "--lr",
        type=float,
        help="learning rate (default: optim.DEFAULT_LR for the "
        "optimizer: "
        + ", ".join(f"{k} {v:g}" for k, v in sorted(gn.optim.DEFAULT_LR.items()))
        + ")",
    )
    p.add_argument("--l2", type=float, help="L2 penalty on weight matrices (default 0)")
    p.add_argument("--epochs", type=int, help="maximum epochs (default 40)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default 50)")
    p.add_argument(
        "--val-split",
        type=float,
        help=f"validation hold-out: {HOLDOUT_RULE}. "
        "Default 5000 for mnist and fashion-mnist, 1000 for mnist-t10k, 0.1 otherwise",
    )
    p.add_argument(
        "--early-stopping",
        type=int,
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without lower val_loss; keep the best weights "
        f"(needs >= {MIN_VAL_FOR_EARLY_STOPPING} validation samples)",
    )
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="train data-parallel on N Ray workers (each global batch split over them; "
        "needs glassnet[distributed]; default: in this process)",
    )
    p.add_argument(
        "--address",
        help="with --workers: the Ray cluster to join, 'auto' or host:port (default: start "
        "a local one)",
    )
    p.add_argument(
        "--out",
        help="folder for model.safetensors, history.csv, curves.png, "
        "confusion.png (default: a new runs/<dataset>-YYYYmmdd-HHMMSS/)",
    )
    p.add_argument(
        "--verbose",
        type=int,
        choices=[0, 1, 2],
        help="1: progress bar (default), 2: a line per epoch, 0: quiet",
    )
    p.add_argument(
        "--health",
        "--diagnose",
        action="store_true",
        help="watch training health every 50 steps (activations, dead ReLUs, saturation, "
        "gradient and update ratios, first NaN); writes health.csv and health.png",
    )
    p.set_defaults(func=run_train)


# ----- evaluate / predict ---------------------------------------------------------------------
def _numbers(v: Any) -> bool:
    return isinstance(v, list) and all(
        isinstance(i, (int, float)) and not isinstance(i, bool) and math.isfinite(i) for i in v
    )


def _check_info_field(info: dict, key: str, path: str) -> None:
    """One field of a model file's info table (see checked_info)."""
    v = info[key]
    field = f"{path}: metadata info.{key}"
    if key == "dataset" and not isinstance(v, str):
        raise CLIError(f"{field} must be a data set name, got {type(v).__name__}")
    if key == "inputs" and not (
        isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_PARAMETERS
    ):
        raise CLIError(f"{field} must be a positive whole number of features, got {v!r:.40}")
    if key == "classes":
        if not isinstance(v, list) or len(v) > MAX_CLASSES:
            size = f"{len(v):,} names" if isinstance(v, list) else type(v).__name__
            raise CLIError(
                f"{field} must be a list of at most {MAX_CLASSES:,} class names, got {size}"
            )
        if not all(isinstance(c, (str, int, float)) and not isinstance(c, bool) for c in v):
            raise CLIError(f"{field} must hold names (strings or numbers)")
    if key in ("shift", "scale") and not _numbers(v):
        raise CLIError(f"{field} must be a list of finite numbers")
    if key == "terminated" and not isinstance(v, dict):
        raise CLIError(f"{field} must be a table, got {type(v).__name__}")


def checked_info(info: Any, path: str) -> dict[str, Any]:
    """A model file's `info` metadata after checking the fields the CLI uses (dataset,
    classes, inputs, shift/scale, terminated); class names come back as strings."""
    if not isinstance(info, dict):
        raise CLIError(
            f"{path}: metadata info must be a table (JSON object), got {type(info).__name__}"
        )
    for key in ("dataset", "inputs", "classes", "shift", "scale", "terminated"):
        if key in info:
            _check_info_field(info, key, path)
    out = dict(info)
    if "classes" in out:
        out["classes"] = [str(c) for c in out["classes"]]
    return out


def _load(path: str, cmd: str) -> Any:
    """A saved Model whose network takes raw inputs; a file from before nn.Standardize (its
    scaling in the metadata) gets the layer put in front, so it predicts the same way.

    The file must be a regular file of at most MAX_MODEL_BYTES; whatever is wrong inside it
    is reported as one CLIError naming it.
    """
    from .serialization import CheckpointError
    from .train import load_model

    check_input_file(path, MAX_MODEL_BYTES, "model file")
    try:
        model = load_model(path, restore_rng=False)
        info = model.info = checked_info(model.info, path)
        first = next(iter(model.module.children()), None)
        if "shift" in info and "scale" in info and not isinstance(first, gn.nn.Standardize):
            model.module = gn.nn.Sequential(
                gn.nn.Standardize(info["shift"], info["scale"]), model.module
            )
    except CheckpointError as e:
        raise CLIError(str(e)) from None
    except MemoryError:
        raise CLIError(f"{path}: needs more memory than there is to load") from None
    except (
        AttributeError,
        KeyError,
        IndexError,
        LookupError,
        TypeError,
        ValueError,
        ArithmeticError,
        RecursionError,
        StopIteration,
    ) as e:
        raise CLIError(
            f"{path}: not a usable glassnet model file ({type(e).__name__}: {e})"
        ) from None
    if "terminated" in info:
        print(
            f"glassnet {cmd}: warning: {path}: its training was terminated: "
            f"{_terminated_note(info['terminated'])}",
            file=sys.stderr,
        )
    return model


def run_evaluate(args: argparse.Namespace) -> int:
    """`glassnet evaluate`: a saved model's test loss and accuracy on raw test data."""
    from .datasets.catalog import canonical_name, prepare

    model = _load(args.model, "evaluate")
    if model.optimizer is None:
        model.compile("sgd", "cross_entropy", ["accuracy"])
    name = args.dataset or model.info.get("dataset")
    if not name:
        raise CLIError("evaluate: the model does not say its data set; pass --dataset")
    try:
        name = canonical_name(name)
    except ValueError as e:
        where = "--dataset" if args.dataset else f"{args.model}: metadata info.dataset"
        raise CLIError(f"{where}: {e}") from None
    xt, yt = prepare(name).test
    try:
        r = model.evaluate(xt, yt, return_dict=True)
    except (ValueError, TypeError, IndexError) as e:
        raise CLIError(f"{args.model}: the model does not fit {name}'s test data: {e}") from None
    print(f"{name} test: loss {r['loss']:.4f} - accuracy {r.get('accuracy', float('nan')):.4f}")
    return 0


def _model_parser(sub: Any, name: str, about: str, description: str, func: Callable) -> Any:
    """A subcommand whose first argument is a saved model file."""
    p = sub.add_parser(name, help=about, description=description)
    p.add_argument("model", help="a model.safetensors written by glassnet train")
    p.set_defaults(func=func)
    return p


def add_evaluate(sub: Any) -> None:
    """Register `glassnet evaluate`."""
    p = _model_parser(
        sub,
        "evaluate",
        "test loss and accuracy of a saved model",
        "Evaluate a saved model on a data set's test part.",
        run_evaluate,
    )
    p.add_argument("--dataset", help="data set (default: the one it was trained on)")


def expected_inputs(module: gn.nn.Module) -> int | None:
    """How many features a network's input rows have (None where it cannot tell)."""
    for m in module.modules():
        if isinstance(m, gn.nn.Standardize) and m.num_features is not None:
            return m.num_features
        if isinstance(m, gn.nn.Unflatten):
            return int(np.prod(m.unflattened_size))
        if isinstance(m, gn.nn.Linear):
            return m.in_features
        if not isinstance(m, (gn.nn.Sequential, gn.nn.Standardize)):
            return None
    return None


def _header(args: argparse.Namespace) -> bool:
    """--header/--no-header, else: a first line of numbers is data; say which on stderr."""
    from .data import has_header

    if args.header is not None:
        has = args.header
        why = "--header" if has else "--no-header"
    else:
        has = has_header(args.input)
        why = (
            "its first line has names (--no-header if it is data)"
            if has
            else "its first line is all numbers, so it is data, not a header (--header to skip it)"
        )
    print(
        f"glassnet predict: {args.input}: {'a header row' if has else 'no header'}: {why}",
        file=sys.stderr,
    )
    return has


def _target(value: str | None, path: str, header: bool) -> str | int | None:
    """--target as a column name, or a column index (0 first, -1 last) unless a column has
    that name."""
    from .data import read_header

    if value is None or (header and not re.fullmatch(r"-?\d+", value.strip())):
        return value
    if header and value in read_header(path):
        return value
    try:
        return int(value)
    except ValueError:
        raise CLIError(
            f"--target {value!r}: the file has no header, so give the column's index "
            "(0 for the first, -1 for the last)"
        ) from None


def _check_columns(model: Any, x: np.ndarray, args: argparse.Namespace) -> None:
    """The file's column count against the model's inputs, with how to drop a label column."""
    want = model.info.get("inputs") or expected_inputs(model.module)
    have = x.shape[1]
    if want is None or have == want:
        return
    if have > want:
        fix = (
            f"; if {'one is' if have == want + 1 else 'some are'} a label or id column, drop "
            "it with --target NAME (or --target -1 for the last column)"
        )
        if args.target:
            fix = f" after dropping --target {args.target}"
    else:
        fix = f" (it was trained on {model.info.get('dataset', 'data')} rows of {want} features)"
    raise CLIError(f"{args.input}: {have} columns, the model expects {want}{fix}")


def run_predict(args: argparse.Namespace) -> int:
    """`glassnet predict`: classes and probabilities for the raw rows of a CSV, to stdout."""
    from .data import load_csv

    model = _load(args.model, "predict")
    check_input_file(args.input)
    header = _header(args)
    x, _ = load_csv(
        args.input,
        target=_target(args.target, args.input, header),
        header=header,
        allow_nan=args.allow_nan,
    )
    _check_columns(model, x, args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gn.nn.InputRangeWarning)
        try:
            out = model.predict(x)
        except (ValueError, TypeError) as e:
            raise CLIError(f"predict: {args.input} does not fit the model: {e}") from None
    for w in caught:
        print(f"glassnet predict: warning: {args.input}: {w.message}", file=sys.stderr)
    probs = np.exp(out - out.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    classes = model.info.get("classes") or [str(i) for i in range(out.shape[1])]
    labels = [csv_field(spreadsheet_safe(c)) for c in classes]
    lines = [",".join(["prediction", "label", *(f"p_{i}" for i in range(out.shape[1]))])]
    for row in probs:
        k = int(row.argmax())
        lines.append(
            ",".join([str(k), labels[k] if k < len(labels) else str(k), *(f"{p:.6f}" for p in row)])
        )
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def csv_field(text: str) -> str:
    """One CSV field (RFC 4180): quoted, with quotes doubled, when it holds a comma, a quote,
    CR or LF (csv.writer leaves a lone CR unquoted when rows end in LF)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """`text` with a ' in front when it starts like a spreadsheet formula (=, +, -, @, tab, CR),
    as OWASP advises against CSV injection, so a spreadsheet shows it instead of running it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def add_predict(sub: Any) -> None:
    """Register `glassnet predict`; its help says what input scale to give."""
    p = _model_parser(
        sub,
        "predict",
        "predict classes for rows of a CSV file (to stdout)",
        "Write prediction, label and class probabilities as CSV. Give RAW inputs, in the "
        "training data's own units (pixel values 0-255 for the MNIST sets and digits' 0-16, "
        "iris in cm), one column per feature: the model scales them itself (its first layer, "
        "Standardize). Inputs far outside the training range print a warning. A label (a "
        "class name from the model file) that starts with =, +, -, @, a tab or a carriage "
        "return is written with a ' in front, so a spreadsheet shows it as text instead of "
        "running it as a formula (OWASP's advice on CSV injection).",
        run_predict,
    )
    p.add_argument(
        "input",
        help="CSV file, one row per sample, one column per input feature; "
        "a header row is detected (a first line of numbers is data)",
    )
    p.add_argument(
        "--header",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the first line is (--header) or is not (--no-header) a header "
        "(default: detected, and said on stderr)",
    )
    p.add_argument(
        "--target",
        metavar="NAME",
        help="a column to drop, e.g. the true label (a "
        "name, or without a header an index: 0 first, -1 last)",
    )
    p.add_argument(
        "--allow-nan",
        action="store_true",
        help="read nan and empty cells as NaN (their predictions are nan) instead of refusing them",
    )


# ----- datasets -------------------------------------------------------------------------------
def run_datasets(args: argparse.Namespace) -> int:
    """`glassnet datasets`: the folders searched, each data set, and its files' state."""
    import os

    from .datasets.catalog import CATALOG, REMOTE
    from .datasets.files import SYSTEM_DIR, cache_dir, search_dirs, status

    print("Data folders, searched in order (then downloads go into the cache):")
    env = os.environ.get("GLASSNET_DATA")
    if env:
        print(f"  {Path(env) / '<name>'}/   ($GLASSNET_DATA={env})")
    else:
        print(
            "  $GLASSNET_DATA/<name>/   (GLASSNET_DATA is not set; set it to a folder of "
            "data sets to look there first)"
        )
    print(f"  {cache_dir() / '<name>'}/   (the cache)")
    print(f"  {SYSTEM_DIR / '<name>'}/   (Debian's dataset-* packages)")
    for name, (_, about) in CATALOG.items():
        alias = name.replace("-", "_")
        print(f"{name:14s} {about}" + (f" (also: {alias})" if alias != name else ""))
        if name in REMOTE and name != "mnist-t10k":
            looked = ", ".join(f"{d}/" for d in search_dirs(REMOTE[name].name))
            for key, st in status(REMOTE[name]).items():
                print(
                    f"{'':14s}   {key:13s} {st}"
                    + (
                        f" (looked in {looked}; downloaded on first use when online)"
                        if st == "missing"
                        else ""
                    )
                )
    return 0


def add_datasets(sub: Any) -> None:
    """Register `glassnet datasets`."""
    p = sub.add_parser(
        "datasets",
        help="list data sets and which files are present and verified",
        description="List the data sets; for downloadable ones, where each file "
        "was found and whether its SHA-256 checks out, and the folders searched "
        "($GLASSNET_DATA/<name>/ first when set).",
    )
    p.set_defaults(func=run_datasets)


# ----- export ---------------------------------------------------------------------------------
def _shape_arg(text: str) -> tuple[int, ...]:
    """--input-shape "784" or "1,28,28": one sample's shape (the batch dim is added)."""
    try:
        dims = tuple(int(d) for d in text.split(","))
    except ValueError:
        dims = ()
    if not dims or min(dims) < 1:
        raise CLIError(f"--input-shape {text!r}: give positive integers like 784 or 1,28,28")
    return dims


def run_export(args: argparse.Namespace) -> int:
    """`glassnet export`: a saved model as an ONNX file (onnxruntime, mobile and edge runtimes)."""
    try:
        from . import onnx as gn_onnx
    except ImportError as e:
        raise CLIError(f"export needs the onnx extra (pip install 'glassnet[onnx]'): {e}") from None
    if args.opset not in gn_onnx.OPSETS:
        raise CLIError(f"--opset {args.opset}: choose from {list(gn_onnx.OPSETS)}")
    model = _load(args.model, "export")
    if args.input_shape:
        shape = _shape_arg(args.input_shape)
    else:
        n = model.info.get("inputs") or expected_inputs(model.module)
        if n is None:
            raise CLIError(f"{args.model}: cannot tell the input's shape; pass --input-shape")
        shape = (int(n),)
    x = np.zeros((1, *shape), np.float32)
    try:
        gn_onnx.export(model.module, x, args.onnx, opset=args.opset)
    except gn_onnx.ExportError as e:
        raise CLIError(f"{args.model}: {e}") from None
    print(
        f"wrote {args.onnx} (ONNX opset {args.opset}, input (batch, {', '.join(map(str, shape))}))"
    )
    return 0


def add_export(sub: Any) -> None:
    """Register `glassnet export`."""
    p = _model_parser(
        sub,
        "export",
        "write a saved model as an ONNX file",
        "Export a model saved by glassnet train as ONNX (it takes raw inputs, as predict "
        "does), for onnxruntime and mobile or edge runtimes.",
        run_export,
    )
    p.add_argument("--onnx", required=True, metavar="OUT.onnx", help="the ONNX file to write")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (default 17)")
    p.add_argument(
        "--input-shape", help="one input's shape, e.g. 784 or 1,28,28 (default: from the model)"
    )


# ----- playground -----------------------------------------------------------------------------
def run_playground(args: argparse.Namespace) -> int:
    """`glassnet playground`: serve the page (a taken port is refused before any URL)."""
    try:
        from .playground.server import PortInUseError
        from .playground.server import main as serve
    except ImportError as e:
        raise CLIError(
            f"playground needs the playground extra (pip install 'glassnet[playground]'): {e}"
        ) from None
    if not 0 < args.port < 65536:
        raise CLIError(f"--port must be 1..65535, got {args.port}")
    if args.max_sessions < 1 or args.idle_timeout <= 0:
        raise CLIError(
            f"--max-sessions ({args.max_sessions}) and --idle-timeout "
            f"({args.idle_timeout}) must be positive"
        )
    try:
        serve(
            host=args.host,
            port=args.port,
            max_sessions=args.max_sessions,
            idle_timeout=args.idle_timeout,
            open_browser=args.open,
        )
    except PortInUseError as e:
        other = args.port + 1 if args.port < 65535 else args.port - 1
        raise CLIError(f"{e}; choose a free one with --port (e.g. --port {other})") from None
    return 0


def add_playground(sub: Any) -> None:
    """The `playground` subcommand: serve the browser trainer on loopback."""
    p = sub.add_parser(
        "playground",
        help="a TensorFlow-Playground-style trainer in the browser",
        description="Start a local web server and print its URL; the page trains "
        "a glassnet network and shows it as it learns.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument(
        "--max-sessions", type=int, default=8, help="browser tabs served at once (default 8)"
    )
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=600.0,
        help="seconds without a message before a tab's session is freed (default 600)",
    )
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    p.set_defaults(func=run_playground)


# ----- rl -------------------------------------------------------------------------------------
# The CLI's DQN settings: tuned to solve CartPole-v1 within 100,000 steps (see the README);
# the library's own defaults are CleanRL's (glassnet.rl.dqn.DEFAULTS).
RL_DEFAULTS: dict[str, Any] = {
    "learning_rate": 1e-3,
    "buffer_size": 20_000,
    "gamma": 0.99,
    "tau": 1.0,
    "target_network_frequency": 500,
    "batch_size": 128,
    "start_e": 1.0,
    "end_e": 0.05,
    "exploration_fraction": 0.2,
    "learning_starts": 1000,
    "train_frequency": 2,
    "max_grad_norm": 10.0,
    "double_q": True,
    "loss": "huber",
    "net_arch": [120, 84],
}
MAX_RL_STEPS = 100_000_000
REWARD_THRESHOLD_WINDOW = 20


def _rl() -> Any:
    try:
        from . import rl
    except ImportError as e:  # pragma: no cover - the rl extra is a dev dependency
        raise CLIError(f"rl needs the rl extra (pip install 'glassnet[rl]'): {e}") from None
    return rl


def _rl_log(agent: Any) -> str:
    """The CSV log: one row per finished episode (its last step, return, length, ε then)."""
    rl = _rl()
    lines = ["episode,step,return,length,epsilon"]
    step = 0
    duration = agent.exploration_fraction * agent.total_timesteps
    for i, (r, n) in enumerate(zip(agent.episode_returns, agent.episode_lengths)):
        step += n
        eps = rl.linear_schedule(agent.start_e, agent.end_e, duration, step - 1)
        lines.append(f"{i + 1},{step},{r:g},{n},{eps:.4f}")
    return "\n".join(lines) + "\n"


def _rl_write(agent: Any, out: Path) -> None:
    """Checkpoint, policy, CSV log and returns plot, each written atomically."""
    from .io import atomic_write_text
    from .train.plots import plot_returns

    agent.save_checkpoint(out / "checkpoint.safetensors")
    agent.save(out / "agent.safetensors")
    atomic_write_text(out / "log.csv", _rl_log(agent))
    spec = getattr(agent.env, "spec", None)
    threshold = getattr(spec, "reward_threshold", None)
    name = getattr(spec, "id", "environment")
    plot_returns(
        agent.episode_returns,
        out / "returns.png",
        window=REWARD_THRESHOLD_WINDOW,
        threshold=threshold,
        title=f"DQN on {name}: {agent.num_timesteps:,} steps",
    )


def run_rl_train(args: argparse.Namespace) -> int:
    """`glassnet rl train`: a DQN on a Gymnasium env, checkpointed; --resume continues one."""
    rl = _rl()
    if not 1 <= args.steps <= MAX_RL_STEPS or args.checkpoint_every < 1:
        raise CLIError(
            f"--steps must be 1..{MAX_RL_STEPS} and --checkpoint-every >= 1, got "
            f"{args.steps} and {args.checkpoint_every}"
        )
    out = Path(args.out)
    checkpoint = out / "checkpoint.safetensors"
    try:
        if args.resume:
            check_input_file(str(checkpoint), MAX_MODEL_BYTES, "checkpoint")
            agent = rl.DQN.load_checkpoint(checkpoint)
        else:
            params = {k: getattr(args, k) for k in RL_DEFAULTS}
            agent = rl.DQN(args.env, **params, seed=args.seed)
    except ValueError as e:
        raise CLIError(str(e)) from None
    out.mkdir(parents=True, exist_ok=True)
    every = args.checkpoint_every

    def on_step(a: Any) -> None:
        if a.num_timesteps % every == 0 and a.num_timesteps < args.steps:
            _rl_write(a, out)

    start = time.perf_counter()
    agent.learn(args.steps, callback=on_step, progress_bar=args.verbose > 0)
    seconds = time.perf_counter() - start
    _rl_write(agent, out)
    print(
        f"{agent.num_timesteps:,} steps, {len(agent.episode_returns)} episodes in "
        f"{seconds:.1f} s; mean return of the last {REWARD_THRESHOLD_WINDOW} episodes "
        f"{rl.mean_return(agent, REWARD_THRESHOLD_WINDOW):.1f}; wrote {out}/agent.safetensors"
    )
    if args.eval_episodes:
        mean, std = rl.evaluate_policy(agent, rl.make_env(args.env), args.eval_episodes, 10_000)
        print(f"greedy return over {args.eval_episodes} episodes: {mean:.2f} ± {std:.2f}")
    return 0


def run_rl_evaluate(args: argparse.Namespace) -> int:
    """`glassnet rl evaluate`: the greedy return of a saved agent, mean ± std."""
    rl = _rl()
    if args.episodes < 1:
        raise CLIError(f"--episodes must be >= 1, got {args.episodes}")
    check_input_file(args.agent, MAX_MODEL_BYTES, "agent file")
    try:
        agent = rl.DQN.load(args.agent, env=args.env)
    except ValueError as e:
        raise CLIError(str(e)) from None
    mean, std = rl.evaluate_policy(agent, agent.env, args.episodes, seed=args.seed)
    name = rl.agent.env_id(agent.env) or "the environment"
    print(f"mean return {mean:.2f} ± {std:.2f} over {args.episodes} episodes of {name}")
    return 0


def _optional_float(v: str) -> float | None:
    return None if v.lower() == "none" else float(v)


def add_rl(sub: Any) -> None:
    """Register `glassnet rl train` and `glassnet rl evaluate`."""
    p = sub.add_parser(
        "rl",
        help="reinforcement learning: a Deep Q-Network on a Gymnasium environment",
        description="Train a DQN on a Gymnasium environment (rl train) or measure a saved "
        "agent's greedy return (rl evaluate).",
    )
    rl_sub = p.add_subparsers(dest="rl_cmd", required=True, parser_class=_Parser)
    t = rl_sub.add_parser(
        "train",
        help="train a DQN; writes agent.safetensors, checkpoint.safetensors, log.csv, returns.png",
        description="Train a DQN (defaults tuned for CartPole-v1 in 100,000 steps). The run is "
        "checkpointed every --checkpoint-every steps; --resume continues it exactly.",
    )
    t.add_argument("--env", default="CartPole-v1", help="Gymnasium id (default CartPole-v1)")
    t.add_argument("--steps", type=int, default=100_000, help="environment steps (100000)")
    t.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    t.add_argument("--out", required=True, help="output folder")
    t.add_argument("--resume", action="store_true", help="continue OUT/checkpoint.safetensors")
    t.add_argument("--checkpoint-every", type=int, default=10_000, help="steps (10000)")
    t.add_argument("--eval-episodes", type=int, default=0, help="greedy episodes at the end")
    t.add_argument("--verbose", type=int, default=1, choices=(0, 1), help="progress bar")
    g = t.add_argument_group("DQN hyper-parameters (CleanRL's names)")
    for k, v in RL_DEFAULTS.items():
        flag = "--" + k.replace("_", "-")
        if isinstance(v, bool):
            g.add_argument(flag, type=lambda s: s.lower() in ("1", "true", "yes"), default=v)
        elif k == "net_arch":
            g.add_argument(flag, type=lambda s: _int_list(s, "--net-arch"), default=v)
        elif k == "max_grad_norm":
            g.add_argument(flag, type=_optional_float, default=v, help="or none")
        else:
            g.add_argument(flag, type=type(v), default=v, help=f"default {v}")
    t.set_defaults(func=run_rl_train)
    e = rl_sub.add_parser(
        "evaluate",
        help="mean and std of a saved agent's greedy return",
        description="Play --episodes greedy episodes with a saved DQN agent.",
    )
    e.add_argument("agent", help="agent.safetensors written by rl train")
    e.add_argument("--episodes", type=int, default=100, help="episodes (default 100)")
    e.add_argument("--seed", type=int, default=0, help="seed of the first episode (default 0)")
    e.add_argument("--env", default=None, help="Gymnasium id (default: the one trained on)")
    e.set_defaults(func=run_rl_evaluate)


# ----- sweep ----------------------------------------------------------------------------------
SWEEP_KEYS = {
    "method": str,
    "trials": int,
    "metric": str,
    "seed": int,
    "out": str,
    "keep_all": bool,
}


def parse_sweep(text: bytes, name: str) -> dict[str, Any]:
    """A sweep file (TOML): [sweep] method/trials/metric/seed/out/keep_all, [train] the fixed
    settings (as `glassnet train --config` reads them), [space] the settings searched."""
    try:
        data = tomllib.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{name}: not valid UTF-8 TOML ({e})") from None
    unknown = set(data) - {"sweep", "train", "space"}
    if unknown or not isinstance(data.get("space"), dict):
        raise ConfigError(
            f"{name}: expected the tables [sweep], [train] and [space] (required), got "
            f"{sorted(data)}"
        )
    opts = data.get("sweep", {})
    for k, v in opts.items():
        t = SWEEP_KEYS.get(k)
        if t is None or not isinstance(v, t) or (t is int and isinstance(v, bool)):
            want = f"must be {t.__name__}" if t else f"is unknown; known: {sorted(SWEEP_KEYS)}"
            raise ConfigError(f"{name}: [sweep] {k} {want}, got {_short(v)}")
    train = check_settings(data.get("train", {}), f"{name}: [train]")
    return {"base": train, "space": data["space"], **opts}


def run_sweep(args: argparse.Namespace) -> int:
    """`glassnet sweep`: every trial of the sweep file as a Ray task; table, CSV, best model."""
    from .distributed.sweep import SweepError, sweep

    spec = parse_sweep(read_input_file(args.config, MAX_CONFIG_BYTES, "sweep file"), args.config)
    if args.out:
        spec["out"] = args.out
    with contextlib.ExitStack() as stack:
        _own_ray(stack, "glassnet sweep")
        try:
            result = sweep(**spec, address=args.address, where=args.config)
        except (SweepError, ConnectionError) as e:
            raise CLIError(str(e)) from None
    print(result.table())
    written = [result.out / "results.csv"]
    if result.best is not None:
        written.append(result.out / "best.safetensors")
        print(f"best: trial {result.best} by {result.metric}")
    print(f"wrote {', '.join(map(str, written))}")
    return 0 if result.best is not None else 1


def add_sweep(sub: Any) -> None:
    """Register `glassnet sweep`."""
    p = sub.add_parser(
        "sweep",
        help="grid or random search over train settings, one Ray task per trial",
        description="Run `glassnet train` for every point of a search space (grid: every "
        "combination; random: `trials` draws), in parallel on Ray; print a table, write "
        "results.csv and the best trial's model (by the validation metric) as "
        "best.safetensors. Needs glassnet[distributed].",
    )
    p.add_argument(
        "--config", required=True, help="the sweep file (TOML: [sweep], [train], [space])"
    )
    p.add_argument("--out", help="output folder (default: [sweep] out, or sweeps/sweep-<time>/)")
    p.add_argument(
        "--address", help="the Ray cluster to join: 'auto' or host:port (default: local)"
    )
    p.set_defaults(func=run_sweep)


# ----- lesson ---------------------------------------------------------------------------------
def run_lesson(args: argparse.Namespace) -> int:
    """`glassnet lesson [NAME]`: list the lessons, run one, or write them all as HTML."""
    from . import lessons
    from .lessons.html import write_site

    if args.name and args.all:
        raise CLIError("give a lesson NAME or --all, not both")
    try:
        if args.name:
            lessons.get(args.name)  # a typo or a coming lesson fails before any work
    except lessons.LessonNotFoundError as e:
        raise CLIError(str(e)) from None
    if args.html:
        langs = [args.lang] if args.lang else list(lessons.LANGS)
        names = [args.name] if args.name else None
        log = None if args.quiet else (lambda m: print(f"lesson {m}", file=sys.stderr))
        pages = write_site(args.html, names, langs, log=log)
        print(f"wrote {len(pages)} pages to {args.html} (open {Path(args.html) / 'index.html'})")
        return 0
    lang = args.lang or "en"
    if not args.name and not args.all:
        for row in lessons.catalog(lang):
            about = row["title"] or f"coming (needs {row['needs']})"
            tutorials = f"  [{', '.join(row['tutorials'])}]" if row["tutorials"] else ""
            print(f"{row['name']:<27} {about}{tutorials}")
        return 0
    for name in [args.name] if args.name else list(lessons.LESSONS):
        print(lessons.run(name, lang=lang, plot_dir=args.plot)["text"], end="\n\n")
    return 0


def add_lesson(sub: Any) -> None:
    """The `lesson` subcommand: the tutorials' concepts as runnable lessons."""
    p = sub.add_parser(
        "lesson",
        help="runnable lessons in Korean and English",
        description="Without NAME: list the lessons. With NAME: run it, print its steps and "
        "numbers (--plot DIR writes its figures). --all --html DIR writes one page per lesson "
        "and language, with figures and an index.",
    )
    p.add_argument("name", nargs="?", help="a lesson, e.g. gradient-descent")
    p.add_argument("--lang", choices=["en", "ko"], help="language (default en; --html: both)")
    p.add_argument("--plot", metavar="DIR", help="write the lesson's figures (PNG) into DIR")
    p.add_argument("--all", action="store_true", help="every lesson")
    p.add_argument("--html", metavar="DIR", help="write static HTML pages into DIR")
    p.add_argument("--quiet", action="store_true", help="with --html: no progress lines")
    p.set_defaults(func=run_lesson)


def _generative_commands() -> list[Callable[[Any], None]]:
    """`generate` and `sample`, defined beside the models (glassnet.generative.commands)."""
    from .generative.commands import add_generate, add_sample

    return [add_generate, add_sample]


# ----- embed ----------------------------------------------------------------------------------
MAX_CORPUS_BYTES = 1 << 30  # a training corpus for `embed train`
EMBED_DEFAULTS = {"vector_size": 100, "window": 5, "min_count": 5, "epochs": 5, "negative": 5}


def _corpus(path: str) -> list[list[str]]:
    """One sentence per line, tokens split on whitespace (gensim's LineSentence)."""
    data = read_input_file(path, MAX_CORPUS_BYTES, "corpus")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CLIError(f"--corpus {path}: not UTF-8 text (byte {e.start})") from None
    return [line.split() for line in text.splitlines()]


def run_embed_train(args: argparse.Namespace) -> int:
    """`glassnet embed train`: train, then write OUT/vectors.bin, vectors.txt, history.json."""
    from .text import FastText, Word2Vec

    sentences = _corpus(args.corpus)
    cls = FastText if args.fasttext else Word2Vec
    kw = {k: getattr(args, k) for k in EMBED_DEFAULTS}
    extra = {"bucket": args.bucket} if args.fasttext else {}
    try:
        model = cls(sentences, sg=args.sg, sample=args.sample, alpha=args.alpha, seed=args.seed,
                    backend=args.backend, progress=args.verbose > 0, **kw, **extra)  # fmt: skip
    except (ValueError, ImportError) as e:
        raise CLIError(f"--corpus {args.corpus}: {e}") from None
    out = Path(args.out)
    _make_out(out)
    model.wv.save_word2vec_format(out / "vectors.bin", binary=True)
    model.wv.save_word2vec_format(out / "vectors.txt")
    history = {
        "loss": model.history.history["loss"],
        "words_per_sec": model.history.history["words_per_sec"],
    }
    from .io import atomic_write_text

    atomic_write_text(out / "history.json", json.dumps(history, indent=1) + "\n")
    print(f"{len(model.wv)} words x {model.vector_size}; loss per epoch "
          f"{', '.join(f'{x:.4f}' for x in history['loss'])}; wrote {out}/vectors.bin")  # fmt: skip
    return 0


def _vectors(path: str) -> Any:
    """Vectors from a word2vec file: binary when it ends in .bin, else text."""
    from .text import KeyedVectors, VectorFileError

    check_input_file(path, MAX_MODEL_BYTES, "vector file")
    try:
        return KeyedVectors.load_word2vec_format(path, binary=path.endswith(".bin"))
    except (VectorFileError, UnicodeDecodeError) as e:
        raise CLIError(str(e)) from None


def _known(fn: Callable[[], Any]) -> Any:
    """Run a query; an unknown word becomes one CLI error line (with the closest words)."""
    try:
        return fn()
    except KeyError as e:
        raise CLIError(str(e.args[0])) from None


def run_embed_neighbors(args: argparse.Namespace) -> int:
    """`glassnet embed neighbors`: the nearest words by cosine similarity."""
    wv = _vectors(args.vectors)
    for word, sim in _known(lambda: wv.most_similar(args.word, topn=args.topn)):
        print(f"{sim:.4f}\t{word}")
    return 0


def run_embed_plot(args: argparse.Namespace) -> int:
    """`glassnet embed plot`: chosen words on their first two principal components."""
    from .text.plot import plot_words

    if len(args.words) < 2:
        raise CLIError("embed plot: give at least 2 words")
    wv = _vectors(args.vectors)
    _known(lambda: [wv.get_index(w) for w in args.words])
    plot_words(wv, args.words, args.out)
    print(f"wrote {args.out}")
    return 0


def add_embed(sub: Any) -> None:
    """Register `glassnet embed train|neighbors|plot`."""
    p = sub.add_parser("embed", help="word vectors: train Word2Vec/FastText, query, plot",
                       description="Train word vectors on a text corpus and use them.")  # fmt: skip
    cmds = p.add_subparsers(dest="embed_cmd", required=True, parser_class=_Parser)
    t = cmds.add_parser("train", help="train vectors on a corpus (one sentence per line)")
    t.add_argument("--corpus", required=True, help="UTF-8 text, one sentence per line")
    t.add_argument("--out", required=True, help="folder for vectors.bin, vectors.txt, history.json")
    t.add_argument("--sg", type=int, choices=[0, 1], default=0, help="1 skip-gram, 0 CBOW")
    t.add_argument("--fasttext", action="store_true", help="FastText (character n-grams)")
    for name, default in EMBED_DEFAULTS.items():
        t.add_argument(f"--{name.replace('_', '-')}", dest=name, type=int, default=default)
    t.add_argument("--bucket", type=int, default=2000000, help="FastText n-gram buckets")
    t.add_argument("--sample", type=float, default=1e-3)
    t.add_argument("--alpha", type=float, default=0.025)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument(
        "--backend",
        choices=["numba", "numpy"],
        default=None,
        help="one compiled step per example (default with Numba) or NumPy batches",
    )
    t.add_argument("--verbose", type=int, default=1, help="0: no progress bar")
    t.set_defaults(func=run_embed_train)
    n = cmds.add_parser("neighbors", help="nearest words to WORD")
    n.add_argument("vectors", help="a word2vec file (.bin: binary, else text)")
    n.add_argument("word")
    n.add_argument("--topn", type=int, default=10)
    n.set_defaults(func=run_embed_neighbors)
    q = cmds.add_parser("plot", help="a PCA 2-D plot of chosen words")
    q.add_argument("vectors", help="a word2vec file (.bin: binary, else text)")
    q.add_argument("words", nargs="+")
    q.add_argument("--out", default="words.png", help="image file (default words.png)")
    q.set_defaults(func=run_embed_plot)


# Subcommands, in --help order.
SUBCOMMANDS: list[Callable[[Any], None]] = [
    add_train,
    add_evaluate,
    add_predict,
    add_sweep,
    add_datasets,
    add_export,
    add_playground,
    add_rl,
    add_lesson,
    *_generative_commands(),
    add_embed,
]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failed, 2 bad usage or input).

    Without arguments it prints the help and returns 0.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    p = _Parser(prog="glassnet", description="glassnet: train and use neural networks")
    p.add_argument("--version", action="version", version=f"glassnet {gn.__version__}")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    for add in SUBCOMMANDS:
        add(sub)
    if not argv:
        p.print_help()
        return 0
    try:
        args = p.parse_args(argv)
        return args.func(args)
    except SystemExit as e:  # --help, --version
        return int(e.code or 0)
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if os.environ.get("GLASSNET_DEBUG") == "1" and not isinstance(e, CLIError):
            raise
        message, status = _error_line(e)
        print(f"glassnet: error: {message}", file=sys.stderr)
        return status


def _error_line(e: Exception) -> tuple[str, int]:
    """An exception as one printable line and the exit status (2 for bad input, else 1)."""
    from .generative.commands import GenerateError

    if isinstance(e, (CLIError, GenerateError)):
        text, status = str(e), 2
    elif isinstance(e, MemoryError):
        text, status = f"out of memory{f' ({e})' if str(e) else ''}", 1
    elif isinstance(e, (RunFailed, ValueError, TypeError, OSError, ImportError, RuntimeError)):
        text, status = str(e) or type(e).__name__, 1
    else:  # a bug: still one line, with the way to see more
        text, status = (
            (f"unexpected {type(e).__name__}: {e} (set GLASSNET_DEBUG=1 to see the traceback)"),
            1,
        )
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text), status


if __name__ == "__main__":
    sys.exit(main())
