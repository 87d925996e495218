"""The tutorials' surface (issue 14, items 2 and 3) against torch 2.13 on random inputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn

RNG = np.random.default_rng(14)


def _check(g: gn.Tensor, t: torch.Tensor, atol: float = 1e-6) -> None:
    """Same shape, same dtype (by name) and the same values."""
    assert g.shape == tuple(t.shape)
    assert str(g.dtype) == str(t.dtype).removeprefix("torch.")
    np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-5, atol=atol)


# ----- factories ----------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [None, "float64", "float32"])
def test_linspace_logspace_eye(dtype: str | None) -> None:
    gd = None if dtype is None else getattr(gn, dtype)
    td = None if dtype is None else getattr(torch, dtype)
    for start, end, steps in [(0.0, 1.0, 5), (-3.5, 2.0, 11), (2.0, 2.0, 1), (0.0, 1.0, 0)]:
        _check(
            gn.linspace(start, end, steps, dtype=gd), torch.linspace(start, end, steps, dtype=td)
        )
        _check(
            gn.logspace(start, end, steps, dtype=gd), torch.logspace(start, end, steps, dtype=td)
        )
        _check(
            gn.logspace(start, end, steps, base=2.0, dtype=gd),
            torch.logspace(start, end, steps, base=2.0, dtype=td),
        )
    for n, m in [(3, None), (2, 4), (4, 1)]:
        _check(gn.eye(n, m, dtype=gd), torch.eye(n, m, dtype=td) if m else torch.eye(n, dtype=td))


def test_empty_and_like_factories() -> None:
    x = gn.tensor(RNG.standard_normal((3, 4)))
    tx = torch.tensor(x.numpy())
    for g, t in [
        (gn.empty(2, 3), torch.empty(2, 3)),
        (gn.empty((2, 3), dtype=gn.int64), torch.empty((2, 3), dtype=torch.int64)),
        (gn.rand_like(x), torch.rand_like(tx)),
        (gn.randn_like(x), torch.randn_like(tx)),
        (gn.rand_like(x, dtype=gn.float32), torch.rand_like(tx, dtype=torch.float32)),
        (gn.full_like(x, 2.5), torch.full_like(tx, 2.5)),
        (gn.full_like(x, 7, dtype=gn.int64), torch.full_like(tx, 7, dtype=torch.int64)),
    ]:
        assert g.shape == tuple(t.shape) and str(g.dtype) == str(t.dtype).removeprefix("torch.")
    _check(gn.full_like(x, 2.5), torch.full_like(tx, 2.5))
    u = gn.rand_like(gn.zeros(1000)).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.05
    n = gn.randn_like(gn.zeros(4000)).numpy()
    assert abs(n.mean()) < 0.1 and abs(n.std() - 1) < 0.1


FACTORIES = [
    lambda **k: gn.linspace(0, 1, 3, **k),
    lambda **k: gn.logspace(0, 1, 3, **k),
    lambda **k: gn.eye(3, **k),
    lambda **k: gn.empty(2, 3, **k),
    lambda **k: gn.rand_like(gn.zeros(2), **k),
    lambda **k: gn.randn_like(gn.zeros(2), **k),
    lambda **k: gn.full_like(gn.zeros(2), 1.0, **k),
    lambda **k: gn.zeros(2, **k),
    lambda **k: gn.ones(2, **k),
    lambda **k: gn.zeros_like(gn.zeros(2), **k),
    lambda **k: gn.ones_like(gn.zeros(2), **k),
    lambda **k: gn.rand(2, **k),
    lambda **k: gn.randn(2, **k),
]


@pytest.mark.parametrize("make", FACTORIES)
def test_factory_device_and_requires_grad(make) -> None:
    assert make(device="cpu").device == gn.device("cpu")
    assert make(device=gn.device("cpu")).device == "cpu"
    assert make(requires_grad=True).requires_grad
    assert not make().requires_grad
    with pytest.raises(RuntimeError, match="no GPU backend"):
        make(device="cuda")
    with pytest.raises(RuntimeError, match="no GPU backend"):
        make(device=gn.device("cuda", 0))
