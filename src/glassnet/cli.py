"""The `glassnet` command: train, evaluate, predict, datasets.

Each subcommand is one `add_<name>(subparsers)` function registered in SUBCOMMANDS; a new
one (e.g. `glassnet playground`) only appends its own function there. Errors print one line
on stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tomllib
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
SEED_LR = {"adagrad": 0.05}  # tf.estimator.DNNClassifier's Adagrad learning rate
ACTIVATIONS = {"relu": gn.nn.ReLU, "tanh": gn.nn.Tanh, "sigmoid": gn.nn.Sigmoid,
               "leaky_relu": gn.nn.LeakyReLU}


class CLIError(Exception):
    """A user-facing error: printed as one line."""


class ConfigError(CLIError, ValueError):
    """A config file that cannot be used (names the file and the key)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        raise CLIError(f"{self.prog}: {message} (see {self.prog} --help)")


# ----- config files ---------------------------------------------------------------------------
def _int_list(v: Any, key: str) -> list[int]:
    if isinstance(v, str):
        try:
            v = [int(p) for p in v.split(",") if p.strip()]
        except ValueError:
            raise ConfigError(f"{key}: expected comma-separated integers like 300,100, got "
                              f"{v!r}") from None
    if not isinstance(v, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                          and i > 0 for i in v):
        raise ConfigError(f"{key}: expected a list of positive integers, got {v!r}")
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
def _activation(name: str) -> type:
    if name not in ACTIVATIONS:
        raise CLIError(f"--activation: unknown {name!r}; choose from {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[name]


def build_mlp(n_in: int, hidden: list[int], n_out: int, activation: str) -> gn.nn.Sequential:
    """The seed's DNN: Linear + activation per hidden layer, then a Linear to the logits."""
    act = _activation(activation)
    layers: list[gn.nn.Module] = []
    for h in hidden:
        layers += [gn.nn.Linear(n_in, h), act()]
        n_in = h
    return gn.nn.Sequential(*layers, gn.nn.Linear(n_in, n_out))


MODELS = ("mlp", "lenet5")


def build_model(name: str, n_in: int, hidden: list[int], n_out: int,
                activation: str) -> gn.nn.Module:
    """The network `--model` names: the seed's MLP, or LeNet-5 for 28×28 images."""
    if name == "mlp":
        return build_mlp(n_in, hidden, n_out, activation)
    if name != "lenet5":
        raise CLIError(f"--model: unknown {name!r}; choose from {list(MODELS)}")
    if n_in != 28 * 28:
        raise CLIError(f"--model lenet5: needs 28×28 images (784 inputs); this data set has "
                       f"{n_in} inputs per sample")
    # rows of 784 pixels in, so evaluate/predict feed it exactly as they feed an MLP
    return gn.nn.Sequential(gn.nn.Unflatten(1, (1, 28, 28)),
                            gn.models.LeNet5(1, n_out, _activation(activation)))


def _val_count(val: float | int, n: int) -> int:
    k = int(val) if val >= 1 else int(round(val * n))
    if not 0 < k < n:
        raise CLIError(f"--val-split {val} leaves no training or validation samples of {n}")
    return k


def run_train(args: argparse.Namespace) -> int:
    from .datasets.catalog import prepare
    from .train import CSVLogger, EarlyStopping, Model

    cfg = dict(TRAIN_DEFAULTS)
    if args.config:
        cfg.update(_read_config(args.config))
    cfg.update({k: v for k, v in vars(args).items() if k in TRAIN_DEFAULTS and v is not None})
    if isinstance(cfg["hidden"], str):
        cfg["hidden"] = _int_list(cfg["hidden"], "--hidden")
    if cfg["epochs"] <= 0 or cfg["batch_size"] <= 0:
        raise CLIError(f"--epochs ({cfg['epochs']}) and --batch-size ({cfg['batch_size']}) "
                       "must be positive")
    gn.manual_seed(cfg["seed"])
    ds = prepare(cfg["dataset"])
    (x, y), (xt, yt) = ds.train, ds.test
    k = _val_count(cfg["val_split"] if cfg["val_split"] is not None else ds.val_default, len(x))
    xv, yv, x, y = x[:k], y[:k], x[k:], y[k:]  # the seed's hold-out: the first k samples
    n_classes = int(max(y.max(), yt.max())) + 1
    model = Model(build_model(cfg["model"], x.shape[1], cfg["hidden"], n_classes,
                              cfg["activation"]))
    lr = cfg["lr"] if cfg["lr"] is not None else SEED_LR.get(cfg["optimizer"])
    model.compile(cfg["optimizer"], "cross_entropy", ["accuracy"], lr=lr, l2=cfg["l2"])
    model.info = {"dataset": cfg["dataset"], "shift": ds.shift, "scale": ds.scale,
                  "classes": list(ds.classes), "config": cfg}
    callbacks: list[Any] = []
    stopper = None
    if cfg["early_stopping"] is not None:
        stopper = EarlyStopping(patience=cfg["early_stopping"], restore_best_weights=True,
                                verbose=1 if cfg["verbose"] else 0)
        callbacks.append(stopper)
    out = Path(cfg["out"]) if cfg["out"] else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        callbacks.append(CSVLogger(out / "history.csv"))
    net = f"hidden {cfg['hidden']}" if cfg["model"] == "mlp" else "LeNet-5"
    print(f"glassnet train: {cfg['dataset']} ({len(x)} train, {len(xv)} validation, {len(xt)} "
          f"test), {net}, {cfg['activation']}, {cfg['optimizer']}, "
          f"batch {cfg['batch_size']}, up to {cfg['epochs']} epochs", flush=True)
    history = model.fit(x, y, batch_size=cfg["batch_size"], epochs=cfg["epochs"],
                        validation_data=(xv, yv), callbacks=callbacks, verbose=cfg["verbose"])
    test = model.evaluate(xt, yt, return_dict=True)
    print(f"test loss {test['loss']:.4f} - test accuracy {test['accuracy']:.4f}")
    if out is not None:
        model.save(out / "model.safetensors")
        pred = model.predict(xt).argmax(1)
        written = ["model.safetensors", "history.csv"]
        try:
            from .train.plots import plot_confusion_matrix, plot_history

            plot_history(history, out / "curves.png",
                         stopper.stopped_epoch if stopper else None,
                         stopper.best_epoch if stopper and stopper.stopped_epoch else None)
            plot_confusion_matrix(gn.metrics.confusion_matrix(yt, pred, np.arange(n_classes)),
                                  out / "confusion.png", ds.classes)
            written += ["curves.png", "confusion.png"]
        except ImportError as e:
            print(f"glassnet train: no plots ({e})", file=sys.stderr)
        print(f"wrote {', '.join(str(out / w) for w in written)}")
    return 0


def add_train(sub: Any) -> None:
    p = sub.add_parser("train", help="train the seed's DNN (an MLP) or LeNet-5 on a data set",
                       description="Train a classifier; flags override --config values.")
    p.add_argument("--config", help="TOML or JSON file with the settings below (keys as flags, "
                   "with _ for -)")
    p.add_argument("--dataset", help=f"data set name (default {TRAIN_DEFAULTS['dataset']}; "
                   "see `glassnet datasets`)")
    p.add_argument("--model", choices=MODELS, help="mlp (default: the seed's DNN) or lenet5 "
                   "(a CNN for 28×28 images: the MNIST sets)")
    p.add_argument("--hidden", help="hidden layer sizes of the mlp, e.g. 300,100 (the default)")
    p.add_argument("--activation", choices=sorted(ACTIVATIONS), help="default relu")
    p.add_argument("--optimizer", help="adagrad (default, as the seed's DNNClassifier), sgd, "
                   "adam, adamw, rmsprop, adadelta")
    p.add_argument("--lr", type=float, help="learning rate (default: 0.05 for adagrad, else the "
                   "optimizer's own)")
    p.add_argument("--l2", type=float, help="L2 penalty on weight matrices (default 0)")
    p.add_argument("--epochs", type=int, help="maximum epochs (default 40)")
    p.add_argument("--batch-size", type=int, help="mini-batch size (default 50)")
    p.add_argument("--val-split", type=float, help="validation hold-out from the start of the "
                   "training data: a fraction, or a count >= 1 (default: 5000 for MNIST sets)")
    p.add_argument("--early-stopping", type=int, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without lower val_loss; keep the best weights")
    p.add_argument("--seed", type=int, help="random seed (default 0)")
    p.add_argument("--out", help="folder for model.safetensors, history.csv, curves.png")
    p.add_argument("--verbose", type=int, choices=[0, 1, 2],
                   help="1: progress bar (default), 2: a line per epoch, 0: quiet")
    p.set_defaults(func=run_train)


# ----- evaluate / predict ---------------------------------------------------------------------
def _load(path: str) -> Any:
    from .train import load_model

    return load_model(path, restore_rng=False)


def run_evaluate(args: argparse.Namespace) -> int:
    from .datasets.catalog import prepare

    model = _load(args.model)
    if model.optimizer is None:
        model.compile("sgd", "cross_entropy", ["accuracy"])
    name = args.dataset or model.info.get("dataset")
    if not name:
        raise CLIError("evaluate: the model does not say its data set; pass --dataset")
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
    p = _model_parser(sub, "evaluate", "test loss and accuracy of a saved model",
                      "Evaluate a saved model on a data set's test part.", run_evaluate)
    p.add_argument("--dataset", help="data set (default: the one it was trained on)")


def run_predict(args: argparse.Namespace) -> int:
    from .data import load_csv

    model = _load(args.model)
    x, _ = load_csv(args.input, target=args.target)
    shift = np.asarray(model.info.get("shift", 0.0), np.float32)
    scale = np.asarray(model.info.get("scale", 1.0), np.float32)
    try:
        out = model.predict((x - shift) / scale)
    except (ValueError, TypeError) as e:
        raise CLIError(f"predict: {args.input} does not fit the model: {e}") from None
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
    p = _model_parser(sub, "predict", "predict classes for rows of a CSV file (to stdout)",
                      "Write prediction, label and class probabilities as CSV.", run_predict)
    p.add_argument("input", help="CSV with a header row and one feature column per input")
    p.add_argument("--target", help="a column to drop (e.g. the true label)")


# ----- datasets -------------------------------------------------------------------------------
def run_datasets(args: argparse.Namespace) -> int:
    from .datasets.catalog import CATALOG, REMOTE
    from .datasets.files import status

    for name, (_, about) in CATALOG.items():
        print(f"{name:14s} {about}")
        if name in REMOTE and name != "mnist-t10k":
            for key, st in status(REMOTE[name]).items():
                print(f"{'':14s}   {key:13s} {st}")
    return 0


def add_datasets(sub: Any) -> None:
    p = sub.add_parser("datasets", help="list data sets and which files are present and verified",
                       description="List the data sets; for downloadable ones, where each file "
                       "was found and whether its SHA-256 checks out.")
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
    """Run the command line; returns the exit status (0 ok, 1 failed, 2 bad usage)."""
    p = _Parser(prog="glassnet", description="glassnet: train and use neural networks")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    for add in SUBCOMMANDS:
        add(sub)
    try:
        args = p.parse_args(argv)
        return args.func(args)
    except SystemExit as e:  # --help
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
