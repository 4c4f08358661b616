"""Work that outlives a request: reading a file, the dry run and the send, each in a thread on the server."""

from __future__ import annotations

import hashlib
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from importer.errors import LeadImportError

STAGE_NAMES = {
    "reading": "Reading the file",
    "validating": "Checking every row",
    "checking": "Checking every row",
    "sending": "Sending leads to the CRM",
    "sent": "Sent; finishing",
    "reconciling": "Checking earlier unfinished sends with the CRM",
    "report": "Writing the report",
}


@dataclass
class Task:
    """One piece of background work and how far it has got; read by the pages while it runs."""

    kind: str  # "inspect", "review", "send"
    label: str
    stage: str = "starting"
    done: int = 0
    total: int | None = None
    started: float = field(default_factory=time.time)
    finished: float | None = None
    error: str | None = None
    result: Any = None
    _thread: threading.Thread | None = None
    _event: threading.Event = field(default_factory=threading.Event)

    @property
    def running(self) -> bool:
        return self.finished is None

    def progress(self, stage: str, done: int, total: int | None) -> None:
        """The library's progress callback: ``progress(stage, done, total)``."""
        self.stage, self.done, self.total = stage, done, total

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the task has finished (for tests and the command line); True when it has."""
        return self._event.wait(timeout)

    @property
    def count(self) -> str:
        """How far the stage is, in its own unit: megabytes read, rows checked, leads sent ("" when unknown)."""
        if not self.total:
            return ""
        if self.stage == "reading":  # the library counts the bytes of the file read
            return f"{self.done / 1e6:.1f} of {self.total / 1e6:.1f} MB"
        unit = "leads" if self.stage in ("sending", "sent") else "rows"
        return f"{self.done:,} of {self.total:,} {unit}"

    def as_dict(self) -> dict[str, object]:
        """What the progress poller sends the browser (no secrets: stage names and counts only)."""
        percent = round(100 * self.done / self.total) if self.total else None
        return {
            "kind": self.kind,
            "label": self.label,
            "stage": STAGE_NAMES.get(self.stage, self.stage.capitalize()),
            "done": self.done,
            "total": self.total,
            "percent": percent,
            "count": self.count,
            "running": self.running,
            "error": self.error,
            "elapsed": round((self.finished or time.time()) - self.started, 1),
        }


def start(task: Task, work: Callable[[Task], Any], *, on_exit: Callable[[], None] | None = None) -> Task:
    """Run ``work(task)`` in a daemon thread; its return value becomes ``task.result``, an error ``task.error``."""

    def body() -> None:
        try:
            task.result = work(task)
        except LeadImportError as exc:
            task.error = str(exc)
        except MemoryError:
            task.error = "The server ran out of memory reading this file. Split it into smaller files and upload each."
        except Exception as exc:  # a bug: said on the page, with the details in the server's log
            traceback.print_exc()
            task.error = f"Something went wrong inside leadimport ({type(exc).__name__}: {exc}). This is a bug."
        finally:
            task.finished = time.time()
            if on_exit is not None:
                on_exit()
            task._event.set()

    task._thread = threading.Thread(target=body, name=f"leadimport-web-{task.kind}", daemon=True)
    task._thread.start()
    return task


class KeyLocks:
    """One send per API key at a time, across every upload this server holds."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders: dict[str, str] = {}

    @staticmethod
    def key_id(token: str) -> str:
        """A name for the key that reveals nothing about it."""
        return hashlib.sha256(token.encode()).hexdigest()[:16]

    def acquire(self, token: str, holder: str) -> str | None:
        """Take the key for ``holder``; the current holder instead when another send has it."""
        key = self.key_id(token)
        with self._lock:
            current = self._holders.get(key)
            if current is not None and current != holder:
                return current
            self._holders[key] = holder
            return None

    def holder(self, token: str) -> str | None:
        """The upload whose send has the key now (None: no send has it)."""
        with self._lock:
            return self._holders.get(self.key_id(token))

    def release(self, token: str, holder: str) -> None:
        key = self.key_id(token)
        with self._lock:
            if self._holders.get(key) == holder:
                del self._holders[key]
