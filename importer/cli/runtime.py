"""What a ``leadimport`` process sets for itself, and how the CLI draws progress.

These change the whole process, so only the front doors apply them; ``import importer`` changes nothing
in the caller's process.
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import ClassVar

from tqdm import tqdm

from importer.glibc_malloc import M_ARENA_MAX, mallopt


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
    _one_heap_arena()


def _one_heap_arena() -> None:
    """One glibc heap arena for every thread (unless the user set ``glibc.malloc.arena_max``).

    The dry run normalizes chunks on two threads; with an arena each, NumPy's and Python's freed buffers stay
    mapped in both and the dry run of a million rows kept ~40 MB more resident to its end. Arrow allocates
    with its own allocator, so the one arena's lock is seldom contended. The send raises it to two later
    (:func:`importer.send.malloc_arenas.bound_heap_growth`).
    """
    if "arena_max" not in os.environ.get("GLIBC_TUNABLES", ""):
        mallopt(M_ARENA_MAX, 1)


class ProgressBars:
    """A progress callback that draws one tqdm bar per stage on stderr (nothing when ``enabled`` is false)."""

    UNITS: ClassVar[dict[str, str]] = {"reading": "B", "validating": "row", "checking": "lead", "sending": "lead"}

    def __init__(self, *, enabled: bool) -> None:
        self.enabled = enabled
        self._stage: str | None = None
        self._bar: tqdm | None = None

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        if stage != self._stage:
            self.close()
            if stage not in self.UNITS:
                return
            unit = self.UNITS[stage]
            self._stage = stage
            self._bar = tqdm(total=total, unit=unit, unit_scale=unit == "B", desc=stage, leave=False)
        if self._bar is not None:
            self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar, self._stage = None, None

    def __enter__(self) -> ProgressBars:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
