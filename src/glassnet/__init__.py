"""glassnet: a deep-learning framework you can see through.

import glassnet as gn
model = gn.nn.Sequential(gn.nn.Linear(2, 4), gn.nn.Tanh(), gn.nn.Linear(4, 1))
"""

from . import (
    autograd,
    data,
    datasets,
    diagnostics,
    distributed,
    generative,
    inspect,
    metrics,
    models,
    nn,
    optim,
    train,
    utils,
)
from .allocator import tune_allocator
from .autograd import *  # noqa: F403
from .autograd import __all__ as _autograd_all
from .serialization import CheckpointError, load, load_state_dict, register_module, save

tune_allocator()  # freed array blocks are reused instead of page-faulted in again

__version__ = "0.1.0"
__all__ = [
    "CheckpointError",
    "autograd",
    "data",
    "datasets",
    "diagnostics",
    "distributed",
    "generative",
    "inspect",
    "load",
    "load_state_dict",
    "metrics",
    "models",
    "nn",
    "optim",
    "register_module",
    "save",
    "train",
    "utils",
    *_autograd_all,
]
