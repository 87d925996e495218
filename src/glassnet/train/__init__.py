"""Keras-style training: `Model(module).compile(...).fit(...)`, callbacks, History."""

from .callbacks import (
    Callback,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)
from .model import LOSSES, OPTIMIZERS, Model, load_model

__all__ = [
    "CSVLogger",
    "Callback",
    "EarlyStopping",
    "History",
    "LOSSES",
    "LambdaCallback",
    "LearningRateScheduler",
    "Model",
    "ModelCheckpoint",
    "OPTIMIZERS",
    "ProgbarLogger",
    "ReduceLROnPlateau",
    "TerminateOnNaN",
    "load_model",
]
