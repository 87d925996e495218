"""Devices with PyTorch's spelling: glassnet computes on the CPU (NumPy) for now.

`gn.device("cpu")`, `Tensor.device`, `.to("cpu")` and `.cpu()` work as in PyTorch; "cuda"
is a known device type that no installed backend serves yet, so moving there says so.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

DEVICE_TYPES = ("cpu", "cuda")


class device:  # lower case: PyTorch's name
    """Where a tensor's data lives: `device("cpu")`, `device("cuda:0")`, `device("cuda", 0)`.

    Equal to another device of the same type and index, and to its own string ("cpu").
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu', got {type!r}")
        name, sep, idx = type.partition(":")
        if name not in DEVICE_TYPES or (sep and not idx.isdigit()):
            raise RuntimeError(
                f"device: expected one of {', '.join(DEVICE_TYPES)} device type "
                f"(optionally ':<index>'), got {type!r}"
            )
        if sep and index is not None:
            raise RuntimeError(f"device: {type!r} has an index already; got index={index} too")
        self.type, self.index = name, int(idx) if sep else index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type='{self.type}'{index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return str(self) == other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash(str(self))  # equal to its string, so hashed as it


CPU = device("cpu")


def check_device(d: Any, where: str) -> device:
    """`d` as a device this installation can compute on (only the CPU for now)."""
    d = device(d)
    if d.type != "cpu":
        raise RuntimeError(
            f"{where}: device '{d}': no GPU backend is installed; glassnet "
            "computes on the CPU with NumPy for now (use 'cpu')"
        )
    return d


def _is_device(a: Any) -> bool:
    return isinstance(a, device) or (isinstance(a, str) and a.partition(":")[0] in DEVICE_TYPES)


def parse_to(
    where: str, args: tuple, dev: Any = None, dtype: Any = None
) -> tuple[device | None, np.dtype | None]:
    """The (device, dtype) of a PyTorch-style `.to(...)` call: to(dtype), to(device, dtype),
    to(device=..., dtype=...) or to(other_tensor); either may be None (unchanged)."""
    from .tensor import Tensor

    if len(args) > 2:
        raise TypeError(
            f"{where}: expected at most a device and a dtype, got {len(args)} positional arguments"
        )
    for a in args:
        if isinstance(a, Tensor):
            got = ("device", a.device), ("dtype", a.dtype)
        elif _is_device(a):
            got = (("device", a),)
        else:
            got = (("dtype", a),)
        for kind, value in got:
            if (dev if kind == "device" else dtype) is not None:
                raise TypeError(f"{where}: {kind} given twice")
            if kind == "device":
                dev = value
            else:
                dtype = value
    return (
        None if dev is None else check_device(dev, where),
        None if dtype is None else _dtype(dtype, where),
    )


def _dtype(d: Any, where: str) -> np.dtype:
    try:
        return np.dtype(d)
    except (TypeError, ValueError):
        raise TypeError(
            f"{where}: {d!r} is neither a device ('cpu') nor a dtype (e.g. gn.float32)"
        ) from None


# ----- the device queries a PyTorch script makes before it picks a device ---------------------
def set_default_device(d: Any) -> None:
    """Set the device factories use by default: only "cpu" (or None) is accepted for now."""
    if d is not None:
        check_device(d, "set_default_device")


def get_default_device() -> device:
    """The device factories use by default: the CPU."""
    return CPU


def cuda_is_available() -> bool:
    """`gn.cuda.is_available()`: False, since no GPU backend is installed."""
    return False


def cuda_device_count() -> int:
    """`gn.cuda.device_count()`: 0, since no GPU backend is installed."""
    return 0


def mps_is_available() -> bool:
    """`gn.backends.mps.is_available()` (and `is_built()`): False, glassnet has no MPS backend."""
    return False


def current_accelerator(check_available: bool = False) -> device | None:
    """`gn.accelerator.current_accelerator()`: None, since glassnet has no accelerator backend."""
    return None


def _namespace(name: str, doc: str, **members: Any) -> types.ModuleType:
    ns = types.ModuleType(name, doc)
    for k, v in members.items():
        setattr(ns, k, v)
    return ns


cuda = _namespace(
    "glassnet.cuda",
    "PyTorch's torch.cuda queries: no CUDA device is available to glassnet yet.",
    is_available=cuda_is_available,
    device_count=cuda_device_count,
)
backends = _namespace(
    "glassnet.backends",
    "PyTorch's torch.backends queries.",
    mps=_namespace(
        "glassnet.backends.mps",
        "PyTorch's torch.backends.mps queries: no MPS backend.",
        is_available=mps_is_available,
        is_built=mps_is_available,
    ),
)
accelerator = _namespace(
    "glassnet.accelerator",
    "PyTorch's torch.accelerator queries: no accelerator backend is installed.",
    is_available=cuda_is_available,
    device_count=cuda_device_count,
    current_accelerator=current_accelerator,
)
