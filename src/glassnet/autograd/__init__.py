"""The autograd engine: `Tensor`, `Op` (the engine's ops) and `Function` (the users'), the
ops, `gradcheck`, dtypes and devices."""

from . import dtypes, functional, ops
from .backend import (
    get_array_module,
    get_default_dtype,
    get_rng_state,
    manual_seed,
    set_default_dtype,
    set_rng_state,
)
from .device import accelerator, backends, cuda, device, get_default_device, set_default_device
from .dtypes import *  # noqa: F403
from .function import (
    Function,
    Op,
    enable_grad,
    fused,
    is_fused,
    is_grad_enabled,
    no_grad,
    set_fused,
    set_grad_enabled,
)
from .functional import *  # noqa: F403
from .gradcheck import GradcheckError, gradcheck
from .tensor import (
    Tensor,
    arange,
    empty,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)

__all__ = [
    "Function",
    "GradcheckError",
    "Op",
    "Tensor",
    "arange",
    "enable_grad",
    "from_numpy",
    "full",
    "device",
    "fused",
    "get_array_module",
    "get_default_dtype",
    "get_rng_state",
    "gradcheck",
    "is_fused",
    "is_grad_enabled",
    "manual_seed",
    "no_grad",
    "ones",
    "ones_like",
    "ops",
    "rand",
    "randint",
    "randn",
    "set_default_dtype",
    "set_fused",
    "set_grad_enabled",
    "set_rng_state",
    "tensor",
    "zeros",
    "zeros_like",
    "set_default_device",
    "get_default_device",
    "cuda",
    "backends",
    "accelerator",
    "empty",
    "eye",
    "full_like",
    "linspace",
    "logspace",
    "rand_like",
    "randn_like",
]
__all__ += functional.__all__
__all__ += dtypes.__all__
