"""How a command that failed outside our own errors ends: a message and exit 2, never a traceback.

Out of memory while a file is read or checked (a file larger than memory, a sheet wider than any lead
sheet), or a reader's native code panicking on a malformed file, says which file and how large it is.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Mapping
from pathlib import Path

from importer.read.guards import human_size

__all__ = ["crash_message", "end_process", "is_crash", "is_out_of_memory", "out_of_memory_message"]


def _input_file(kwargs: Mapping[str, object]) -> Path | None:
    """The lead file a command was reading, from its parsed arguments."""
    source = kwargs.get("source")
    candidate = getattr(source, "file", None) if source is not None else kwargs.get("file")
    return candidate if isinstance(candidate, Path) else None


def _described(path: Path | None) -> str:
    if path is None:
        return "the input"
    try:
        return f"{path} ({human_size(path.stat().st_size)})"
    except OSError:
        return str(path)


def out_of_memory_message(kwargs: Mapping[str, object]) -> str:
    """The message for a MemoryError while a command ran."""
    return (
        f"ran out of memory reading or checking {_described(_input_file(kwargs))}; nothing was sent. "
        "Split the file into smaller ones (or delete columns and rows that are not leads), or run it on a "
        "machine with more memory."
    )


_NO_MEMORY = ("failed to launch worker thread", "cannot allocate memory", "out of memory", "std::bad_alloc")


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` means the process ran out of memory (or of address space for a worker thread)."""
    if isinstance(exc, MemoryError):
        return True
    text = str(exc).lower()
    return type(exc).__name__.startswith("Arrow") and any(words in text for words in _NO_MEMORY)


def is_crash(exc: BaseException) -> bool:
    """Whether ``exc`` is a worker's crash: a native reader's panic, or a broken worker pool."""
    return type(exc).__name__ == "PanicException" or isinstance(exc, concurrent.futures.BrokenExecutor)


def crash_message(exc: BaseException, kwargs: Mapping[str, object]) -> str:
    """The message for a worker that crashed while a command ran."""
    detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return (
        f"the reader crashed on {_described(_input_file(kwargs))} ({detail}); the file is probably damaged. "
        "Open it in Excel and save it again as .xlsx or .csv; nothing was sent."
    )


def end_process(code: int) -> None:
    """Leave with ``code`` once everything is written, skipping the interpreter's teardown.

    Native thread pools (Arrow's, the Rust reader's) may still hold idle threads at exit; tearing their
    C++ objects down while a thread is still joinable aborts the process ("terminate called without an
    active exception", exit 134) after all output was printed. Nothing is left to do by then: the
    ledger and reports are closed, so the process ends without that teardown.
    """
    with contextlib.suppress(ValueError):  # a late Ctrl-C must not turn a finished command into a traceback
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (| head): nothing more can be said
            stream.flush()
    os._exit(code)
