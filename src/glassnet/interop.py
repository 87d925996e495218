"""PyTorch both ways: `from_torch(torch_module)` and `to_torch(glassnet_module)`.

The layers both frameworks have share class names, constructor arguments and state_dict
keys, so a module is rebuilt from the other's arguments (`LAYERS` lists which are read)
and its values are copied by name, each key's shape checked. torch is imported only here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import nn
from .nn.module import Module

_CONV = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups")
_RNN = ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout")
_BN = ("num_features", "eps", "momentum", "affine", "track_running_stats")
_POOL = ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")

# Class name -> the constructor arguments read from one module to build the other.
LAYERS: dict[str, tuple[str, ...]] = {
    "Linear": ("in_features", "out_features", "bias"),
    "Conv1d": (*_CONV, "bias"),
    "Conv2d": (*_CONV, "bias"),
    "ConvTranspose2d": (*_CONV, "output_padding", "bias"),
    "ReLU": (),
    "Sigmoid": (),
    "Tanh": (),
    "Identity": (),
    "LeakyReLU": ("negative_slope",),
    "Softmax": ("dim",),
    "LogSoftmax": ("dim",),
    "Dropout": ("p",),
    "Flatten": ("start_dim", "end_dim"),
    "Unflatten": ("dim", "unflattened_size"),
    "MaxPool1d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "MaxPool2d": ("kernel_size", "stride", "padding", "dilation", "return_indices", "ceil_mode"),
    "AvgPool1d": _POOL,
    "AvgPool2d": (*_POOL, "divisor_override"),
    "AdaptiveAvgPool2d": ("output_size",),
    "Upsample": ("size", "scale_factor", "mode", "align_corners"),
    "BatchNorm1d": _BN,
    "BatchNorm2d": _BN,
    "LayerNorm": ("normalized_shape", "eps", "elementwise_affine", "bias"),
    "Embedding": ("num_embeddings", "embedding_dim", "padding_idx"),
    "RNN": (*_RNN, "nonlinearity", "bidirectional"),
    "LSTM": (*_RNN, "bidirectional"),
    "GRU": (*_RNN, "bidirectional"),
    "RNNCell": ("input_size", "hidden_size", "bias", "nonlinearity"),
    "LSTMCell": ("input_size", "hidden_size", "bias"),
    "GRUCell": ("input_size", "hidden_size", "bias"),
}
# Settings one framework has that the other does not: (class, attribute, the only value).
_ONLY = {
    "padding_mode": "zeros",
    "proj_size": 0,
    "recompute_scale_factor": None,
    "max_norm": None,
    "scale_grad_by_freq": False,
    "sparse": False,
}
# Arguments glassnet does not keep as attributes, from what it does keep.
_DERIVED = {"elementwise_affine": lambda m: m.weight is not None}
_CONTAINERS = ("Sequential", "ModuleList", "ModuleDict")


class InteropError(ValueError):
    """A module that has no counterpart, or values whose names or shapes do not match."""


def _torch() -> Any:
    import torch

    return torch


def _args(m: Any, name: str, path: str, side: str) -> dict[str, Any]:
    """The constructor arguments of `m` (a `name` layer) that LAYERS lists."""
    for attr, only in _ONLY.items():
        if getattr(m, attr, only) != only:
            raise InteropError(
                f"{side}: {name} at {path or '<model>'} has {attr}={getattr(m, attr)!r}; "
                f"the other framework supports only {only!r}"
            )
    out = {}
    for a in LAYERS[name]:
        v = getattr(m, a) if hasattr(m, a) else _DERIVED[a](m)
        if a in ("bias", "affine", "elementwise_affine") and not isinstance(v, bool):
            v = v is not None  # a Parameter or None: whether the layer has one
        out[a] = tuple(v) if isinstance(v, list) else v
    return out


def _convert(m: Any, path: str, to: Any, side: str) -> Any:
    """The counterpart of module `m` in the namespace `to` (torch.nn or glassnet.nn)."""
    name = type(m).__name__
    children = dict(m.named_children()) if hasattr(m, "named_children") else dict(m._modules)
    if name in _CONTAINERS or (
        isinstance(m, nn.Sequential) and type(m).forward is nn.Sequential.forward
    ):
        subs = {k: _convert(c, f"{path}.{k}" if path else k, to, side) for k, c in children.items()}
        out = (
            to.ModuleDict()
            if name == "ModuleDict"
            else to.ModuleList()
            if name == "ModuleList"
            else to.Sequential()
        )
        for k, c in subs.items():
            out.add_module(k, c)
        return out
    cls = getattr(to, name, None)
    if name not in LAYERS or cls is None:
        raise InteropError(
            f"{side}: {name} at {path or '<model>'} has no counterpart; both have "
            f"{', '.join(sorted([*LAYERS, *_CONTAINERS]))}"
        )
    return cls(**_args(m, name, path, side))


def _copy_values(src: dict[str, Any], dst: Any, side: str) -> None:
    """Copy src's values into module dst by key, after checking keys and shapes."""
    want = dst.state_dict()
    missing, extra = sorted(set(want) - set(src)), sorted(set(src) - set(want))
    if missing or extra:
        raise InteropError(f"{side}: keys missing {missing}, unexpected {extra}")
    for k, v in src.items():
        if tuple(v.shape) != tuple(want[k].shape):
            raise InteropError(
                f"{side}: {k!r} has shape {tuple(v.shape)} in the source, "
                f"{tuple(want[k].shape)} in the converted module"
            )
    dst.load_state_dict(src)


def from_torch(module: Any) -> Module:
    """The glassnet module equal to a torch.nn module (same layers, arguments and values)."""
    gm = _convert(module, "", nn, "from_torch")
    state = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
    _copy_values(state, gm, "from_torch")
    gm.train(module.training)
    return gm


def to_torch(module: Module) -> Any:
    """The torch.nn module equal to a glassnet module (same layers, arguments and values)."""
    torch = _torch()
    tm = _convert(module, "", torch.nn, "to_torch")
    state = {k: torch.from_numpy(np.array(v._array)) for k, v in module.state_dict().items()}
    _copy_values(state, tm, "to_torch")
    tm.train(module.training)
    return tm
