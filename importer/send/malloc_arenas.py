"""Bounded heap growth while a sheet's leads are sent (``import_file(..., tune_gc=True)``, as the CLI runs it).

Each sending thread encodes request bodies and reads answers of a few hundred kB. glibc gives every
thread a heap arena of its own and, once such a buffer has been freed, serves later ones of that size from
the arena instead of mapping them afresh; freed arena memory is seldom handed back. Over a million leads
that kept some 300 MB more resident than the data alive. Two arenas, and buffers over 128 kB mapped (and
unmapped) each time, keep the heap near what is in use.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
MMAP_THRESHOLD = 128 * 1024
"""glibc's default, fixed: setting it turns off the threshold's growth after each large free."""


def bound_heap_growth() -> bool:
    """Tune glibc's allocator for the rest of the process (elsewhere nothing is done); whether it was."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):
        mallopt = ctypes.CDLL("libc.so.6").mallopt  # glibc only: musl and others lack the name or the library
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        return bool(mallopt(M_ARENA_MAX, ARENAS)) and bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    return False
