"""`Optimizer`: parameter groups, per-parameter state, `zero_grad`, `state_dict`.

Subclasses implement `_update(p, grad, state, group)` for one parameter; it must change
`p._array` in place (no new arrays for the weights, so references to them stay valid).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..autograd import Tensor


class Optimizer:
    """Base class: holds param_groups (dicts with 'params' and hyper-parameters) and state."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self._scratch: dict[Tensor, np.ndarray] = {}  # per-parameter work buffer, not state
        self.param_groups: list[dict[str, Any]] = []
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (unset ones take the defaults).

        Used for per-layer learning rates or fine-tuning; a parameter may be in one group only.
        """
        group = dict(group)
        ps = group["params"]
        group["params"] = [ps] if isinstance(ps, Tensor) else list(ps)
        for k, v in self.defaults.items():
            group.setdefault(k, v)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: params must be Tensors, got {type(p)}")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: a parameter appears in two groups")
        group.setdefault("initial_lr", group.get("lr"))
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient before the next backward, which accumulates into it.

        `set_to_none=True` (PyTorch's default) drops the arrays; False fills them with zeros.
        """
        for g in self.param_groups:
            for p in g["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad._array[...] = 0

    def step(self, closure: Any = None) -> Any:
        """Update every parameter that has a gradient; `closure` re-evaluates the loss."""
        loss = closure() if closure is not None else None
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {})
                self._update(p, p.grad._array, state, group)
                p._version += 1  # changed in place: a graph that saved p refuses to backward
        return loss

    def _update(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError

    def _buffer(self, p: Tensor) -> np.ndarray:
        """A reusable array shaped like p, so an update allocates nothing per step."""
        buf = self._scratch.get(p)
        if buf is None or buf.shape != p._array.shape or buf.dtype != p._array.dtype:
            buf = self._scratch[p] = np.empty_like(p._array)
        return buf

    # ----- state -----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """State by parameter index (as in PyTorch) plus the groups' hyper-parameters."""
        index = {}
        groups = []
        for g in self.param_groups:
            ids = []
            for p in g["params"]:
                index.setdefault(p, len(index))
                ids.append(index[p])
            groups.append({**{k: v for k, v in g.items() if k != "params"}, "params": ids})
        state = {
            index[p]: {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in s.items()}
            for p, s in self.state.items()
            if p in index
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()`: state matched to parameters by position, groups' values too.

        Raises if the group layout differs, so a checkpoint cannot land on the wrong weights.
        """
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
            len(a["params"]) != len(b["params"]) for a, b in zip(groups, self.param_groups)
        ):
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the saved groups have "
                f"{[len(g['params']) for g in groups]} parameters, this optimizer "
                f"has {[len(g['params']) for g in self.param_groups]}"
            )
        by_index = {}
        for saved, own in zip(groups, self.param_groups):
            for i, p in zip(saved["params"], own["params"]):
                by_index[i] = p
            own.update({k: v for k, v in saved.items() if k != "params"})
        self.state = {}
        for i, s in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {
                k: (
                    np.array(v, dtype=p.dtype)
                    if isinstance(v, np.ndarray) and v.shape == p.shape
                    else copy.deepcopy(v)
                )
                for k, v in s.items()
            }

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, g in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [
                f"    {k}: {v}" for k, v in sorted(g.items()) if k not in ("params", "initial_lr")
            ]
        return "\n".join(lines + [")"])


def _check(name: str, **values: float) -> None:
    for k, v in values.items():
        if v < 0:
            raise ValueError(f"{name}: invalid {k} {v} (must be >= 0)")
