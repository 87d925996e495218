"""Every autograd op against PyTorch: outputs and gradients, float32 and float64, broadcasting.

Property tests draw shapes (and broadcast-compatible shape pairs) with hypothesis; the data
come from a seeded NumPy generator so each example is cheap.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import (
    array_shapes,
    basic_indices,
    mutually_broadcastable_shapes,
)

import glassnet as gn
from reference_torch import away_from_zero, compare, positive, randn, torch

DTYPES = [np.float32, np.float64]
FEW = settings(max_examples=20, deadline=None)
pair_shapes = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4)
shapes = array_shapes(min_dims=1, max_dims=4, max_side=5)

BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, randn, randn),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, randn, randn),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, randn, randn),
    "div": (lambda a, b: a / b, lambda a, b: a / b, randn, away_from_zero),
    "pow": (lambda a, b: a**b, lambda a, b: a**b, positive, randn),
    "maximum": (gn.maximum, torch.maximum, randn, randn),
    "minimum": (gn.minimum, torch.minimum, randn, randn),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BINARY))
@FEW
@given(shapes=pair_shapes, seed=st.integers(0, 2**16))
def test_binary_ops_broadcast(name, dtype, shapes, seed):
    ours, ref, make_a, make_b = BINARY[name]
    rng = np.random.default_rng(seed)
    (sa, sb), _ = shapes
    compare(ours, ref, [make_a(rng, sa, dtype), make_b(rng, sb, dtype)], seed, name)


SCALAR = {
    "t+2": (lambda t: t + 2.5, lambda t: t + 2.5),
    "2-t": (lambda t: 2.5 - t, lambda t: 2.5 - t),
    "t*3": (lambda t: t * 3, lambda t: t * 3),
    "3/t": (lambda t: 3.0 / t, lambda t: 3.0 / t),
    "t/3": (lambda t: t / 3.0, lambda t: t / 3.0),
    "t**2": (lambda t: t**2, lambda t: t**2),
    "t**0.5": (lambda t: t**0.5, lambda t: t**0.5),
    "2**t": (lambda t: 2.0**t, lambda t: 2.0**t),
    "np.float64*t": (lambda t: np.float64(1.5) * t, lambda t: 1.5 * t),
    "t-np.float64": (lambda t: t - np.float64(0.25), lambda t: t - 0.25),
    "-t": (lambda t: -t, lambda t: -t),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(SCALAR))
def test_ops_with_python_and_numpy_scalars(name, dtype):
    ours, ref = SCALAR[name]
    x = positive(np.random.default_rng(1), (3, 4), dtype)
    compare(ours, ref, [x], what=name)


UNARY = {
    "neg": (lambda t: -t, lambda t: -t, randn),
    "exp": (gn.exp, torch.exp, randn),
    "log": (gn.log, torch.log, positive),
    "sqrt": (gn.sqrt, torch.sqrt, positive),
    "abs": (gn.abs, torch.abs, away_from_zero),
    "relu": (gn.relu, torch.relu, away_from_zero),
    "leaky_relu": (
        lambda t: gn.leaky_relu(t, 0.2),
        lambda t: torch.nn.functional.leaky_relu(t, 0.2),
        away_from_zero,
    ),
    "sigmoid": (gn.sigmoid, torch.sigmoid, randn),
    "tanh": (gn.tanh, torch.tanh, randn),
    "clamp": (lambda t: t.clamp(-0.5, 0.7), lambda t: t.clamp(-0.5, 0.7), away_from_zero),
    "clamp_min": (
        lambda t: gn.clamp(t, min=0.3),
        lambda t: torch.clamp(t, min=0.3),
        away_from_zero,
    ),
    "clamp_max": (lambda t: t.clamp(max=-0.3), lambda t: t.clamp(max=-0.3), away_from_zero),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(UNARY))
@FEW
@given(shape=shapes, seed=st.integers(0, 2**16))
def test_unary_ops(name, dtype, shape, seed):
    ours, ref, make = UNARY[name]
    compare(ours, ref, [make(np.random.default_rng(seed), shape, dtype)], seed, name)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_tanh_saturate_without_overflow(dtype):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype)
    compare(gn.sigmoid, torch.sigmoid, [x], what="sigmoid")
    compare(gn.tanh, torch.tanh, [x], what="tanh")


@pytest.mark.parametrize("dtype", DTYPES)
def test_step_is_heaviside_with_zero_gradient(dtype):
    x = np.array([[-2.0, -0.0, 0.0, 1e-8, 3.0]], dtype)
    t = gn.tensor(x, requires_grad=True)
    y = gn.step(t)
    expected = torch.heaviside(torch.tensor(x), torch.tensor(1.0, dtype=torch.tensor(x).dtype))
    np.testing.assert_array_equal(y.detach().numpy(), expected.numpy())
    (y * 5).sum().backward()
    # PyTorch has no derivative for heaviside; mathematically it is 0 wherever it exists.
    np.testing.assert_array_equal(t.grad.numpy(), np.zeros_like(x))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@FEW
@given(shape=shapes, seed=st.integers(0, 2**16), data=st.data())
def test_softmax_and_log_softmax_over_any_dim(fn, dtype, shape, seed, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = 5 * randn(np.random.default_rng(seed), shape, dtype)
    compare(lambda t: getattr(gn, fn)(t, dim), lambda t: getattr(torch, fn)(t, dim), [x], seed, fn)


REDUCE = ["sum", "mean", "amax", "amin"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", REDUCE)
@FEW
@given(shape=shapes, seed=st.integers(0, 2**16), keepdim=st.booleans(), data=st.data())
def test_reductions_with_dim_and_keepdim(name, dtype, shape, seed, keepdim, data):
    nd = len(shape)
    dim = data.draw(
        st.one_of(
            st.none(),
            st.integers(-nd, nd - 1),
            st.lists(st.integers(0, nd - 1), min_size=1, max_size=nd, unique=True).map(tuple),
        )
    )
    x = randn(np.random.default_rng(seed), shape, dtype)
    if dim is None:
        compare(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x], seed, name)
    else:
        compare(
            lambda t: getattr(t, name)(dim, keepdim=keepdim),
            lambda t: getattr(t, name)(dim, keepdim=keepdim),
            [x],
            seed,
            name,
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["max", "min"])
@FEW
@given(shape=shapes, seed=st.integers(0, 2**16), keepdim=st.booleans(), data=st.data())
def test_max_min_values_and_indices(name, dtype, shape, seed, keepdim, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    x = randn(np.random.default_rng(seed), shape, dtype)
    compare(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x], seed, name)
    compare(
        lambda t: getattr(t, name)(dim, keepdim).values,
        lambda t: getattr(t, name)(dim, keepdim).values,
        [x],
        seed,
        f"{name}(dim)",
    )
    ours = getattr(gn.tensor(x), name)(dim, keepdim).indices.numpy()
    ref = getattr(torch.tensor(x), name)(dim, keepdim).indices.numpy()
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_with_ties_shares_gradient_like_pytorch(dtype):
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], dtype)
    compare(lambda t: t.max(), lambda t: t.max(), [x], what="max() ties")
    compare(lambda t: t.amax(1), lambda t: t.amax(1), [x], what="amax ties")
    compare(lambda t: t.max(1).values, lambda t: t.max(1).values, [x], what="max(dim) ties")
    compare(lambda t: t.min(0).values, lambda t: t.min(0).values, [x], what="min(dim) ties")
    y = np.array([[1.0, 0.0, 3.0], [2.0, 5.0, 2.0]], dtype)
    compare(gn.maximum, torch.maximum, [x, y], what="maximum ties")
    compare(gn.minimum, torch.minimum, [x, y], what="minimum ties")


MATMUL_SHAPES = [
    ((3,), (3,)),
    ((3,), (3, 4)),
    ((2, 3), (3,)),
    ((2, 3), (3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((2, 1, 2, 3), (4, 3, 2)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (3,)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_1d_2d_and_batched(sa, sb, dtype):
    rng = np.random.default_rng(0)
    compare(
        lambda a, b: a @ b,
        lambda a, b: a @ b,
        [randn(rng, sa, dtype), randn(rng, sb, dtype)],
        what=f"matmul {sa} @ {sb}",
    )
    compare(
        gn.matmul,
        torch.matmul,
        [randn(rng, sa, dtype), randn(rng, sb, dtype)],
        what=f"matmul {sa} @ {sb}",
    )


@pytest.mark.parametrize("dtype", DTYPES)
@FEW
@given(shape=shapes, seed=st.integers(0, 2**16), data=st.data())
def test_reshape_view_permute_transpose(dtype, shape, seed, data):
    x = randn(np.random.default_rng(seed), shape, dtype)
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    d0, d1 = data.draw(st.integers(0, len(shape) - 1)), data.draw(st.integers(-len(shape), -1))
    compare(lambda t: t.reshape(-1), lambda t: t.reshape(-1), [x], seed, "reshape(-1)")
    compare(lambda t: t.view(x.size, 1), lambda t: t.view(x.size, 1), [x], seed, "view")
    compare(lambda t: t.permute(*perm), lambda t: t.permute(*perm), [x], seed, "permute")
    compare(lambda t: t.transpose(d0, d1), lambda t: t.transpose(d0, d1), [x], seed, "transpose")
    compare(
        lambda t: t.T if t.ndim == 2 else t.flatten(),
        lambda t: t.T if t.ndim == 2 else t.flatten(),
        [x],
        seed,
        "T/flatten",
    )
    compare(
        lambda t: gn.permute(t, perm).reshape(*reversed(shape)) * 2,
        lambda t: t.permute(*perm).reshape(*reversed(shape)) * 2,
        [x],
        seed,
        "chain",
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_unsqueeze_squeeze_expand(dtype):
    x = randn(np.random.default_rng(0), (3, 1, 4), dtype)
    compare(lambda t: t.unsqueeze(0), lambda t: t.unsqueeze(0), [x], what="unsqueeze")
    compare(lambda t: t.squeeze(1), lambda t: t.squeeze(1), [x], what="squeeze")
    compare(lambda t: t.squeeze(), lambda t: t.squeeze(), [x], what="squeeze()")
    compare(lambda t: t.expand(2, 3, 5, 4), lambda t: t.expand(2, 3, 5, 4), [x], what="expand")
    compare(lambda t: t.flatten(1), lambda t: t.flatten(1), [x], what="flatten(1)")


INDEXES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, None),
    "step slice": slice(None, None, 2),
    "tuple of slices": (slice(0, 2), slice(1, 3)),
    "ellipsis": (Ellipsis, 0),
    "None": (None, 1),
    "int array with repeats": [2, 0, 2, 2],
    "2-D int array": np.array([[0, 1], [1, 1]]),
    "int arrays per dim (repeats)": (np.array([0, 2, 0]), np.array([1, 1, 1])),
    "slice + int array": (slice(None), [3, 0, 3]),
    "bool mask": np.array([True, False, True]),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(INDEXES))
def test_indexing_and_slicing(name, dtype):
    x = randn(np.random.default_rng(0), (3, 4, 2), dtype)
    idx = INDEXES[name]
    tidx = (
        tuple(torch.from_numpy(i) if isinstance(i, np.ndarray) else i for i in idx)
        if isinstance(idx, tuple)
        else torch.from_numpy(idx)
        if isinstance(idx, np.ndarray)
        else idx
    )
    compare(lambda t: t[idx], lambda t: t[tidx], [x], what=f"index {name}")


def _no_negative_steps(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(not isinstance(p, slice) or p.step is None or p.step > 0 for p in parts)


@pytest.mark.parametrize("dtype", DTYPES)
@FEW
@given(
    data=st.data(),
    shape=array_shapes(min_dims=1, max_dims=3, max_side=5),
    seed=st.integers(0, 2**16),
)
def test_basic_indexing_property(dtype, data, shape, seed):
    index = data.draw(basic_indices(shape, allow_newaxis=True).filter(_no_negative_steps))
    x = randn(np.random.default_rng(seed), shape, dtype)
    compare(lambda t: t[index], lambda t: t[index], [x], seed, f"index {index!r}")


@pytest.mark.parametrize("dtype", DTYPES)
@FEW
@given(
    shape=array_shapes(min_dims=1, max_dims=3, max_side=5),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_integer_array_indexing_property(dtype, shape, seed, data):
    n = data.draw(st.integers(1, 8))
    idx = np.asarray(
        data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=n, max_size=n))
    )
    x = randn(np.random.default_rng(seed), shape, dtype)
    compare(lambda t: t[idx], lambda t: t[torch.from_numpy(idx)], [x], seed, f"index {idx}")


def test_indexing_with_a_tensor_index_accumulates_repeats():
    x = randn(np.random.default_rng(0), (5, 3), np.float64)
    idx = np.array([4, 4, 1, 4])
    compare(
        lambda t: t[gn.tensor(idx)], lambda t: t[torch.from_numpy(idx)], [x], what="tensor index"
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_and_stack(dim, dtype):
    rng = np.random.default_rng(0)
    a, b, c = randn(rng, (2, 3), dtype), randn(rng, (2, 3), dtype), randn(rng, (2, 3), dtype)
    compare(lambda *t: gn.cat(t, dim), lambda *t: torch.cat(t, dim), [a, b, c], what="cat")
    compare(lambda *t: gn.stack(t, dim), lambda *t: torch.stack(t, dim), [a, b, c], what="stack")
    d = randn(rng, (2, 5), dtype)
    compare(
        lambda x, y: gn.cat([x, y], 1),
        lambda x, y: torch.cat([x, y], 1),
        [a, d],
        what="cat of different widths",
    )


@pytest.mark.parametrize("dtype", DTYPES)
@FEW
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4),
    seed=st.integers(0, 2**16),
)
def test_where_broadcasts(dtype, shapes, seed):
    rng = np.random.default_rng(seed)
    (sc, sa, sb), _ = shapes
    cond = np.asarray(rng.random(sc) > 0.5)
    compare(
        lambda a, b: gn.where(gn.tensor(cond), a, b),
        lambda a, b: torch.where(torch.from_numpy(cond), a, b),
        [randn(rng, sa, dtype), randn(rng, sb, dtype)],
        seed,
        "where",
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_composite_expression(dtype):
    """A small network-like expression mixing broadcasting, reductions and activations."""
    rng = np.random.default_rng(3)
    arrays = [randn(rng, (4, 3), dtype), randn(rng, (3, 5), dtype), randn(rng, (5,), dtype)]

    def f(lib):
        def run(x, w, b):
            h = lib.tanh(x @ w + b)
            return lib.log_softmax(h * h.sigmoid() - h.mean(0, keepdim=True), 1).sum(1)

        return run

    compare(f(gn), f(torch), arrays, what="composite")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 2)])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("name", ["var", "std", "logsumexp"])
def test_var_std_logsumexp(name, dim, keepdim, dtype):
    x = randn(np.random.default_rng(2), (3, 4, 2), dtype)
    if name == "logsumexp":
        d = (0, 1, 2) if dim is None else dim
        compare(
            lambda t: t.logsumexp(d, keepdim), lambda t: t.logsumexp(d, keepdim), [x], what=name
        )
    elif dim is None:
        compare(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), [x], what=name)
    else:
        compare(
            lambda t: getattr(t, name)(dim, keepdim=keepdim, correction=0),
            lambda t: getattr(t, name)(dim, keepdim=keepdim, correction=0),
            [x],
            what=name,
        )


def test_casts_between_float_dtypes_carry_the_gradient_and_integer_casts_leave_the_graph():
    x = np.array([0.5, 1.5, -2.0], np.float32)
    compare(lambda t: t.double() * 2, lambda t: t.double() * 2, [x], what="float32 -> float64")
    t = gn.tensor(x, requires_grad=True)
    i = t.long()
    assert i.dtype == np.int64 and not i.requires_grad
    np.testing.assert_array_equal(i.numpy(), torch.tensor(x).long().numpy())
