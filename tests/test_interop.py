"""glassnet.interop: PyTorch modules both ways, and torch state_dicts through safetensors."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from conftest import require
from glassnet import interop, models

torch = require("torch")
st_torch = require("safetensors.torch")
tn = torch.nn


def _torch_nets() -> dict:
    return {
        "MLP": (tn.Sequential(tn.Linear(6, 8), tn.Tanh(), tn.Dropout(0.2), tn.Linear(8, 3)), (6,)),
        "CNN": (
            tn.Sequential(
                tn.Conv2d(1, 4, 3, padding=1),
                tn.BatchNorm2d(4),
                tn.LeakyReLU(0.1),
                tn.MaxPool2d(2, ceil_mode=True),
                tn.Conv2d(4, 4, 3, groups=2, dilation=2),
                tn.AvgPool2d(2),
                tn.Flatten(),
                tn.LayerNorm(4),
                tn.Linear(4, 2),
                tn.LogSoftmax(1),
            ),
            (1, 13, 13),
        ),  # fmt: skip
        "LSTM": (tn.LSTM(3, 5, num_layers=2, bidirectional=True, batch_first=True), (4, 3)),
        "GRU": (tn.GRU(3, 5), (2, 3)),
        "ConvTranspose": (
            tn.Sequential(
                tn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
                tn.Upsample(scale_factor=2),
                tn.Sigmoid(),
            ),
            (2, 3, 3),
        ),  # fmt: skip
    }


def _first(y):
    return y[0] if isinstance(y, tuple) else y


def _randomise_stats(net) -> None:
    for m in net.modules():
        if isinstance(m, tn.BatchNorm2d):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)


@pytest.mark.parametrize("name", list(_torch_nets()))
def test_from_torch_and_back(name):
    net, shape = _torch_nets()[name]
    _randomise_stats(net)
    net.eval()
    gm = interop.from_torch(net)
    assert not gm.training
    x = torch.randn(3, *shape)
    with torch.no_grad():
        want = _first(net(x)).numpy()
    np.testing.assert_allclose(_first(gm(gn.tensor(x.numpy())))._array, want, rtol=1e-5, atol=1e-5)
    back = interop.to_torch(gm)
    assert type(back) is type(net)
    with torch.no_grad():
        np.testing.assert_allclose(_first(back(x)).numpy(), want, rtol=1e-5, atol=1e-5)
    assert list(back.state_dict()) == list(net.state_dict())


def test_to_torch_of_glassnet_models():
    mlp = models.MLP([5, 7, 2], "relu", batch_norm=True)
    mlp.eval()
    tm = interop.to_torch(mlp)
    x = np.random.default_rng(1).standard_normal((4, 5)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(
            tm(torch.from_numpy(x)).numpy(), mlp(gn.tensor(x))._array, rtol=1e-5, atol=1e-5
        )
    with pytest.raises(interop.InteropError, match=r"LeNet5 at <model> has no counterpart"):
        interop.to_torch(models.LeNet5())
    net = gn.nn.Sequential(gn.nn.Linear(2, 2), gn.nn.Standardize(0.0, 2.0))
    with pytest.raises(interop.InteropError, match=r"Standardize at 1 has no counterpart"):
        interop.to_torch(net)


def test_mismatch_names_the_key_and_shapes():
    class Odd(tn.Module):
        def forward(self, x):
            return x

    with pytest.raises(interop.InteropError, match=r"Odd at 1 has no counterpart"):
        interop.from_torch(tn.Sequential(tn.Linear(2, 2), Odd()))
    with pytest.raises(interop.InteropError, match=r"proj_size=2"):
        interop.from_torch(tn.LSTM(3, 4, proj_size=2))
    with pytest.raises(interop.InteropError, match=r"padding_mode='reflect'"):
        interop.from_torch(tn.Conv2d(1, 1, 3, padding=1, padding_mode="reflect"))
    with pytest.raises(interop.InteropError, match=r"'weight' has shape \(3, 2\) in the source"):
        interop._copy_values(
            {"weight": np.zeros((3, 2)), "bias": np.zeros(2)}, gn.nn.Linear(3, 2), "test"
        )


def test_torch_state_dict_through_safetensors_loads_unchanged(tmp_path):
    for name, (net, shape) in _torch_nets().items():
        _randomise_stats(net)
        net.eval()
        path = tmp_path / f"{name}.safetensors"
        st_torch.save_file(net.state_dict(), str(path))
        state = gn.load_state_dict(path)
        assert sorted(state) == sorted(net.state_dict())
        gm = interop.from_torch(net)  # the same architecture, its values then overwritten
        for p in gm.parameters():
            p._array[...] = 0
        gm.load_state_dict(state)
        x = torch.randn(2, *shape)
        with torch.no_grad():
            want = _first(net(x)).numpy()
        np.testing.assert_allclose(_first(gm(gn.tensor(x.numpy())))._array, want, atol=1e-5)


def test_load_state_dict_reads_glassnet_files_and_refuses_junk(tmp_path):
    m = gn.nn.Linear(3, 2)
    gn.save(m.state_dict(), tmp_path / "sd.safetensors")
    got = gn.load_state_dict(tmp_path / "sd.safetensors")
    np.testing.assert_array_equal(got["weight"]._array, m.weight._array)
    (tmp_path / "junk.safetensors").write_bytes(b"\x10" + bytes(30))
    with pytest.raises(gn.CheckpointError, match="junk.safetensors"):
        gn.load_state_dict(tmp_path / "junk.safetensors")
    gn.save(m, tmp_path / "model.safetensors")
    with pytest.raises(gn.CheckpointError, match="whole model"):
        gn.load_state_dict(tmp_path / "model.safetensors")
