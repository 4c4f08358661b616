"""Keeping under the CRM's duplicate block: more than 5 duplicate submissions within 60 s block the API key
for an hour (docs/crm-contract.md §4), and a phone already called in the project counts as one.

Nothing here knows which leads the CRM will refuse. It counts the duplicate refusals answers bring, and
once a request has brought some, it holds the next request while sending it (and the requests still
out) could bring enough more to pass the limit: until the oldest refusals are over a minute old. A
file with no such refusals is never held.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger(__name__)

DUPLICATE_LIMIT = 5
"""The CRM blocks the key for more than this many duplicate submissions ..."""
DUPLICATE_WINDOW = 60.0
"""... within this many seconds."""


class DuplicateBudget:
    """Duplicate refusals of the last minute, and how many one request may bring. Thread-safe."""

    def __init__(
        self,
        *,
        limit: int = DUPLICATE_LIMIT,
        window: float = DUPLICATE_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit = limit
        self._window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._times: deque[float] = deque()
        self._worst = 0
        """The most duplicate refusals one answer has brought (what the next may bring)."""
        self._out = 0
        """Requests sent and not answered yet."""

    def hold(self, pause: Callable[[float], None]) -> None:
        """Return once a request may be sent without risking the block (pause: how to wait, stoppable)."""
        while True:
            with self._lock:
                now = self._clock()
                while self._times and self._times[0] <= now - self._window:
                    self._times.popleft()
                need = (self._out + 1) * self._worst
                if not self._worst or len(self._times) + need <= self._limit or not (self._times or self._out):
                    self._out += 1
                    return
                wait = self._times[0] + self._window - now if self._times else 1.0
                held = len(self._times)
                if self._times:  # they will have aged out once the pause is over
                    self._times.popleft()
            log.warning(
                "The CRM refused %d leads as duplicates in the last minute; more than %d block the API key for an "
                "hour, so the next request waits %.0f s",
                held,
                self._limit,
                wait,
            )
            pause(max(wait, 0.05))

    def answered(self, duplicates: int) -> None:
        """A request held by :meth:`hold` got its answer, which refused ``duplicates`` leads as duplicates."""
        with self._lock:
            self._out = max(0, self._out - 1)
            if duplicates > 0:
                self._times.extend([self._clock()] * duplicates)
                self._worst = max(self._worst, duplicates)
