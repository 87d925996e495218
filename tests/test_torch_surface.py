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
    lambda **k: gn.full((2,), 1.0, **k),
    lambda **k: gn.arange(3.0, **k),
    lambda **k: gn.tensor([1.0], **k),
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


def test_randint_device() -> None:
    assert gn.randint(0, 5, (3,), device="cpu").device == "cpu"
    with pytest.raises(RuntimeError, match="no GPU backend"):
        gn.randint(0, 5, (3,), device="cuda")


# ----- functions and methods ----------------------------------------------------------------
def _pair(*shape: int, dtype: str = "float64") -> tuple[gn.Tensor, torch.Tensor]:
    a = RNG.standard_normal(shape).astype(dtype)
    return gn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _grads(g_out, t_out, g_in, t_in) -> None:
    """The outputs agree, and so do the gradients of a random weighting of them."""
    g_out = g_out if isinstance(g_out, tuple) else (g_out,)
    t_out = t_out if isinstance(t_out, tuple) else (t_out,)
    assert len(g_out) == len(t_out)
    g_loss, t_loss = 0, 0
    for g, t in zip(g_out, t_out):
        _check(g.detach(), t.detach())
        w = RNG.standard_normal(tuple(t.shape))
        g_loss = g_loss + (g * gn.tensor(w)).sum()
        t_loss = t_loss + (t * torch.tensor(w)).sum()
    g_loss.backward()
    t_loss.backward()
    for g, t in zip(g_in, t_in):
        _check(g.grad, t.grad)


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_argmax_argmin_functions(dim: int | None) -> None:
    g, t = _pair(4, 5)
    for keepdim in (False, True):
        if dim is None and keepdim:
            continue
        _check(gn.argmax(g, dim, keepdim), torch.argmax(t, dim, keepdim))
        _check(gn.argmin(g, dim, keepdim), torch.argmin(t, dim, keepdim))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_arithmetic_functions_and_methods(name: str) -> None:
    (ga, ta), (gb, tb) = _pair(3, 4), _pair(4)
    kw = [{}] + ([{"alpha": 2.5}, {"alpha": -1}] if name in ("add", "sub") else [])
    for k in kw:
        ga.grad = gb.grad = ta.grad = tb.grad = None
        _grads(
            getattr(gn, name)(ga, gb, **k), getattr(torch, name)(ta, tb, **k), [ga, gb], [ta, tb]
        )
        ga.grad = gb.grad = ta.grad = tb.grad = None
        _grads(getattr(ga, name)(gb, **k), getattr(ta, name)(tb, **k), [ga, gb], [ta, tb])
        _check(getattr(ga, name)(1.5, **k).detach(), getattr(ta, name)(1.5, **k).detach())
    ia, ib = RNG.integers(-5, 5, (3,)), RNG.integers(1, 5, (3,))
    _check(
        getattr(gn, name)(gn.tensor(ia), gn.tensor(ib)),
        getattr(torch, name)(torch.tensor(ia), torch.tensor(ib)),
    )


def test_mm_bmm_t() -> None:
    (ga, ta), (gb, tb) = _pair(3, 4), _pair(4, 2)
    _grads(gn.mm(ga, gb), torch.mm(ta, tb), [ga, gb], [ta, tb])
    ga.grad = gb.grad = ta.grad = tb.grad = None
    _grads(ga.mm(gb), ta.mm(tb), [ga, gb], [ta, tb])
    (gx, tx), (gy, ty) = _pair(2, 3, 4), _pair(2, 4, 5)
    _grads(gn.bmm(gx, gy), torch.bmm(tx, ty), [gx, gy], [tx, ty])
    gx.grad = gy.grad = tx.grad = ty.grad = None
    _grads(gx.bmm(gy), tx.bmm(ty), [gx, gy], [tx, ty])
    for shape in [(3, 4), (5,), ()]:
        g, t = _pair(*shape)
        _grads(g.t(), t.t(), [g], [t])
        _check(gn.t(g).detach(), torch.t(t).detach())
    with pytest.raises(RuntimeError):
        _pair(2, 3, 4)[0].t()
    with pytest.raises(RuntimeError):
        gn.mm(gx, gy)
    with pytest.raises(RuntimeError):
        gn.bmm(ga, gb)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(name: str) -> None:
    a, b = RNG.integers(0, 3, (3, 4)).astype("float32"), RNG.integers(0, 3, (4,)).astype("float32")
    ga, gb, ta, tb = gn.tensor(a), gn.tensor(b), torch.tensor(a), torch.tensor(b)
    for g, t in [
        (getattr(gn, name)(ga, gb), getattr(torch, name)(ta, tb)),
        (getattr(ga, name)(gb), getattr(ta, name)(tb)),
        (getattr(ga, name)(1.0), getattr(ta, name)(1.0)),
    ]:
        assert g.dtype == gn.bool
        _check(g, t)


def test_view_as_expand_as_narrow() -> None:
    g, t = _pair(2, 6)
    _grads(g.view_as(gn.zeros(3, 4)), t.view_as(torch.zeros(3, 4)), [g], [t])
    g, t = _pair(3, 1)
    _grads(g.expand_as(gn.zeros(2, 3, 4)), t.expand_as(torch.zeros(2, 3, 4)), [g], [t])
    for dim, start, length in [(0, 1, 2), (1, -3, 2), (-1, 0, 5), (1, 5, 0)]:
        g, t = _pair(4, 5)
        _grads(g.narrow(dim, start, length), t.narrow(dim, start, length), [g], [t])
        _check(
            gn.narrow(g, dim, start, length).detach(), torch.narrow(t, dim, start, length).detach()
        )
    with pytest.raises(RuntimeError):
        g.narrow(0, 3, 2)


@pytest.mark.parametrize(
    "arg,dim", [(2, 0), (3, 1), (5, 1), (7, 0), ([1, 3], 0), ([2, 0, 3], -1), ((4,), 0)]
)
def test_split(arg, dim: int) -> None:
    g, t = _pair(4, 5)
    if isinstance(arg, (list, tuple)) and sum(arg) != t.shape[dim]:
        with pytest.raises(RuntimeError):
            g.split(arg, dim)
        return
    _grads(g.split(arg, dim), t.split(arg, dim), [g], [t])
    assert len(gn.split(g, arg, dim)) == len(torch.split(t, arg, dim))


@pytest.mark.parametrize(
    "chunks,dim,n", [(2, 0, 4), (3, 0, 5), (4, 0, 6), (4, 0, 10), (1, 1, 3), (8, 0, 3)]
)
def test_chunk(chunks: int, dim: int, n: int) -> None:
    g, t = _pair(n, 3)
    _grads(g.chunk(chunks, dim), t.chunk(chunks, dim), [g], [t])
    assert [p.shape for p in gn.chunk(g, chunks, dim)] == [
        tuple(p.shape) for p in torch.chunk(t, chunks, dim)
    ]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_new_factories(dtype: str) -> None:
    g, t = gn.tensor(np.ones(2, dtype)), torch.tensor(np.ones(2, dtype))
    _check(g.new_zeros(2, 3), t.new_zeros(2, 3))
    _check(g.new_zeros((2, 3)), t.new_zeros((2, 3)))
    _check(g.new_ones(4), t.new_ones(4))
    _check(g.new_ones(4, dtype=gn.float64), t.new_ones(4, dtype=torch.float64))
    _check(g.new_tensor([1, 2]), t.new_tensor([1, 2]))
    _check(g.new_tensor([1.7, -2.2]), t.new_tensor([1.7, -2.2]))
    _check(g.new_tensor([[1, 2]], dtype=gn.float32), t.new_tensor([[1, 2]], dtype=torch.float32))
    assert g.new_zeros(2, device="cpu").device == "cpu"
    assert g.new_zeros(2, dtype=gn.float32, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="no GPU backend"):
        g.new_tensor([1], device="cuda")


def test_index_and_format() -> None:
    import operator

    for v in [[3], 3, [[True]], 2.0, [1, 2], [2.0]]:
        gv, tv = gn.tensor(v), torch.tensor(v)
        try:
            want = operator.index(tv)
        except TypeError:
            with pytest.raises(TypeError):
                operator.index(gv)
        else:
            assert operator.index(gv) == want
    assert [10, 20, 30][gn.tensor(2)] == 30 and list(range(gn.tensor([3]))) == [0, 1, 2]
    for v in [2.0, 1 / 3, 7, [2.5]]:
        gv, tv = gn.tensor(v), torch.tensor(v)
        for spec in [".4f", "", ">10.2e"]:
            try:
                want = format(tv, spec)
            except TypeError:
                with pytest.raises(TypeError):
                    format(gv, spec)
            else:
                if gv.ndim == 0:
                    assert format(gv, spec) == want
    loss = gn.tensor(0.123456)
    assert f"{loss:.4f}" == "0.1235"


# ----- device helpers -----------------------------------------------------------------------
def test_device_queries() -> None:
    assert gn.cuda.is_available() is False and gn.cuda.device_count() == 0
    assert gn.backends.mps.is_available() is False and gn.backends.mps.is_built() is False
    assert gn.accelerator.is_available() is False and gn.accelerator.device_count() == 0
    assert gn.accelerator.current_accelerator() is None
    # the same names exist in torch and answer with the same types
    assert isinstance(torch.cuda.is_available(), bool)
    assert isinstance(torch.backends.mps.is_available(), bool)
    assert isinstance(torch.accelerator.is_available(), bool)
    acc = torch.accelerator.current_accelerator()
    assert acc is None or isinstance(acc, torch.device)
    # the tutorials' idiom picks the CPU
    dev = gn.accelerator.current_accelerator().type if gn.accelerator.is_available() else "cpu"
    assert gn.zeros(2, device=dev).device == "cpu"


def test_set_default_device() -> None:
    gn.set_default_device("cpu")
    gn.set_default_device(gn.device("cpu"))
    gn.set_default_device(None)
    assert gn.get_default_device() == gn.device("cpu") == torch.get_default_device().type
    for bad in ["cuda", "cuda:0", gn.device("cuda", 1)]:
        with pytest.raises(RuntimeError, match="no GPU backend"):
            gn.set_default_device(bad)
    with pytest.raises(RuntimeError, match="expected one of"):
        gn.set_default_device("tpu")


def test_random_like_needs_a_float_dtype() -> None:
    for fn in ("rand_like", "randn_like"):
        with pytest.raises(NotImplementedError):
            getattr(torch, fn)(torch.zeros(2, dtype=torch.int64))
        with pytest.raises(NotImplementedError):
            getattr(gn, fn)(gn.zeros(2, dtype=gn.int64))
    _check(gn.linspace(0, 10, 5, dtype=gn.int64), torch.linspace(0, 10, 5, dtype=torch.int64))


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div"])
def test_arithmetic_out(name: str) -> None:
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    k = {"alpha": 2} if name in ("add", "sub") else {}
    for gout, tout in [
        (gn.zeros(2, 3, dtype=gn.float64), torch.zeros(2, 3, dtype=torch.float64)),
        (gn.empty(0, dtype=gn.float64), torch.empty(0, dtype=torch.float64)),
        (gn.zeros(2, 3, dtype=gn.float32), torch.zeros(2, 3, dtype=torch.float32)),
    ]:
        g = getattr(gn, name)(gn.tensor(a), gn.tensor(b), out=gout, **k)
        t = getattr(torch, name)(torch.tensor(a), torch.tensor(b), out=tout, **k)
        assert g is gout and t is tout
        _check(gout, tout)
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(gn, name)(gn.tensor(a), 1.5, out=gn.zeros(2, 3, dtype=gn.int64))
    with pytest.raises(RuntimeError, match="automatic differentiation"):
        getattr(gn, name)(gn.tensor(a, requires_grad=True), 1.5, out=gn.zeros(2, 3))
    with gn.no_grad():
        out = gn.zeros(2, 3, dtype=gn.float64)
        getattr(gn, name)(gn.tensor(a, requires_grad=True), 2.0, out=out, **k)
        assert not out.requires_grad
