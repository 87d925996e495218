"""Beyond one process on Ray: data-parallel `fit`, sweeps of `glassnet train` settings.

`DataParallel` is a `Model.fit` strategy; `sweep` runs a grid or random search, one Ray
task per trial. Ray is imported only when one of them runs (`pip install
'glassnet[distributed]'`).
"""

from ._cluster import connect
from .data_parallel import DataParallel, shard_slices
from .sweep import SweepError, SweepResult, sweep, trainable, trial_settings

__all__ = [
    "DataParallel",
    "SweepError",
    "SweepResult",
    "connect",
    "shard_slices",
    "sweep",
    "trainable",
    "trial_settings",
]
