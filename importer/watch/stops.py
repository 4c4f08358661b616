"""What a stopped import means for the watcher: wait out a key block, back off from a failing CRM, or stop.

The library says why a run stopped as ``Outcome.stop_kind`` (and each error it raises carries its kind). A
key block is waited out (the file stays in ``processing/``); a CRM that keeps failing, rate-limits or cannot
be reached is retried with backoff; a refusal that waiting cannot cure (a bad token, the wrong project, a
process that does not exist, a wrong address, a broken ledger) stops the watcher with exit 3.
"""

from __future__ import annotations

import enum
from collections.abc import Collection

from importer.errors import StopKind
from importer.send.pending import PendingKind

__all__ = ["Verdict", "classify"]


class Verdict(enum.Enum):
    """What the watcher does after an attempt at a file."""

    NONE = "none"
    INTERRUPTED = "interrupted"
    BUSY = "busy"
    """Rows left pending with no stop because another import was sending them at the same moment (another file
    with the same leads, :attr:`~importer.send.pending.PendingKind.ANOTHER_RUN`), or the same file is being
    imported from another folder. Taken up again soon, on its own."""
    UNCONFIRMED = "unconfirmed"
    """Rows left pending with no stop, none of them because another import was sending it: the CRM did not
    confirm them (its answer left them out and they are not found), or an interrupted run's are to be checked.
    Looked up again at the next attempt, after a growing wait; ``--once`` leaves them pending."""
    KEY_BLOCKED = "key-blocked"
    TRANSIENT = "transient"
    FATAL = "fatal"


_FATAL = frozenset(
    {
        StopKind.AUTH_FAILED,
        StopKind.PROCESS_NOT_FOUND,
        StopKind.WRONG_ADDRESS,
        StopKind.CLIENT_BUG,
        StopKind.LEDGER,
    }
)
_TRANSIENT = frozenset({StopKind.NETWORK, StopKind.CRM_DOWN, StopKind.RATE_LIMITED})


def classify(kind: StopKind | None, *, pending: int, why: Collection[PendingKind], stopping: bool) -> Verdict:
    """What to do after a run that stopped for ``kind`` (None: it did not stop) with ``pending`` rows left
    pending, for the reasons ``why`` (``Outcome.pending``); ``stopping``: the watcher got SIGTERM/SIGINT.

    Not stopped, rows are left pending while another run sends them (BUSY, unless none was so) or while the
    CRM has not confirmed them (UNCONFIRMED).
    """
    if kind is None and not pending:
        return Verdict.NONE
    if kind is None:
        return Verdict.BUSY if PendingKind.ANOTHER_RUN in why else Verdict.UNCONFIRMED
    if stopping or kind is StopKind.INTERRUPTED:
        return Verdict.INTERRUPTED
    if kind is StopKind.KEY_BLOCKED:
        return Verdict.KEY_BLOCKED
    if kind in _FATAL:
        return Verdict.FATAL
    if kind in _TRANSIENT:
        return Verdict.TRANSIENT
    return Verdict.TRANSIENT if pending else Verdict.NONE
