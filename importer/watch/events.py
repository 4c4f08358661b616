"""Noticing a dropped file at once: file-system events (inotify and its kin, through ``watchfiles``) wake the
watcher, which then looks at the inbox as a poll would.

Events are an accelerator, never the only way in: they do not fire on network shares (NFS, SMB) and may be
unavailable (no inotify watches left, another platform), so the watcher keeps polling behind them.
``--poll-only`` turns them off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from importer.watch.layout import FOLDERS

log = logging.getLogger("importer.watch")

__all__ = ["EventSource", "Wake"]

ARM_TIMEOUT_MS = 1000
"""How often the event thread looks up from waiting (to say it is armed, and to see a stop)."""
STEP_MS = 50
"""Changes coming in a burst are told together once none came for this long."""


class Wake:
    """A bell rung when the inbox changed or the watcher is stopping, waited on beside the imports under way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._future: Future[None] = Future()

    def ring(self) -> None:
        with self._lock:
            if not self._future.done():
                self._future.set_result(None)

    def future(self) -> Future[None]:
        """Done once the bell rang (since the last :meth:`clear`)."""
        with self._lock:
            return self._future

    def clear(self) -> None:
        """Heard: the next ring is a new one (cleared before the inbox is looked at, so none is lost)."""
        with self._lock:
            if self._future.done():
                self._future = Future()


class EventSource:
    """Rings ``ring`` when a file appears or changes directly in the inbox or in a source's folder."""

    def __init__(self, inbox: Path, ring: Callable[[], None]) -> None:
        self.inbox = inbox
        self._ring = ring
        self._stop = threading.Event()
        self.armed = threading.Event()
        """Set once events are being watched for (a change from then on rings)."""
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start watching in a background thread; False (and polling alone) when ``watchfiles`` is missing."""
        try:
            import watchfiles  # noqa: F401  (a dependency; an installation without it still works by polling)
        except ImportError:
            log.info("file events are off (watchfiles is not installed): %s is polled", self.inbox)
            return False
        self._thread = threading.Thread(target=self._run, name="leadimport-events", daemon=True)
        self._thread.start()
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def relevant(self, path: str) -> bool:
        """Whether a change at ``path`` may be a new file to take: in the inbox or a source folder, not in
        ``processing/``, ``done/`` ... (the watcher's own moves and reports)."""
        where = Path(path)
        parent = where.parent
        if parent == self.inbox:
            return where.name not in FOLDERS
        return parent.parent == self.inbox and parent.name not in FOLDERS

    def _run(self) -> None:
        from watchfiles import watch

        try:
            for changes in watch(
                self.inbox,
                watch_filter=lambda _change, path: self.relevant(path),
                step=STEP_MS,
                stop_event=self._stop,
                rust_timeout=ARM_TIMEOUT_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
                recursive=True,
                ignore_permission_denied=True,
            ):
                self.armed.set()
                if changes:
                    self._ring()
        except Exception as exc:  # no inotify watches left, the inbox gone ...: polling carries on alone
            log.warning("file events stopped for %s (%s); it is polled", self.inbox, exc)
