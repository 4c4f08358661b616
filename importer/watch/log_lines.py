"""The watcher's log lines: one line per record, whatever a dropped file's name or a cell holds."""

from __future__ import annotations

import logging
import sys

from importer.filenames import one_line

__all__ = ["log_handler"]


class _OneLineFormatter(logging.Formatter):
    """A record's message with control characters escaped (:func:`importer.filenames.one_line`): a file dropped
    as ``"a.csv\\n2026-01-01 00:00:00 done"`` cannot write a line that reads as the watcher's own. A traceback
    (``exc_info``, ours) keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)


def log_handler() -> logging.Handler:
    """A handler writing ``<time> <message>`` lines on stderr, each message on one line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_OneLineFormatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    return handler
