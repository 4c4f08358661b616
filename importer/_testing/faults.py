"""Named points where a test can make the process die as if killed (SIGKILL).

``LEADIMPORT_CRASH_AT=<point>:<n>`` kills the process the n-th time it reaches
``<point>``. Off (a dictionary lookup) unless that variable is set; the crash tests
use it to stop a real ``leadimport run`` exactly between two steps of the ledger protocol.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

POINTS = ("before-request", "after-answer", "after-record", "after-claim")
_seen: Counter[str] = Counter()
_lock = threading.Lock()


def reach(point: str) -> None:
    """Die here if the environment asks for it."""
    wanted = os.environ.get("LEADIMPORT_CRASH_AT")
    if not wanted:
        return
    name, _, count = wanted.partition(":")
    if name != point:
        return
    with _lock:
        _seen[point] += 1
        if _seen[point] == int(count or 1):
            os.kill(os.getpid(), signal.SIGKILL)
