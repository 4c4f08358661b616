"""The watcher's helper process that reads and checks files (see :mod:`importer.watch.preparer`)."""

from __future__ import annotations

import logging
import os
import signal
import sys

from importer.log_lines import log_handler
from importer.watch.preparer import serve


def main() -> None:
    # Ctrl-C and SIGTERM are the watcher's to handle: it stops what it does and then ends the helper.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # whatever is printed goes where the watcher's messages go, not into the answers
    handler = log_handler()
    package = logging.getLogger("importer")
    package.addHandler(handler)
    package.setLevel(logging.WARNING)
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
