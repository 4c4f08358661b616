"""glibc's allocator options (``mallopt``), as the CLI (:func:`importer.cli.runtime.tune_process`) and the send
(:mod:`importer.send.malloc_arenas`) set them; elsewhere (not Linux, musl) nothing is done.

It imports nothing heavy: the CLI sets its options before pandas and pyarrow load.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys

__all__ = ["M_ARENA_MAX", "M_MMAP_THRESHOLD", "mallopt"]

M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def mallopt(option: int, value: int) -> bool:
    """glibc's ``mallopt(option, value)`` for the rest of the process; whether it was set."""
    if not sys.platform.startswith("linux"):
        return False
    with contextlib.suppress(OSError, AttributeError):  # glibc only: musl and others lack the name or the library
        call = ctypes.CDLL("libc.so.6").mallopt
        call.argtypes, call.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        return bool(call(option, value))
    return False
