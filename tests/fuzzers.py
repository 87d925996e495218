"""Seeded mutation fuzzers for the model-file and IDX readers (run by test_fuzz.py, each in a
fresh interpreter so that its peak memory can be measured).

Each fuzzer feeds a reader thousands of inputs derived from a valid one and returns a JSON
summary: how many inputs were accepted, how many refused with the reader's own error naming
the file, and every other outcome (another exception type, an error that does not name the
file, or a model that loaded and then failed to train), which must be none.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import os
import random
import struct
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

import glassnet as gn
from glassnet import nn, serialization
from glassnet.data import CSVError, has_header, load_csv, read_csv
from glassnet.data import csv as gcsv
from glassnet.datasets import IDXError, parse_idx, read_idx
from glassnet.train import Model, load_model

WEIRD: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    3,
    2**31,
    2**64,
    10**400,
    0.0,
    0.5,
    1e-300,
    1e308,
    -1.5,
    math.inf,
    -math.inf,
    math.nan,
    "",
    "x",
    "0.1",
    "min",
    [],
    [0],
    [0.1, 0.2],
    [[1]],
    {},
    {"a": 1},
    {"type": "Linear"},
]


class Tally:
    """Outcomes of one fuzzing run; `bad` lists the unexpected ones (at most 20 kept)."""

    def __init__(self) -> None:
        self.counts = {"accepted": 0, "refused": 0, "bad": 0}
        self.bad: list[str] = []
        self.slowest = 0.0  # seconds of the slowest input

    def unexpected(self, what: str) -> None:
        self.counts["bad"] += 1
        if len(self.bad) < 20:
            self.bad.append(what[:400])

    def check(self, call: Callable[[], Any], error: type, name: str) -> Any:
        """call(): its result, or None if it raised `error` with a message naming `name`."""
        start = time.perf_counter()
        try:
            out = call()
        except error as e:
            if str(e).startswith(name):
                self.counts["refused"] += 1
            else:
                self.unexpected(f"{type(e).__name__} not naming {name}: {e}")
            return None
        except Exception as e:  # noqa: BLE001 - any other type is the finding
            self.unexpected(f"{type(e).__name__}: {e}")
            return None
        finally:
            self.slowest = max(self.slowest, time.perf_counter() - start)
        self.counts["accepted"] += 1
        return out

    def json(self) -> str:
        return json.dumps({**self.counts, "slowest": self.slowest, "examples": self.bad})


def _mutate_bytes(rng: random.Random, data: bytes, hot: int) -> bytes:
    """One random change: bit flips (mostly within the first `hot` bytes), a byte set, a cut,
    an insertion, an appended tail or a repeated slice."""
    b = bytearray(data)
    op = rng.randrange(6)
    if op == 0:
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(min(hot, len(b))) if rng.random() < 0.7 else rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif op == 1:
        b[rng.randrange(len(b))] = rng.choice([0, 1, 0x7F, 0x80, 0xFF, rng.randrange(256)])
    elif op == 2:
        del b[rng.randrange(len(b)) :]
    elif op == 3:
        i = rng.randrange(len(b) + 1)
        b[i:i] = rng.randbytes(rng.randint(1, 16))
    elif op == 4:
        b += rng.randbytes(rng.randint(1, 64))
    else:
        i = rng.randrange(len(b))
        b[i:i] = b[i : i + rng.randint(1, 32)] * rng.randint(2, 50)
    return bytes(b)


# ----- IDX ------------------------------------------------------------------------------------
def _idx(shape: tuple[int, ...], code: int = 0x08, dtype: str = "u1") -> bytes:
    a = np.arange(math.prod(shape)).astype(dtype).reshape(shape)
    return (
        struct.pack(">HBB", 0, code, len(shape))
        + struct.pack(f">{len(shape)}I", *shape)
        + a.astype(np.dtype(dtype).newbyteorder(">")).tobytes()
    )


def _idx_header_edit(rng: random.Random, data: bytes) -> bytes:
    """Set a header field to an extreme: the type code, the dimension count or a size."""
    b = bytearray(data)
    field = rng.randrange(3)
    if field == 0:
        b[2] = rng.choice([0x00, 0x07, 0x08, 0x0B, 0x0E, 0x0F, 0xFF])
    elif field == 1:
        b[3] = rng.choice([0, 1, 2, 3, 4, 255])
    elif len(b) >= 8:
        i = 4 + 4 * rng.randrange(max(1, min(b[3], (len(b) - 4) // 4)))
        b[i : i + 4] = struct.pack(
            ">I", rng.choice([0, 1, 2, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, rng.randrange(1 << 32)])
        )
    return bytes(b)


def fuzz_idx(n: int, seed: int = 0) -> str:
    """`n` mutated IDX inputs (raw and gzip) through parse_idx, and some through read_idx."""
    rng = random.Random(seed)
    valid = [
        _idx((3, 4, 5)),
        _idx((7,), 0x0C, "i4"),
        _idx((2, 3), 0x0E, "f8"),
        _idx((4, 2, 2, 2), 0x09, "i1"),
    ]
    tally = Tally()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fuzz.idx.gz")
        for k in range(n):
            raw = rng.choice(valid)
            raw = _idx_header_edit(rng, raw) if rng.random() < 0.3 else _mutate_bytes(rng, raw, 16)
            data = gzip.compress(raw) if rng.random() < 0.5 else raw
            if rng.random() < 0.2:  # damage the compressed stream itself
                data = _mutate_bytes(rng, data, len(data))
            if k % 10 == 0:
                with open(path, "wb") as f:
                    f.write(data)
                tally.check(lambda: read_idx(path), IDXError, path)
            else:
                tally.check(lambda d=data: parse_idx(d, "fuzz.idx"), IDXError, "fuzz.idx")
    return tally.json()


# ----- model files ----------------------------------------------------------------------------
def _train_xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 3)).astype(np.float32), np.arange(8) % 2


def valid_model_files() -> list[bytes]:
    """Model files of a few set-ups (optimizers with more state, schedulers, a BatchNorm)."""
    from glassnet.optim import lr_scheduler as ls

    setups = [
        ("adam", lambda o: ls.StepLR(o, 1, 0.5)),
        (
            lambda ps: gn.optim.SGD(ps, lr=0.1, momentum=0.9),
            lambda o: ls.ReduceLROnPlateau(o, patience=0),
        ),
        (
            lambda ps: gn.optim.RMSprop(ps, centered=True, momentum=0.5),
            lambda o: ls.CosineAnnealingLR(o, 5),
        ),
        (lambda ps: gn.optim.Adam(ps, amsgrad=True), lambda o: ls.MultiStepLR(o, [1, 2])),
        ("adagrad", None),
    ]
    out = []
    x, y = _train_xy()
    with tempfile.TemporaryDirectory() as d:
        for opt, sched in setups:
            net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
            m = Model(net)
            m.compile(
                opt if isinstance(opt, str) else opt(net.parameters()),
                "cross_entropy",
                ["accuracy"],
                scheduler=sched,
            )
            m.info = {"classes": ["a", "b"]}
            m.fit(x, y, epochs=2, batch_size=4, verbose=0)
            p = os.path.join(d, "m.safetensors")
            m.save(p)
            with open(p, "rb") as f:
                out.append(f.read())
    return out


def fuzz_model_bytes(n: int, seed: int = 0) -> str:
    """`n` byte-level mutations of model files through serialization.loads."""
    rng = random.Random(seed)
    valid = valid_model_files()
    tally = Tally()
    for _ in range(n):
        raw = rng.choice(valid)
        (head,) = struct.unpack("<Q", raw[:8])
        if rng.random() < 0.1:  # a header length of any size
            data = (
                struct.pack("<Q", rng.choice([0, 1, head - 1, head + 1, 1 << 40, (1 << 64) - 1]))
                + raw[8:]
            )
        else:
            data = _mutate_bytes(rng, raw, 8 + head)
        tally.check(
            lambda d=data: serialization.loads(d, "fuzz.safetensors"),
            gn.CheckpointError,
            "fuzz.safetensors",
        )
    return tally.json()


def parse(raw: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A model file's metadata (JSON entries decoded) and tensors."""
    from safetensors.numpy import load

    (head,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(raw[8 : 8 + head])["__metadata__"]
    plain = ("format", "sha256", serialization.FULL_DIGEST)
    return {k: (v if k in plain else json.loads(v)) for k, v in meta.items()}, load(raw)


def resign(meta: dict[str, Any], tensors: dict[str, np.ndarray]) -> bytes:
    """A model file of these contents with both checksums right: a careful forgery."""
    from safetensors.numpy import save

    out = {
        k: (v if k == "format" else json.dumps(v))
        for k, v in meta.items()
        if k not in ("sha256", serialization.FULL_DIGEST)
    }
    out["sha256"] = serialization._digest(tensors)
    out[serialization.FULL_DIGEST] = serialization._meta_digest(out)
    return save(tensors, metadata=out)


def _spots(tree: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value inside a JSON tree."""
    out = [path]
    if isinstance(tree, dict):
        for k, v in tree.items():
            out += _spots(v, (*path, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            out += _spots(v, (*path, i))
    return out


def _edit_json(rng: random.Random, meta: dict[str, Any], keys: tuple[str, ...]) -> None:
    """Replace, delete or add one value somewhere under one of the metadata `keys`."""
    key = rng.choice([k for k in keys if k in meta])
    spot = rng.choice(_spots(meta[key]))
    parent: Any = meta
    for step in (key, *spot[:-1]):
        parent = parent[step]
    last = spot[-1] if spot else key
    op = rng.random()
    if op < 0.65 or not spot:
        parent[last] = rng.choice(WEIRD)
    elif op < 0.85:
        del parent[last]
    elif isinstance(parent, dict):
        parent[rng.choice(["step", "lr", "extra", "optimizer", "params", "0"])] = rng.choice(WEIRD)
    else:
        parent.append(rng.choice(WEIRD))


def _edit_tensors(rng: random.Random, tensors: dict[str, np.ndarray]) -> None:
    """Delete one tensor, reshape it, change its dtype, or add one under an optimizer name."""
    name = rng.choice(sorted(tensors))
    op = rng.randrange(4)
    if op == 0:
        del tensors[name]
    elif op == 1:
        tensors[name] = np.zeros(
            rng.choice([(), (1,), (4,), (2, 4), (4, 3), (3, 3, 3)]), tensors[name].dtype
        )
    elif op == 2:
        tensors[name] = tensors[name].astype(
            rng.choice(["bool", "int64", "int8", "float16", "float64", "uint8"])
        )
    else:
        tensors[f"optimizer.{rng.choice([0, 1, 3, 7, 99])}.{rng.choice(['exp_avg', 'x'])}"] = (
            np.zeros(rng.choice([(4, 3), (4,), (2,)]), np.float32)
        )


def _resume(path: str) -> None:
    """Load a model file and train on: one more epoch, then evaluate and predict."""
    m = load_model(path)
    if m.optimizer is None:
        return
    x, y = _train_xy()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # overflow in a forged but well-formed state is fine
        m.fit(x, y, epochs=m.epoch + 1, initial_epoch=m.epoch, batch_size=4, verbose=0)
        m.evaluate(x, y)
        m.predict(x)


def fuzz_model_state(n: int, seed: int = 0) -> str:
    """`n` re-signed files with mutated training state or tensors: each must be refused by
    load_model (naming the file) or load and then train, evaluate and predict."""
    rng = random.Random(seed)
    valid = [parse(raw) for raw in valid_model_files()]
    tally = Tally()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fuzz.safetensors")
        for _ in range(n):
            meta, tensors = rng.choice(valid)
            meta, tensors = json.loads(json.dumps(meta)), dict(tensors)
            for _ in range(rng.randint(1, 2)):
                if rng.random() < 0.75:
                    _edit_json(rng, meta, ("optimizer", "scheduler", "training"))
                else:
                    _edit_tensors(rng, tensors)
            with open(path, "wb") as f:
                f.write(resign(meta, tensors))
            tally.check(lambda: _resume(path), gn.CheckpointError, path)
    return tally.json()


def fuzz_architecture(n: int, seed: int = 0) -> str:
    """`n` re-signed files with a mutated architecture (sizes, types, nesting, repetition):
    each must load or be refused naming the file, within the memory and time bounds."""
    rng = random.Random(seed)
    meta0, tensors0 = parse(valid_model_files()[0])
    tally = Tally()
    for _ in range(n):
        meta = json.loads(json.dumps(meta0))
        op = rng.random()
        if op < 0.6:
            _edit_json(rng, meta, ("architecture",))
        elif op < 0.8:  # a bigger layer or a registered type in place of another
            node = rng.choice(list(meta["architecture"]["children"].values()))
            if node["config"] and rng.random() < 0.5:
                node["config"][rng.choice(sorted(node["config"]))] = rng.choice(
                    [10**5, 10**9, 2**40, 40000]
                )
            else:
                node["type"] = rng.choice(sorted(serialization._REGISTRY))
        else:  # deep nesting or many copies
            arch = meta["architecture"]
            if rng.random() < 0.5:
                for _ in range(rng.choice([2, 70, 300])):
                    arch = {"type": "Sequential", "config": {}, "children": {"0": arch}}
            else:
                arch = {
                    "type": "ModuleList",
                    "config": {},
                    "children": {str(i): arch for i in range(rng.choice([2, 70, 1100]))},
                }
            meta["architecture"] = arch
        data = resign(meta, dict(tensors0))
        tally.check(
            lambda d=data: serialization.loads(d, "fuzz.safetensors"),
            gn.CheckpointError,
            "fuzz.safetensors",
        )
    return tally.json()


# ----- CSV ------------------------------------------------------------------------------------
CSV_SEED = (
    "# iris-like, with the things CSV files carry\r\nsl,sw,label\r\n"
    + "".join(f"{i % 7}.{i % 10},{(i * 37) % 11 - 5}.25,{'abc'[i % 3]}\n" for i in range(12))
    + '"6.9",3.1,"virgin\nica, too"\n\n# a comment\n4.9,-3e-2,setosa\n'
    + "7,8,\ud55c\uad6d\n,\n1.5,2,x\n"
).encode()
CSV_TOKENS = [
    b"nan",
    b"NaN",
    b"inf",
    b"-Infinity",
    b"1e39",
    b"1e308",
    b"1e400",
    b"-0",
    "\u0661\u0662".encode(),
    "\uff11".encode(),
    "\u3000".encode(),
    b"1_0",
    b'"',
    b'""',
    b"\r",
    b"\n",
    b"\r\n",
    b"\n\n",
    b"#",
    b",",
    b",,",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xe4\xb8",
    b" ",
    b"\t",
    b"-",
    b"+",
    b"e",
    b".",
    b"0x1",
    b"9" * 400,
    b"label",
    b"x",
    b"12345.678",
]
CSV_MAX_SIZE = 100_000
CSV_ALLOC_CAP = 8 << 20  # bytes one read may allocate (tracemalloc) beyond 40x the file


def _csv_mutant(rng: random.Random) -> bytes:
    """The seed after 1-3 changes (mostly an inserted token, else a cut, a flipped byte, a
    span repeated up to CSV_MAX_SIZE bytes, a truncation, random bytes), or random CSV-ish
    characters."""
    if rng.random() < 0.1:
        return bytes(rng.choices(b'0123456789.,-+e"\r\n# x\xc3\xa9', k=rng.randrange(400)))
    data = CSV_SEED
    for _ in range(rng.randint(1, 3)):
        i, j = sorted((rng.randint(0, len(data)), rng.randint(0, len(data))))
        op = rng.choices(range(6), [10, 2, 2, 4, 1, 1])[0]
        if op == 0:
            data = data[:i] + rng.choice(CSV_TOKENS) + data[i:]
        elif op == 1:
            data = data[:i] + data[j:]
        elif op == 2 and data:
            k = min(i, len(data) - 1)
            data = data[:k] + bytes([data[k] ^ rng.randint(1, 255)]) + data[k + 1 :]
        elif op == 3:
            times = min(rng.randint(1, 300), CSV_MAX_SIZE // max(j - i, 1))
            data = data[:j] + data[i:j] * times + data[j:]
        elif op == 4:
            data = data[:i]
        else:
            data = data[:i] + rng.randbytes(rng.randint(1, 3)) + data[i:]
    return data[:CSV_MAX_SIZE]


def _csv_outcome(path: str, target: str | int | None, allow_nan: bool) -> tuple[Any, ...]:
    """("ok", x, y), ("error", message) or ("bad", what): another exception, an error not
    naming the file, or a non-finite number let through without allow_nan."""
    try:
        x, y = load_csv(path, target=target, allow_nan=allow_nan)
    except CSVError as e:
        return ("error", str(e)) if str(e).startswith(path) else ("bad", f"not naming: {e}")
    except Exception as e:  # noqa: BLE001 - any other type is the finding
        return ("bad", f"{type(e).__name__}: {e}")
    if not allow_nan and not (np.isfinite(x).all() and (y is None or np.isfinite(y).all())):
        return ("bad", "a non-finite number got through")
    return ("ok", x, y)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if a[0] != b[0] or a[0] != "ok":
        return a == b
    return all(
        (u is None and v is None)
        or (
            u is not None
            and v is not None
            and u.dtype == v.dtype
            and np.array_equal(u, v, equal_nan=True)
        )
        for u, v in zip(a[1:], b[1:])
    )


def _csv_others(tally: Tally, path: str, data: bytes) -> None:
    """has_header, read_csv and the playground's parse_csv: their own errors only."""
    from glassnet.playground.csv import parse_csv

    for read in (has_header, read_csv):
        try:
            read(path)
        except CSVError as e:
            if not str(e).startswith(path):
                tally.unexpected(f"{read.__name__}: not naming the file: {e}")
        except Exception as e:  # noqa: BLE001
            tally.unexpected(f"{read.__name__}: {type(e).__name__}: {e}")
    try:
        parse_csv(data.decode("utf-8", "replace"))
    except ValueError:
        pass
    except Exception as e:  # noqa: BLE001
        tally.unexpected(f"parse_csv: {type(e).__name__}: {e}")


def fuzz_csv(n: int, seed: int = 0) -> str:
    """`n` mutated CSV files through load_csv, each read in the usual blocks and again in
    blocks of a few bytes: the same arrays or the same error either way (a row cut by a
    block edge reads the same); what one read allocates (tracemalloc) stays under 40 times
    the file plus CSV_ALLOC_CAP; has_header, read_csv and parse_csv run on the same input."""
    rng = random.Random(seed)
    tally = Tally()
    usual = gcsv.BLOCK
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "fuzz.csv")
        for k in range(n):
            data = _csv_mutant(rng)
            with open(path, "wb") as f:
                f.write(data)
            target, allow_nan = ("label", -1, "label", -1, "label", None)[k % 6], k % 4 == 1
            start = time.perf_counter()
            tracemalloc.start()  # for this read only: tracing slows every allocation
            big = _csv_outcome(path, target, allow_nan)
            used = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            tally.slowest = max(tally.slowest, time.perf_counter() - start)
            gcsv.BLOCK = rng.randint(1, 24) if len(data) < 4000 else rng.randint(24, 4000)
            try:
                small = _csv_outcome(path, target, allow_nan)
            finally:
                tiny, gcsv.BLOCK = gcsv.BLOCK, usual
            if big[0] == "bad" or not _same(big, small):
                tally.unexpected(f"{big[:2]} / in blocks of {tiny}: {small[:2]} for {data[:200]!r}")
            elif used > 40 * len(data) + CSV_ALLOC_CAP:
                tally.unexpected(f"{used} bytes allocated for {len(data)} bytes: {data[:200]!r}")
            else:
                tally.counts["accepted" if big[0] == "ok" else "refused"] += 1
            _csv_others(tally, path, data)
    return tally.json()
