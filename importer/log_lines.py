"""Log lines of one line per record, whatever a file's name, a cell or a CRM's message holds (the watcher's log,
and the warnings a command prints)."""

from __future__ import annotations

import logging
import sys

from importer.filenames import one_line

__all__ = ["OneLineFormatter", "log_handler"]


class OneLineFormatter(logging.Formatter):
    """A record's message with control characters escaped (:func:`importer.filenames.one_line`): a file dropped
    as ``"a.csv\\n2026-01-01 00:00:00 done"`` cannot write a line that reads as the watcher's own. A traceback
    (``exc_info``, ours) keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)


def log_handler() -> logging.Handler:
    """A handler writing ``<time> <message>`` lines on stderr, each message on one line."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    return handler
