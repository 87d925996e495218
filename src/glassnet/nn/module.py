"""`Module` and `Parameter`: the PyTorch contract for layers that own weights.

Parameters, buffers and submodules register themselves when assigned as attributes;
`state_dict()` names them with dotted keys (``"0.weight"``, ``"block.bn.running_mean"``).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..autograd.device import check_device, parse_to


class Parameter(Tensor):
    """A tensor that a Module owns and an optimizer updates (requires_grad by default)."""

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        super().__init__(
            data._array if isinstance(data, Tensor) else data, requires_grad=requires_grad
        )

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        """Record the constructor call (once, for the class actually built) so save can rebuild it.

        `__new__` runs once per construction with the outermost class's arguments, so a
        subclass calling `super().__init__(...)` does not overwrite them (Keras 3 does the same).
        """
        self = super().__new__(cls)
        self.__dict__["_constructor_call"] = (args, kwargs)
        return self

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----- registration ---------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning {name!r}"
            )
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        elif name in self.__dict__.get("_buffer_names", ()):
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, tensor: Tensor | None) -> None:
        """A state tensor that is saved in state_dict but not trained (e.g. running mean)."""
        self.__dict__.setdefault("_buffer_names", set()).add(name)
        setattr(self, name, tensor)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register a Parameter under `name`; None records an absent one (e.g. Linear's
        bias=False), so `self.name` reads None and it is left out of `parameters()`.
        """
        if param is None:
            self.__dict__.pop(name, None)
            self._parameters[name] = None
        else:
            setattr(self, name, param)

    def add_module(self, name: str, module: Module) -> None:
        """Register a submodule under `name`, as assignment does; also for names that are
        not identifiers, such as Sequential's "0", "1", ...
        """
        setattr(self, name, module)

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]) -> Any:
        """Call hook(module, inputs, output) after every forward; returns a removable handle."""
        key = object()
        self._forward_hooks[key] = hook

        class _Handle:
            def remove(_self) -> None:
                self._forward_hooks.pop(key, None)

        return _Handle()

    # ----- calling ----------------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The layer's computation; every subclass defines it. Call the module, `m(x)`,
        rather than `m.forward(x)`, so forward hooks run.
        """
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        out = self.forward(*args, **kwargs)
        if not self._forward_hooks:
            return out
        for hook in list(self._forward_hooks.values()):
            r = hook(self, args, out)
            if r is not None:
                out = r
        return out

    # ----- traversal --------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named `prefix`) and every descendant, depth-first, with dotted names."""
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant, depth-first (`named_modules` without the names)."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules with their attribute names (not their descendants)."""
        yield from ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        """The direct submodules (not their descendants)."""
        for _, m in self.named_children():
            yield m

    def named_parameters(
        self, prefix: str = "", recurse: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, Parameter) pairs, self's first, then each submodule's; a shared
        parameter appears once. `recurse=False` gives only this module's own.
        """
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in mods:
            for pname, p in m._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{pname}" if mname else pname), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every Parameter once (a shared one is not repeated): what an optimizer is given."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs of the registered buffers, e.g. BatchNorm's running
        statistics: state that `state_dict` saves but no optimizer updates.
        """
        for mname, m in self.named_modules(prefix):
            for bname, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{bname}" if mname else bname), b

    def buffers(self) -> Iterator[Tensor]:
        """Every registered buffer (`named_buffers` without the names)."""
        for _, b in self.named_buffers():
            yield b

    # ----- modes and grads --------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Switch this module and all descendants to training mode (`mode=True`) or inference
        mode, in which Dropout and BatchNorm act differently; returns self.
        """
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Inference mode, `train(False)`: Dropout off, BatchNorm uses its running statistics."""
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's gradient (accumulated by backward): drop it (None), or
        fill it with zeros when `set_to_none=False`.
        """
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad._array[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Turn gradient tracking of every parameter on or off (e.g. to freeze a
        pretrained part); returns self.
        """
        for p in self.parameters():
            p.requires_grad = requires_grad
        return self

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call `fn` on every submodule (deepest first) and then on self, e.g. for a custom
        initialisation; returns self.
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    def to(
        self, *args: Any, device: Any = None, dtype: Any = None, non_blocking: bool = False
    ) -> Module:
        """Cast floating parameters and buffers, in place, as PyTorch's: to(gn.float64) (for
        gradchecks), to("cpu"), to(device=..., dtype=...); returns self."""
        name = f"{type(self).__name__}.to"
        _, dtype = parse_to(name, args, device, dtype)
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(
                f"{name} only accepts floating point dtypes, but got {dtype} (cast "
                "integer inputs with Tensor.to instead)"
            )
        for m in self.modules():
            for store in (m._parameters, m._buffers):
                for t in store.values():
                    if t is not None and t.dtype.kind == "f":
                        t._array = t._array.astype(dtype)
        return self

    def cpu(self) -> Module:
        """The module on the CPU: itself, since glassnet computes there."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused with a clear error until a GPU backend (CuPy) is added."""
        check_device("cuda" if device is None else device, f"{type(self).__name__}.cuda")
        return self

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64 in place, for gradient checks; returns
        self."""
        return self.to(np.float64)

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32 in place; returns self."""
        return self.to(np.float32)

    # ----- state ------------------------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Parameters and buffers by dotted name, sharing memory with the module."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for name, p in self.named_parameters():
            out[name] = p.detach()
        for name, b in self.named_buffers():
            out[name] = b.detach() if isinstance(b, Tensor) else b
        return out

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> Any:
        """Copy values in by name; accepts glassnet/PyTorch tensors or arrays."""
        own: dict[str, Any] = dict(self.named_parameters())
        own.update(self.named_buffers())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, "
                f"unexpected keys {unexpected}"
            )
        with no_grad():
            for k, t in own.items():
                if k not in state_dict:
                    continue
                v = _to_numpy(state_dict[k])
                if v.shape != t.shape:
                    raise ValueError(
                        f"{type(self).__name__}.load_state_dict: {k!r} has shape "
                        f"{v.shape} in the state dict, {t.shape} in the model"
                    )
                t._array[...] = v
        return missing, unexpected

    # ----- display ----------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside this module's `repr` parentheses (Linear's "in_features=784, ...");
        override it to show the constructor arguments.
        """
        return ""

    def __repr__(self) -> str:
        lines = [f"({n}): " + repr(m).replace("\n", "\n  ") for n, m in self.named_children()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def summary(
        self, input_shape: tuple[int, ...], dtype: Any = None, print_fn: Any = print
    ) -> Any:
        """Print a Keras-like table of each layer's output shape and parameter count.

        `input_shape` excludes the batch dimension; one sample is run through the model.
        As in Keras it prints and returns None; with print_fn=None it returns the table (a
        str, so `print(model.summary(shape, print_fn=None))`); see `glassnet.inspect.summary`.
        """
        from ..inspect.summary import summary  # inspect builds on nn

        out = summary(self, input_shape, dtype=dtype)
        if print_fn is None:
            return out
        print_fn(str(out))  # printed, not also returned: print(model.summary(...)) shows it once
        return None


def _to_numpy(v: Any) -> np.ndarray:
    if isinstance(v, Tensor):
        return v._array
    if hasattr(v, "detach"):  # a torch tensor
        v = v.detach().cpu().numpy()
    return np.asarray(v)
