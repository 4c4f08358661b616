"""Fewer garbage collections while a prepared sheet's leads are sent (``import_file(..., tune_gc=True)``).

A sheet of a few hundred thousand rows leaves millions of long-lived objects (the rows' values, the
lead payloads) and sending them allocates millions more. Python's cyclic collector would walk all the
long-lived ones again at every full collection, which for such a sheet costs about a tenth of the
import. They are frozen (left out of collections) and young objects are collected less often; the
previous settings come back afterwards.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

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
