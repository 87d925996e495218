"""`save` / `load`: a model as one safetensors file, architecture and training state as JSON.

The file holds the weights (``model.<name>``), optimizer arrays (``optimizer.<i>.<key>``) and, in
the safetensors metadata, the architecture (a tree of registered layer types and their
constructor arguments), optional training state (optimizer hyper-parameters, scheduler, RNG,
epoch), a SHA-256 of all tensor bytes (`sha256`) and one of every metadata entry, that one
included (`sha256_all`), so a tampered or truncated file is refused. (Files written before
`sha256_all` existed load with the tensors' check alone.) Loading
never runs code from the file: layer types are looked up in a registry. A state dict saves as
its tensors under their own names (any safetensors reader, torch's included, can read it) and
loads back as an OrderedDict of Tensors.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import os
import stat
import struct
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import nn
from .autograd import Tensor
from .autograd.device import check_device
from .io import atomic_write_bytes
from .nn.module import Module
from .optim import state as optim_state

FORMAT = "glassnet/1"
MAX_HEADER = 100 << 20
FULL_DIGEST = "sha256_all"  # metadata key: SHA-256 of all other metadata, `sha256` included


class CheckpointError(ValueError):
    """A model file that cannot be loaded: says which file and what is wrong."""


@dataclass
class _Entry:
    cls: type
    get_config: Callable[[Module], dict]
    build: Callable[[dict, OrderedDict], Module]
    numel: Callable[[dict], int] | None = None  # values its constructor allocates, from config
    uses_children: bool = False  # a custom build: the children are built and handed to it


_REGISTRY: dict[str, _Entry] = {}


class _UnsavableArgument(TypeError):
    """A recorded constructor argument that the config cannot hold (located by `architecture`)."""


_SCALARS = (bool, int, float, str, type(None))
_ACCEPTED = (
    "JSON numbers, strings, booleans, None, lists/tuples of numbers and registered layer classes"
)


def _encode(v: Any) -> Any:
    """A constructor argument as config JSON, or _UnsavableArgument's reason as a ValueError."""
    if isinstance(v, np.generic) and isinstance(v.item(), _SCALARS):
        v = v.item()
    if isinstance(v, _SCALARS):
        return v
    if isinstance(v, (list, tuple)) and all(
        isinstance(x, (int, float, np.integer, np.floating)) for x in v
    ):
        return [x.item() if isinstance(x, np.generic) else x for x in v]
    if isinstance(v, type) and issubclass(v, Module):
        if not any(v is e.cls for e in _REGISTRY.values()):
            raise ValueError(
                f"is an unregistered layer class {v.__name__} (decorate it with "
                "@glassnet.register_module)"
            )
        return {"layer_type": _class_name(v)}
    raise ValueError(f"has type {type(v).__name__} ({_short(v)})")


def _short(v: Any) -> str:
    r = repr(v)
    return r if len(r) <= 80 else r[:77] + "..."


def _recorded_config(m: Module) -> dict:
    """The arguments `m` was constructed with (defaults applied), bound to its __init__.

    `dtype` is left out (the weights carry it), and `fused` (it picks how the same math runs,
    see `glassnet.set_fused`, not what the layer is); a default that cannot be encoded is left out
    too (the rebuilt layer gets the same default). A passed argument that cannot be encoded,
    or any *args/**kwargs, raises: a saved layer must rebuild exactly, never from a guess.
    """
    cls = type(m)
    args, kwargs = m.__dict__.get("_constructor_call", ((), {}))
    sig = inspect.signature(cls.__init__)
    try:
        bound = sig.bind(m, *args, **kwargs)
    except TypeError as e:
        raise _UnsavableArgument(
            f"the recorded constructor arguments do not bind to {cls.__name__}.__init__ ({e})"
        ) from None
    passed = set(bound.arguments)
    bound.apply_defaults()
    out = {}
    for i, (name, v) in enumerate(bound.arguments.items()):
        kind = sig.parameters[name].kind
        if (
            i == 0
            or name in ("dtype", "fused")
            or (kind in (kind.VAR_POSITIONAL, kind.VAR_KEYWORD) and not v)
        ):
            continue
        if kind in (kind.VAR_POSITIONAL, kind.VAR_KEYWORD):
            star = "*args" if kind is kind.VAR_POSITIONAL else "**kwargs"
            raise _UnsavableArgument(
                f"argument {name!r} ({star}) got {_short(v)}; only named "
                "arguments can be saved: give them parameters of their own"
            )
        try:
            out[name] = _encode(v)
        except ValueError as e:
            if name in passed:
                raise _UnsavableArgument(
                    f"argument {name!r} {e}; a saved layer's arguments must be {_ACCEPTED} "
                    "(or register the type with get_config= and build=)"
                ) from None
    return out


def _class_name(cls: type) -> str:
    for name, e in _REGISTRY.items():
        if cls is e.cls:
            return name
    raise TypeError(
        f"save: layer type {cls.__name__} is not registered; decorate it with "
        "@glassnet.register_module so it can be rebuilt"
    )


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


# ----- what a constructor allocates, from its arguments alone ---------------------------------
class _SizeError(ValueError):
    """A config value that a size cannot be computed from (names the argument)."""


def _n(args: dict, key: str) -> int:
    """A size argument: a whole number >= 0 (a bool or a float is refused, as numpy would)."""
    v = args.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise _SizeError(f"config {key!r} must be a whole number >= 0, got {_short(v)}")
    return v


def _ns(args: dict, key: str, n: int | None = None) -> list[int]:
    """A size or a list of sizes (`n` of them when given, e.g. a kernel's)."""
    v = args.get(key)
    items = v if isinstance(v, (list, tuple)) else [v] * (n or 1)
    if n is not None and len(items) != n:
        raise _SizeError(f"config {key!r} must be a whole number or {n} of them, got {_short(v)}")
    return [_n({key: x}, key) for x in items]


def _linear(a: dict) -> int:
    return _n(a, "out_features") * (_n(a, "in_features") + bool(a.get("bias")))


def _conv(dims: int, transposed: bool = False) -> Callable[[dict], int]:
    def numel(a: dict) -> int:
        cin, cout, groups = _n(a, "in_channels"), _n(a, "out_channels"), _n(a, "groups")
        per = (cout if transposed else cin) // max(groups, 1)
        return (cin if transposed else cout) * per * math.prod(_ns(a, "kernel_size", dims)) + (
            cout if a.get("bias") else 0
        )

    return numel


def _batch_norm(a: dict) -> int:
    n = _n(a, "num_features")
    return (2 * n if a.get("affine") else 0) + (2 * n + 1 if a.get("track_running_stats") else 0)


def _layer_norm(a: dict) -> int:
    n = math.prod(_ns(a, "normalized_shape"))
    return n * (
        bool(a.get("elementwise_affine")) + bool(a.get("elementwise_affine") and a.get("bias"))
    )


def _cell(gates: int) -> Callable[[dict], int]:
    def numel(a: dict) -> int:
        gh, size_in = gates * _n(a, "hidden_size"), _n(a, "input_size")
        return gh * (size_in + _n(a, "hidden_size") + (2 if a.get("bias") else 0))

    return numel


def _recurrent(gates: int) -> Callable[[dict], int]:
    def numel(a: dict) -> int:
        h, layers, dirs = (
            _n(a, "hidden_size"),
            _n(a, "num_layers"),
            2 if a.get("bidirectional") else 1,
        )
        gh, b = gates * h, 2 * gates * h if a.get("bias") else 0
        first = gh * (_n(a, "input_size") + h) + b
        rest = gh * (h * dirs + h) + b
        return dirs * (first + max(layers - 1, 0) * rest)

    return numel


def _standardize(a: dict) -> int:
    return sum(
        len(v) if isinstance(v, (list, tuple)) else v is not None
        for v in (a.get(k) for k in ("shift", "scale", "low", "high"))
    )


def _mlp(a: dict) -> int:
    sizes = _ns(a, "sizes")
    norms = sum(4 * n + 1 for n in sizes[1:-1]) if a.get("batch_norm") else 0
    return sum(o * (i + 1) for i, o in zip(sizes, sizes[1:])) + norms


def _lenet(a: dict) -> int:
    return (
        (6 * _n(a, "in_channels") * 25 + 6)
        + (16 * 6 * 25 + 16)
        + 400 * 120
        + 120
        + 120 * 84
        + 84
        + (84 + 1) * _n(a, "num_classes")
    )


def _block(cin: int, cout: int, stride: int) -> int:
    """A BasicBlock's values: two 3x3 convs and norms, a 1x1 shortcut where shapes change."""
    shortcut = cout * cin + 4 * cout + 1 if stride != 1 or cin != cout else 0
    return 9 * cout * cin + 9 * cout * cout + 2 * (4 * cout + 1) + shortcut


def _basic_block(a: dict) -> int:
    stride = a.get("stride")
    return _block(_n(a, "in_channels"), _n(a, "out_channels"), 1 if stride == 1 else 2)


def _resnet(a: dict) -> int:
    widths, per_stage = _ns(a, "widths"), _n(a, "blocks_per_stage")
    if not widths:
        raise _SizeError("config 'widths' must list at least one width")
    total = 9 * widths[0] * _n(a, "in_channels") + 4 * widths[0] + 1
    prev = widths[0]
    for i, w in enumerate(widths):
        if per_stage:
            total += _block(prev, w, 2 if i else 1) + (per_stage - 1) * _block(w, w, 1)
            prev = w
    return total + (prev + 1) * _n(a, "num_classes")


def _attention(a: dict) -> int:
    e = _n(a, "embed_dim")
    return 4 * e * e + (4 * e if a.get("bias") else 0)


def _encoder_layer(a: dict) -> int:
    d, ff, bias = _n(a, "d_model"), _n(a, "dim_feedforward"), bool(a.get("bias"))
    attn = _attention({"embed_dim": d, "bias": bias})
    return attn + 2 * d * ff + (ff + d if bias else 0) + 2 * (d + (d if bias else 0))


_NUMEL: dict[str, Callable[[dict], int]] = {  # by the class's qualified name
    "glassnet.nn.layers.Linear": _linear,
    "glassnet.nn.conv.Conv1d": _conv(1),
    "glassnet.nn.conv.Conv2d": _conv(2),
    "glassnet.nn.conv.ConvTranspose2d": _conv(2, transposed=True),
    "glassnet.nn.normalization.BatchNorm1d": _batch_norm,
    "glassnet.nn.normalization.BatchNorm2d": _batch_norm,
    "glassnet.nn.normalization.LayerNorm": _layer_norm,
    "glassnet.nn.normalization.GroupNorm": lambda a: 2 * _n(a, "num_channels") * bool(a["affine"]),
    "glassnet.nn.normalization.Embedding": lambda a: (
        _n(a, "num_embeddings") * _n(a, "embedding_dim")
    ),
    "glassnet.nn.rnn.RNN": _recurrent(1),
    "glassnet.nn.rnn.LSTM": _recurrent(4),
    "glassnet.nn.rnn.GRU": _recurrent(3),
    "glassnet.nn.rnn.RNNCell": _cell(1),
    "glassnet.nn.rnn.LSTMCell": _cell(4),
    "glassnet.nn.rnn.GRUCell": _cell(3),
    "glassnet.nn.preprocess.Standardize": _standardize,
    "glassnet.nn.transformer.MultiheadAttention": _attention,
    "glassnet.nn.transformer.TransformerEncoderLayer": _encoder_layer,
    "glassnet.models.MLP": _mlp,
    "glassnet.models.LeNet5": _lenet,
    "glassnet.models.BasicBlock": _basic_block,
    "glassnet.models.ResNet": _resnet,
}


def register_module(
    cls: type | None = None,
    *,
    name: str | None = None,
    get_config: Callable[[Module], dict] | None = None,
    build: Callable[[dict, OrderedDict], Module] | None = None,
    numel: Callable[[dict], int] | None = None,
) -> Any:
    """Make a layer type saveable: `@register_module` on the class, or register_module(cls, ...).

    By default the config is the arguments the layer was constructed with (see
    `_recorded_config`) and it is rebuilt as `cls(**config)`; containers pass `build(config,
    children)` and a `get_config` (e.g. one that returns {}). `numel(arguments)` (the config
    with the constructor's defaults filled in) counts the parameter and buffer values the
    constructor allocates, so a file's architecture is bounded before anything is built (see
    `check_architecture`); glassnet's own layer types have one.
    """

    def deco(c: type) -> type:
        _REGISTRY[name or c.__name__] = _Entry(
            c,
            get_config or _recorded_config,
            build or (lambda cfg, children, c=c: c(**_from_config(cfg))),
            numel or _NUMEL.get(f"{c.__module__}.{c.__qualname__}"),
            build is not None,
        )
        return c

    return deco(cls) if cls is not None else deco


def _no_config(m: Module) -> dict:
    """Containers are rebuilt from their children alone."""
    return {}


for _cls in (
    nn.Identity,
    nn.Flatten,
    nn.Unflatten,
    nn.Dropout,
    nn.ReLU,
    nn.LeakyReLU,
    nn.Sigmoid,
    nn.Tanh,
    nn.GELU,
    nn.SiLU,
    nn.ELU,
    nn.Softplus,
    nn.Step,
    nn.Softmax,
    nn.LogSoftmax,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AvgPool1d,
    nn.AvgPool2d,
    nn.AdaptiveAvgPool2d,
    nn.Upsample,
):
    register_module(_cls, numel=lambda args: 0)  # no parameters or buffers
for _cls in (
    nn.Linear,
    nn.Conv1d,
    nn.Conv2d,
    nn.ConvTranspose2d,
    nn.BatchNorm1d,
    nn.BatchNorm2d,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.Embedding,
    nn.RNN,
    nn.LSTM,
    nn.GRU,
    nn.RNNCell,
    nn.LSTMCell,
    nn.GRUCell,
    nn.MultiheadAttention,
    nn.TransformerEncoderLayer,
):
    register_module(_cls)  # sized by _NUMEL
register_module(
    nn.Sequential, get_config=_no_config, build=lambda cfg, children: nn.Sequential(children)
)
register_module(
    nn.ModuleList,
    get_config=_no_config,
    build=lambda cfg, children: nn.ModuleList(children.values()),
)
register_module(
    nn.ModuleDict, get_config=_no_config, build=lambda cfg, children: nn.ModuleDict(children)
)
register_module(nn.Standardize, get_config=nn.Standardize.get_config)  # from its buffers
register_module(
    nn.TransformerEncoder,
    get_config=lambda m: {"num_layers": m.num_layers},
    build=lambda cfg, children: nn.TransformerEncoder(
        children["layers"][0], len(children["layers"]), norm=children.get("norm")
    ),
)


def architecture(m: Module, where: str = "model") -> dict:
    """The JSON-able description of a module tree (`where` names `m` in error messages)."""
    name = _class_name(type(m))
    try:
        config = _REGISTRY[name].get_config(m)
    except _UnsavableArgument as e:
        raise TypeError(f"save: {name} at {where}: {e}") from None
    return {
        "type": name,
        "config": config,
        "children": {k: architecture(c, f"{where}.{k}") for k, c in m.named_children()},
    }


def build(arch: Any, where: str = "model") -> Module:
    """Rebuild a module tree from `architecture()` output (no user code needed).

    The tree is walked first, without recursion: every type known, at most MAX_DEPTH levels
    and MAX_MODULES modules. (`check_architecture` also bounds what it would allocate.)
    """
    _nodes(arch, where, MAX_MODULES)
    return _build(arch, where)


def _build(arch: dict, where: str) -> Module:
    """build() on a tree `_nodes` has checked; a type rebuilt from its config alone (the
    default build) gets no children built, since it makes its own."""
    entry = _REGISTRY[arch["type"]]
    cfg, kids = arch.get("config", {}), arch.get("children", {})
    children = (
        OrderedDict((k, _build(v, f"{where}.{k}")) for k, v in kids.items())
        if entry.uses_children
        else OrderedDict()
    )
    try:
        return entry.build(cfg, children)
    except (TypeError, ValueError, ArithmeticError, LookupError, NotImplementedError) as e:
        raise CheckpointError(
            f"{where}: cannot build {arch['type']} from config {_short(cfg)}: {e}"
        ) from None


# ----- bounding an architecture before building it ------------------------------------------
MAX_DEPTH = 64  # levels of nesting in an architecture
MAX_MODULES = 1 << 17  # modules in one architecture, whatever the file holds
MODULES_PER_TENSOR = 8  # ... and in a file's: 1024 + 8 per tensor it carries
SLACK = 1 << 12  # values a build may allocate beyond the file's tensors (then refused by shape)


def _nodes(arch: Any, where: str, max_modules: int) -> list[tuple[str, dict, _Entry, bool]]:
    """Every node of an architecture tree as (dotted path, node, entry, built), checked (a
    known type, 'config' and 'children' objects, bounded depth and count) without recursion.
    `built`: whether build() constructs it (the children of a default build are not)."""
    out: list[tuple[str, dict, _Entry, bool]] = []
    todo: list[tuple[str, Any, int, bool]] = [("", arch, 0, True)]
    while todo:
        path, node, depth, built = todo.pop()
        at = f"{where}.{path}" if path else where
        if depth > MAX_DEPTH:
            raise CheckpointError(
                f"{where}: the architecture nests deeper than {MAX_DEPTH} "
                f"levels (at {_short(path)})"
            )
        if len(out) >= max_modules:
            raise CheckpointError(
                f"{where}: the architecture has more than {max_modules:,} "
                "modules, more than the file's tensors can account for"
            )
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            raise CheckpointError(
                f"{at}: architecture entry must be an object with a 'type', got {_short(node)}"
            )
        entry = _REGISTRY.get(node["type"])
        if entry is None:
            raise CheckpointError(
                f"{at}: unknown layer type {node['type']!r}; known types: "
                f"{sorted(_REGISTRY)} (register new ones with "
                "glassnet.register_module)"
            )
        cfg, kids = node.get("config", {}), node.get("children", {})
        if not isinstance(cfg, dict) or not isinstance(kids, dict):
            raise CheckpointError(
                f"{at}: 'config' and 'children' of {node['type']} must be objects"
            )
        out.append((path, node, entry, built))
        todo.extend(
            (f"{path}.{k}" if path else str(k), v, depth + 1, built and entry.uses_children)
            for k, v in kids.items()
        )
    return out


def _with_defaults(cls: type, cfg: dict) -> dict:
    """A config with the constructor's defaults filled in."""
    params = inspect.signature(cls.__init__).parameters.values()
    return {**{p.name: p.default for p in params if p.default is not p.empty}, **cfg}


def _allocates(path: str, node: dict, entry: _Entry, tensors: Mapping[str, Any]) -> int:
    """Values the constructor of one built node allocates: its `numel`, 0 for a container,
    and for a type registered without one, what the file holds under its name."""
    if entry.numel is not None:
        try:
            return int(entry.numel(_with_defaults(entry.cls, node.get("config", {}))))
        except (_SizeError, TypeError, ValueError) as e:
            raise _SizeError(f"{node['type']} {e}") from None
    if entry.uses_children:
        return 0
    prefix = f"{path}." if path else ""
    return sum(int(np.prod(t.shape)) for k, t in tensors.items() if k.startswith(prefix))


def check_architecture(
    arch: Any, tensors: Mapping[str, Any], max_params: int | None = None, where: str = "model"
) -> int:
    """The number of parameter and buffer values building `arch` would allocate, computed
    without building it; CheckpointError if that exceeds what `tensors` (the model's, by
    state-dict name; anything with a .shape) hold, or `max_params`, or the tree nests deeper
    than MAX_DEPTH or has more modules than 1024 + 8 per tensor.

    Each parameter's shape is then checked against its stored tensor once built (`loads`).
    """
    nodes = _nodes(arch, where, min(MAX_MODULES, 1024 + MODULES_PER_TENSOR * len(tensors)))
    total = 0
    for path, node, entry, built in nodes:
        if built:
            try:
                total += _allocates(path, node, entry, tensors)
            except _SizeError as e:
                raise CheckpointError(f"{where}{'.' + path if path else ''}: {e}") from None
    held = sum(int(np.prod(t.shape)) for t in tensors.values())
    if total > held + SLACK:
        raise CheckpointError(
            f"{where}: the architecture would allocate {total:,} values, the "
            f"file holds {held:,}: it declares weights it does not carry"
        )
    if max_params is not None and total > max_params:
        raise CheckpointError(
            f"{where}: the architecture has {total:,} parameter values, more "
            f"than the {max_params:,} allowed here"
        )
    return total


def _digest(tensors: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for k in sorted(tensors):
        a = np.ascontiguousarray(tensors[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _meta_digest(meta: Mapping[str, str]) -> str:
    """SHA-256 of every metadata entry but FULL_DIGEST, so of the tensors' `sha256` too."""
    h = hashlib.sha256(b"glassnet metadata\0")
    for k in sorted(meta):
        if k != FULL_DIGEST:
            for part in (k, meta[k]):
                b = part.encode("utf-8", "surrogatepass")
                h.update(struct.pack("<Q", len(b)))
                h.update(b)
    return h.hexdigest()


def _signed(metadata: dict[str, str]) -> dict[str, str]:
    """`metadata` with its FULL_DIGEST added."""
    return {**metadata, FULL_DIGEST: _meta_digest(metadata)}


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    return v


# ----- any object of tensors, as torch.save(obj, f) ---------------------------------------
# Tensors and arrays go into the safetensors body under "0", "1", ...; the structure around
# them (lists, tuples, dicts with any scalar keys, numbers, strings, None) is JSON in the
# metadata ("tree"), each tensor replaced by {"$tensor": key} — nothing is ever pickled.
_SCALARS = (bool, int, float, str, type(None))


def _tree(v: Any, tensors: dict[str, np.ndarray], where: str) -> Any:
    """`v` as JSON, its tensors and arrays moved into `tensors` (refused: anything else)."""
    if isinstance(v, _SCALARS):
        return v
    if isinstance(v, (Tensor, np.ndarray, np.generic)):
        key = str(len(tensors))
        arr = v._array if isinstance(v, Tensor) else np.asarray(v)
        tensors[key] = _state_array(where, arr)
        if isinstance(v, Tensor):
            return {"$tensor": key, "requires_grad": bool(v.requires_grad)}
        return {"$ndarray": key, "scalar": isinstance(v, np.generic)}
    if isinstance(v, (list, tuple)):
        items = [_tree(x, tensors, f"{where}[{i}]") for i, x in enumerate(v)]
        return items if isinstance(v, list) else {"$tuple": items}
    if isinstance(v, Mapping):
        for k in v:
            if not isinstance(k, _SCALARS):
                raise TypeError(f"save: {where} has a key of type {type(k).__name__}")
        return {"$dict": [[k, _tree(x, tensors, f"{where}[{k!r}]")] for k, x in v.items()]}
    hint = " (save its state_dict() instead)" if isinstance(v, Module) else ""
    raise TypeError(
        f"save: {where} has type {type(v).__name__}; glassnet saves tensors, arrays, numbers, "
        f"strings and lists/tuples/dicts of them, and never pickles{hint}"
    )


def _untree(v: Any, tensors: dict[str, np.ndarray], where: str) -> Any:
    """The object `_tree` encoded, its tensors taken from the file's body."""
    if isinstance(v, list):
        return [_untree(x, tensors, where) for x in v]
    if not isinstance(v, dict):
        return v
    ref = v.get("$tensor", v.get("$ndarray"))
    if ref is not None:
        if not isinstance(ref, str) or ref not in tensors:
            raise CheckpointError(f"{where}: the structure names a tensor {ref!r} not in the file")
        arr = tensors[ref]
        if "$ndarray" in v:
            return arr[()] if v.get("scalar") else arr
        grad = bool(v.get("requires_grad")) and arr.dtype.kind == "f"
        return Tensor(arr, requires_grad=grad)
    if isinstance(v.get("$tuple"), list):
        return tuple(_untree(x, tensors, where) for x in v["$tuple"])
    pairs = v.get("$dict")
    if isinstance(pairs, list) and all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], _SCALARS) for p in pairs
    ):
        return {k: _untree(x, tensors, where) for k, x in pairs}
    raise CheckpointError(f"{where}: an entry of the saved structure is not understood: {v!r:.80}")


def _is_state_dict(obj: Any) -> bool:
    """A flat mapping of names to tensors/arrays: saved as plain safetensors (torch reads it)."""
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and isinstance(x, (Tensor, np.ndarray, np.generic))
        for k, x in obj.items()
    )


def dumps_object(obj: Any) -> bytes:
    """The bytes `save` writes for anything but a module or a flat state dict."""
    from safetensors.numpy import save as st_save

    tensors: dict[str, np.ndarray] = {}
    tree = json.dumps(_tree(obj, tensors, "obj"))
    metadata = {"format": FORMAT, "sha256": _digest(tensors), "tree": tree}
    return st_save(tensors, metadata=_signed(metadata))


def _write(f: Any, data: bytes) -> None:
    """`data` to a path (atomically) or to an open binary file object."""
    if hasattr(f, "write"):
        f.write(data)
    else:
        atomic_write_bytes(f, data)


def save(
    model: Any,
    path: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    training: dict | None = None,
    extra: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Write `model` to a path (atomically) or a binary file object, as torch.save.

    An nn.Module or train.Model keeps its architecture and weights (optimizer, scheduler and
    training state too, if given; `extra` arrays — a run's other state, such as a target
    network or a replay buffer — are stored as ``extra.<name>`` and come back in
    `load_checkpoint(path).extra`); a state dict (names to Tensors/arrays) is written as a
    plain safetensors file under its own names; anything else made of tensors, arrays,
    numbers, strings, lists, tuples and dicts (a training checkpoint dict) keeps its structure
    as JSON beside the tensors. Nothing is pickled; `load` verifies a SHA-256 of the bytes.
    """
    if isinstance(model, Module):
        return _write(path, dumps(model, optimizer, scheduler, training, extra))
    if not isinstance(model, Mapping) and callable(getattr(model, "save", None)):
        if hasattr(path, "write"):
            raise TypeError("save: a train.Model is saved to a path, not a file object")
        return model.save(path)  # a train.Model saves its module and training state
    if optimizer is not None or scheduler is not None or training or extra:
        raise TypeError(
            "save: optimizer, scheduler and training state needs a model, not a "
            "state dict; pass the nn.Module itself"
        )
    _write(path, dumps_state_dict(model) if _is_state_dict(model) else dumps_object(model))


def _state_array(key: Any, v: Any) -> np.ndarray:
    """One state dict value as a C-contiguous array the safetensors format can hold."""
    if not isinstance(key, str):
        raise TypeError(f"save: state dict key {key!r} is {type(key).__name__}, not str")
    if isinstance(v, Tensor):
        v = v._array
    if not isinstance(v, (np.ndarray, np.generic)):
        raise TypeError(
            f"save: state dict value for {key!r} has type {type(v).__name__}; a "
            "state dict maps names to Tensors or NumPy arrays (to save a model "
            "with its training state, pass the module: gn.save(module, path))"
        )
    a = np.asarray(v)
    if a.dtype.kind not in "biuf":
        raise TypeError(
            f"save: state dict value for {key!r} has dtype {a.dtype}; only bool, "
            "integer and floating arrays can be saved"
        )
    return _contiguous(a)


def dumps_state_dict(state_dict: Mapping[str, Any]) -> bytes:
    """The bytes `save` writes for a state dict: its tensors under their own names."""
    from safetensors.numpy import save as st_save

    tensors = {k: _state_array(k, v) for k, v in state_dict.items()}
    metadata = {
        "format": FORMAT,
        "sha256": _digest(tensors),
        "state_dict": json.dumps(list(tensors)),
    }  # the keys in their order
    return st_save(tensors, metadata=_signed(metadata))


def _contiguous(a: np.ndarray) -> np.ndarray:
    """C-contiguous, keeping 0-d arrays 0-d (np.ascontiguousarray makes them 1-d)."""
    return np.ascontiguousarray(a).reshape(a.shape)


def dumps(
    model: Module,
    optimizer: Any = None,
    scheduler: Any = None,
    training: dict | None = None,
    extra: Mapping[str, np.ndarray] | None = None,
) -> bytes:
    """The bytes `save` writes: a safetensors file with the architecture in its metadata."""
    if not isinstance(model, Module):
        raise TypeError(f"save: expected an nn.Module or train.Model, got {type(model).__name__}")
    from safetensors.numpy import save as st_save

    tensors = {f"model.{k}": _contiguous(v._array) for k, v in model.state_dict().items()}
    meta: dict[str, Any] = {"architecture": architecture(model)}
    if optimizer is not None:
        meta["optimizer"], arrays = optim_state.optimizer_metadata(
            optimizer, list(model.parameters())
        )
        tensors.update({k: _contiguous(v) for k, v in arrays.items()})
    if scheduler is not None:
        meta["scheduler"] = optim_state.scheduler_metadata(scheduler)
    tensors.update({f"extra.{k}": _state_array(k, v) for k, v in (extra or {}).items()})
    if training:
        meta["training"] = training
    metadata = {"format": FORMAT, "sha256": _digest(tensors)}
    metadata.update({k: json.dumps(_jsonable(v)) for k, v in meta.items()})
    return st_save(tensors, metadata=_signed(metadata))


@dataclass
class Checkpoint:
    """What `load_checkpoint` returns: the rebuilt module and the saved training state."""

    module: Module
    optimizer: dict | None = None
    scheduler: dict | None = None
    training: dict = field(default_factory=dict)
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def _header(raw: bytes, where: str) -> dict:
    if len(raw) < 8:
        raise CheckpointError(f"{where}: {len(raw)} bytes is too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > min(MAX_HEADER, len(raw) - 8):
        raise CheckpointError(
            f"{where}: header length {n} does not fit the file's {len(raw)} "
            "bytes (truncated or not a safetensors file)"
        )
    try:
        head = json.loads(raw[8 : 8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(f"{where}: the safetensors header is not valid JSON ({e})") from None
    meta = head.get("__metadata__") if isinstance(head, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{where}: not a glassnet model file (no '{FORMAT}' metadata)")
    for k, v in meta.items():
        if not isinstance(v, str):
            raise CheckpointError(f"{where}: metadata {k!r} is {type(v).__name__}, not a string")
    return meta


def _meta_json(meta: dict, key: str, where: str) -> Any:
    if key not in meta:
        return None
    try:
        return json.loads(meta[key])
    except (TypeError, json.JSONDecodeError, RecursionError) as e:
        raise CheckpointError(f"{where}: metadata {key!r} is not valid JSON ({e})") from None


def _verified(raw: bytes, where: str) -> tuple[dict, dict[str, np.ndarray]]:
    """The metadata and tensors of a glassnet file, after checking both SHA-256s."""
    from safetensors.numpy import load as st_load

    meta = _header(raw, where)
    if FULL_DIGEST in meta and meta[FULL_DIGEST] != _meta_digest(meta):
        raise CheckpointError(
            f"{where}: the metadata (architecture, training state, info) does "
            "not match its SHA-256 (the file was modified or damaged)"
        )
    try:
        tensors = st_load(raw)
    except Exception as e:  # the Rust parser's own error types: reported as ours
        raise CheckpointError(f"{where}: corrupt safetensors data ({e})") from None
    if meta.get("sha256") != _digest(tensors):
        raise CheckpointError(
            f"{where}: the tensor data does not match its SHA-256 (the file was "
            "modified or damaged)"
        )
    return meta, tensors


def loads_state_dict(raw: bytes, where: str = "<bytes>") -> OrderedDict[str, Tensor]:
    """Parse the bytes of a saved state dict: its Tensors by name, in the order saved."""
    meta, tensors = _verified(raw, where)
    keys = _meta_json(meta, "state_dict", where)
    if not isinstance(keys, list) or sorted(keys) != sorted(tensors):
        raise CheckpointError(f"{where}: the state dict's key list does not match its tensors")
    return OrderedDict((k, Tensor(tensors[k])) for k in keys)


def loads(raw: bytes, where: str = "<bytes>", max_params: int | None = None) -> Checkpoint:
    """Parse the bytes of a model file (see `load_checkpoint`); `max_params` caps the values
    its architecture may have (see `check_architecture`)."""
    meta, tensors = _verified(raw, where)
    if "state_dict" in meta:
        raise CheckpointError(
            f"{where}: holds a state dict, not a model (no architecture): "
            "read it with glassnet.load(path) and pass the result to "
            "module.load_state_dict()"
        )
    arch = _meta_json(meta, "architecture", where)
    weights = {k[6:]: v for k, v in tensors.items() if k.startswith("model.")}
    check_architecture(arch, weights, max_params, f"{where}: model")
    module = _build(arch, f"{where}: model")
    _assign(module, weights, where)
    opt, sched = _meta_json(meta, "optimizer", where), _meta_json(meta, "scheduler", where)
    training = _meta_json(meta, "training", where)
    if training is not None and not isinstance(training, dict):
        raise CheckpointError(
            f"{where}: metadata 'training' must be an object, got {type(training).__name__}"
        )
    try:
        if opt is not None:
            opt = optim_state.check_optimizer(
                _optimizer_state(opt, tensors), [p.shape for p in module.parameters()]
            )
        if sched is not None:
            sched = optim_state.check_scheduler(sched, len(opt["param_groups"]) if opt else None)
    except optim_state.StateError as e:
        raise CheckpointError(f"{where}: {e}") from None
    extra = {k[6:]: v for k, v in tensors.items() if k.startswith("extra.")}
    return Checkpoint(module, opt, sched, training or {}, extra)


def _optimizer_state(opt: Any, tensors: dict[str, np.ndarray]) -> Any:
    """The optimizer entry with its per-parameter state gathered from the metadata's numbers
    and the 'optimizer.<i>.<key>' arrays, keyed by parameter position."""
    if not isinstance(opt, dict) or not isinstance(opt.get("state"), dict):
        raise optim_state.StateError("optimizer must be an object with a 'state' object")
    state: dict[int, dict] = {}
    for i, s in opt["state"].items():
        if not (i.isascii() and i.isdigit() and i == str(int(i)) and isinstance(s, dict)):
            raise optim_state.StateError(
                f"optimizer state {i!r} must be a parameter position holding an object"
            )
        state[int(i)] = dict(s)
    for k, v in tensors.items():
        if k.startswith("optimizer."):
            i, _, key = k[10:].partition(".")
            if not (i.isascii() and i.isdigit() and i == str(int(i)) and key):
                raise optim_state.StateError(
                    f"tensor {k!r} is not named optimizer.<position>.<key>"
                )
            if key in state.setdefault(int(i), {}):
                raise optim_state.StateError(f"optimizer state {i}: {key!r} is given twice")
            state[int(i)][key] = v
    return {**opt, "state": state}


def _dtype_problem(w: np.dtype, t: Tensor, dtype: np.dtype | None, is_param: bool) -> str | None:
    """What a stored dtype must be instead, or None if it fits: parameters are floating-point,
    a floating buffer computes in the parameters' dtype (a float32 buffer in a float64 model
    does, a float64 one in a float32 model does not), other buffers keep their kind."""
    if is_param or t.dtype.kind == "f":
        if w.kind != "f":
            return "floating-point"
        if not is_param and dtype is not None and np.promote_types(w, dtype) != dtype:
            return f"{dtype} (the parameters') or narrower"
        return None
    return None if w.kind == t.dtype.kind else str(t.dtype)


def _assign(module: Module, weights: dict[str, np.ndarray], where: str) -> None:
    own = dict(module.named_parameters())
    own.update(module.named_buffers())
    missing = sorted(set(own) - set(weights))
    extra = sorted(set(weights) - set(own))
    if missing or extra:
        raise CheckpointError(
            f"{where}: weights do not fit the architecture: missing {missing}, unexpected {extra}"
        )
    params = {id(p) for p in module.parameters()}
    kinds = {weights[k].dtype for k, p in own.items() if id(p) in params}
    dtype = next(iter(kinds)) if len(kinds) == 1 else None
    for k, t in own.items():
        w = weights[k]
        if w.shape != t.shape:
            raise CheckpointError(
                f"{where}: weight {k!r} has shape {w.shape} in the file "
                f"but {t.shape} in the rebuilt {type(module).__name__}"
            )
        want = _dtype_problem(w.dtype, t, dtype, id(t) in params)
        if want:
            raise CheckpointError(
                f"{where}: weight {k!r} has dtype {w.dtype} in the file; it must be {want}"
            )
    if len(kinds) > 1:
        raise CheckpointError(
            f"{where}: the parameters have dtypes {sorted(map(str, kinds))}; "
            "they must share one, as the layers compute in one"
        )
    for k, t in own.items():
        t._array = np.array(weights[k])


def _read(path: Any) -> bytes:
    """The bytes of a model file or binary file object; a device or a pipe is refused."""
    if hasattr(path, "read"):
        data = path.read()
        if not isinstance(data, bytes):
            raise CheckpointError(f"{path!r}: a file object opened in text mode; open it 'rb'")
        return data
    try:
        with open(path, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise CheckpointError(
                    f"{path}: not a regular file (a device, pipe or socket); "
                    "a model file must be a file"
                )
            return f.read()
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read ({e.strerror or e})") from None


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a model file: the rebuilt module plus any optimizer/scheduler/training state."""
    return loads(_read(path), str(path))


def load(path: Any, map_location: Any = None, weights_only: bool | None = None) -> Any:
    """Read what `save` wrote, from a path or a binary file object, as torch.load.

    A model file gives the rebuilt module (architecture and weights, without the code that
    defined it); a state dict an OrderedDict of Tensors for `module.load_state_dict(...)`;
    any other saved object itself, rebuilt from its JSON structure. Tensors are only ever
    read, never unpickled, so `weights_only=False` (torch's pickle loader) is refused.
    """
    if weights_only is False:
        raise ValueError(
            "load: weights_only=False asks for PyTorch's pickle loader, which can run "
            "arbitrary code from the file; glassnet files hold only tensors and JSON and never "
            "unpickle: call load(f) or load(f, weights_only=True) (a saved nn.Module comes "
            "back whole either way)"
        )
    if map_location is not None and not callable(map_location):
        check_device(map_location, "load(map_location=)")
    raw = _read(path)
    where = getattr(path, "name", None) if hasattr(path, "read") else str(path)
    where = str(where or "<file object>")
    meta = _header(raw, where)
    if "tree" in meta:
        meta, tensors = _verified(raw, where)
        return _untree(_meta_json(meta, "tree", where), tensors, where)
    if "state_dict" in meta:
        return loads_state_dict(raw, where)
    return loads(raw, where).module


def load_state_dict(path: str | os.PathLike) -> OrderedDict[str, Tensor]:
    """The tensors of a state-dict file as an OrderedDict for `module.load_state_dict`: one
    saved by glassnet (SHA-256 checked) or by any safetensors writer, such as PyTorch's
    `safetensors.torch.save_file(model.state_dict(), path)` (keys unchanged)."""
    raw = _read(path)
    try:
        if "state_dict" in _header(raw, str(path)):
            return loads_state_dict(raw, str(path))
        raise CheckpointError(f"{path}: holds a whole model; read it with glassnet.load(path)")
    except CheckpointError as e:
        if "not a glassnet model file" not in str(e):
            raise
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    try:
        tensors = st_load(raw)
    except (SafetensorError, ValueError, TypeError) as e:  # e.g. bfloat16, which numpy lacks
        raise CheckpointError(f"{path}: not a readable safetensors file ({e})") from None
    return OrderedDict((k, Tensor(v)) for k, v in tensors.items())
