"""Who serves an inbox, and taking files: claimed by a rename into ``processing/``, each state in the ledger first.

One watcher serves an inbox: it records itself (host, pid, heartbeat) in the ledger, which stays on local
disk; no lock file on the inbox, which may be a network share where ``fcntl`` locks are unreliable. A
second watcher is refused while the first is alive; a watcher whose process is gone (same host) or whose
heartbeat is older than ``stale_after`` is taken over.

A file is taken by renaming it into ``processing/`` (same file system: the rename is atomic, and a failed
rename means another process took it). Every state is committed to the ledger before the file is moved
to the folder that state names, so a crash between the two is finished by the next start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from importer.filenames import readable_name
from importer.ledger.drops import DropFile, DropLedger, InboxHolder
from importer.watch.layout import Source, companions, free_name, original_name, stamped
from importer.watch.results import FileResult, write_result

log = logging.getLogger(__name__)

__all__ = ["Claimed", "Claims", "InboxLock"]

FINISHED = frozenset({"done", "failed", "duplicate"})

HEARTBEAT_SECONDS = 10.0
STALE_AFTER = 60.0
"""A watcher on another host whose heartbeat is older than this is taken for dead."""


class InboxLock:
    """This watcher's hold on an inbox, kept alive by a heartbeat thread until :meth:`release`."""

    def __init__(
        self,
        drops: DropLedger,
        inbox: str,
        *,
        heartbeat: float = HEARTBEAT_SECONDS,
        stale_after: float = STALE_AFTER,
    ) -> None:
        self.drops, self.inbox = drops, inbox
        self.heartbeat, self.stale_after = heartbeat, stale_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()
        """Set when another watcher took the inbox over (this one had stopped beating for too long)."""

    def take(self) -> InboxHolder | None:
        """Hold the inbox (raises ``InboxTaken`` naming the live holder); the dead holder replaced, if any."""
        previous = self.drops.take_inbox(self.inbox, stale_after=self.stale_after)
        self._thread = threading.Thread(target=self._beat, name="leadimport-watch-heartbeat", daemon=True)
        self._thread.start()
        return previous

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(Exception):
            self.drops.release_inbox(self.inbox)

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            try:
                if not self.drops.beat(self.inbox):
                    self.lost.set()
                    return
            except Exception as exc:  # a busy ledger for a moment: the next beat tries again
                log.warning("could not note the watcher's heartbeat in the ledger: %s", exc)


@dataclass(frozen=True, slots=True)
class Claimed:
    """A file taken into ``processing/``: its record, its source and where it is."""

    record: DropFile
    source: Source
    path: Path

    @property
    def name(self) -> str:
        return self.record.name


class Claims:
    """Takes files into ``processing/`` and moves them on, each state committed to the ledger first."""

    def __init__(self, drops: DropLedger, inbox: str) -> None:
        self.drops, self.inbox = drops, inbox

    def take(self, source: Source, path: Path) -> Claimed | None:
        """Claim a settled file: recorded ``incoming``, then ``processing`` with its new place, then renamed
        there. None when the rename fails (another process took the file, or it is gone)."""
        try:
            size = path.stat().st_size
        except OSError:  # gone meanwhile
            return None
        name = readable_name(path.name)  # it is taken under a name the ledger and the result can hold
        file_id = self.drops.add(self.inbox, source.name, name, str(path.with_name(name)), size)
        target = free_name(source.sub("processing"), stamped(name))
        self.drops.update(file_id, state="processing", path=str(target))
        try:
            os.rename(path, target)
        except PermissionError:  # not another process: this user may not move files here (the caller says so)
            self.drops.forget(file_id)
            raise
        except OSError as exc:
            log.info("%s was not taken (%s); another process has it, or it is gone", path, exc.strerror)
            self.drops.forget(file_id)
            return None
        record = self.drops.get(file_id)
        assert record is not None
        return Claimed(record, source, target)

    def adopt(self, source: Source, path: Path) -> Claimed:
        """A file found in ``processing/``: its record (one is made when the ledger has none)."""
        record = self.drops.at_path(self.inbox, str(path))
        if record is None or record.state not in ("incoming", "processing", "pending"):
            file_id = self.drops.add(
                self.inbox, source.name, original_name(path.name), str(path), path.stat().st_size, state="processing"
            )
            record = self.drops.get(file_id)
            assert record is not None
        return Claimed(record, source, path)

    def finished_here(self, source: Source, path: Path) -> bool:
        """Whether a file in ``processing/`` is finished already (its state folder could not be written when it
        was): it is not taken again, and is moved on now if it can be."""
        record = self.drops.at_path(self.inbox, str(path))
        if record is None or record.state not in FINISHED:
            return False
        target = self.destination(Claimed(record, source, path), record.state)
        try:
            move_with_companions(path, target)
        except OSError:  # still not writable: said when it was finished
            return True
        result = FileResult(**{k: v for k, v in (record.result or {}).items() if k in FileResult.__dataclass_fields__})
        result.path, result.move_error = str(target), None
        moved = dict(zip(map(str, companions(path)), map(str, companions(target)), strict=True))
        result.report = moved.get(result.report or "", result.report)
        self.drops.update(record.file_id, path=str(target), result=result.as_dict(), message=None)
        with contextlib.suppress(OSError):
            write_result(result, target.with_name(f"{target.name}.result.json"))
        log.info("%s is moved to %s/ now that it can be written", record.name, record.state)
        return True

    def destination(self, claimed: Claimed, state: str) -> Path:
        """Where the file will go in the folder of ``state`` (a free name there)."""
        return free_name(claimed.source.sub(state), claimed.path.name)

    def move(self, claimed: Claimed, state: str, target: Path, **fields: object) -> Path:
        """Commit the file's final state, then move it and what was written beside it to ``target``."""
        self.drops.update(claimed.record.file_id, state=state, path=str(target), **fields)
        move_with_companions(claimed.path, target)
        return target

    def recover(self, sources: list[Source]) -> None:
        """Finish what a crash interrupted: moves of files whose final state was committed, claims whose
        rename never happened (the file is still in the inbox: it will be taken again)."""
        by_name = {s.name: s for s in sources}
        for record in self.drops.unfinished(self.inbox):
            path = Path(record.path)
            if record.state == "incoming" or (record.state == "processing" and not path.exists()):
                self.drops.forget(record.file_id)
        for record in self.drops.latest(self.inbox, limit=50):
            source = by_name.get(record.source)
            if source is None:
                continue
            left = source.sub("processing") / Path(record.path).name
            if left.exists() and not Path(record.path).exists():
                move_with_companions(left, Path(record.path))


def move_with_companions(path: Path, target: Path) -> None:
    """Move a file, then its reports and result JSON, to ``target`` (same file system: renames)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    for companion, moved in zip(companions(path), companions(target), strict=True):
        if companion.exists():
            os.replace(companion, moved)
