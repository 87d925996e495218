"""Finding, downloading and verifying data-set files.

Lookup order for a data set `name`: $GLASSNET_DATA/<name>/, ~/.cache/glassnet/<name>/,
/usr/share/datasets/<name>/ (Debian's dataset-* packages), then the standard mirrors when
online (saved into the cache). Each file is checked against the SHA-256 of its *decompressed*
bytes, because repackagers rewrite gzip headers while the data stays the same; the file is
read as a stream (see `idx`), so the hash is computed as it is decompressed and parsed.
"""

from __future__ import annotations

import hashlib
import io
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..io import atomic_write_bytes
from .idx import CHUNK, MAX_BYTES, IDXError, read_stream

SYSTEM_DIR = Path("/usr/share/datasets")
MAX_DOWNLOAD = MAX_BYTES + (1 << 20)  # a gzip file of the largest IDX file allowed, stored


class DatasetNotFoundError(FileNotFoundError):
    """A data set's files are missing here and could not be downloaded."""


@dataclass(frozen=True)
class RemoteFile:
    """One file: its name and the SHA-256 of its decompressed bytes.

    Where that hash is not known (MNIST's training images), `gz_sha256`, the published hash of
    the gzip file, is checked instead, and only the original .gz is accepted.
    """

    name: str
    sha256: str | None
    gz_sha256: str | None = None


@dataclass(frozen=True)
class RemoteDataset:
    """A downloadable data set: folder name, mirrors (tried in order) and files."""

    name: str
    mirrors: tuple[str, ...]
    files: dict[str, RemoteFile]


def search_dirs(name: str) -> list[Path]:
    """Folders searched for a data set, in order."""
    dirs = []
    if os.environ.get("GLASSNET_DATA"):
        dirs.append(Path(os.environ["GLASSNET_DATA"]) / name)
    dirs.append(cache_dir() / name)
    dirs.append(SYSTEM_DIR / name)
    return dirs


def cache_dir() -> Path:
    """~/.cache/glassnet (or $XDG_CACHE_HOME/glassnet)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "glassnet"


def _candidates(d: Path, fname: str) -> list[Path]:
    raw = fname[:-3] if fname.endswith(".gz") else fname
    return [d / fname, d / raw]


def _sha256(f: BinaryIO) -> str:
    """The SHA-256 of a file object's bytes from where it is, read a chunk at a time."""
    h = hashlib.sha256()
    while chunk := f.read(CHUNK):
        h.update(chunk)
    return h.hexdigest()


def _verified(f: BinaryIO, size: int, name: str, rf: RemoteFile) -> np.ndarray:
    """The IDX array in `f` (`size` bytes), streamed, or IDXError if its SHA-256 is not rf's."""
    if rf.sha256 is None:  # only the gzip file's hash is known: check it before inflating
        ok = _sha256(f) == rf.gz_sha256
        f.seek(0)
        if ok:
            return read_stream(f, size, name)
    else:
        h = hashlib.sha256()
        array = read_stream(f, size, name, h)
        if h.hexdigest() == rf.sha256:
            return array
    what = "decompressed data" if rf.sha256 else "gzip file"
    raise IDXError(
        f"{name}: SHA-256 of the {what} is not the expected "
        f"{rf.sha256 or rf.gz_sha256} (corrupt, truncated or a different file); "
        "delete it and fetch it again"
    )


def verified_array(path: Path, f: RemoteFile) -> np.ndarray:
    """The IDX array in `path`, or IDXError if its SHA-256 is not the expected one."""
    try:
        with open(path, "rb") as fh:
            return _verified(fh, os.fstat(fh.fileno()).st_size, str(path), f)
    except OSError as e:
        raise IDXError(f"{path}: cannot read ({e.strerror or e})") from None


def locate(ds: RemoteDataset, key: str) -> Path | None:
    """The first existing copy of a file in the search folders (not verified)."""
    f = ds.files[key]
    for d in search_dirs(ds.name):
        for p in _candidates(d, f.name):
            if p.is_file():
                return p
    return None


def _fetch(url: str) -> bytes:
    """The body at `url`, refused past MAX_DOWNLOAD bytes."""
    with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - fixed https URLs
        raw = r.read(MAX_DOWNLOAD + 1)
    if len(raw) > MAX_DOWNLOAD:
        raise ValueError(f"more than {MAX_DOWNLOAD} bytes")
    return raw


def _download(ds: RemoteDataset, f: RemoteFile) -> np.ndarray:
    """Fetch a file from the first mirror that serves it verified; save it in the cache."""
    errors = []
    for mirror in ds.mirrors:
        url = mirror + f.name
        try:
            raw = _fetch(url)
        except (urllib.error.URLError, OSError, ValueError) as e:
            errors.append(f"{url}: {e}")
            continue
        try:
            array = _verified(io.BytesIO(raw), len(raw), url, f)
        except IDXError as e:
            errors.append(str(e))
            continue
        atomic_write_bytes(cache_dir() / ds.name / f.name, raw)
        return array
    where = ", ".join(str(d) for d in search_dirs(ds.name))
    raise DatasetNotFoundError(
        f"{ds.name}: file {f.name} not found and could not be downloaded "
        f"({'; '.join(errors) or 'no mirrors'}). Put {f.name} (gzip or raw) into one of: {where}"
    )


def load_idx(ds: RemoteDataset, key: str, download: bool = True) -> np.ndarray:
    """The verified IDX array of one file: found locally or downloaded into the cache."""
    path = locate(ds, key)
    if path is not None:
        return verified_array(path, ds.files[key])
    if not download:
        where = ", ".join(str(d) for d in search_dirs(ds.name))
        raise DatasetNotFoundError(
            f"{ds.name}: file {ds.files[key].name} not found; put it "
            f"(gzip or raw) into one of: {where}"
        )
    return _download(ds, ds.files[key])


def status(ds: RemoteDataset) -> dict[str, str]:
    """For each file: 'verified <path>', 'CORRUPT <path>: why' or 'missing'."""
    out = {}
    for key, f in ds.files.items():
        p = locate(ds, key)
        if p is None:
            out[key] = "missing"
            continue
        try:
            verified_array(p, f)
            out[key] = f"verified {p}"
        except IDXError as e:
            out[key] = f"CORRUPT {e}"
    return out
