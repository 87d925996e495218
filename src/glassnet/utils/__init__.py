"""PyTorch's `torch.utils` names: `glassnet.utils.data` is `glassnet.data` under its torch path,
so ``from glassnet.utils.data import DataLoader, TensorDataset`` works as in the tutorials."""

import sys

from .. import data

sys.modules[f"{__name__}.data"] = data  # the same module object, not a copy

__all__ = ["data"]
