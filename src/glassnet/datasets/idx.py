"""The IDX file format of MNIST and Fashion-MNIST: a big-endian header, then raw numbers.

Header: two zero bytes, a type code (0x08 = uint8, ...), the number of dimensions, then one
uint32 size per dimension. The reader checks each of these and that the data length is exactly
what the header promises, so a truncated or corrupt file is reported, never misread.

Gzip files are decompressed as a stream, a megabyte at a time: the header is read first and
its promise checked against `MAX_BYTES` and against what the compressed file can sanely hold
(`MAX_RATIO` bytes per compressed byte) before any data is read, and reading stops at the
declared size, so a small file that inflates to gigabytes (a gzip bomb) costs no memory.
"""

from __future__ import annotations

import gzip
import io
import os
import struct
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
MAX_BYTES = 1 << 31  # refuse headers that promise more than 2 GiB
MAX_RATIO = 256  # data bytes per gzip byte; MNIST's files inflate 2-5x, deflate's ceiling is 1032
CHUNK = 1 << 20  # bytes decompressed (and hashed) at a time
GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """A file that is not a valid IDX file (names the file and what is wrong)."""


def _read_header(stream: BinaryIO, name: str) -> tuple[bytes, tuple[int, ...], np.dtype]:
    """The raw header bytes, the shape and the dtype, read from the start of `stream`."""
    first = stream.read(4)
    if len(first) < 4:
        raise IDXError(f"{name}: {len(first)} bytes is too short for an IDX header")
    zero, code, ndim = struct.unpack(">HBB", first)
    if zero != 0 or code not in _TYPES:
        raise IDXError(
            f"{name}: bad magic number 0x{first.hex()} (expected 0x0000 then a type "
            f"code in {sorted(_TYPES)} and the number of dimensions)"
        )
    if ndim == 0:
        raise IDXError(f"{name}: header says 0 dimensions")
    dims = stream.read(4 * ndim)
    if len(dims) < 4 * ndim:
        raise IDXError(
            f"{name}: header says {ndim} dimensions but the file has only {4 + len(dims)} bytes"
        )
    return first + dims, struct.unpack(f">{ndim}I", dims), np.dtype(_TYPES[code])


def _fill(stream: BinaryIO, out: np.ndarray, hasher: Any) -> int:
    """Read into the uint8 array `out` a chunk at a time; the number of bytes read."""
    got = 0
    while got < len(out):
        data = stream.read(min(CHUNK, len(out) - got))
        if not data:
            break
        out[got : got + len(data)] = np.frombuffer(data, np.uint8)
        if hasher is not None:
            hasher.update(data)
        got += len(data)
    return got


def _read_array(
    stream: BinaryIO, name: str, size: int, compressed: bool, hasher: Any
) -> np.ndarray:
    """Header, checks against the limits, then exactly the declared data bytes."""
    head, shape, dtype = _read_header(stream, name)
    if hasher is not None:
        hasher.update(head)
    n = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if n > MAX_BYTES or int(np.prod([max(d, 1) for d in shape], dtype=object)) > MAX_BYTES:
        raise IDXError(
            f"{name}: header shape {shape} promises {n} bytes, more than the "
            f"{MAX_BYTES}-byte limit" + (" (once its zero sizes are not zero)" if not n else "")
        )
    if compressed and n > MAX_RATIO * size:
        raise IDXError(
            f"{name}: header shape {shape} promises {n} bytes, more than a gzip file "
            f"of {size} bytes can sanely hold ({MAX_RATIO} bytes per byte): a gzip "
            "bomb or a corrupt header"
        )
    if not compressed and n != size - len(head):
        raise IDXError(
            f"{name}: header shape {shape} needs {n} data bytes, the file has "
            f"{size - len(head)} (truncated or padded)"
        )
    out = np.empty(n, np.uint8)
    got = _fill(stream, out, hasher)
    if got < n:
        raise IDXError(
            f"{name}: header shape {shape} needs {n} data bytes, the file has {got} "
            "(truncated or padded)"
        )
    if stream.read(1):
        raise IDXError(
            f"{name}: the file holds more data than the {n} bytes its header shape "
            f"{shape} needs (truncated or padded)"
        )
    array = out.view(dtype).reshape(shape)
    if not dtype.isnative:
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def read_stream(f: BinaryIO, size: int, name: str, hasher: Any = None) -> np.ndarray:
    """Read an IDX array from the binary file `f` of `size` bytes, gzip-compressed or raw.

    `hasher` (e.g. hashlib.sha256()) is fed every decompressed byte, header included.
    """
    compressed = f.read(2) == GZIP_MAGIC
    f.seek(0)
    if not compressed:
        return _read_array(f, name, size, False, hasher)
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as stream:
            return _read_array(stream, name, size, True, hasher)  # type: ignore[arg-type]
    except (OSError, EOFError, zlib.error) as e:
        raise IDXError(f"{name}: corrupt gzip data ({e})") from None


def parse_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decode IDX bytes (raw or gzip-compressed) into an array of the header's type and shape."""
    return read_stream(io.BytesIO(data), len(data), name)


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file, gzip-compressed or raw, streaming (see the module docstring)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            return read_stream(f, os.fstat(f.fileno()).st_size, str(path))
    except OSError as e:
        raise IDXError(f"{path}: cannot read ({e.strerror or e})") from None
