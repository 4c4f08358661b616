"""Which runs are alive: one lock file per run, held by the process running it.

The process running a run holds an exclusive ``flock`` on ``<ledger>.locks/run-<id>.lock``; the
operating system releases it when that process dies, however it dies. A run whose file is not
locked (or is gone) is no longer running: its ``in-flight`` leads are for a later run to adopt.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterable
from pathlib import Path


class RunLocks:
    """One lock file per run, exclusively locked by the process running it: the OS frees it when that dies."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._held: dict[int, int] = {}

    def hold(self, run_id: int) -> None:
        """Lock the run's file for as long as this process runs it."""
        fd = os.open(self._path(run_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._held[run_id] = fd

    def release(self, run_id: int) -> None:
        """Unlock (and remove) the run's file, if this process holds it."""
        fd = self._held.pop(run_id, None)
        if fd is not None:
            # Removed while still locked: whoever opened it before sees it unlocked once it is closed.
            with contextlib.suppress(FileNotFoundError):
                self._path(run_id).unlink()
            os.close(fd)

    def release_all(self) -> None:
        """Unlock every run this process holds."""
        for run_id in list(self._held):
            self.release(run_id)

    def alive(self, run_id: int) -> bool:
        """Whether some process still runs the run: a shared lock is refused while its owner lives."""
        if run_id in self._held:
            return True
        try:
            fd = os.open(self._path(run_id), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # also drops the shared lock
        return False

    def alive_map(self, run_ids: Iterable[int]) -> dict[int, bool]:
        """:meth:`alive` for each distinct run."""
        return {run_id: self.alive(run_id) for run_id in set(run_ids)}

    def _path(self, run_id: int) -> Path:
        return self.folder / f"run-{run_id}.lock"
