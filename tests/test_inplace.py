"""In-place augmented assignment (`+=` `-=` `*=` `/=`) and the version check (issue 14).

`p -= lr * p.grad` under `no_grad` used to rebind `p` to a new tensor, so the tutorial loop
``for p in model.parameters(): p -= lr * p.grad`` updated nothing. Each rule is checked
against torch.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch

LEAF = "a leaf Variable that requires grad is being used in an in-place operation"
MODIFIED = "modified by an inplace operation"


def _nets(seed: int = 0):
    gn.manual_seed(seed)
    net = gn.nn.Sequential(gn.nn.Linear(3, 8), gn.nn.Tanh(), gn.nn.Linear(8, 1))
    ref = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(net.named_parameters(), ref.named_parameters()):
            assert name == tname
            tp.copy_(torch.from_numpy(p.detach().numpy().copy()))
    return net, ref


def test_tutorial_update_loop_trains_as_torch_does():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
    net, ref = _nets()
    params = list(net.parameters())
    arrays = [p._array for p in params]
    lr = 0.05
    losses, tlosses = [], []
    for _ in range(20):
        loss = ((net(gn.tensor(x)) - gn.tensor(y)) ** 2).mean()
        tloss = ((ref(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean()
        net.zero_grad()
        ref.zero_grad()
        loss.backward()
        tloss.backward()
        with gn.no_grad():
            for p in net.parameters():
                p -= lr * p.grad
        with torch.no_grad():
            for p in ref.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
        tlosses.append(tloss.item())
    np.testing.assert_allclose(losses, tlosses, rtol=1e-4, atol=1e-6)
    assert losses[-1] < 0.5 * losses[0]  # it trained: the update is not a no-op
    for p, a, tp in zip(net.parameters(), arrays, ref.parameters()):
        assert p._array is a  # updated in the same storage
        np.testing.assert_allclose(p._array, tp.detach().numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/="])
def test_each_operator_is_in_place_returns_self_and_matches_torch(op):
    a = gn.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    ta = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    ident, arr, row = id(a), a._array, [2.0, 4.0, 8.0]
    ns = {"a": a, "b": gn.tensor(row), "ta": ta, "tb": torch.tensor(row)}
    exec(f"a {op} b; ta {op} tb; a {op} 0.5; ta {op} 0.5", ns)  # broadcast, then a scalar
    assert id(ns["a"]) == ident and ns["a"]._array is arr and ns["a"]._version == 2
    np.testing.assert_allclose(ns["a"].numpy(), ns["ta"].numpy())
    assert a.__iadd__(1.0) is a


def test_leaf_that_requires_grad_only_under_no_grad():
    for op in ("__iadd__", "__isub__", "__imul__", "__itruediv__"):
        w = gn.tensor([1.0, 2.0], requires_grad=True)
        tw = torch.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match=LEAF):
            getattr(tw, op)(2.0)
        with pytest.raises(RuntimeError, match=LEAF):
            getattr(w, op)(2.0)
        with gn.no_grad():
            assert getattr(w, op)(2.0) is w
        assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match=LEAF):
        gn.tensor([1.0], requires_grad=True).add_(1.0)


def test_non_leaf_is_recorded_in_the_graph_as_torch_does():
    def run(lib, w):
        y = w * 2
        y += w
        y *= w
        y -= 1
        y /= 3
        y.sum().backward()
        return y

    w = gn.tensor([0.5, 1.5, 2.5], requires_grad=True)
    tw = torch.tensor([0.5, 1.5, 2.5], requires_grad=True)
    y, ty = run(gn, w), run(torch, tw)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)
    # a plain tensor taking an operand that requires grad joins the graph
    c, tc = gn.zeros(3), torch.zeros(3)
    w.grad, tw.grad = None, None
    c += w * w
    tc += tw * tw
    assert c.requires_grad and not c.is_leaf
    c.sum().backward()
    tc.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-6)


def test_dtype_that_cannot_be_cast_in_place_is_an_error_naming_both():
    for a, ta, o in [
        (gn.tensor([1, 2]), torch.tensor([1, 2]), 1.5),
        (gn.tensor([1, 2]), torch.tensor([1, 2]), gn.tensor([0.5, 1.0])),
    ]:
        to = torch.tensor(o.numpy()) if isinstance(o, gn.Tensor) else o
        with pytest.raises(RuntimeError, match="can't be cast"):
            ta += to
        with pytest.raises(RuntimeError, match=r"float(32|64) can't be cast.*int64"):
            a += o
    a, ta = gn.tensor([4, 6]), torch.tensor([4, 6])
    with pytest.raises(RuntimeError, match="can't be cast"):
        ta /= 2
    with pytest.raises(RuntimeError, match=r"float64 can't be cast.*int64"):
        a /= 2
    a += 3  # int stays int
    f = gn.tensor([1.0, 2.0])
    f += gn.tensor([1.0, 2.0], dtype=np.float64)  # float64 into float32: same kind, allowed
    assert a.dtype == np.int64 and f.dtype == np.float32 and a.tolist() == [7, 9]


def test_right_side_must_broadcast_to_the_left_shape():
    a, ta = gn.zeros(3), torch.zeros(3)
    with pytest.raises(RuntimeError, match="broadcast shape"):
        ta += torch.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2, 3\)"):
        a += gn.ones(2, 3)
    a += gn.ones(1)
    assert a.tolist() == [1.0, 1.0, 1.0]


def test_version_counter_counts_every_in_place_op():
    a = gn.zeros(2)
    assert a._version == 0
    a += 1
    a.add_(1.0)
    a.mul_(2.0)
    a.zero_()
    a.fill_(3.0)
    a.copy_(np.ones(2))
    a[0] = 5.0
    assert a._version == 7


@pytest.mark.parametrize("case", ["saved_input", "saved_output", "optimizer_step"])
def test_backward_refuses_a_saved_tensor_changed_in_place(case):
    def run(lib):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        c = lib.tensor([3.0, 4.0])
        if case == "saved_input":  # Mul saves c
            out = (w * c).sum()
            c += 1
        elif case == "saved_output":  # Exp saves its output
            e = w.exp()
            out = e.sum()
            with lib.no_grad():
                e += 1
        else:  # an update between forward and backward changes w, which Mul saved
            out = (w * w).sum()
            opt = lib.optim.SGD([w], lr=0.1)
            w.grad = lib.ones(2)
            opt.step()
        out.backward()

    with pytest.raises(RuntimeError, match=MODIFIED):
        run(torch)
    with pytest.raises(RuntimeError, match=MODIFIED):
        run(gn)


def test_in_place_change_not_needed_by_backward_is_fine():
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    c = gn.tensor([3.0, 4.0])
    out = (w + c).sum()  # Add saves nothing
    c += 1
    out.backward()
    assert w.grad.tolist() == [1.0, 1.0]
