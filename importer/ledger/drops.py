"""The drop-folder watcher's tables in the ledger: which watcher serves an inbox, and each dropped file's state.

They live in the same SQLite file as the runs, beside the ledger's own tables, so a file's state and the
runs that imported it are committed to one place on local disk. The tables are added with ``CREATE TABLE
IF NOT EXISTS`` and versioned by their own ``meta`` key (``drops_schema``): a ledger written before them
gains them the first time a watcher opens it, and the ledger's own schema version is left alone, so
``run``, ``history`` and ``show`` of every version keep reading it.

A dropped file moves through ``incoming → processing → done | failed | duplicate | pending`` (``pending``:
rows wait in ``processing/`` for the CRM; the next attempt takes it up again). Each state is committed
before the file is moved to the folder it names.

A :class:`DropLedger` is a :class:`~importer.ledger.store.Ledger`: it writes through the ledger's connection and
transactions, and every ``sqlite3`` error becomes a :class:`~importer.errors.LedgerError` as the ledger's do.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from importer.errors import LedgerError
from importer.ledger.store import DEFAULT_BUSY_TIMEOUT, Ledger

__all__ = [
    "DROPS_SCHEMA",
    "FILE_STATES",
    "DropFile",
    "DropLedger",
    "InboxHolder",
    "InboxTaken",
]

DROPS_SCHEMA = 1
FILE_STATES = ("incoming", "processing", "done", "failed", "pending", "duplicate")

_TABLES = (
    """CREATE TABLE IF NOT EXISTS drop_inboxes (
        inbox TEXT PRIMARY KEY, owner TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,
        started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, heartbeat REAL NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS drop_files (
        file_id INTEGER PRIMARY KEY AUTOINCREMENT, inbox TEXT NOT NULL, source TEXT NOT NULL,
        name TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT,
        state TEXT NOT NULL CHECK (state IN ('incoming', 'processing', 'done', 'failed', 'pending', 'duplicate')),
        project_id TEXT NOT NULL DEFAULT '', process_id TEXT NOT NULL DEFAULT '', run_id INTEGER,
        message TEXT, result TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS drop_files_hash ON drop_files (sha256, project_id, process_id) WHERE state = 'done'",
    "CREATE INDEX IF NOT EXISTS drop_files_path ON drop_files (inbox, path)",
)

_FILE_COLUMNS = (
    "file_id, inbox, source, name, path, size, sha256, state, project_id, process_id, run_id, message, result, "
    "created_at, updated_at"
)


@dataclass(frozen=True, slots=True)
class DropFile:
    """One dropped file as the ledger records it (``path``: where it is now)."""

    file_id: int
    inbox: str
    source: str
    name: str
    path: str
    size: int
    sha256: str | None
    state: str
    project_id: str
    process_id: str
    run_id: int | None
    message: str | None
    result: dict[str, Any] | None
    created_at: str
    updated_at: str


@dataclass(frozen=True, slots=True)
class InboxHolder:
    """The watcher that serves an inbox: its host and process, since when, and its last heartbeat."""

    host: str
    pid: int
    started_at: str
    heartbeat_at: str
    heartbeat: float
    """Seconds since the epoch of the last heartbeat."""

    def describe(self) -> str:
        return f"process {self.pid} on {self.host} (since {self.started_at[:19]} UTC, last heartbeat {self.heartbeat_at[:19]} UTC)"


class InboxTaken(LedgerError):
    """Another live watcher serves this inbox."""

    def __init__(self, inbox: str, holder: InboxHolder) -> None:
        super().__init__(
            f"another watcher already serves {inbox}: {holder.describe()}. Stop it first, or wait: a watcher "
            "that died is taken over once its heartbeat is old."
        )
        self.holder = holder


@dataclass(frozen=True, slots=True)
class EarlierImport:
    """An earlier import of the same bytes: its run and when it ended."""

    run_id: int
    ended_at: str
    name: str


class DropLedger(Ledger):
    """A ledger file opened for the watcher, with its tables; its methods may be called from several threads.

    Opening it opens the ledger (creating or upgrading its own tables, refusing a file that is no ledger), and
    its writes go through the ledger's connection and transactions.
    """

    def __init__(self, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        super().__init__(path, busy_timeout=busy_timeout)
        self._owner = uuid.uuid4().hex
        try:
            self._create()
        except BaseException:
            self.close()
            raise

    # -- the inbox lock --------------------------------------------------------------------------

    def take_inbox(self, inbox: str, *, stale_after: float) -> InboxHolder | None:
        """Serve ``inbox``; raise :class:`InboxTaken` while a live watcher serves it. Returns the dead
        watcher taken over, if any."""
        now = time.time()
        with self._transaction("claim the inbox in") as conn:
            row = conn.execute(
                "SELECT host, pid, started_at, heartbeat_at, heartbeat FROM drop_inboxes WHERE inbox = ?", (inbox,)
            ).fetchone()
            previous = InboxHolder(*row) if row else None
            if previous is not None and not _is_dead(previous, now, stale_after):
                raise InboxTaken(inbox, previous)
            stamp = _now()
            conn.execute(
                "INSERT OR REPLACE INTO drop_inboxes (inbox, owner, host, pid, started_at, heartbeat_at, heartbeat)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (inbox, self._owner, socket.gethostname(), os.getpid(), stamp, stamp, now),
            )
        return previous

    def beat(self, inbox: str) -> bool:
        """Note that this watcher is alive; False when another one has taken the inbox over."""
        with self._transaction("note the watcher's heartbeat in") as conn:
            cursor = conn.execute(
                "UPDATE drop_inboxes SET heartbeat_at = ?, heartbeat = ? WHERE inbox = ? AND owner = ?",
                (_now(), time.time(), inbox, self._owner),
            )
            return cursor.rowcount == 1

    def release_inbox(self, inbox: str) -> None:
        """Stop serving ``inbox`` (only if this watcher still holds it)."""
        with self._transaction("release the inbox in") as conn:
            conn.execute("DELETE FROM drop_inboxes WHERE inbox = ? AND owner = ?", (inbox, self._owner))

    def holder(self, inbox: str, *, stale_after: float) -> tuple[InboxHolder | None, bool]:
        """Who serves ``inbox`` and whether that watcher is alive (read-only)."""
        rows = self._select(
            "SELECT host, pid, started_at, heartbeat_at, heartbeat FROM drop_inboxes WHERE inbox = ?", (inbox,)
        )
        if not rows:
            return None, False
        holder = InboxHolder(*rows[0])
        return holder, not _is_dead(holder, time.time(), stale_after)

    # -- files -----------------------------------------------------------------------------------

    def add(self, inbox: str, source: str, name: str, path: str, size: int, *, state: str = "incoming") -> int:
        """Record a file found settled in the inbox (or left in ``processing/`` with no record); its id."""
        stamp = _now()
        with self._transaction("record a dropped file in") as conn:
            cursor = conn.execute(
                "INSERT INTO drop_files (inbox, source, name, path, size, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (inbox, source, name, path, size, state, stamp, stamp),
            )
            return int(cursor.lastrowid or 0)

    def update(self, file_id: int, **fields: object) -> None:
        """Set fields of a file's record (``state``, ``path``, ``sha256``, ``run_id``, ``message``, ``result`` ...)."""
        allowed = {"state", "path", "sha256", "project_id", "process_id", "run_id", "message", "result", "size"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown drop_files fields: {sorted(unknown)}")
        if "state" in fields and fields["state"] not in FILE_STATES:
            raise ValueError(f"unknown state {fields['state']!r}")
        values = {k: json.dumps(v, sort_keys=True) if k == "result" and v is not None else v for k, v in fields.items()}
        assignments = ", ".join(f"{key} = ?" for key in values)
        with self._transaction("record a dropped file's state in") as conn:
            conn.execute(
                f"UPDATE drop_files SET {assignments}, updated_at = ? WHERE file_id = ?",
                (*values.values(), _now(), file_id),
            )

    def forget(self, file_id: int) -> None:
        """Drop the record of a file that was not taken after all (another process moved it first)."""
        with self._transaction("forget a dropped file in") as conn:
            conn.execute("DELETE FROM drop_files WHERE file_id = ?", (file_id,))

    def get(self, file_id: int) -> DropFile | None:
        rows = self._select(f"SELECT {_FILE_COLUMNS} FROM drop_files WHERE file_id = ?", (file_id,))
        return _drop_file(rows[0]) if rows else None

    def unfinished(self, inbox: str) -> list[DropFile]:
        """Files of the inbox not in a final state whose record says where they are, oldest first."""
        rows = self._select(
            f"SELECT {_FILE_COLUMNS} FROM drop_files WHERE inbox = ? AND state IN ('incoming', 'processing', 'pending')"
            " ORDER BY file_id",
            (inbox,),
        )
        return [_drop_file(row) for row in rows]

    def at_path(self, inbox: str, path: str) -> DropFile | None:
        """The newest record of the file now at ``path``."""
        rows = self._select(
            f"SELECT {_FILE_COLUMNS} FROM drop_files WHERE inbox = ? AND path = ? ORDER BY file_id DESC LIMIT 1",
            (inbox, path),
        )
        return _drop_file(rows[0]) if rows else None

    def latest(self, inbox: str, limit: int = 10) -> list[DropFile]:
        """The inbox's last ``limit`` files that reached a final state (done, failed, duplicate), newest first."""
        rows = self._select(
            f"SELECT {_FILE_COLUMNS} FROM drop_files WHERE inbox = ? AND state IN ('done', 'failed', 'duplicate')"
            " ORDER BY updated_at DESC, file_id DESC LIMIT ?",
            (inbox, limit),
        )
        return [_drop_file(row) for row in rows]

    def twin_under_way(self, sha256: str, project_id: str, process_id: str, *, taken_before: int) -> str | None:
        """The name of a file with the same bytes for the same project and process, taken before file
        ``taken_before`` and not finished yet (dropped in two folders at once); None when there is none."""
        rows = self._select(
            "SELECT name FROM drop_files WHERE sha256 = ? AND project_id = ? AND process_id = ?"
            " AND state IN ('processing', 'pending') AND file_id < ? ORDER BY file_id LIMIT 1",
            (sha256, project_id, process_id, taken_before),
        )
        return str(rows[0][0]) if rows else None

    def earlier_import(self, sha256: str, project_id: str, process_id: str, *, besides: int) -> EarlierImport | None:
        """The first finished import of the same bytes into the same project and process: a dropped file
        that reached ``done``, else a ``leadimport run`` of a file with these bytes that ran to its end."""
        rows = self._select(
            "SELECT f.run_id, COALESCE(r.ended_at, f.updated_at), f.name FROM drop_files AS f"
            " LEFT JOIN runs AS r ON r.run_id = f.run_id"
            " WHERE f.sha256 = ? AND f.project_id = ? AND f.process_id = ? AND f.state = 'done' AND f.file_id != ?"
            " ORDER BY f.file_id LIMIT 1",
            (sha256, project_id, process_id, besides),
        )
        if not rows:
            rows = self._select(
                "SELECT run_id, ended_at, file FROM runs WHERE fingerprint = ? AND project_id = ? AND process_id = ?"
                " AND outcome IN ('complete', 'complete-with-problems') ORDER BY run_id LIMIT 1",
                (sha256, project_id, process_id),
            )
        if not rows or rows[0][0] is None:
            return None
        run_id, ended, name = rows[0]
        return EarlierImport(run_id=int(run_id), ended_at=str(ended or ""), name=Path(str(name)).name)

    def runs_of_file(self, path: str) -> list[int]:
        """The runs that read the file at ``path`` (the attempts at one file in ``processing/``), oldest first."""
        return [int(row[0]) for row in self._select("SELECT run_id FROM runs WHERE file = ? ORDER BY run_id", (path,))]

    # -- internals -------------------------------------------------------------------------------

    def _create(self) -> None:
        with self._transaction("add the watcher's tables to") as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'drops_schema'").fetchone()
            if row is not None and (not str(row[0]).isdecimal() or int(row[0]) > DROPS_SCHEMA):
                raise LedgerError(
                    f"the ledger {self.path} holds drop-folder tables of a newer leadimport (version {row[0]}; "
                    f"this one knows {DROPS_SCHEMA}); upgrade leadimport to watch with it."
                )
            for statement in _TABLES:
                conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta VALUES ('drops_schema', ?)", (str(DROPS_SCHEMA),))


def _is_dead(holder: InboxHolder, now: float, stale_after: float) -> bool:
    """A watcher is dead when its process is gone (same host) or its heartbeat is older than ``stale_after``."""
    if now - holder.heartbeat > stale_after:
        return True
    return holder.host == socket.gethostname() and not _pid_alive(holder.pid)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def moved_file(ledger: Ledger, run_file: str) -> Path | None:
    """Where the watcher moved the file a run read in ``processing/`` (``done/``, ``failed/`` ...), or None when
    no watcher took it (or the ledger has no drop tables)."""
    sql = (
        "SELECT d.path FROM drop_files AS d JOIN runs AS r ON r.run_id = d.run_id "
        "WHERE r.file = ? ORDER BY d.file_id DESC LIMIT 1"
    )
    try:
        rows = ledger._select(sql, (run_file,))
    except LedgerError:  # a ledger no watcher used: no drop tables
        return None
    return Path(str(rows[0][0])) if rows else None


def _drop_file(row: tuple[Any, ...]) -> DropFile:
    fields: Mapping[str, Any] = dict(zip([c.strip() for c in _FILE_COLUMNS.split(",")], row, strict=True))
    result = json.loads(fields["result"]) if fields["result"] else None
    return DropFile(**{**fields, "result": result})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
