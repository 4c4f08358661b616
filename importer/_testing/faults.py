"""Named points where a test can make the process die as if killed (SIGKILL), or be stopped (SIGTERM).

``LEADIMPORT_CRASH_AT=<point>:<n>`` kills the process the n-th time it reaches
``<point>``. Off (a dictionary lookup) unless that variable is set; the crash tests
use it to stop a real ``leadimport run`` exactly between two steps of the ledger protocol.
``LEADIMPORT_TERM_AT=<point>,<point>...`` sends the process SIGTERM, as a scheduler would, each time
it reaches one of those points: a stop that lands at an exact step, without timing.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter

POINTS = ("before-request", "after-answer", "after-record", "after-claim", "finishing", "report")
_seen: Counter[str] = Counter()
_lock = threading.Lock()


def reach(point: str) -> None:
    """Die here, or be sent SIGTERM, if the environment asks for it."""
    if point in os.environ.get("LEADIMPORT_TERM_AT", "").split(","):
        os.kill(os.getpid(), signal.SIGTERM)
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
