"""The runnable script behind the page's Export button: this set-up, trained in plain glassnet.

The script is `training.py`'s code (the very functions the page trains with), the data (TF's
generator with the same seed, or the uploaded points written out), the settings, and a loop
over the same number of epochs that prints the final train and test loss. Running it gives the
page's losses (to float32 rounding) without the server.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

import numpy as np

from . import training

if TYPE_CHECKING:
    from .session import Session

_HEADER = '''#!/usr/bin/env python3
"""Train the network set up in the glassnet playground, without the page.

Exported at epoch {epoch}; run `python {filename}` (needs glassnet and NumPy). It rebuilds the
same data and network, trains {epoch} epochs and prints the final train and test loss, which
match the page's. The page's set-up (paste it after the page's URL to open it again):
{hash}
{note}"""

import numpy as np

import glassnet as gn
from glassnet import nn
from glassnet.datasets.playground import {loader}
from glassnet.models import MLP
from glassnet.train import Model

'''
_MARK = "# ----- exported scripts copy everything below this line"

_MAIN = """

def main():
    x_train, y_train, x_test, y_test = load_data()
    f_train, f_test = make_features(x_train, FEATURES_USED), make_features(x_test, FEATURES_USED)
    t_train, t_test = make_targets(y_train, MULTICLASS), make_targets(y_test, MULTICLASS)
    model = build_network(len(FEATURES_USED), HIDDEN, ACTIVATION, N_OUTPUTS, TANH_OUTPUT,
                          DROPOUT, INIT_ZERO, INIT_SEED)
    trainer = make_trainer(model, OPTIMIZER, LEARNING_RATE, MULTICLASS)
    print(model)
    carry = np.zeros(0, dtype=np.int64)  # points waiting for the next update (TF's rule)
    for _ in range(EPOCHS):
        carry = train_epoch(trainer, f_train, t_train, BATCH_SIZE, carry, REGULARIZATION,
                            REGULARIZATION_RATE)
    print(f"epochs: {{EPOCHS}}")
    print(f"train loss: {{evaluate(trainer, f_train, t_train):.9f}}")
    print(f"test loss: {{evaluate(trainer, f_test, t_test):.9f}}")


if __name__ == "__main__":
    main()
"""


def _float32_list(a: np.ndarray) -> str:
    """Rows of float32 values written so they read back exactly."""

    def num(v: float) -> str:
        return np.format_float_positional(np.float32(v), unique=True, trim="-")

    if a.ndim == 1:
        return "[" + ", ".join(num(v) for v in a) + "]"
    return "[\n" + "".join(f"    [{', '.join(num(v) for v in row)}],\n" for row in a) + "]"


def _data_code(s: Session) -> str:
    c = s.config
    if s.uses_csv:
        labels = s.csv.labels
        dtype = "np.int64" if labels.dtype.kind == "i" else "np.float32"
        values = (
            "[" + ", ".join(map(str, labels.tolist())) + "]"
            if dtype == "np.int64"
            else _float32_list(labels)
        )
        return (
            f"POINTS = np.array({_float32_list(s.csv.points)}, dtype=np.float32)\n"
            f"LABELS = np.array({values}, dtype={dtype})\n\n\n"
            "def load_data():\n"
            '    """The uploaded points, shuffled and split as on the page."""\n'
            f"    return split(POINTS, LABELS, SEED, {c.percTrainData})\n"
        )
    name = c.regDataset if c.problem == "regression" else c.dataset
    return (
        "def load_data():\n"
        f'    """TF Playground\'s {name} set: generated, shuffled and split as on the page."""\n'
        f"    return generate({name!r}, noise={c.noise / 100!r}, seed=SEED, "
        f"perc_train={c.percTrainData}, n_classes={c.numClasses})\n"
    )


def _settings(s: Session) -> str:
    c = s.config
    values = {
        "SEED": (s.data_seed, f"NumPy seed of the points (from the page's seed {c.seed!r})"),
        "INIT_SEED": (s.init_seed, "seed of the initial weights"),
        "FEATURES_USED": (c.features, "input features, in TF Playground's order"),
        "HIDDEN": (list(c.networkShape), "neurons per hidden layer"),
        "ACTIVATION": (c.activation, None),
        "N_OUTPUTS": (c.n_outputs, None),
        "TANH_OUTPUT": (
            c.problem == "classification" and not c.is_multiclass,
            "tanh output for two classes (labels -1/+1)",
        ),
        "MULTICLASS": (c.is_multiclass, "softmax cross-entropy instead of squared error"),
        "DROPOUT": (c.dropout, None),
        "INIT_ZERO": (c.initZero, None),
        "OPTIMIZER": (c.optimizer, None),
        "LEARNING_RATE": (c.learningRate, None),
        "REGULARIZATION": (c.regularization, None),
        "REGULARIZATION_RATE": (c.regularizationRate, None),
        "BATCH_SIZE": (c.batchSize, None),
        "EPOCHS": (s.epoch, None),
    }
    return "".join(
        f"{k} = {v!r}" + (f"  # {note}" if note else "") + "\n" for k, (v, note) in values.items()
    )


def _training_code() -> str:
    """training.py's code (below its marker line)."""
    src = inspect.getsource(training)
    return src[src.index(_MARK) :].split("\n", 1)[1]


def render_script(s: Session) -> str:
    """The full script text for a session's current set-up and epoch count."""
    from .session import SCRIPT_FILENAME

    note = (
        "\nNote: weights were edited or imported on the page, or the learning rate changed "
        "while training;\nthis script replays a fresh run, so its losses can differ.\n"
        if s.edited
        else ""
    )
    header = _HEADER.format(
        epoch=s.epoch,
        filename=SCRIPT_FILENAME,
        hash=s.config.to_hash(),
        note=note,
        loader="split" if s.uses_csv else "generate",
    )
    return header + _settings(s) + "\n" + _training_code() + "\n\n" + _data_code(s) + _MAIN.format()
