"""Folding a run's settled batches into the lead table in the background, while the run goes on sending.

Folding a batch is one SQL statement, run by SQLite without Python's GIL, so a background thread does
it on the other core while the sending threads work. It waits until several batches are settled:
each fold commits the index pages it touched, and a thousand random keys touch most of them, so
folding batch by batch would write the indexes again and again. When the run ends, the ledger folds
whatever is left (the last few batches) itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

MIN_BATCHES = 8
"""Settled batches to wait for before folding: fewer commits, each writing the indexes once."""


class BackgroundFold:
    """A thread that calls ``fold(batch_ids)`` whenever at least ``min_batches`` batches are settled.

    The first exception ``fold`` raises ends the thread and is kept in :attr:`error`; the batches
    it was folding stay in the batch log (their transaction was rolled back), so nothing is lost.
    """

    def __init__(self, fold: Callable[[list[int]], None], *, min_batches: int = MIN_BATCHES) -> None:
        self._fold = fold
        self._min = max(1, min_batches)
        self._ready: list[int] = []
        self._stopping = False
        self._wake = threading.Condition()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="leadimport-ledger-fold", daemon=True)
        self._thread.start()

    def settled(self, batch_ids: Iterable[int]) -> None:
        """Queue batches whose every lead has its outcome."""
        with self._wake:
            self._ready.extend(batch_ids)
            if len(self._ready) >= self._min:
                self._wake.notify()

    def stop(self) -> None:
        """Let a fold under way finish, then end the thread (batches still queued stay unfolded)."""
        with self._wake:
            self._stopping = True
            self._wake.notify()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and len(self._ready) < self._min:
                    self._wake.wait()
                if self._stopping:
                    return
                batch_ids, self._ready = self._ready, []
            try:
                self._fold(batch_ids)
            except BaseException as exc:  # kept for the run to report; the thread must not die silently
                self.error = exc
                return
