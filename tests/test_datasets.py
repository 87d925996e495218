"""Built-in data sets, the IDX reader, and the real MNIST / Fashion-MNIST files."""

import gzip
import struct

import numpy as np
import pytest
from tests.conftest import require
from tests.peak import measured

from glassnet import datasets
from glassnet.datasets import DatasetNotFoundError, IDXError, parse_idx, read_idx


def test_iris_matches_sklearn():
    skd = require("sklearn.datasets")
    x, y = datasets.iris()
    ref = skd.load_iris()
    assert x.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]
    np.testing.assert_allclose(x, ref.data, atol=1e-6)
    np.testing.assert_array_equal(y, ref.target)


def test_digits_is_sklearns():
    require("sklearn")
    x, y = datasets.digits()
    assert x.shape == (1797, 64) and x.max() == 16 and set(y.tolist()) == set(range(10))


def _idx(arr: np.ndarray) -> bytes:
    return (
        struct.pack(">HBB", 0, 8, arr.ndim)
        + struct.pack(f">{arr.ndim}I", *arr.shape)
        + arr.astype(np.uint8).tobytes()
    )


def test_idx_roundtrip_raw_and_gzip(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "a").write_bytes(_idx(a))
    (tmp_path / "a.gz").write_bytes(gzip.compress(_idx(a)))
    np.testing.assert_array_equal(read_idx(tmp_path / "a"), a)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), a)


def test_idx_errors_name_the_problem(tmp_path):
    a = np.zeros((2, 3), np.uint8)
    with pytest.raises(IDXError, match="bad magic"):
        parse_idx(b"\x01\x02" + _idx(a)[2:])
    with pytest.raises(IDXError, match="truncated"):
        parse_idx(_idx(a)[:-1])
    with pytest.raises(IDXError, match="truncated or padded"):
        parse_idx(_idx(a) + b"\0")
    with pytest.raises(IDXError, match="only"):
        parse_idx(_idx(a)[:9])
    (tmp_path / "x.gz").write_bytes(gzip.compress(_idx(a))[:-5])
    with pytest.raises(IDXError, match="corrupt gzip"):
        read_idx(tmp_path / "x.gz")


def test_real_fashion_mnist_and_mnist_files_verify_and_parse():
    x, y = datasets.fashion_mnist("test", download=False)
    assert x.shape == (10000, 28, 28) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [1000] * 10  # Fashion-MNIST's test set is balanced
    x, y = datasets.mnist("test", download=False)
    assert x.shape == (10000, 28, 28) and y[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]


def test_lookup_order_and_corrupt_copy(tmp_path, monkeypatch):
    monkeypatch.setattr("glassnet.datasets.files.SYSTEM_DIR", tmp_path / "system")
    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    dirs = datasets.search_dirs("mnist")
    assert dirs[0] == tmp_path / "mnist" and dirs[1] == tmp_path / "cache" / "glassnet" / "mnist"
    with pytest.raises(DatasetNotFoundError, match="t10k-images-idx3-ubyte.gz"):
        datasets.mnist("test", download=False)
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "t10k-images-idx3-ubyte").write_bytes(_idx(np.zeros((1, 28, 28))))
    with pytest.raises(IDXError, match="SHA-256"):
        datasets.mnist("test", download=False)


class _Response:
    def __init__(self, data):
        self.data = data

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def read(self, size=-1):
        return self.data if size < 0 else self.data[:size]


def test_download_from_a_mirror_into_the_cache(tmp_path, monkeypatch):
    import os
    import urllib.error
    from pathlib import Path

    real = Path(os.environ["GLASSNET_DATA"]) / "mnist"
    served = []

    def fake_urlopen(url, timeout):
        name = url.rsplit("/", 1)[1]
        if "ossci" in url:  # the first mirror is down
            raise urllib.error.URLError("unreachable")
        served.append(name)
        return _Response((real / name).read_bytes())

    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("urllib.request.urlopen", fake_urlopen)
    monkeypatch.setattr("glassnet.datasets.files.SYSTEM_DIR", tmp_path / "system")
    x, y = datasets.mnist("test")
    assert x.shape == (10000, 28, 28) and served == [
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ]
    assert (tmp_path / "cache" / "glassnet" / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
    datasets.mnist("test")  # now from the cache: nothing more is fetched
    assert len(served) == 2


def test_offline_and_missing_says_which_file_and_where(tmp_path, monkeypatch):
    import urllib.error

    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("GLASSNET_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("urllib.request.urlopen", offline)
    monkeypatch.setattr("glassnet.datasets.files.SYSTEM_DIR", tmp_path / "system")
    with pytest.raises(DatasetNotFoundError) as e:
        datasets.fashion_mnist("train")
    msg = str(e.value)
    assert "train-images-idx3-ubyte.gz" in msg and str(tmp_path / "fashion-mnist") in msg
    assert "no network" in msg


# ----- hostile files: bounded memory ------------------------------------------------------
_READ = """
from glassnet.datasets import IDXError, read_idx
from glassnet.datasets.files import status
from glassnet.datasets.mnist import MNIST

def run(arg):
    try:
        return repr(status(MNIST)) if arg == "status" else repr(read_idx(arg).shape)
    except IDXError as e:
        return "IDXError: " + str(e)
"""
PEAK_CAP_MIB = 120  # a fresh interpreter with glassnet imported peaks at about 40 MiB


def _peak(arg: str, **env: str) -> tuple[int, float, str]:
    """Peak RSS (MiB), seconds and outcome of reading `arg` in a fresh interpreter."""
    return measured(_READ, arg, **env)


def _bomb(declared: tuple[int, ...], payload_mib: int) -> bytes:
    """A .gz whose IDX header declares `declared` (uint8), followed by `payload_mib` MiB of
    zeros: concatenated gzip members of 16 MiB each, so it is made in milliseconds."""
    head = struct.pack(">HBB", 0, 8, len(declared)) + struct.pack(f">{len(declared)}I", *declared)
    member = gzip.compress(bytes(16 << 20), 9)
    return gzip.compress(head) + member * (payload_mib // 16)


def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    bomb = tmp_path / "t10k-labels-idx1-ubyte.gz"
    bomb.write_bytes(_bomb((1,), 256))  # 256 KB on disk, 256 MiB inflated, declares 1 byte
    mib, secs, outcome = _peak(str(bomb))
    assert mib < PEAK_CAP_MIB and secs < 5, (mib, secs, outcome)
    assert outcome.startswith("IDXError") and "more data than" in outcome, outcome
    (tmp_path / "mnist").mkdir()
    bomb.rename(tmp_path / "mnist" / bomb.name)
    mib, secs, outcome = _peak("status", GLASSNET_DATA=str(tmp_path))  # `glassnet datasets`
    assert mib < PEAK_CAP_MIB and secs < 5, (mib, secs, outcome)
    assert "CORRUPT" in outcome and "more data than" in outcome, outcome


def test_a_header_promising_more_than_a_gzip_file_can_hold_is_refused_before_reading(tmp_path):
    p = tmp_path / "x.gz"
    p.write_bytes(_bomb((50000, 200, 200), 16))  # declares 2e9 bytes from 16 KB
    with pytest.raises(
        IDXError,
        match=r"x\.gz: header shape \(50000, 200, 200\) promises "
        "2000000000 bytes.*gzip file of 16",
    ):
        read_idx(p)
    p.write_bytes(gzip.compress(_idx(np.zeros((2, 3)))) + b"junk")
    with pytest.raises(IDXError, match="x.gz: corrupt gzip data"):
        read_idx(p)
    p.write_bytes(struct.pack(">HBB", 0, 8, 2) + struct.pack(">2I", 70000, 70000))
    with pytest.raises(IDXError, match="4900000000 bytes, more than the 2147483648-byte limit"):
        read_idx(p)
    p.write_bytes(struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 0, 2**32 - 1, 2**32 - 1))
    with pytest.raises(IDXError, match="promises 0 bytes.*once its zero sizes are not zero"):
        read_idx(p)  # numpy cannot even shape an empty array so wide (found by fuzzing)
    p.write_bytes(struct.pack(">HBB", 0, 8, 2) + struct.pack(">2I", 0, 5))
    assert read_idx(p).shape == (0, 5)


def test_files_verify_by_the_hash_of_their_data_or_of_the_gzip_file(tmp_path):
    import hashlib

    from glassnet.datasets.files import RemoteFile, verified_array

    data = _idx(np.arange(12).reshape(3, 4))
    gz = gzip.compress(data)
    (tmp_path / "a.gz").write_bytes(gz)
    (tmp_path / "a").write_bytes(data)
    by_data = RemoteFile("a.gz", hashlib.sha256(data).hexdigest())
    by_gz = RemoteFile("a.gz", None, hashlib.sha256(gz).hexdigest())
    for path, f in (
        (tmp_path / "a.gz", by_data),
        (tmp_path / "a", by_data),
        (tmp_path / "a.gz", by_gz),
    ):
        assert verified_array(path, f).tolist() == np.arange(12).reshape(3, 4).tolist()
    with pytest.raises(IDXError, match=r"a: SHA-256 of the gzip file is not the expected"):
        verified_array(tmp_path / "a", by_gz)  # only the original .gz is accepted
    (tmp_path / "b.gz").write_bytes(gzip.compress(data[:-1] + b"\x63"))
    with pytest.raises(IDXError, match=r"b\.gz: SHA-256 of the decompressed data"):
        verified_array(tmp_path / "b.gz", by_data)
