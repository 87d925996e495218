"""Saved optimizer and scheduler state: what a model file may hold, checked before it is used.

A model file keeps an optimizer as data: its type name, each group's hyper-parameters and the
indices (positions in `module.parameters()`) of the parameters it updates, and per parameter
the arrays and counters its update rule keeps. `check_optimizer` and `check_scheduler` refuse
anything the restored optimizer or schedule could not step with, naming the key (StateError);
`optimizer_metadata` and `scheduler_metadata` refuse at save time what could not be restored
(a LambdaLR's Python function, an optimizer class of one's own).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor
from . import lr_scheduler
from .optimizer import Optimizer
from .registry import OPTIMIZERS

OPTIMIZER_TYPES: dict[str, type[Optimizer]] = {c.__name__: c for c in OPTIMIZERS.values()}


class StateError(ValueError):
    """Saved optimizer or scheduler state that could not be resumed (names the key)."""


def finite_number(v: Any) -> bool:
    """A finite real number (not a bool, not an int too large for a float)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _show(v: Any) -> str:
    """repr(v), cut to 80 characters."""
    r = repr(v)
    return r if len(r) <= 80 else r[:77] + "..."


def _count(v: Any) -> bool:
    """An integer counter: 0 ... 2**62."""
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < 1 << 62


def _hyper_defaults(cls: type[Optimizer]) -> dict[str, Any]:
    """The hyper-parameters of an optimizer class and their defaults, from its __init__."""
    return {
        k: p.default
        for k, p in inspect.signature(cls.__init__).parameters.items()
        if k not in ("self", "params")
    }


def _hyper_value(v: Any, default: Any, key: str) -> Any:
    """A saved hyper-parameter of the default's kind (bool, number or tuple of numbers)."""
    if isinstance(default, bool):
        ok = isinstance(v, bool)
    elif isinstance(default, tuple):
        ok = isinstance(v, (list, tuple)) and len(v) == len(default) and all(map(finite_number, v))
        v = tuple(v) if ok else v
    else:
        ok = finite_number(v)
    if not ok:
        want = (
            "a bool"
            if isinstance(default, bool)
            else f"a list of {len(default)} finite numbers"
            if isinstance(default, tuple)
            else "a finite number"
        )
        raise StateError(f"{key} must be {want}, got {_show(v)}")
    return v


def _check_group(cls: type[Optimizer], g: Any, gi: int) -> dict[str, Any]:
    """One saved param group, its values checked (a range the class refuses is refused)."""
    where = f"optimizer param_groups[{gi}]"
    if not isinstance(g, dict):
        raise StateError(f"{where} must be an object, got {type(g).__name__}")
    defaults = _hyper_defaults(cls)
    hyper = {}
    for k, v in g.items():
        if k == "params":
            continue
        if k == "initial_lr":
            if not finite_number(v):
                raise StateError(f"{where}['initial_lr'] must be a finite number, got {_show(v)}")
            continue
        if k not in defaults:
            raise StateError(
                f"{where}: unknown hyper-parameter {k!r} for {cls.__name__} "
                f"(it has {sorted(defaults)})"
            )
        hyper[k] = _hyper_value(v, defaults[k], f"{where}[{k!r}]")
    try:
        cls([Tensor(np.zeros(1, np.float32))], **hyper)
    except ValueError as e:
        raise StateError(f"{where}: {e}") from None
    return {**g, **hyper}


def _check_indices(groups: list[dict], n_params: int) -> None:
    """Each group's 'params' lists distinct positions among the model's parameters."""
    seen: set[int] = set()
    for gi, g in enumerate(groups):
        ids = g.get("params")
        if not isinstance(ids, list) or not all(_count(i) for i in ids):
            raise StateError(
                f"optimizer param_groups[{gi}]['params'] must be a list of "
                f"parameter positions, got {_show(ids)}"
            )
        for i in ids:
            if i >= n_params:
                raise StateError(
                    f"optimizer param_groups[{gi}] names parameter {i}; the model has {n_params}"
                )
            if i in seen:
                raise StateError(f"optimizer: parameter {i} is in a group twice")
            seen.add(i)


def _template(cls: type[Optimizer], group: dict[str, Any]) -> dict[str, bool]:
    """The state keys one step of `cls` keeps with these hyper-parameters: key -> is array."""
    p = Tensor(np.zeros(1, np.float32))
    opt = cls([p], **{k: v for k, v in group.items() if k not in ("params", "initial_lr")})
    state: dict[str, Any] = {}
    with np.errstate(all="ignore"):  # a dry run on zeros: 0/0 with eps=0 is no concern here
        opt._update(p, np.zeros(1, np.float32), state, opt.param_groups[0])
    return {k: isinstance(v, np.ndarray) for k, v in state.items()}


def _check_param_state(s: Any, template: dict[str, bool], shape: tuple, i: int) -> None:
    """One parameter's state: empty (never stepped) or exactly the template's keys."""
    where = f"optimizer state {i}"
    if not isinstance(s, dict):
        raise StateError(f"{where} must be an object, got {type(s).__name__}")
    if not s:
        return
    for k in s:
        if k not in template:
            raise StateError(
                f"{where}: unexpected key {k!r} (this optimizer keeps {sorted(template)})"
            )
    for k, is_array in template.items():
        if k not in s:
            raise StateError(f"{where}: {k!r} is missing (this optimizer keeps {sorted(template)})")
        v = s[k]
        if is_array and not (isinstance(v, np.ndarray) and v.dtype.kind == "f"):
            what = f"dtype {v.dtype}" if isinstance(v, np.ndarray) else type(v).__name__
            raise StateError(f"{where}: {k!r} must be a floating-point array, got {what}")
        if is_array and v.shape != shape:
            raise StateError(f"{where}: {k!r} has shape {v.shape}, its parameter {shape}")
        if not is_array and not _count(v):
            raise StateError(f"{where}: {k!r} must be a count (an integer >= 0), got {_show(v)}")


def check_optimizer(meta: Any, shapes: Sequence[tuple]) -> dict[str, Any]:
    """A model file's optimizer entry ({type, param_groups, state}), checked against the
    shapes of the model's parameters; the entry back with its values normalised."""
    if not isinstance(meta, dict):
        raise StateError(f"optimizer must be an object, got {type(meta).__name__}")
    kind = meta.get("type")
    cls = OPTIMIZER_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise StateError(
            f"optimizer type {meta.get('type')!r} is not one of {sorted(OPTIMIZER_TYPES)}"
        )
    groups, state = meta.get("param_groups"), meta.get("state")
    if not isinstance(groups, list) or not groups or not isinstance(state, dict):
        raise StateError("optimizer needs a non-empty 'param_groups' list and a 'state' object")
    groups = [_check_group(cls, g, gi) for gi, g in enumerate(groups)]
    _check_indices(groups, len(shapes))
    group_of = {i: g for g in groups for i in g["params"]}
    templates: dict[int, dict[str, bool]] = {}
    for i, s in state.items():
        if i not in group_of:
            raise StateError(f"optimizer state {i}: no group updates parameter {i}")
        g = group_of[i]
        t = templates.setdefault(id(g), _template(cls, g))
        _check_param_state(s, t, tuple(shapes[i]), i)
    return {"type": cls.__name__, "param_groups": groups, "state": state}


def restore_optimizer(meta: dict[str, Any], params: Sequence[Tensor]) -> Optimizer:
    """The optimizer a checked entry describes, over `params` (the model's, in order)."""
    meta = check_optimizer(meta, [p.shape for p in params])
    groups = meta["param_groups"]
    opt = OPTIMIZER_TYPES[meta["type"]](
        [
            {
                **{k: v for k, v in g.items() if k != "params"},
                "params": [params[i] for i in g["params"]],
            }
            for g in groups
        ]
    )
    opt.load_state_dict({"state": meta["state"], "param_groups": groups})
    return opt


def optimizer_metadata(
    optimizer: Optimizer, params: Sequence[Tensor]
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """What a model file keeps of an optimizer over some of `params`: the JSON entry and the
    arrays (named 'optimizer.<position>.<key>'). TypeError for what could not be restored."""
    cls = type(optimizer)
    if OPTIMIZER_TYPES.get(cls.__name__) is not cls:
        raise TypeError(
            f"save: optimizer type {cls.__name__} is not one of glassnet.optim's "
            f"{sorted(OPTIMIZER_TYPES)}, so a model file could not restore it; "
            "save without the optimizer"
        )
    position = {id(p): i for i, p in enumerate(params)}
    order = [p for g in optimizer.param_groups for p in g["params"]]
    if any(id(p) not in position for p in order):
        raise TypeError(
            "save: the optimizer updates a tensor that is not one of the model's "
            "parameters; a model file can only hold the state of the model's own"
        )
    sd = optimizer.state_dict()
    pos = [position[id(p)] for p in order]  # state_dict numbers them in this order
    groups = [{**g, "params": [pos[j] for j in g["params"]]} for g in sd["param_groups"]]
    scalars: dict[str, dict] = {}
    arrays: dict[str, np.ndarray] = {}
    for j, s in sd["state"].items():
        for k, v in s.items():
            if isinstance(v, np.ndarray):
                arrays[f"optimizer.{pos[j]}.{k}"] = v
            else:
                scalars.setdefault(str(pos[j]), {})[k] = v
    return {"type": cls.__name__, "param_groups": groups, "state": scalars}, arrays


# ----- schedulers -----------------------------------------------------------------------------
def _numbers(n: int | None) -> Callable[[Any], bool]:
    """A list of finite numbers, one per param group when `n` is known."""
    return lambda v: (
        isinstance(v, list) and (n is None or len(v) == n) and all(map(finite_number, v))
    )


def _positive(v: Any) -> bool:
    return finite_number(v) and v > 0


def _epoch(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and -1 <= v < 1 << 62


def _fields(name: str, n: int | None) -> dict[str, Callable[[Any], bool]]:
    """The attributes a saved schedule of type `name` has, each with its check."""
    common = {"base_lrs": _numbers(n), "last_epoch": _epoch, "_last_lr": _numbers(n)}
    own: dict[str, dict[str, Callable[[Any], bool]]] = {
        "StepLR": {"step_size": lambda v: _count(v) and v > 0, "gamma": finite_number},
        "MultiStepLR": {
            "milestones": lambda v: isinstance(v, list) and all(map(_count, v)) and v == sorted(v),
            "gamma": finite_number,
        },
        "ExponentialLR": {"gamma": finite_number},
        "CosineAnnealingLR": {"T_max": _positive, "eta_min": finite_number},
    }
    if name == "ReduceLROnPlateau":
        return {
            "mode": lambda v: v in ("min", "max"),
            "factor": lambda v: finite_number(v) and 0 <= v < 1,
            "patience": _count,
            "threshold": finite_number,
            "threshold_mode": lambda v: v in ("rel", "abs"),
            "cooldown": _count,
            "eps": lambda v: finite_number(v) and v >= 0,
            "min_lrs": _numbers(n),
            "best": lambda v: finite_number(v) or v in (math.inf, -math.inf),
            "num_bad_epochs": _count,
            "cooldown_counter": _count,
            "last_epoch": _epoch,
            "_last_lr": _numbers(n),
        }
    return {**own[name], **common} if name in own else {}


SCHEDULER_TYPES = (
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "ReduceLROnPlateau",
)


def check_scheduler(meta: Any, n_groups: int | None) -> dict[str, Any]:
    """A model file's scheduler entry ({type, state}), checked: exactly the attributes of its
    type, each of the right kind (lists of rates one per param group when `n_groups` is known)."""
    if not isinstance(meta, dict) or not isinstance(meta.get("state"), dict):
        raise StateError("scheduler must be an object with a 'state' object")
    name, state = meta.get("type"), meta["state"]
    if not isinstance(name, str) or name not in SCHEDULER_TYPES:
        raise StateError(f"scheduler type {name!r} is not one of {list(SCHEDULER_TYPES)}")
    fields = _fields(name, n_groups)
    for k in state:
        if k not in fields:
            raise StateError(f"scheduler {name}: unexpected key {k!r} (it has {sorted(fields)})")
    for k, ok in fields.items():
        if k not in state:
            raise StateError(f"scheduler {name}: {k!r} is missing")
        if not ok(state[k]):
            raise StateError(f"scheduler {name}: {k!r} has the bad value {_show(state[k])}")
    return meta


def restore_scheduler(meta: dict[str, Any], optimizer: Optimizer) -> Any:
    """The schedule a checked entry describes, driving `optimizer`."""
    meta = check_scheduler(meta, len(optimizer.param_groups))
    cls = getattr(lr_scheduler, meta["type"])
    sched = cls.__new__(cls)
    sched.optimizer = optimizer
    sched.load_state_dict(dict(meta["state"]))
    return sched


def scheduler_metadata(scheduler: Any) -> dict[str, Any]:
    """What a model file keeps of a schedule; TypeError for one it could not restore."""
    name = type(scheduler).__name__
    if getattr(lr_scheduler, name, None) is not type(scheduler) or name not in SCHEDULER_TYPES:
        why = (
            (
                "its lr_lambda is a Python function, and a model file holds no code (loading "
                "never runs any)"
            )
            if isinstance(scheduler, lr_scheduler.LambdaLR)
            else f"a model file can only restore {list(SCHEDULER_TYPES)}"
        )
        raise TypeError(
            f"save: the scheduler {name} cannot be saved: {why}. Save without it "
            "(for a train.Model: model.scheduler = None) and create it again after "
            "loading"
        )
    return {"type": name, "state": scheduler.state_dict()}
