"""Keep freed array memory in the process, so the next step reuses it instead of faulting it in.

Every op returns a new array, and a training step frees and reallocates the same large blocks
each time. glibc serves blocks over 128 KiB with mmap and gives freed memory back to the
kernel, so each step pays one page fault per 4 KiB of every large temporary: measured here,
that was a third of a LeNet step and a quarter of an LSTM step. Raising glibc's mmap and trim
thresholds (as PyTorch users do by preloading jemalloc or tcmalloc) makes freed blocks reusable.
The cost is that the process keeps its peak memory. Set GLASSNET_TUNE_MALLOC=0 to leave the
allocator alone; MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ set by the user also win.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters from glibc's malloc.h
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 256 * 1024 * 1024


def tune_allocator() -> bool:
    """Raise glibc's mmap and trim thresholds; True if they were set (Linux with glibc only)."""
    if os.environ.get("GLASSNET_TUNE_MALLOC", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) and mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    )
