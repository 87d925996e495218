"""glassnet.save / glassnet.load: safetensors + architecture JSON, clear errors."""

import json
import struct

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, serialization
from glassnet.io import atomic_open


def _model():
    return nn.Sequential(nn.Flatten(), nn.Linear(6, 5), nn.LeakyReLU(0.2), nn.Dropout(0.1),
                         nn.Linear(5, 4, bias=False), nn.Tanh(), nn.Linear(4, 3), nn.Softmax(1))


def test_roundtrip_rebuilds_architecture_and_weights(tmp_path):
    m = _model()
    gn.save(m, tmp_path / "m.safetensors")
    r = gn.load(tmp_path / "m.safetensors")
    assert repr(r) == repr(m)
    x = gn.randn(7, 2, 3)
    m.eval(), r.eval()
    np.testing.assert_array_equal(m(x).detach().numpy(), r(x).detach().numpy())
    d = nn.Linear(3, 2).double()
    gn.save(d, tmp_path / "d.safetensors")
    assert gn.load(tmp_path / "d.safetensors").weight.dtype == np.float64


def test_file_is_standard_safetensors_readable_by_the_library(tmp_path):
    import safetensors.numpy as st
    gn.save(_model(), tmp_path / "m.safetensors")
    tensors = st.load_file(str(tmp_path / "m.safetensors"))
    assert tensors["model.1.weight"].shape == (5, 6) and "model.4.bias" not in tensors


def test_truncated_and_tampered_files_are_refused(tmp_path):
    p = tmp_path / "m.safetensors"
    gn.save(_model(), p)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) - 10])
    with pytest.raises(gn.CheckpointError, match="m.safetensors"):
        gn.load(p)
    bad = bytearray(raw)
    bad[-3] ^= 0xFF  # a weight byte
    p.write_bytes(bytes(bad))
    with pytest.raises(gn.CheckpointError, match="SHA-256"):
        gn.load(p)
    p.write_bytes(b"not a model")
    with pytest.raises(gn.CheckpointError, match="too short|header length"):
        gn.load(p)


def _write(path, arch, tensors):
    from safetensors.numpy import save

    meta = {"format": serialization.FORMAT, "sha256": serialization._digest(tensors),
            "architecture": json.dumps(arch)}
    path.write_bytes(save(tensors, metadata=meta))


def test_unknown_layer_type_and_shape_mismatch(tmp_path):
    p = tmp_path / "m.safetensors"
    _write(p, {"type": "Conv9d", "config": {}, "children": {}}, {})
    with pytest.raises(gn.CheckpointError, match="unknown layer type 'Conv9d'"):
        gn.load(p)
    arch = serialization.architecture(nn.Linear(2, 4))
    _write(p, arch, {"model.weight": np.zeros((3, 2), np.float32),
                     "model.bias": np.zeros(4, np.float32)})
    with pytest.raises(gn.CheckpointError, match=r"'weight' has shape \(3, 2\).*\(4, 2\)"):
        gn.load(p)


def test_unregistered_layers_fail_at_save_and_registered_ones_roundtrip(tmp_path):
    class Scale(nn.Module):
        def __init__(self, factor: float = 2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

    with pytest.raises(TypeError, match="Scale is not registered"):
        gn.save(nn.Sequential(Scale()), tmp_path / "s.safetensors")
    gn.register_module(Scale)
    gn.save(nn.Sequential(Scale(3.0)), tmp_path / "s.safetensors")
    assert gn.load(tmp_path / "s.safetensors")[0].factor == 3.0


def test_atomic_write_keeps_the_old_file_on_a_crash(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_open(p) as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert p.read_bytes() == b"old" and [q.name for q in tmp_path.iterdir()] == ["f.bin"]


def test_header_length_larger_than_file_is_reported(tmp_path):
    p = tmp_path / "m.safetensors"
    p.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(gn.CheckpointError, match="header length"):
        gn.load(p)
