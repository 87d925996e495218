"""`Dataset`, `TensorDataset` and `DataLoader` with PyTorch's names.

A `DataLoader` over array-backed data (a `TensorDataset`) takes whole batches with one fancy
index per array, so an epoch of 55,000 samples costs 1,100 indexing calls, not 55,000.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..autograd.backend import default_generator


class Dataset:
    """Map-style data set: `len(ds)` samples, `ds[i]` is one sample (a tuple of tensors)."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} has no __len__")


def _raw(a: Any) -> np.ndarray:
    return a._array if isinstance(a, Tensor) else np.asarray(a)


class TensorDataset(Dataset):
    """Samples are the rows of equally long arrays (features, targets, ...)."""

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset: needs at least one array")
        self.arrays = tuple(_raw(a) for a in arrays)
        n = len(self.arrays[0])
        for i, a in enumerate(self.arrays):
            if a.ndim == 0 or len(a) != n:
                raise ValueError(
                    f"TensorDataset: array {i} has shape {a.shape}, but array 0 has "
                    f"{n} rows; all arrays need the same first dimension"
                )

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        """Sample(s) `index` of every array, as Tensors sharing its memory (as PyTorch's)."""
        return tuple(Tensor._wrap(a[index], False) for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples (tuples of arrays/numbers) into a tuple of batch arrays."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        return tuple(np.stack([_raw(s[i]) for s in samples]) for i in range(len(first)))
    return np.stack([_raw(s) for s in samples])


class DataLoader:
    """Iterate a data set in mini-batches of Tensors, optionally shuffled each epoch.

    `generator` (a NumPy Generator or an int seed) drives the shuffling; by default it is
    glassnet's global generator, so `glassnet.manual_seed` makes runs repeatable.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable | None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(
                f"DataLoader: batch_size must be a positive integer, got {batch_size!r}"
            )
        self.dataset, self.batch_size = dataset, int(batch_size)
        self.shuffle, self.drop_last, self.collate_fn = shuffle, drop_last, collate_fn
        self.generator = (
            np.random.default_rng(generator) if isinstance(generator, int) else generator
        )

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def _order(self) -> np.ndarray | None:
        n = len(self.dataset)
        if not self.shuffle:
            return None
        return (self.generator or default_generator()).permutation(n)

    def __iter__(self) -> Iterator[Any]:
        n, bs = len(self.dataset), self.batch_size
        order = self._order()
        stop = n - n % bs if self.drop_last else n
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for i in range(0, stop, bs):
            idx = slice(i, i + bs) if order is None else order[i : i + bs]
            if fast:
                batch = self.dataset[idx]
            else:
                rows = range(n)[idx] if order is None else idx
                batch = (self.collate_fn or default_collate)([self.dataset[int(j)] for j in rows])
            yield _to_tensors(batch)


def _to_tensors(batch: Any) -> Any:
    if isinstance(batch, tuple):
        return tuple(Tensor._wrap(b, False) if isinstance(b, np.ndarray) else b for b in batch)
    return Tensor._wrap(batch, False) if isinstance(batch, np.ndarray) else batch
