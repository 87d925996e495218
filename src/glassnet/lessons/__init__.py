"""Runnable lessons: every concept of the five source tutorials, computed with glassnet.

    glassnet lesson                                  # the list
    glassnet lesson gradient-descent --lang ko --plot figs/
    glassnet.lessons.run("gradient-descent")["numbers"]["gradient"]   # -14620.0

Each lesson is one short module here, readable top to bottom as the explanation; its
`run(lang, plot_dir)` returns the numbers it computed and its steps in Korean and English.
"""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from ..autograd.blas import one_thread
from ._lesson import LANGS, Lesson, Step

# CLI name -> module, in teaching order.
LESSONS: dict[str, str] = {
    "neuron": "neuron",
    "gates-and-xor": "gates_and_xor",
    "activations": "activations",
    "loss": "loss",
    "gradient-descent": "gradient_descent",
    "linear-regression": "linear_regression",
    "backprop-vs-numeric": "backprop_vs_numeric",
    "chain-rule": "chain_rule",
    "batch-sgd-minibatch": "batch_sgd_minibatch",
    "splits-and-early-stopping": "splits_and_early_stopping",
    "optimizers": "optimizers",
    "regularisation": "regularisation",
    "vanishing-gradients": "vanishing_gradients",
    "black-box": "black_box",
    "cnn": "cnn",
    "rnn-lstm": "rnn_lstm",
    "rbm-dbn": "rbm_dbn",
    "autoencoder": "autoencoder",
    "gan": "gan",
    "diffusion": "diffusion",
    "perceptron-iris": "perceptron_iris",
    "dnn-classifier": "dnn_classifier",
    "playground-tour": "playground_tour",
    "deploy": "deploy",
    "embeddings": "embeddings",
    "reinforcement": "reinforcement",
}
# Lessons waiting for a library that is still being built (name -> what it needs).
COMING: dict[str, str] = {}


class LessonNotFoundError(ValueError):
    """An unknown lesson name, or one that is not written yet; the message suggests one."""


def get(name: str) -> ModuleType:
    """The lesson module for a CLI name (underscores accepted), or a clear error."""
    key = name.strip().lower().replace("_", "-")
    if key in LESSONS:
        return importlib.import_module(f"{__name__}.{LESSONS[key]}")
    if key in COMING:
        raise LessonNotFoundError(f"lesson {name!r} is coming: it needs {COMING[key]}")
    close = difflib.get_close_matches(key, [*LESSONS, *COMING], n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise LessonNotFoundError(f"unknown lesson {name!r}{hint} (`glassnet lesson` lists them)")


def run(name: str, lang: str = "en", plot_dir: str | Path | None = None) -> dict[str, Any]:
    """Run one lesson by name; returns its numbers, steps, errata and figure paths.

    It runs with one BLAS thread, as the playground does: the lessons' matrices are small, and
    on a busy 2-core machine a second thread mostly waits (the splits lesson took 63 s with two
    threads and 12 s with one, at a load average of 13).
    """
    lesson = get(name)
    with one_thread():
        return lesson.run(lang=lang, plot_dir=plot_dir)


def catalog(lang: str = "en") -> list[dict[str, Any]]:
    """Every lesson with its title and tutorials, then the coming ones with what they need."""
    rows = []
    for name in LESSONS:
        mod = get(name)
        rows.append(
            {
                "name": name,
                "title": mod.TITLE[0] if lang == "ko" else mod.TITLE[1],
                "tutorials": mod.TUTORIALS,
                "needs": None,
            }
        )
    rows += [{"name": n, "title": None, "tutorials": (), "needs": lib} for n, lib in COMING.items()]
    return rows


__all__ = [
    "COMING",
    "LANGS",
    "LESSONS",
    "Lesson",
    "LessonNotFoundError",
    "Step",
    "catalog",
    "get",
    "run",
]
