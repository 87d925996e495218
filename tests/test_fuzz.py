"""Fuzzing the file readers: random and damaged bytes give the reader's own error, never
another exception type or a hang (each example is bounded by pytest-timeout)."""

import gzip
import os
import struct
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import glassnet as gn
from glassnet import nn, serialization
from glassnet.cli import ConfigError, parse_config
from glassnet.data import CSVError, load_csv
from glassnet.datasets import IDXError, parse_idx

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
pytestmark = pytest.mark.timeout(120)


def _idx_bytes() -> bytes:
    a = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    return struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 3, 4, 5) + a.tobytes()


VALID_IDX = _idx_bytes()


def _model_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.safetensors")
        m = gn.train.Model(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
        m.compile("adam", "cross_entropy")
        m.fit(np.ones((4, 3), np.float32), np.array([0, 1, 0, 1]), epochs=1, verbose=0)
        m.save(p)
        with open(p, "rb") as f:
            return f.read()


import glassnet.train  # noqa: E402  (used by _model_bytes)

VALID_MODEL = _model_bytes()
VALID_CONFIG = b'dataset = "digits"\nhidden = [300, 100]\nepochs = 3\nlr = 0.01\n'
VALID_CSV = b"a,b,label\n1,2,x\n3,4,y\n"


def _damaged(valid: bytes):
    """Strategies: random bytes, truncations, and single-byte changes of a valid file."""
    return st.one_of(
        st.binary(max_size=300),
        st.integers(0, len(valid)).map(lambda n: valid[:n]),
        st.tuples(st.integers(0, len(valid) - 1), st.integers(1, 255)).map(
            lambda t: valid[:t[0]] + bytes([valid[t[0]] ^ t[1]]) + valid[t[0] + 1:]),
    )


@FUZZ
@given(_damaged(VALID_IDX))
def test_idx_reader(data):
    for raw in (data, gzip.compress(data)):
        try:
            parse_idx(raw, "f")
        except IDXError:
            pass


GZ_IDX = gzip.compress(VALID_IDX)


@FUZZ
@given(st.integers(0, len(GZ_IDX) - 1))
def test_truncated_gzip_idx(n):
    raw = GZ_IDX[:n]
    with pytest.raises(IDXError):
        parse_idx(raw, "f")


@FUZZ
@given(_damaged(VALID_MODEL))
def test_safetensors_model_reader(data):
    try:
        serialization.loads(data, "m.safetensors")
    except gn.CheckpointError:
        assert data != VALID_MODEL


@FUZZ
@given(_damaged(VALID_CONFIG) | st.text(max_size=200).map(str.encode))
def test_config_reader(data):
    for name in ("c.toml", "c.json"):
        try:
            parse_config(data, name)
        except ConfigError:
            pass


@FUZZ
@given(_damaged(VALID_CSV) | st.text(max_size=200).map(str.encode))
def test_csv_reader(data):
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "f.csv")
        with open(p, "wb") as f:
            f.write(data)
        for target in ("label", -1, None):
            try:
                load_csv(p, target=target)
            except CSVError:
                pass


def test_valid_inputs_still_parse():
    assert parse_idx(VALID_IDX).shape == (3, 4, 5)
    assert serialization.loads(VALID_MODEL).module[2].out_features == 2
    assert parse_config(VALID_CONFIG, "c.toml")["hidden"] == [300, 100]
    assert parse_config(b'{"epochs": 2}', "c.json") == {"epochs": 2}
    with pytest.raises(ConfigError, match="unknown setting 'epoch'"):
        parse_config(b"epoch = 3", "c.toml")
