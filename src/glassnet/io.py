"""Atomic file writes (temp file in the same folder, fsync, os.replace) and folder locks.

A crash mid-write leaves the previous file intact, never a half-written one. The file gets
the permissions an ordinary open() would give it (0666 less the umask), or keeps those of the
file it replaces. A writer holds an flock on its temporary until it is renamed, so a temporary
left by a killed writer (unlocked, and not touched for STALE_TEMP_S) is removed by the next
write of the same target. `folder_lock` keeps a second process from writing into a folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # not POSIX: no locks; stale temporaries are then left alone
    fcntl = None  # type: ignore[assignment]

_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
STALE_TEMP_S = 2.0  # an unlocked temporary untouched this long belongs to no live writer
LOCK_NAME = ".glassnet.lock"


def _temp_pattern(path: Path) -> re.Pattern:
    """The names `_create_temp` gives the temporaries of `path` (and of nothing else)."""
    return re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{8}}\.tmp")


def _create_temp(path: Path) -> tuple[int, str]:
    """A new file beside `path`, created as open() would create it (so the umask applies) and
    locked while this process writes it."""
    for _ in range(100):
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a fresh name: nobody else holds it
        return fd, tmp
    raise FileExistsError(f"{path}: no free temporary name beside it after 100 tries")


def _unlocked(name: str, folder: Path) -> bool:
    """Whether the file `name` in `folder` is a regular file no process holds a lock on."""
    try:
        fd = os.open(
            folder / name,
            os.O_RDONLY
            | getattr(os, "O_NOFOLLOW", 0)
            | getattr(os, "O_NONBLOCK", 0)
            | getattr(os, "O_CLOEXEC", 0),
        )
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_stale_temps(path: str | os.PathLike) -> list[str]:
    """Delete temporaries of `path` left by killed writers; returns the names removed.

    Only names `atomic_open` makes for this very target, only regular files that are not
    locked (a live writer holds its lock) and not modified for STALE_TEMP_S seconds.
    """
    path = Path(path)
    if fcntl is None:
        return []
    pattern, removed = _temp_pattern(path), []
    try:
        names = [e.name for e in os.scandir(path.parent) if pattern.fullmatch(e.name)]
    except OSError:
        return []
    now = time.time()
    for name in names:
        try:
            if now - os.lstat(path.parent / name).st_mtime < STALE_TEMP_S:
                continue
        except OSError:
            continue
        if _unlocked(name, path.parent):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path.parent / name)
                removed.append(name)
    return removed


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temp file beside `path` for writing; it replaces `path` only on success.

    Stale temporaries of the same `path` (from a writer that was killed) are removed first.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)
    fd, tmp = _create_temp(path)
    try:
        with os.fdopen(
            fd, mode, **({} if "b" in mode else {"newline": "", "encoding": "utf-8"})
        ) as f:
            with contextlib.suppress(FileNotFoundError):  # keep the mode of the file replaced
                os.chmod(tmp, stat.S_IMODE(os.stat(path).st_mode))
            yield f
            f.flush()
            os.fsync(f.fileno())
            if fcntl is not None:  # renamed while still locked: never seen unlocked as a temp
                os.replace(tmp, path)
        if fcntl is None:
            os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write bytes to `path` atomically."""
    with atomic_open(path, "wb") as f:
        f.write(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text to `path` atomically."""
    with atomic_open(path, "w") as f:
        f.write(text)


class FolderBusyError(RuntimeError):
    """Another live process holds the folder's lock; `pid` is its process id (or None)."""

    def __init__(self, folder: Path, pid: int | None) -> None:
        self.folder, self.pid = folder, pid
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{folder}: {who} is writing there (it holds {folder / LOCK_NAME})")


def _holder(fd: int) -> int | None:
    """The PID written in a lock file, if it reads as one."""
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode("ascii").strip())
    return None


@contextlib.contextmanager
def folder_lock(folder: str | os.PathLike) -> Iterator[Path]:
    """Hold an exclusive lock on `folder` (an flock on its `.glassnet.lock`) while inside.

    A second holder, in this or another process, gets FolderBusyError naming the PID in the
    file. The lock dies with the process, so a crashed run never blocks the next one; the
    file is removed on a normal exit. Without fcntl (not POSIX) nothing is locked.
    """
    folder = Path(folder)
    lock = folder / LOCK_NAME
    if fcntl is None:
        yield lock
        return
    while True:
        fd = os.open(
            lock,
            os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
            0o666,
        )
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            pid = _holder(fd)
            os.close(fd)
            if e.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise FolderBusyError(folder, pid) from None
            raise
        try:  # the file we locked may have been removed by its last holder meanwhile
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield lock
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)  # still locked: a waiter that opened it retries on the new file
        os.close(fd)
