"""Engine behaviour: graph construction and freeing, dtypes, Module contract, error messages."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch

nn = gn.nn


# ----- backward ---------------------------------------------------------------------------
def test_backward_through_a_100000_op_chain_without_recursion():
    x = gn.tensor(1.0, dtype=np.float64, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    assert x.grad.item() == pytest.approx(1.00001**100_000, rel=1e-9)


def test_a_tensor_used_twice_gets_both_gradients():
    a = gn.tensor([1.5, -2.0], requires_grad=True)
    (a + a).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])
    a.grad = None
    b = a * 3
    (b * b + b).sum().backward()  # d/da (9a² + 3a) = 18a + 3
    np.testing.assert_allclose(a.grad.numpy(), 18 * a.detach().numpy() + 3, rtol=1e-6)


def test_gradients_accumulate_across_backward_calls():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    (a * 2).sum().backward()
    (a * 3).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [5.0, 5.0])


def test_accumulated_grads_never_share_memory_with_the_given_gradient():
    g = np.ones(3, np.float32)
    a = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a.backward(g)
    a.backward(g)
    np.testing.assert_array_equal(g, np.ones(3))
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 2.0])
    h = a * 1.0
    h.retain_grad()
    h.backward(g)
    h.grad._array += 5
    np.testing.assert_array_equal(g, np.ones(3))
    b, c = gn.tensor([1.0], requires_grad=True), gn.tensor([1.0], requires_grad=True)
    (b + c).sum().backward()
    assert b.grad._array is not c.grad._array


def test_graph_is_freed_after_backward_and_a_second_backward_says_why():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    loss = (a.exp() * a).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward():
    a = gn.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    loss = (a.exp() * a).sum()
    loss.backward(retain_graph=True)
    first = a.grad.numpy().copy()
    loss.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * first)
    np.testing.assert_allclose(first, np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))


def test_backward_of_a_non_scalar_needs_a_gradient():
    a = gn.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = a * a
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(3,\)"):
        y.backward()
    y.backward(gradient=gn.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 0.0, 12.0])
    with pytest.raises(RuntimeError, match=r"gradient has shape \(2,\).*\(3,\)"):
        (a * 2).backward(gradient=np.ones(2))


def test_backward_on_a_tensor_without_grad_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        gn.tensor([1.0]).sum().backward()


def test_no_grad_records_no_graph_and_enable_grad_reenables():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    with gn.no_grad():
        y = a * 2 + 1
        assert not gn.is_grad_enabled()
        with gn.enable_grad():
            z = a * 2
    assert gn.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and y.is_leaf
    assert z.requires_grad and z.grad_fn is not None


def test_retain_grad_keeps_the_gradient_of_an_intermediate():
    a = gn.tensor([1.0, 2.0], requires_grad=True)
    h = a * 3
    h.retain_grad()
    other = a * 2
    (h * other).sum().backward()
    np.testing.assert_array_equal(h.grad.numpy(), other.detach().numpy())
    assert other.grad is None


def test_detach_item_numpy_and_shape_properties():
    a = gn.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    assert a.shape == (1, 3) and a.ndim == 2 and a.dtype == np.float32
    d = a.detach()
    assert not d.requires_grad and d.numpy() is a._array
    assert (a.sum()).item() == 6.0
    with pytest.raises(RuntimeError, match="detach"):
        a.numpy()
    with pytest.raises(ValueError, match=r"one-element.*\(1, 3\)"):
        a.item()


def test_in_place_change_of_a_leaf_that_requires_grad_is_refused_outside_no_grad():
    p = gn.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        p.add_(1.0)
    with gn.no_grad():
        p.add_(1.0)
    assert p.item() == 2.0


def test_step_gradient_is_zero_so_a_perceptron_cannot_learn_by_backprop():
    w = gn.tensor([0.5, -0.5], requires_grad=True)
    out = gn.step(gn.tensor([[1.0, 2.0]]) @ w)
    out.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])


# ----- dtypes -----------------------------------------------------------------------------
def test_float32_is_the_default_dtype():
    made = [
        gn.tensor(1.5),
        gn.tensor([1.0, 2.0]),
        gn.zeros(2),
        gn.ones(2),
        gn.randn(2),
        gn.rand(2),
        gn.full((2,), 0.5),
        gn.arange(0.0, 1.0, 0.5),
        gn.zeros_like(gn.ones(2)),
        nn.Linear(3, 2).weight,
        nn.Linear(3, 2).bias,
    ]
    assert all(t.dtype == np.float32 for t in made)
    assert gn.arange(3).dtype == np.int64 and gn.tensor([1, 2]).dtype == np.int64
    # PyTorch agrees on every one of these:
    assert torch.tensor(1.5).dtype == torch.float32 and torch.arange(3).dtype == torch.int64


def test_float64_on_request():
    assert gn.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert gn.randn(3, dtype=np.float64).dtype == np.float64
    assert nn.Linear(3, 2, dtype=np.float64).weight.dtype == np.float64
    assert nn.Linear(3, 2).double().weight.dtype == np.float64
    gn.set_default_dtype(np.float64)
    try:
        assert gn.tensor([1.0]).dtype == np.float64 and gn.zeros(2).dtype == np.float64
    finally:
        gn.set_default_dtype(np.float32)
    with pytest.raises(TypeError, match="floating"):
        gn.set_default_dtype(np.int32)


_TORCH_NAMES = [
    "float16",
    "float32",
    "float64",
    "int32",
    "int64",
    "bool",
    "float",
    "double",
    "long",
    "half",
    "int",
]


@pytest.mark.parametrize("name", _TORCH_NAMES)
def test_pytorch_dtype_names_convert_as_in_torch(name):
    ours, ref = getattr(gn, name), getattr(torch, name)
    assert isinstance(ours, np.dtype) and name in gn.__all__
    t, r = gn.tensor([1.5, 0.0, -2.0]).to(ours), torch.tensor([1.5, 0.0, -2.0]).to(ref)
    assert t.dtype == r.numpy().dtype
    np.testing.assert_array_equal(t.numpy(), r.numpy())
    assert gn.zeros(2, dtype=ours).dtype == ours


def test_the_dtype_hint_names_a_conversion_that_works():
    lin, x = nn.Linear(3, 2), gn.ones(1, 3, dtype=gn.float64)
    with pytest.raises(TypeError, match=r"convert with x\.to\(gn\.float32\)") as e:
        lin(x)
    hint = str(e.value).rsplit("convert with ", 1)[1]
    assert lin(eval(hint, {"gn": gn, "x": x})).shape == (1, 2)


@pytest.mark.parametrize(
    "expr",
    [
        lambda t: t * np.float64(2.5),
        lambda t: np.float64(2.5) * t,
        lambda t: t + np.float64(1),
        lambda t: np.float64(1) - t,
        lambda t: t / np.float64(3),
        lambda t: np.float64(3) / t,
        lambda t: t ** np.float64(2),
        lambda t: t * 0.1,
        lambda t: gn.tensor([1, 2, 3]) * 0.5 + t,
        lambda t: t.mean() * np.array(2.0).item(),
        lambda t: gn.maximum(t, np.float64(0.2)),
        lambda t: gn.where(t > 1, t, np.float64(0.0)),
        lambda t: t.clamp(np.float64(0.1)),
        lambda t: gn.leaky_relu(t, np.float64(0.2)),
        lambda t: t * gn.tensor([2]),
    ],
)
def test_no_float64_upcast_from_numpy_scalars_or_ints(expr):
    t = gn.tensor([0.5, 1.5, 2.5], requires_grad=True)
    y = expr(t)
    assert y.dtype == np.float32
    y.sum().backward()
    assert t.grad.dtype == np.float32


@pytest.mark.parametrize(
    "loss",
    [
        nn.BCELoss(weight=np.array([0.5, 2.0])),
        nn.BCEWithLogitsLoss(pos_weight=np.array([3.0, 1.0])),
        nn.BCEWithLogitsLoss(weight=np.array([1.0, 2.0])),
        nn.CrossEntropyLoss(weight=[1.0, 2.0]),
        nn.NLLLoss(weight=np.array([1.0, 2.0])),
        nn.HuberLoss(delta=np.float64(0.5)),
    ],
)
def test_losses_with_float64_numpy_weights_stay_float32(loss):
    x = gn.tensor([[0.2, 0.7], [0.6, 0.1]], requires_grad=True)
    classes = isinstance(loss, (nn.CrossEntropyLoss, nn.NLLLoss))
    out = loss(x, np.array([1, 0]) if classes else np.array([[0.0, 1.0], [1.0, 0.0]]))
    assert out.dtype == np.float32
    out.backward()
    assert x.grad.dtype == np.float32


def test_a_float32_training_step_stays_float32():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    opts = [
        gn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4),
        gn.optim.Adam(model.parameters(), lr=1e-3),
    ]
    x, y = gn.randn(5, 4), np.array([0, 1, 2, 1, 0])
    for opt in opts:
        loss = nn.CrossEntropyLoss(label_smoothing=0.1)(model(x), y)
        assert loss.dtype == np.float32
        opt.zero_grad()
        loss.backward()
        opt.step()
        assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in model.parameters())
        assert all(
            v.dtype == np.float32
            for s in opt.state.values()
            for v in s.values()
            if isinstance(v, np.ndarray)
        )


def test_manual_seed_makes_weights_reproducible():
    gn.manual_seed(3)
    a = nn.Linear(4, 3).weight.detach().numpy().copy()
    gn.manual_seed(3)
    np.testing.assert_array_equal(nn.Linear(4, 3).weight.detach().numpy(), a)


# ----- Module -----------------------------------------------------------------------------
def make_net(lib):
    """The same custom module in glassnet and in PyTorch."""

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = lib.nn.Sequential(lib.nn.Linear(4, 3), lib.nn.ReLU(), lib.nn.Linear(3, 3))
            self.head = lib.nn.Linear(3, 2)
            self.scale = lib.nn.Parameter(lib.ones(1))
            self.not_a_param = lib.ones(2)

        def forward(self, x):
            return self.head(self.body(x)) * self.scale

    return Net()


def test_parameters_and_submodules_register_on_assignment_like_pytorch():
    net, ref = make_net(gn), make_net(torch)
    assert [n for n, _ in net.named_parameters()] == [n for n, _ in ref.named_parameters()]
    assert [n for n, _ in net.named_modules()] == [n for n, _ in ref.named_modules()]
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "Linear"]
    assert sum(p.numel() for p in net.parameters()) == sum(p.numel() for p in ref.parameters())
    assert list(net.state_dict()) == list(ref.state_dict())
    assert isinstance(net.not_a_param, gn.Tensor) and "not_a_param" not in net.state_dict()


def test_state_dict_dotted_keys_match_pytorch_naming():
    ours = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Linear(3, 1)))
    ref = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Sequential(torch.nn.Linear(3, 1))
    )
    assert list(ours.state_dict()) == list(ref.state_dict())
    named = OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.Tanh())])
    assert list(nn.Sequential(named).state_dict()) == ["enc.weight", "enc.bias"]


def test_load_state_dict_strict_errors_name_the_keys_and_shapes():
    net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    sd = net.state_dict()
    missing = {k: v for k, v in sd.items() if k != "1.bias"}
    with pytest.raises(KeyError, match=r"missing keys \['1.bias'\]"):
        net.load_state_dict(missing)
    extra = dict(sd, **{"2.weight": np.zeros(1)})
    with pytest.raises(KeyError, match=r"unexpected keys \['2.weight'\]"):
        net.load_state_dict(extra)
    assert net.load_state_dict(missing, strict=False) == (["1.bias"], [])
    bad = dict(sd, **{"0.weight": np.zeros((2, 3), np.float32)})
    with pytest.raises(ValueError, match=r"'0.weight'.*\(2, 3\).*\(3, 2\)"):
        net.load_state_dict(bad)


def test_load_state_dict_copies_values_into_the_existing_parameters():
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    w = b.weight
    b.load_state_dict(a.state_dict())
    assert b.weight is w
    np.testing.assert_array_equal(b.weight._array, a.weight._array)
    a.weight._array[...] = 0  # no shared memory after loading
    assert np.abs(b.weight._array).sum() > 0


def test_train_eval_and_zero_grad():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(gn.ones(1, 2)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_repr_matches_pytorch():
    def build(lib):
        return lib.nn.Sequential(
            lib.nn.Flatten(),
            lib.nn.Linear(784, 300),
            lib.nn.ReLU(),
            lib.nn.Linear(300, 10, bias=False),
            lib.nn.LeakyReLU(0.1),
            lib.nn.Sequential(lib.nn.Tanh(), lib.nn.Sigmoid()),
            lib.nn.Softmax(dim=1),
            lib.nn.LogSoftmax(dim=1),
            lib.nn.Identity(),
            lib.nn.CrossEntropyLoss(),
        )

    assert repr(build(gn)) == repr(build(torch))


def test_summary_lists_each_layer_with_output_shape_and_parameter_count():
    net = nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 300),
        nn.ReLU(),
        nn.Sequential(nn.Linear(300, 100), nn.ReLU()),
        nn.Linear(100, 10),
    )
    text = net.summary((28, 28), print_fn=None)
    ref = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 300))
    lines = text.splitlines()
    assert any("Flatten" in ln and "(None, 784)" in ln for ln in lines)
    assert any("Linear" in ln and "(None, 300)" in ln and "235,500" in ln for ln in lines)
    assert any("3.0 (Linear)" in ln and "(None, 100)" in ln and "30,100" in ln for ln in lines)
    assert any("(None, 10)" in ln and "1,010" in ln for ln in lines)
    total = 235_500 + 30_100 + 1_010
    assert sum(p.numel() for p in ref.parameters()) == 235_500
    assert f"Total params: {total:,}" in text and f"Trainable params: {total:,}" in text
    assert net.training  # summary leaves the mode as it was


def test_cpu_device_is_accepted_as_in_torch():
    x, r = gn.ones(2, 3), torch.ones(2, 3)
    assert x.to("cpu") is x and r.to("cpu") is r
    assert x.cpu() is x and r.cpu() is r
    assert str(x.device) == str(r.device) == "cpu" and x.device.type == r.device.type == "cpu"
    assert x.device == gn.device("cpu") and x.device == "cpu" and x.device.index is None
    assert repr(x.device) == repr(r.device) == "device(type='cpu')"
    assert {gn.device("cpu"): 1}["cpu"] == 1 and gn.device("cuda:1").index == 1
    for args, kwargs in [
        (("cpu", gn.float64), {}),
        ((), {"device": "cpu", "dtype": gn.float64}),
        ((gn.device("cpu"),), {"dtype": gn.float64}),
        ((x.double(),), {}),
    ]:
        y = x.to(*args, **kwargs)
        assert y.dtype == np.float64 and y.device == "cpu"
    assert x.to(gn.float32) is x and x.to(gn.float32, copy=True) is not x
    m, tm = nn.Linear(2, 2), torch.nn.Linear(2, 2)
    assert m.to("cpu") is m and m.cpu() is m and tm.to("cpu") is tm
    assert m.to(gn.float64) is m and m.weight.dtype == np.float64
    assert m.to(device="cpu", dtype=gn.float32).weight.dtype == np.float32
    assert m.to("cpu", gn.float64).bias.dtype == np.float64
    with pytest.raises(TypeError, match=r"only accepts floating point or complex dtypes"):
        tm.to(torch.int64)
    with pytest.raises(
        TypeError,
        match=r"Linear\.to only accepts floating point dtypes, but got "
        r"int64",
    ):
        m.to(gn.int64)
    with pytest.raises(TypeError, match=r"Tensor\.to: 'gpu' is neither a device .* nor a dtype"):
        x.to("gpu")
    with pytest.raises(RuntimeError, match=r"device type.*'gpu'"):
        gn.device("gpu")


@pytest.mark.parametrize(
    "call",
    [
        lambda: gn.ones(2).to("cuda"),
        lambda: gn.ones(2).cuda(),
        lambda: nn.Linear(2, 2).cuda(),
        lambda: nn.Linear(2, 2).to("cuda:0"),
        lambda: gn.ones(2).to(device=gn.device("cuda")),
        lambda: nn.Linear(2, 2).to(device="cuda", dtype=gn.float64),
    ],
)
def test_cuda_says_that_no_gpu_backend_is_installed(call):
    with pytest.raises(RuntimeError, match=r"'cuda(:0)?': no GPU backend is installed"):
        call()


def test_module_without_super_init_gets_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(gn.ones(1))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Bad()


# ----- error messages ---------------------------------------------------------------------
def test_linear_names_itself_and_the_shapes():
    with pytest.raises(ValueError) as e:
        nn.Linear(784, 300)(gn.zeros(50, 28, 28))
    assert str(e.value) == (
        "Linear(in_features=784, out_features=300, bias=True): "
        "expected input (..., 784), got (50, 28, 28)"
    )
    with pytest.raises(TypeError, match=r"Linear\(.*float64.*float32"):
        nn.Linear(3, 2)(gn.zeros(2, 3, dtype=np.float64))


@pytest.mark.parametrize(
    "loss,target",
    [
        (nn.CrossEntropyLoss(), np.zeros(4, np.int64)),
        (nn.NLLLoss(), np.zeros(4, np.int64)),
        (nn.MSELoss(), np.zeros((4, 3))),
        (nn.L1Loss(), np.zeros((4, 3))),
        (nn.HuberLoss(), np.zeros((4, 3))),
        (nn.BCELoss(), np.zeros((4, 3))),
        (nn.BCEWithLogitsLoss(), np.zeros((4, 3))),
    ],
)
def test_losses_with_mismatched_batch_sizes_name_both(loss, target):
    with pytest.raises(ValueError) as e:
        loss(gn.full((5, 3), 0.5), target)
    msg = str(e.value)
    assert "5" in msg and "4" in msg and "batch" in msg


def test_op_errors_name_the_op_and_the_shapes():
    cases = [
        (lambda: gn.ones(2, 3) + gn.ones(4), ValueError, r"add.*\(2, 3\).*\(4,\)"),
        (lambda: gn.ones(2, 3) * gn.ones(2, 2), ValueError, r"mul.*\(2, 3\).*\(2, 2\)"),
        (lambda: gn.ones(2, 3) @ gn.ones(4, 2), ValueError, r"matmul.*\(2, 3\).*\(4, 2\)"),
        (lambda: gn.ones(2, 3).reshape(4, 2), ValueError, r"reshape.*\(2, 3\).*\(4, 2\)"),
        (lambda: gn.cat([gn.ones(2, 3), gn.ones(3, 2)]), ValueError, r"cat.*\(2, 3\).*\(3, 2\)"),
        (lambda: gn.stack([gn.ones(2), gn.ones(3)]), ValueError, r"stack.*\(2,\).*\(3,\)"),
        (lambda: gn.ones(3)[5], IndexError, r"index 5.*\(3,\)"),
        (lambda: gn.tensor([1, 2], requires_grad=True), RuntimeError, "floating.*int64"),
        (
            lambda: nn.CrossEntropyLoss()(gn.zeros(2, 3), np.array([0, 3])),
            IndexError,
            "target 3.*3 classes",
        ),
        (
            lambda: nn.CrossEntropyLoss()(gn.zeros(2, 3), np.array([0.0, 1.0])),
            TypeError,
            "integers",
        ),
        (lambda: nn.BCELoss()(gn.full((2,), 1.5), np.ones(2)), ValueError, r"\[0, 1\]"),
        (lambda: gn.optim.SGD([gn.zeros(1, requires_grad=True)], lr=-1), ValueError, "lr -1"),
        (lambda: gn.optim.SGD([], lr=0.1), ValueError, "empty"),
        (lambda: nn.Dropout(1.5), ValueError, "p must be in"),
        (lambda: nn.Sequential(nn.Linear(2, 2), "relu"), TypeError, "argument 1 is str"),
    ]
    for fn, exc, pattern in cases:
        with pytest.raises(exc, match=pattern):
            fn()


def test_gradient_clipping_returns_the_total_norm():
    p = gn.zeros(2, requires_grad=True)
    p.grad = gn.tensor([3.0, 4.0])
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), [0.6, 0.8], rtol=1e-5)
    assert math.isclose(float(np.linalg.norm(p.grad.numpy())), 1.0, rel_tol=1e-5)


class _NoGradForSecond(gn.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x * 2 + y

    @staticmethod
    def backward(ctx, g):  # a user Function may decline to send a gradient to an input
        return g * 2, None


def test_a_function_may_return_none_for_an_input_that_requires_grad():
    a = gn.tensor([1.0], requires_grad=True)
    b = gn.tensor([3.0], requires_grad=True)
    _NoGradForSecond.apply(a, b * b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0])
    assert b.grad is None
