"""The `glassnet` command: train, evaluate, predict, datasets, playground.

Each subcommand is one `add_<name>(subparsers)` function registered in SUBCOMMANDS; a new
one only appends its own function there. Errors print one line on stderr and exit non-zero
(2: bad usage, 1: failed), never a traceback. `glassnet` alone prints the help and exits 0.

The CLI builds nothing of its own: the network is `models.MLP` (or `models.LeNet5`) behind
the data set's `nn.Standardize`, so a saved model takes raw inputs; activations come from
`nn.ACTIVATIONS`, optimizers and their default learning rates from `optim.create`, the
validation hold-out from `data.holdout`.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
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
    "dataset": "digits", "model": "mlp", "hidden": [300, 100], "activation": "relu",
    "optimizer": "adagrad", "lr": None, "epochs": 40, "batch_size": 50, "val_split": None,
    "early_stopping": None, "seed": 0, "out": None, "verbose": 1, "l2": 0.0,
}
MIN_VAL_FOR_EARLY_STOPPING = 10  # below this, val_loss is too noisy to stop on
HOLDOUT_RULE = ("a fraction in (0, 1) holds out the LAST part of the training data (Keras' "
                "validation_split rule); a whole count >= 1 holds out the FIRST that many "
                "samples (the seed's X_train[:5000])")


class CLIError(Exception):
    """A user-facing error: printed as one line."""


class ConfigError(CLIError, ValueError):
    """A config file that cannot be used (names the file and the key)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        raise CLIError(f"{self.prog}: {message} (see {self.prog} --help)")


# ----- config files ---------------------------------------------------------------------------
def _int_list(v: Any, key: str) -> list[int]:
    """Layer sizes from "300,100" or [300, 100]; empty sizes ("300,,100", "") are refused."""
    if isinstance(v, str):
        parts = [p.strip() for p in v.split(",")]
        if "" in parts:
            what = "is empty" if not v.strip() else "has an empty size between commas"
            raise ConfigError(f"{key} {v!r} {what}; expected comma-separated integers like "
                              "300,100")
        try:
            v = [int(p) for p in parts]
        except ValueError:
            raise ConfigError(f"{key}: expected comma-separated integers like 300,100, got "
                              f"{v!r}") from None
    if not isinstance(v, list) or not v or not all(
            isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in v):
        raise ConfigError(f"{key}: expected a non-empty list of positive integers like "
                          f"300,100, got {v!r}")
    return v


_TYPES: dict[str, Any] = {"dataset": str, "model": str, "activation": str, "optimizer": str,
                          "lr": float, "epochs": int, "batch_size": int, "val_split": float,
                          "early_stopping": int, "seed": int, "out": str, "verbose": int,
                          "l2": float}


def parse_config(text: bytes, name: str = "<config>") -> dict[str, Any]:
    """Training settings from TOML or JSON bytes, checked key by key."""
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
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = str(k).replace("-", "_")
        if key == "hidden":
            out[key] = _int_list(v, f"{name}: hidden")
        elif key in _TYPES:
            t = _TYPES[key]
            ok = isinstance(v, t) and not isinstance(v, bool) or (
                t is float and isinstance(v, int) and not isinstance(v, bool))
            if not ok:
                raise ConfigError(f"{name}: {key} must be {t.__name__}, got {v!r}")
            out[key] = float(v) if t is float else v
        else:
            raise ConfigError(f"{name}: unknown setting {k!r}; known: "
                              f"{sorted([*_TYPES, 'hidden'])}")
    return out


def _read_config(path: str) -> dict[str, Any]:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read ({e.strerror or e})") from None
    return parse_config(raw, path)


# ----- train ----------------------------------------------------------------------------------
MODELS = ("mlp", "lenet5")


def _activation(name: str) -> type:
    try:
        return gn.nn.get_activation(name, "--activation")
    except ValueError as e:
        raise CLIError(str(e)) from None


def build_model(name: str, n_in: int, hidden: list[int], n_out: int,
                activation: str) -> gn.nn.Module:
    """The network `--model` names: `models.MLP` (the seed's DNN), or LeNet-5 for 28×28 images
    behind an Unflatten, so both take rows of features."""
    act = _activation(activation)
    if name == "mlp":
        return gn.models.MLP([n_in, *hidden, n_out], activation)
    if name != "lenet5":
        raise CLIError(f"--model: unknown {name!r}; choose from {list(MODELS)}")
    if n_in != 28 * 28:
        raise CLIError(f"--model lenet5: needs 28×28 images (784 inputs); this data set has "
                       f"{n_in} inputs per sample")
    return gn.nn.Sequential(gn.nn.Unflatten(1, (1, 28, 28)), gn.models.LeNet5(1, n_out, act))


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """Defaults, then the config file, then the flags; each value checked, naming its flag."""
    from .datasets.catalog import canonical_name

    cfg = dict(TRAIN_DEFAULTS)
    if args.config:
        cfg.update(_read_config(args.config))
    cfg.update({k: v for k, v in vars(args).items() if k in TRAIN_DEFAULTS and v is not None})
    if isinstance(cfg["hidden"], str):
        cfg["hidden"] = _int_list(cfg["hidden"], "--hidden")
    for key in ("epochs", "batch_size"):
        if cfg[key] <= 0:
            raise CLIError(f"--{key.replace('_', '-')} must be positive, got {cfg[key]}")
    if cfg["lr"] is not None and not cfg["lr"] > 0:
        raise CLIError(f"--lr must be positive, got {cfg['lr']}")
    if cfg["early_stopping"] is not None and cfg["early_stopping"] < 0:
        raise CLIError(f"--early-stopping (patience) must be >= 0, got {cfg['early_stopping']}")
    try:
        cfg["dataset"] = canonical_name(cfg["dataset"])
    except ValueError as e:
        raise CLIError(f"--dataset: {e}") from None
    try:
        cfg["optimizer"] = gn.optim.optimizer_name(cfg["optimizer"], "--optimizer")
    except ValueError as e:
        raise CLIError(str(e)) from None
    return cfg


def _split(cfg: dict[str, Any], x: np.ndarray, y: np.ndarray,
           default: float | int) -> list[np.ndarray]:
    """data.holdout with the flag's name in its errors; early stopping needs enough samples."""
    split = cfg["val_split"] if cfg["val_split"] is not None else default
    try:
        parts = gn.data.holdout(x, y, split, where="--val-split")
    except (TypeError, ValueError) as e:
        raise CLIError(str(e)) from None
    k = len(parts[2])
    if cfg["early_stopping"] is not None and k < MIN_VAL_FOR_EARLY_STOPPING:
        raise CLIError(f"--early-stopping {cfg['early_stopping']}: --val-split {split:g} holds "
                       f"out only {k} of {len(x)} samples; val_loss on fewer than "
                       f"{MIN_VAL_FOR_EARLY_STOPPING} is noise (use e.g. --val-split 0.1)")
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


def _plots(out: Path, history: Any, stopper: Any, yt: np.ndarray, pred: np.ndarray,
           classes: tuple[str, ...], dataset: str, title: str) -> list[str]:
    """curves.png and confusion.png (or none, with a note, without matplotlib)."""
    try:
        from .train.plots import plot_confusion_matrix, plot_history

        stopped = stopper.stopped_epoch if stopper else None
        plot_history(history, out / "curves.png", stopped,
                     stopper.best_epoch if stopper and stopped else None, title=title)
        cm = gn.metrics.confusion_matrix(yt, pred, np.arange(len(classes)))
        plot_confusion_matrix(cm, out / "confusion.png", classes,
                              title=f"{dataset}: test set")
    except ImportError as e:
        print(f"glassnet train: no plots ({e})", file=sys.stderr)
        return []
    return ["curves.png", "confusion.png"]


def run_train(args: argparse.Namespace) -> int:
    """`glassnet train`: fit the network, report the test score, save model, history, plots."""
    from .datasets.catalog import prepare
    from .train import CSVLogger, EarlyStopping, Model

    cfg = _settings(args)
    gn.manual_seed(cfg["seed"])
    ds = prepare(cfg["dataset"])
    (x, y), (xt, yt) = ds.train, ds.test
    x, y, xv, yv = _split(cfg, x, y, ds.val_default)
    n_classes = max(int(max(y.max(), yt.max())) + 1, len(ds.classes))
    net = gn.nn.Sequential(ds.standardize(), build_model(
        cfg["model"], x.shape[1], cfg["hidden"], n_classes, cfg["activation"]))
    opt = gn.optim.create(cfg["optimizer"], net.parameters(), lr=cfg["lr"])
    model = Model(net).compile(opt, "cross_entropy", ["accuracy"], l2=cfg["l2"])
    out = _out_dir(cfg)
    cfg["out"] = str(out)
    model.info = {"dataset": cfg["dataset"], "classes": list(ds.classes), "config": cfg,
                  "inputs": int(x.shape[1]),
                  "input_scale": "raw (the network's first layer, Standardize, scales)"}
    stopper = None
    out.mkdir(parents=True, exist_ok=True)
    callbacks: list[Any] = [CSVLogger(out / "history.csv")]
    if cfg["early_stopping"] is not None:
        stopper = EarlyStopping(patience=cfg["early_stopping"], restore_best_weights=True,
                                verbose=1 if cfg["verbose"] else 0)
        callbacks.append(stopper)
    about = f"hidden {cfg['hidden']}" if cfg["model"] == "mlp" else "LeNet-5"
    print(f"glassnet train: {cfg['dataset']} ({len(x)} train, {len(xv)} validation, {len(xt)} "
          f"test), {about}, {cfg['activation']}, {cfg['optimizer']} (lr "
          f"{opt.param_groups[0]['lr']:g}), batch {cfg['batch_size']}, up to {cfg['epochs']} "
          f"epochs; writing to {out}", flush=True)
    history = model.fit(x, y, batch_size=cfg["batch_size"], epochs=cfg["epochs"],
                        validation_data=(xv, yv), callbacks=callbacks, verbose=cfg["verbose"])
    test = model.evaluate(xt, yt, return_dict=True)
    print(f"test loss {test['loss']:.4f} - test accuracy {test['accuracy']:.4f}")
    model.save(out / "model.safetensors")
    title = f"{cfg['dataset']}: {about}, test accuracy {test['accuracy']:.4f} ({len(xt)} samples)"
    written = ["model.safetensors", "history.csv", *_plots(
        out, history, stopper, yt, model.predict(xt).argmax(1), ds.classes, cfg["dataset"],
        title)]
    print(f"wrote {', '.join(str(out / w) for w in written)}")
    return 0


def add_train(sub: Any) -> None:
    """Register `glassnet train` and its flags."""
    p = sub.add_parser("train", help="train the seed's DNN (an MLP) or LeNet-5 on a data set",
                       description="Train a classifier; flags override --config values. The "
                       "model is saved with its input scaling as its first layer, so it takes "
                       "raw inputs (`glassnet predict`, or gn.load(path)(x) in Python).")
    p.add_argument("--config", help="TOML or JSON file with the settings below (keys as flags, "
                   "with _ for -)")
    p.add_argument("--dataset", help=f"data set name (default {TRAIN_DEFAULTS['dataset']}; - or "
                   "_ both work, e.g. fashion-mnist or fashion_mnist; see `glassnet datasets`)")
    p.add_argument("--model", choices=MODELS, help="mlp (default: the seed's DNN) or lenet5 "
                   "(a CNN for 28×28 images: the MNIST sets)")
    p.add_argument("--hidden", help="hidden layer sizes of the mlp, e.g. 300,100 (the default)")
    p.add_argument("--activation", choices=sorted(gn.nn.ACTIVATIONS),
                   help="hidden-layer activation (default relu)")
    p.add_argument("--optimizer", help="adagrad (default, as the seed's DNNClassifier), "
                   + ", ".join(sorted(set(gn.optim.OPTIMIZERS) - {"adagrad"})))
    p.add_argument("--lr", type=float, help="learning rate (default: optim.DEFAULT_LR for the "
                   "optimizer: " + ", ".join(f"{k} {v:g}" for k, v in
                                             sorted(gn.optim.DEFAULT_LR.items())) + ")")
    p.add_argument("--l2", type=float, help="L2 penalty on weight matrices (default 0)")
    p.add_argument("--epochs", type=int, help="maximum epochs (default 40)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default 50)")
    p.add_argument("--val-split", type=float, help=f"validation hold-out: {HOLDOUT_RULE}. "
                   "Default 5000 for mnist and fashion-mnist, 1000 for mnist-t10k, 0.1 otherwise")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without lower val_loss; keep the best weights "
                   f"(needs >= {MIN_VAL_FOR_EARLY_STOPPING} validation samples)")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--out", help="folder for model.safetensors, history.csv, curves.png, "
                   "confusion.png (default: a new runs/<dataset>-YYYYmmdd-HHMMSS/)")
    p.add_argument("--verbose", type=int, choices=[0, 1, 2],
                   help="1: progress bar (default), 2: a line per epoch, 0: quiet")
    p.set_defaults(func=run_train)


# ----- evaluate / predict ---------------------------------------------------------------------
def _load(path: str) -> Any:
    """A saved Model whose network takes raw inputs; a file from before nn.Standardize (its
    scaling in the metadata) gets the layer put in front, so it predicts the same way."""
    from .train import load_model

    model = load_model(path, restore_rng=False)
    info = model.info
    first = next(iter(model.module.children()), None)
    if "shift" in info and "scale" in info and not isinstance(first, gn.nn.Standardize):
        model.module = gn.nn.Sequential(gn.nn.Standardize(info["shift"], info["scale"]),
                                        model.module)
    return model


def run_evaluate(args: argparse.Namespace) -> int:
    """`glassnet evaluate`: a saved model's test loss and accuracy on raw test data."""
    from .datasets.catalog import canonical_name, prepare

    model = _load(args.model)
    if model.optimizer is None:
        model.compile("sgd", "cross_entropy", ["accuracy"])
    name = args.dataset or model.info.get("dataset")
    if not name:
        raise CLIError("evaluate: the model does not say its data set; pass --dataset")
    try:
        name = canonical_name(name)
    except ValueError as e:
        raise CLIError(f"--dataset: {e}") from None
    xt, yt = prepare(name).test
    r = model.evaluate(xt, yt, return_dict=True)
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
    p = _model_parser(sub, "evaluate", "test loss and accuracy of a saved model",
                      "Evaluate a saved model on a data set's test part.", run_evaluate)
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
        why = ("its first line has names (--no-header if it is data)" if has else
               "its first line is all numbers, so it is data, not a header (--header to skip it)")
    print(f"glassnet predict: {args.input}: {'a header row' if has else 'no header'}: {why}",
          file=sys.stderr)
    return has


def _target(value: str | None, path: str, header: bool) -> str | int | None:
    """--target as a column name, or a column index (0 first, -1 last) unless a column has
    that name."""
    from .data import read_csv

    if value is None or (header and not re.fullmatch(r"-?\d+", value.strip())):
        return value
    if header and value in read_csv(path, header)[0]:
        return value
    try:
        return int(value)
    except ValueError:
        raise CLIError(f"--target {value!r}: the file has no header, so give the column's index "
                       "(0 for the first, -1 for the last)") from None


def _check_columns(model: Any, x: np.ndarray, args: argparse.Namespace) -> None:
    """The file's column count against the model's inputs, with how to drop a label column."""
    want = model.info.get("inputs") or expected_inputs(model.module)
    have = x.shape[1]
    if want is None or have == want:
        return
    if have > want:
        fix = (f"; if {'one is' if have == want + 1 else 'some are'} a label or id column, drop "
               "it with --target NAME (or --target -1 for the last column)")
        if args.target:
            fix = f" after dropping --target {args.target}"
    else:
        fix = f" (it was trained on {model.info.get('dataset', 'data')} rows of {want} features)"
    raise CLIError(f"{args.input}: {have} columns, the model expects {want}{fix}")


def run_predict(args: argparse.Namespace) -> int:
    """`glassnet predict`: classes and probabilities for the raw rows of a CSV, to stdout."""
    from .data import load_csv

    model = _load(args.model)
    header = _header(args)
    x, _ = load_csv(args.input, target=_target(args.target, args.input, header), header=header)
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
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["prediction", "label", *(f"p_{i}" for i in range(out.shape[1]))])
    for row in probs:
        k = int(row.argmax())
        w.writerow([k, classes[k] if k < len(classes) else k, *(f"{p:.6f}" for p in row)])
    return 0


def add_predict(sub: Any) -> None:
    """Register `glassnet predict`; its help says what input scale to give."""
    p = _model_parser(
        sub, "predict", "predict classes for rows of a CSV file (to stdout)",
        "Write prediction, label and class probabilities as CSV. Give RAW inputs, in the "
        "training data's own units (pixel values 0-255 for the MNIST sets and digits' 0-16, "
        "iris in cm), one column per feature: the model scales them itself (its first layer, "
        "Standardize). Inputs far outside the training range print a warning.", run_predict)
    p.add_argument("input", help="CSV file, one row per sample, one column per input feature; "
                   "a header row is detected (a first line of numbers is data)")
    p.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                   help="the first line is (--header) or is not (--no-header) a header "
                   "(default: detected, and said on stderr)")
    p.add_argument("--target", metavar="NAME", help="a column to drop, e.g. the true label (a "
                   "name, or without a header an index: 0 first, -1 last)")


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
        print("  $GLASSNET_DATA/<name>/   (GLASSNET_DATA is not set; set it to a folder of "
              "data sets to look there first)")
    print(f"  {cache_dir() / '<name>'}/   (the cache)")
    print(f"  {SYSTEM_DIR / '<name>'}/   (Debian's dataset-* packages)")
    for name, (_, about) in CATALOG.items():
        alias = name.replace("-", "_")
        print(f"{name:14s} {about}" + (f" (also: {alias})" if alias != name else ""))
        if name in REMOTE and name != "mnist-t10k":
            looked = ", ".join(f"{d}/" for d in search_dirs(REMOTE[name].name))
            for key, st in status(REMOTE[name]).items():
                print(f"{'':14s}   {key:13s} {st}" + (
                    f" (looked in {looked}; downloaded on first use when online)"
                    if st == "missing" else ""))
    return 0


def add_datasets(sub: Any) -> None:
    """Register `glassnet datasets`."""
    p = sub.add_parser("datasets", help="list data sets and which files are present and verified",
                       description="List the data sets; for downloadable ones, where each file "
                       "was found and whether its SHA-256 checks out, and the folders searched "
                       "($GLASSNET_DATA/<name>/ first when set).")
    p.set_defaults(func=run_datasets)


# ----- playground -----------------------------------------------------------------------------
def run_playground(args: argparse.Namespace) -> int:
    """`glassnet playground`: serve the page (a taken port is refused before any URL)."""
    try:
        from .playground.server import PortInUseError
        from .playground.server import main as serve
    except ImportError as e:
        raise CLIError(f"playground needs the playground extra (pip install "
                       f"'glassnet[playground]'): {e}") from None
    if not 0 < args.port < 65536:
        raise CLIError(f"--port must be 1..65535, got {args.port}")
    if args.max_sessions < 1 or args.idle_timeout <= 0:
        raise CLIError(f"--max-sessions ({args.max_sessions}) and --idle-timeout "
                       f"({args.idle_timeout}) must be positive")
    try:
        serve(host=args.host, port=args.port, max_sessions=args.max_sessions,
              idle_timeout=args.idle_timeout, open_browser=args.open)
    except PortInUseError as e:
        other = args.port + 1 if args.port < 65535 else args.port - 1
        raise CLIError(f"{e}; choose a free one with --port (e.g. --port {other})") from None
    return 0


def add_playground(sub: Any) -> None:
    """The `playground` subcommand: serve the browser trainer on loopback."""
    p = sub.add_parser("playground", help="a TensorFlow-Playground-style trainer in the browser",
                       description="Start a local web server and print its URL; the page trains "
                       "a glassnet network and shows it as it learns.")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    p.add_argument("--max-sessions", type=int, default=8,
                   help="browser tabs served at once (default 8)")
    p.add_argument("--idle-timeout", type=float, default=600.0,
                   help="seconds without a message before a tab's session is freed (default 600)")
    p.add_argument("--open", action="store_true", help="open the page in a web browser")
    p.set_defaults(func=run_playground)


# Subcommands, in --help order.
SUBCOMMANDS: list[Callable[[Any], None]] = [add_train, add_evaluate, add_predict, add_datasets,
                                               add_playground]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 failed, 2 bad usage).

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
    except CLIError as e:
        print(f"glassnet: error: {e}", file=sys.stderr)
        return 2
    except (ValueError, TypeError, OSError, ImportError, RuntimeError) as e:
        print(f"glassnet: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("glassnet: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
