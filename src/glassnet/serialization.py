"""`save` / `load`: a model as one safetensors file, architecture and training state as JSON.

The file holds the weights (``model.<name>``), optimizer arrays (``optimizer.<i>.<key>``) and, in
the safetensors metadata, the architecture (a tree of registered layer types and their
constructor arguments), optional training state (optimizer hyper-parameters, scheduler, RNG,
epoch) and a SHA-256 of all tensor bytes, so a tampered or truncated file is refused. Loading
never runs code from the file: layer types are looked up in a registry.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import struct
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import nn
from .autograd import Tensor
from .io import atomic_write_bytes
from .nn.module import Module

FORMAT = "glassnet/1"
MAX_HEADER = 100 << 20


class CheckpointError(ValueError):
    """A model file that cannot be loaded: says which file and what is wrong."""


@dataclass
class _Entry:
    cls: type
    get_config: Callable[[Module], dict]
    build: Callable[[dict, OrderedDict], Module]


_REGISTRY: dict[str, _Entry] = {}


def _init_args(m: Module, cls: type | None = None) -> dict:
    """Constructor arguments of `cls` (default: m's class) read back from same-named attributes.

    JSON-able values are kept; a `bias=True`-style flag that became a parameter (or None) is
    saved as whether that parameter exists, and a layer class (an activation) by its
    registered name. *args, **kwargs and dtype are left out (weights carry their dtype).
    """
    out = {}
    for p in inspect.signature((cls or type(m)).__init__).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) or p.name in ("self", "dtype"):
            continue
        if p.name in m.__dict__:
            v = m.__dict__[p.name]
        elif p.name in m._parameters:
            v = m._parameters[p.name]
        else:
            continue
        if isinstance(p.default, bool) and (v is None or isinstance(v, Tensor)):
            v = v is not None
        elif isinstance(v, type) and issubclass(v, Module):
            out[p.name] = {"layer_type": _class_name(v)}
            continue
        if isinstance(v, (bool, int, float, str, type(None))) or (
                isinstance(v, (list, tuple)) and all(isinstance(x, (int, float)) for x in v)):
            out[p.name] = list(v) if isinstance(v, tuple) else v
    return out


def _class_name(cls: type) -> str:
    for name, e in _REGISTRY.items():
        if cls is e.cls:
            return name
    raise TypeError(f"save: layer type {cls.__name__} is not registered; decorate it with "
                    "@glassnet.register_module so it can be rebuilt")


def _from_config(cfg: dict) -> dict:
    """Constructor arguments from a config: registered layer names back to their classes."""
    out = {}
    for k, v in cfg.items():
        if isinstance(v, dict):
            entry = _REGISTRY.get(v.get("layer_type"))  # type: ignore[arg-type]
            if entry is None:
                raise ValueError(f"argument {k}: unknown layer type {v}")
            v = entry.cls
        out[k] = tuple(v) if isinstance(v, list) else v  # JSON has no tuples
    return out


def register_module(cls: type | None = None, *, name: str | None = None,
                    get_config: Callable[[Module], dict] | None = None,
                    build: Callable[[dict, OrderedDict], Module] | None = None) -> Any:
    """Make a layer type saveable: `@register_module` on the class, or register_module(cls, ...).

    By default the config is the constructor arguments found as attributes, and the layer is
    rebuilt as `cls(**config)`; containers pass `build(config, children)`.
    """
    def deco(c: type) -> type:
        _REGISTRY[name or c.__name__] = _Entry(
            c, get_config or _init_args,
            build or (lambda cfg, children, c=c: c(**_from_config(cfg))))
        return c
    return deco(cls) if cls is not None else deco


for _cls in (nn.Identity, nn.Flatten, nn.Unflatten, nn.Dropout, nn.ReLU, nn.LeakyReLU,
             nn.Sigmoid, nn.Tanh, nn.Step, nn.Softmax, nn.LogSoftmax,
             nn.Conv1d, nn.Conv2d, nn.ConvTranspose2d, nn.MaxPool1d, nn.MaxPool2d, nn.AvgPool1d,
             nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.Upsample, nn.BatchNorm1d, nn.BatchNorm2d,
             nn.LayerNorm, nn.Embedding, nn.LSTM, nn.GRU, nn.RNNCell, nn.LSTMCell, nn.GRUCell):
    register_module(_cls)
register_module(nn.RNN, get_config=lambda m: {**_init_args(m, nn.rnn.RNNBase),
                                              "nonlinearity": m.nonlinearity})
register_module(nn.Linear, get_config=lambda m: {
    "in_features": m.in_features, "out_features": m.out_features, "bias": m.bias is not None})
register_module(nn.Standardize, get_config=nn.Standardize.get_config)
register_module(nn.Sequential, build=lambda cfg, children: nn.Sequential(children))
register_module(nn.ModuleList, build=lambda cfg, children: nn.ModuleList(children.values()))
register_module(nn.ModuleDict, build=lambda cfg, children: nn.ModuleDict(children))


def architecture(m: Module) -> dict:
    """The JSON-able description of a module tree."""
    name = _class_name(type(m))
    return {"type": name, "config": _REGISTRY[name].get_config(m),
            "children": {k: architecture(c) for k, c in m.named_children()}}


def build(arch: Any, where: str = "model") -> Module:
    """Rebuild a module tree from `architecture()` output (no user code needed)."""
    if not isinstance(arch, dict) or not isinstance(arch.get("type"), str):
        raise CheckpointError(f"{where}: architecture entry must be an object with a 'type', got "
                              f"{str(arch)[:80]!r}")
    entry = _REGISTRY.get(arch["type"])
    if entry is None:
        raise CheckpointError(f"{where}: unknown layer type {arch['type']!r}; known types: "
                              f"{sorted(_REGISTRY)} (register new ones with "
                              "glassnet.register_module)")
    cfg, kids = arch.get("config", {}), arch.get("children", {})
    if not isinstance(cfg, dict) or not isinstance(kids, dict):
        raise CheckpointError(f"{where}: 'config' and 'children' of {arch['type']} must be objects")
    children = OrderedDict((k, build(v, f"{where}.{k}")) for k, v in kids.items())
    try:
        return entry.build(cfg, children)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{where}: cannot build {arch['type']} from config {cfg}: {e}"
                              ) from None


def _digest(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


def save(model: Any, path: str | os.PathLike, optimizer: Any = None, scheduler: Any = None,
         training: dict | None = None) -> None:
    """Write `model` (an nn.Module, or a train.Model with its training state) atomically."""
    if not isinstance(model, Module) and hasattr(model, "save"):
        return model.save(path)
    atomic_write_bytes(path, dumps(model, optimizer, scheduler, training))


def _contiguous(a: np.ndarray) -> np.ndarray:
    """C-contiguous, keeping 0-d arrays 0-d (np.ascontiguousarray makes them 1-d)."""
    return np.ascontiguousarray(a).reshape(a.shape)


def dumps(model: Module, optimizer: Any = None, scheduler: Any = None,
          training: dict | None = None) -> bytes:
    """The bytes `save` writes: a safetensors file with the architecture in its metadata."""
    if not isinstance(model, Module):
        raise TypeError(f"save: expected an nn.Module or train.Model, got {type(model).__name__}")
    from safetensors.numpy import save as st_save

    tensors = {f"model.{k}": _contiguous(v.data) for k, v in model.state_dict().items()}
    meta: dict[str, Any] = {"architecture": architecture(model)}
    if optimizer is not None:
        sd = optimizer.state_dict()
        scalars: dict[str, dict] = {}
        for i, s in sd["state"].items():
            for k, v in s.items():
                if isinstance(v, np.ndarray):
                    tensors[f"optimizer.{i}.{k}"] = _contiguous(v)
                else:
                    scalars.setdefault(str(i), {})[k] = v
        meta["optimizer"] = {"type": type(optimizer).__name__, "param_groups": sd["param_groups"],
                             "state": scalars}
    if scheduler is not None:
        meta["scheduler"] = {"type": type(scheduler).__name__, "state": scheduler.state_dict()}
    if training:
        meta["training"] = training
    metadata = {"format": FORMAT, "sha256": _digest(tensors)}
    metadata.update({k: json.dumps(_jsonable(v)) for k, v in meta.items()})
    return st_save(tensors, metadata=metadata)


@dataclass
class Checkpoint:
    """What `load_checkpoint` returns: the rebuilt module and the saved training state."""

    module: Module
    optimizer: dict | None = None
    scheduler: dict | None = None
    training: dict = field(default_factory=dict)


def _header(raw: bytes, where: str) -> dict:
    if len(raw) < 8:
        raise CheckpointError(f"{where}: {len(raw)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > min(MAX_HEADER, len(raw) - 8):
        raise CheckpointError(f"{where}: header length {n} does not fit the file's {len(raw)} "
                              "bytes (truncated or not a safetensors file)")
    try:
        head = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(f"{where}: the safetensors header is not valid JSON ({e})") from None
    meta = head.get("__metadata__") if isinstance(head, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{where}: not a glassnet model file (no '{FORMAT}' metadata)")
    return meta


def _meta_json(meta: dict, key: str, where: str) -> Any:
    if key not in meta:
        return None
    try:
        return json.loads(meta[key])
    except (TypeError, json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(f"{where}: metadata {key!r} is not valid JSON ({e})") from None


def loads(raw: bytes, where: str = "<bytes>") -> Checkpoint:
    """Parse the bytes of a model file (see `load_checkpoint`)."""
    from safetensors.numpy import load as st_load

    meta = _header(raw, where)
    try:
        tensors = st_load(raw)
    except Exception as e:  # the Rust parser's own error types: reported as ours
        raise CheckpointError(f"{where}: corrupt safetensors data ({e})") from None
    if meta.get("sha256") != _digest(tensors):
        raise CheckpointError(f"{where}: the tensor data does not match its SHA-256 (the file was "
                              "modified or damaged)")
    module = build(_meta_json(meta, "architecture", where), f"{where}: model")
    _assign(module, {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}, where)
    opt = _meta_json(meta, "optimizer", where)
    if opt is not None:
        if not isinstance(opt, dict) or not isinstance(opt.get("state"), dict):
            raise CheckpointError(f"{where}: malformed optimizer state")
        state: dict[int, dict] = {}
        try:
            for k, v in tensors.items():
                if k.startswith("optimizer."):
                    _, i, key = k.split(".", 2)
                    state.setdefault(int(i), {})[key] = v
            for i, s in opt["state"].items():
                state.setdefault(int(i), {}).update(s)
        except (ValueError, TypeError, AttributeError) as e:
            raise CheckpointError(f"{where}: malformed optimizer state ({e})") from None
        opt["state"] = state
    training = _meta_json(meta, "training", where) or {}
    return Checkpoint(module, opt, _meta_json(meta, "scheduler", where), training)


def _assign(module: Module, weights: dict[str, np.ndarray], where: str) -> None:
    own = dict(module.named_parameters())
    own.update(module.named_buffers())
    missing = sorted(set(own) - set(weights))
    extra = sorted(set(weights) - set(own))
    if missing or extra:
        raise CheckpointError(f"{where}: weights do not fit the architecture: missing {missing}, "
                              f"unexpected {extra}")
    for k, t in own.items():
        if weights[k].shape != t.shape:
            raise CheckpointError(f"{where}: weight {k!r} has shape {weights[k].shape} in the file "
                                  f"but {t.shape} in the rebuilt {type(module).__name__}")
        t.data = np.array(weights[k])


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a model file: the rebuilt module plus any optimizer/scheduler/training state."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read ({e.strerror or e})") from None
    return loads(raw, str(path))


def load(path: str | os.PathLike) -> Module:
    """Rebuild a saved model (architecture and weights) without the code that defined it."""
    return load_checkpoint(path).module
