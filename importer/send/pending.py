"""Why a run left a row pending, as data: the watcher decides on it (wait for another run, or look the lead up
again later) instead of reading the report's reasons, which say the same in words."""

from __future__ import annotations

import enum

__all__ = ["ANOTHER_RUN", "NOT_SENT", "PendingKind"]


class PendingKind(enum.StrEnum):
    """Why a row is pending."""

    NOT_SENT = "not-sent"
    """The run stopped before the row was sent."""
    UNCONFIRMED = "unconfirmed"
    """Its lead may have reached the CRM, which has not confirmed it: the next run looks it up first."""
    ANOTHER_RUN = "another-run"
    """Another run, still running, was sending the same lead at that moment."""
    INTERRUPTED_RUN = "interrupted-run"
    """An interrupted run sent the lead; the next run checks it with the CRM."""


ANOTHER_RUN = "being sent by another run (run {run}) right now"
"""The reason of a row pending as :attr:`PendingKind.ANOTHER_RUN`."""
NOT_SENT = "not sent: the run stopped before this row"
"""The reason of a row pending as :attr:`PendingKind.NOT_SENT`."""
