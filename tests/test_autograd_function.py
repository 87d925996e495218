"""The public `autograd.Function` on Tensors, as torch.autograd.Function (issue 14).

The first test is PyTorch's "Defining new autograd Functions" example (the Legendre polynomial
P3 fit of sin x from the "Learning PyTorch with Examples" tutorial,
beginner_source/examples_autograd/polynomial_custom_function.py), written out once and run
with both libraries, which must agree step for step.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch


def _legendre(lib):
    class LegendrePolynomial3(lib.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input**3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input**2 - 1)

    return LegendrePolynomial3


def _fit(lib, steps=300):
    dtype = lib.float
    x = lib.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = lib.sin(x) if hasattr(lib, "sin") else x.sin()
    a = lib.full((), 0.0, dtype=dtype, requires_grad=True)
    b = lib.full((), -1.0, dtype=dtype, requires_grad=True)
    c = lib.full((), 0.0, dtype=dtype, requires_grad=True)
    d = lib.full((), 0.3, dtype=dtype, requires_grad=True)
    lr, losses = 5e-6, []
    P3 = _legendre(lib).apply
    for _ in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with lib.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
    return losses, [p.item() for p in (a, b, c, d)]


def test_legendre_polynomial_tutorial_matches_torch():
    ours, theirs = _fit(gn), _fit(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=2e-4)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=2e-4, atol=1e-6)
    assert ours[0][-1] < 0.25 * ours[0][0]  # it learns (300 of the tutorial's 2000 steps)


def test_ctx_attributes_as_torch():
    seen = {}

    def make(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, y):
                ctx.k = k
                seen[lib.__name__] = ctx.needs_input_grad
                ctx.save_for_backward(x, y)
                return x * k + y

            @staticmethod
            def backward(ctx, g):
                x, y = ctx.saved_tensors
                return g * ctx.k, None, g * x

        return Scale

    for lib in (gn, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.tensor([3.0, 4.0])
        out = make(lib).apply(x, 3.0, y)
        assert out.requires_grad and out.grad_fn.name() == "ScaleBackward"
        out.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    assert seen["glassnet"] == seen["torch"] == (True, False, False)


def _sort_fn(lib):
    class Sort(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            values, idx = x.sort() if lib is torch else _np_sort(x)
            ctx.mark_non_differentiable(idx)
            ctx.save_for_backward(idx)
            ctx.set_materialize_grads(False)
            return values, idx

        @staticmethod
        def backward(ctx, g, g_idx):
            assert g_idx is None
            (idx,) = ctx.saved_tensors
            out = lib.zeros_like(g)
            out[idx] = g
            return out

    return Sort


def _np_sort(x):
    a = x.detach().numpy()
    idx = np.argsort(a, kind="stable")
    return gn.tensor(a[idx]), gn.tensor(idx)


def test_two_outputs_non_differentiable_and_unmaterialized_grads_as_torch():
    grads = []
    for lib in (gn, torch):
        x = lib.tensor([3.0, 1.0, 2.0], requires_grad=True)
        values, idx = _sort_fn(lib).apply(x)
        assert values.requires_grad and not idx.requires_grad
        (values * lib.tensor([1.0, 10.0, 100.0])).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_materialized_zero_grads_for_an_unused_output():
    def make(lib):
        class Two(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g2, g3):
                return g2 * 2 + g3 * 3  # g3 is zeros, not None, by default

        return Two

    for lib in (gn, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        make(lib).apply(x)[0].sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_setup_context_style_as_torch():
    def make(lib):
        class Cube(lib.autograd.Function):
            @staticmethod
            def forward(x):
                return x**3

            @staticmethod
            def setup_context(ctx, inputs, output):
                (ctx.x,) = inputs

            @staticmethod
            def backward(ctx, g):
                return 3 * g * ctx.x**2

        return Cube

    for lib in (gn, torch):
        x = lib.tensor([1.0, -2.0], requires_grad=True)
        make(lib).apply(x).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [3.0, 12.0])


def test_gradcheck_of_a_user_function():
    f = _legendre(gn).apply
    x = gn.tensor(np.linspace(-1, 1, 5), requires_grad=True, dtype=np.float64)
    assert gn.autograd.gradcheck(f, [x])


def test_wrong_gradients_are_named():
    class Bad(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g

    class BadShape(gn.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return gn.ones(7)

    x = gn.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="BadBackward returned an incorrect number of grad"):
        Bad.apply(x, x).sum().backward()
    with pytest.raises(RuntimeError, match=r"invalid gradient at index 0 - got \[7\].*\[3\]"):
        BadShape.apply(x).backward()


def test_modifying_a_saved_tensor_in_place_raises_as_torch():
    for lib in (gn, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        h = x * 1
        out = _legendre(lib).apply(h)
        with lib.no_grad():
            h.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            out.sum().backward()
