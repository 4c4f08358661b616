"""What a ``leadimport`` process sets for itself: allocator and thread settings, fewer garbage collections.

These change the whole process, so only the front doors (the CLI, the watcher, the page) apply them;
``import importer`` changes nothing in the caller's process.

Fewer garbage collections while a prepared sheet's leads are sent:

A sheet of a few hundred thousand rows leaves millions of long-lived objects (the rows' values, the
lead payloads) and sending them allocates millions more. Python's cyclic collector would walk all the
long-lived ones again at every full collection, which for such a sheet costs about a tenth of the
import. They are frozen (left out of collections) and young objects are collected less often; the
previous settings come back afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator


def tune_process() -> None:
    """Allocator and thread settings for a leadimport process; a value the user set is kept.

    pyarrow's allocator (mimalloc) commits its 1 GiB arenas eagerly as transparent huge pages; every
    arena it purges and reuses then faults in and zeroes 2 MiB pages again, which cost a third of the
    CPU time of validating a million rows. Committing on demand halves the kernel's share. Read once,
    when pyarrow loads, so this must run before it does. numpy's OpenBLAS starts a thread per core that
    spins waiting for work; leadimport does no linear algebra, so those threads only take CPU from Arrow's.
    """
    os.environ.setdefault("MIMALLOC_ARENA_EAGER_COMMIT", "0")
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


YOUNG_THRESHOLD = 20_000
"""Allocations between collections of the youngest generation (Python's default is 700)."""


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Freeze what exists now and collect young objects less often, until the block ends."""
    previous = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, 50, 50)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        gc.unfreeze()
