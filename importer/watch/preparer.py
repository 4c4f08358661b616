"""Reading and checking a watcher's files in a process of its own.

Reading, mapping and validating a file is work for the processor, and a watcher's threads share one
interpreter: while a drop of many files is imported, one process cannot both prepare the next files and
send the earlier ones at full speed. A helper process prepares them (one at a time, in the order they
were taken) and hands each back whole over a pipe; the watcher sends it. The helper is started when a
second file is taken while one is under way, if a processor core is free (:func:`spare_core`), and
stopped when the watcher goes idle; a file is prepared in
the watcher itself whenever the helper is not ready (still starting, or gone). The helper ends when its
pipe closes, so it never outlives the watcher, however the watcher ends.

    python -m importer.watch.prepare_helper   # the helper: pickled (path, mapping) in, pickled outcomes out
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("importer.watch")

__all__ = ["Preparer"]

READY = b"ready\n"
"""What the helper says once it has loaded the library."""
END_WAIT = 5.0
"""Seconds the watcher waits at its end for a helper to leave before it is killed."""


class Preparer:
    """One helper process that prepares files for the watcher (:func:`importer.pipeline.prepare`)."""

    def __init__(self, *, enabled: bool = True, always: bool = False) -> None:
        self.enabled = enabled
        self.always = always
        """Start the helper even when no processor core seems free."""
        self._process: subprocess.Popen[bytes] | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._ending: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        """Start the helper (it loads the library meanwhile), unless it runs or no processor core is free."""
        if not self.enabled or self._process is not None or not (self.always or spare_core()):
            return
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "importer.watch.prepare_helper"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        except OSError as exc:  # no processes left, say: the watcher prepares files itself
            log.warning("files are read in the watcher itself: no helper process (%s)", exc)
            self.enabled = False
            return
        ready = self._ready = threading.Event()
        self._process = process
        threading.Thread(target=_await_ready, args=(process, ready), name="leadimport-helper", daemon=True).start()

    @property
    def ready(self) -> bool:
        return self._process is not None and self._ready.is_set()

    def prepare(self, path: Path, mapping: Any) -> Any | None:
        """The file prepared by the helper, or None when it is not ready or busy with another file (prepare it
        here then). Raises what reading the file raised (a ``SourceError`` for a file that cannot be read, say)."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            process = self._process
            if process is None or not self._ready.is_set():
                return None
            assert process.stdin is not None and process.stdout is not None
            try:
                pickle.dump((str(path), mapping), process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                process.stdin.flush()
                ok, value = pickle.load(process.stdout)
            except (OSError, EOFError, pickle.UnpicklingError):  # the helper died (killed, out of memory)
                log.warning("the process that reads files ended unexpectedly; %s is read in the watcher", path.name)
                self._process = None
                self._ending.append(process)
                return None
        finally:
            self._lock.release()
        if not ok:
            raise value
        return value

    def stop(self, *, wait: bool = False) -> None:
        """End the helper (it is started again for the next drop); ``wait``: until every helper has ended."""
        with self._lock:
            process, self._process = self._process, None
            if process is not None:
                self._ending.append(process)
                with contextlib.suppress(OSError):
                    if process.stdin is not None:
                        process.stdin.close()  # the helper leaves when its input ends
            for ending in list(self._ending):
                if wait:
                    try:
                        ending.wait(timeout=END_WAIT)
                    except subprocess.TimeoutExpired:
                        ending.kill()
                        ending.wait()
                if ending.poll() is not None:
                    self._ending.remove(ending)


def spare_core() -> bool:
    """Whether a processor core is free for the helper: more than one core, and fewer processes wanting one
    (over the last minute) than cores less one. On a busy machine the helper would only add its own start-up
    (loading the library takes a second or so of processor time) to the work that is waiting already."""
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not known here: assume the machine is free
        load = 0.0
    return cores > 1 and load <= cores - 1


def _await_ready(process: subprocess.Popen[bytes], ready: threading.Event) -> None:
    assert process.stdout is not None
    with contextlib.suppress(OSError, ValueError):
        if process.stdout.readline() == READY:
            ready.set()


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """The helper: prepare each file asked for, until the input ends."""
    from importer.pipeline import prepare

    answers.write(READY)
    answers.flush()
    while True:
        try:
            path, mapping = pickle.load(requests)
        except EOFError:
            return
        try:
            answer: tuple[bool, Any] = (True, prepare(path, mapping))
        except Exception as exc:  # raised again in the watcher, as if it had prepared the file itself
            answer = (False, exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an error that cannot be pickled: its text goes instead
            data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {answer[1]}")))
        answers.write(data)
        answers.flush()
