"""The IDX file format of MNIST and Fashion-MNIST: a big-endian header, then raw numbers.

Header: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions, then one
uint32 size per dimension. The reader checks each of these and that the data length is exactly
what the header promises, so a truncated or corrupt file is reported, never misread.
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from pathlib import Path

import numpy as np

_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_BYTES = 1 << 31  # refuse headers that promise more than 2 GiB


class IDXError(ValueError):
    """A file that is not a valid IDX file (names the file and what is wrong)."""


def decompress(raw: bytes, name: str) -> bytes:
    """The file's bytes, gunzipped when they start with the gzip magic."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(f"{name}: corrupt gzip data ({e})") from None


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode uncompressed IDX bytes into an array of the header's type and shape."""
    if len(data) < 4:
        raise IDXError(f"{name}: {len(data)} bytes is too short for an IDX header")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code not in _TYPES:
        raise IDXError(f"{name}: bad magic number 0x{data[:4].hex()} (expected 0x0000 then a type "
                       f"code in {sorted(_TYPES)} and the number of dimensions)")
    if ndim == 0:
        raise IDXError(f"{name}: header says 0 dimensions")
    head = 4 + 4 * ndim
    if len(data) < head:
        raise IDXError(f"{name}: header says {ndim} dimensions but the file has only "
                       f"{len(data)} bytes")
    shape = struct.unpack(f">{ndim}I", data[4:head])
    dtype = np.dtype(_TYPES[code])
    n = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if n > MAX_BYTES:
        raise IDXError(f"{name}: header shape {shape} promises {n} bytes, more than the "
                       f"{MAX_BYTES}-byte limit")
    if len(data) - head != n:
        raise IDXError(f"{name}: header shape {shape} needs {n} data bytes, the file has "
                       f"{len(data) - head} (truncated or padded)")
    return np.frombuffer(data, dtype, offset=head).reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IDXError(f"{path}: cannot read ({e.strerror or e})") from None
    return parse_idx(decompress(raw, str(path)), str(path))
