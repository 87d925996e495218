"""glassnet: a deep-learning framework you can see through.

    import glassnet as gn
    model = gn.nn.Sequential(gn.nn.Linear(2, 4), gn.nn.Tanh(), gn.nn.Linear(4, 1))
"""

from . import autograd, diagnostics, models, nn, optim
from .autograd import *  # noqa: F403
from .autograd import __all__ as _autograd_all

__version__ = "0.1.0"
__all__ = ["autograd", "diagnostics", "models", "nn", "optim", *_autograd_all]
