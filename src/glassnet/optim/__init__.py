"""Optimizers (SGD, Adagrad, RMSprop, Adadelta, Adam, AdamW, LBFGS) and learning-rate
schedules."""

from . import lr_scheduler, state
from .adaptive import Adadelta, Adagrad, Adam, AdamW, RMSprop
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .registry import DEFAULT_LR, OPTIMIZERS, create, optimizer_name
from .sgd import SGD

__all__ = [
    "DEFAULT_LR",
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "LBFGS",
    "Optimizer",
    "RMSprop",
    "create",
    "lr_scheduler",
    "optimizer_name",
    "state",
]
