"""What a stopped import means for the watcher: wait out a key block, back off from a failing CRM, or stop.

The library reports why a run stopped as its stop message (the CRM client words each kind of stop in its
own way). A key block is waited out (the file stays in ``processing/``); a CRM that keeps failing or cannot
be reached is retried with backoff; a refusal that waiting cannot cure (a bad token, the wrong project, a
process that does not exist, a wrong address, a broken ledger) stops the watcher with exit 3.
"""

from __future__ import annotations

import enum
import re

__all__ = ["StopKind", "classify"]


class StopKind(enum.Enum):
    NONE = "none"
    INTERRUPTED = "interrupted"
    KEY_BLOCKED = "key-blocked"
    TRANSIENT = "transient"
    FATAL = "fatal"


_KEY_BLOCK = re.compile(r"blocked this API key|asked us to wait \d+ s", re.IGNORECASE)
_TRANSIENT = re.compile(r"kept failing|cannot reach|unreachable|timed? ?out|being sent by another run", re.IGNORECASE)
_FATAL = re.compile(
    r"refused the request \(HTTP 40[13]|Process not found|a redirect to|unexpected body|ledger", re.IGNORECASE
)
_INTERRUPTED = re.compile(r"^interrupted", re.IGNORECASE)


def classify(stop_message: str | None, *, pending: int, stopping: bool) -> StopKind:
    """The kind of stop a run ended with (``pending``: its rows left pending; ``stopping``: SIGTERM/SIGINT)."""
    if stop_message is None:
        return StopKind.TRANSIENT if pending else StopKind.NONE
    if stopping or _INTERRUPTED.search(stop_message):
        return StopKind.INTERRUPTED
    if _KEY_BLOCK.search(stop_message):
        return StopKind.KEY_BLOCKED
    if _FATAL.search(stop_message):
        return StopKind.FATAL
    if _TRANSIENT.search(stop_message):
        return StopKind.TRANSIENT
    return StopKind.TRANSIENT if pending else StopKind.NONE
