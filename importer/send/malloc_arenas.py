"""Bounded heap growth while a sheet's leads are sent (``import_file(..., tune_gc=True)``, as the CLI runs it).

Each sending thread encodes request bodies and reads answers of a few hundred kB. glibc gives every
thread a heap arena of its own and, once such a buffer has been freed, serves later ones of that size from
the arena instead of mapping them afresh; freed arena memory is seldom handed back. Over a million leads
that kept some 300 MB more resident than the data alive. Two arenas, and buffers over 128 kB mapped (and
unmapped) each time, keep the heap near what is in use.
"""

from __future__ import annotations

from importer.glibc_malloc import M_ARENA_MAX, M_MMAP_THRESHOLD, mallopt

ARENAS = 2
MMAP_THRESHOLD = 128 * 1024
"""glibc's default, fixed: setting it turns off the threshold's growth after each large free."""


def bound_heap_growth() -> bool:
    """Tune glibc's allocator for the rest of the process (elsewhere nothing is done); whether it was."""
    return mallopt(M_ARENA_MAX, ARENAS) and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
