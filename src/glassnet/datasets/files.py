"""Finding, downloading and verifying data-set files.

Lookup order for a data set `name`: $GLASSNET_DATA/<name>/, ~/.cache/glassnet/<name>/,
/usr/share/datasets/<name>/ (Debian's dataset-* packages), then the standard mirrors when
online (saved into the cache). Each file is checked against the SHA-256 of its *decompressed*
bytes, because repackagers rewrite gzip headers while the data stays the same.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..io import atomic_write_bytes
from .idx import IDXError, decompress

SYSTEM_DIR = Path("/usr/share/datasets")


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

    def matches(self, raw: bytes, data: bytes) -> bool:
        """Whether the bytes are this file: SHA-256 of the decompressed `data`, or of the
        file as stored (`raw`, the .gz) where only `gz_sha256` is known.
        """
        if self.sha256 is not None:
            return hashlib.sha256(data).hexdigest() == self.sha256
        return hashlib.sha256(raw).hexdigest() == self.gz_sha256


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


def verified_bytes(path: Path, f: RemoteFile) -> bytes:
    """The decompressed content of `path`, or IDXError if its SHA-256 is not the expected one."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise IDXError(f"{path}: cannot read ({e.strerror or e})") from None
    data = decompress(raw, str(path))
    if not f.matches(raw, data):
        what = "decompressed data" if f.sha256 else "gzip file"
        raise IDXError(f"{path}: SHA-256 of the {what} is not the expected "
                       f"{f.sha256 or f.gz_sha256} (corrupt, truncated or a different file); "
                       "delete it and fetch it again")
    return data


def locate(ds: RemoteDataset, key: str) -> Path | None:
    """The first existing copy of a file in the search folders (not verified)."""
    f = ds.files[key]
    for d in search_dirs(ds.name):
        for p in _candidates(d, f.name):
            if p.is_file():
                return p
    return None


def _download(ds: RemoteDataset, f: RemoteFile) -> Path:
    dest_dir = cache_dir() / ds.name
    errors = []
    for mirror in ds.mirrors:
        url = mirror + f.name
        try:
            with urllib.request.urlopen(url, timeout=30) as r:  # noqa: S310 - fixed https URLs
                raw = r.read()
        except (urllib.error.URLError, OSError, ValueError) as e:
            errors.append(f"{url}: {e}")
            continue
        try:
            data = decompress(raw, url)
        except IDXError as e:
            errors.append(str(e))
            continue
        if not f.matches(raw, data):
            errors.append(f"{url}: wrong SHA-256")
            continue
        dest = dest_dir / f.name
        atomic_write_bytes(dest, raw)
        return dest
    where = ", ".join(str(d) for d in search_dirs(ds.name))
    raise DatasetNotFoundError(
        f"{ds.name}: file {f.name} not found and could not be downloaded "
        f"({'; '.join(errors) or 'no mirrors'}). Put {f.name} (gzip or raw) into one of: {where}")


def load_file(ds: RemoteDataset, key: str, download: bool = True) -> bytes:
    """Verified, decompressed bytes of one file: found locally or downloaded into the cache."""
    path = locate(ds, key)
    if path is None:
        if not download:
            where = ", ".join(str(d) for d in search_dirs(ds.name))
            raise DatasetNotFoundError(f"{ds.name}: file {ds.files[key].name} not found; put it "
                                       f"(gzip or raw) into one of: {where}")
        path = _download(ds, ds.files[key])
    return verified_bytes(path, ds.files[key])


def status(ds: RemoteDataset) -> dict[str, str]:
    """For each file: 'verified <path>', 'CORRUPT <path>: why' or 'missing'."""
    out = {}
    for key, f in ds.files.items():
        p = locate(ds, key)
        if p is None:
            out[key] = "missing"
            continue
        try:
            verified_bytes(p, f)
            out[key] = f"verified {p}"
        except IDXError as e:
            out[key] = f"CORRUPT {e}"
    return out
