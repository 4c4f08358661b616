"""The local ledger: one SQLite file recording runs and every lead sent, so each lead reaches the CRM once.

A batch's leads are *claimed* (written ``in-flight`` and committed) before they are sent, and their
outcome is *recorded* once the CRM answers. A claim is one write transaction, so two processes on the
same ledger never both send a lead. While a run is running its process holds an exclusive ``flock`` on
``<ledger>.locks/run-<id>.lock``; the operating system releases it when the process dies, which is how
a live run's ``in-flight`` leads are told from those of a crashed run. The latter are *adopted* by a
later run, looked up in the CRM and *resolved* to ``accepted`` or ``pending``.

Every ``sqlite3`` and file-system error becomes a :class:`~importer.errors.LedgerError` here, and every
method that writes has committed (or rolled back) before it returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from importer.crm.dup_budget import DuplicateMemory
from importer.errors import LedgerError
from importer.ledger import crm_memory, matching
from importer.ledger.batch_log import (
    BATCH_DATA,
    BATCH_INDEXES,
    BATCHES_TABLE,
    BATCHES_TABLE_V2,
    UNPACK_V3,
    Batch,
    BatchLog,
    Match,
)
from importer.ledger.key_index import SEGMENTS_TABLE, hash_scheme
from importer.ledger.matching import ClaimResult, Known, LeadKey, PayloadHashes
from importer.ledger.run_locks import RunLocks

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "LEAD_STATES",
    "SCHEMA_VERSION",
    "ClaimResult",
    "Known",
    "LeadKey",
    "Ledger",
    "RunRecord",
    "default_ledger_path",
]

SCHEMA_VERSION = 4
LEAD_STATES = ("in-flight", "accepted", "rejected", "pending")
DEFAULT_BUSY_TIMEOUT = 30.0
SCHEMA_WAIT_STEPS = 20
"""Tenths of a second to wait for another process to create the tables of a new ledger file."""


# A lead's project and process are stored once, in ``scopes``. Leads live in the batches that claimed
# them, found through the key index (``segments``); ``leads`` holds those folded from the batches of
# interrupted runs that had leads in flight (and every lead of a ledger from before version 4), looked
# up by referenceId (unique), phone and email; ``leads_in_flight`` finds the leads of interrupted runs.
_SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT,
        file TEXT NOT NULL, fingerprint TEXT NOT NULL, mapping TEXT NOT NULL,
        project_id TEXT NOT NULL, process_id TEXT NOT NULL, command TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}', outcome TEXT, report TEXT, pid INTEGER NOT NULL, host TEXT NOT NULL)""",
    """CREATE TABLE scopes (
        scope_id INTEGER PRIMARY KEY, project_id TEXT NOT NULL, process_id TEXT NOT NULL,
        UNIQUE (project_id, process_id))""",
    """CREATE TABLE leads (
        scope_id INTEGER NOT NULL REFERENCES scopes, reference_id TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('in-flight', 'accepted', 'rejected', 'pending')),
        lead_id TEXT, run_id INTEGER NOT NULL, first_run_id INTEGER NOT NULL, sheet_row INTEGER NOT NULL,
        payload_hash TEXT, message TEXT, updated_at TEXT NOT NULL, batch_id INTEGER NOT NULL DEFAULT 0,
        UNIQUE (scope_id, reference_id))""",
    "CREATE INDEX leads_phone ON leads (scope_id, phone) WHERE phone != ''",
    "CREATE INDEX leads_email ON leads (scope_id, email) WHERE email != ''",
    "CREATE INDEX leads_in_flight ON leads (scope_id, run_id) WHERE state = 'in-flight'",
    BATCHES_TABLE,
    *BATCH_DATA,
    *BATCH_INDEXES,
    SEGMENTS_TABLE,
)

# Version 1 had no batch log: every claim went straight into ``leads``. Version 2 did not note when a batch
# was sent: its batches count as sent (their leads are looked up in the CRM, as version 2 would have).
# Version 3 folded every batch into ``leads``; its leads stay there, and its open batches (their leads
# stored lead by lead) are unpacked into fields, then sealed or folded by the next run, as an interrupted
# run's are.
_MIGRATIONS = {
    1: (BATCHES_TABLE_V2, "ALTER TABLE leads ADD COLUMN batch_id INTEGER NOT NULL DEFAULT 0"),
    2: ("ALTER TABLE batches ADD COLUMN sent_at TEXT", "UPDATE batches SET sent_at = updated_at"),
    3: ("ALTER TABLE batches ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0", *UNPACK_V3, *BATCH_INDEXES, SEGMENTS_TABLE),
}

# A claim mostly pays for writing the index pages it touched to the WAL: fewer, larger pages are
# cheaper. page_size only takes effect when the file is created.
_PRAGMAS = (
    "PRAGMA page_size=8192",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-65536",  # 64 MiB: the indexes of a few hundred thousand leads stay in memory
    "PRAGMA wal_autocheckpoint=5000",  # checkpoint every ~40 MB of WAL rather than after every batch
    "PRAGMA journal_size_limit=67108864",
)

_IN_RUN = "scope_id = ? AND reference_id = ? AND run_id = ?"

_RUN_COLUMNS = (
    "run_id, started_at, ended_at, file, fingerprint, mapping, project_id, process_id, "
    "command, counts, outcome, report, pid, host"
)

_RUN_FIELDS = tuple(name.strip() for name in _RUN_COLUMNS.split(","))

_LEAD_COLUMNS = (
    "s.project_id, s.process_id, l.reference_id, l.phone, l.email, l.state, l.lead_id, l.run_id, "
    "l.first_run_id, l.sheet_row, l.payload_hash, l.message, l.updated_at"
)

_MOVE_ASIDE = (
    "move it aside (e.g. `mv {path} {path}.broken`) and run again; leads it recorded will then not be "
    "recognised as already imported"
)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of leadimport as the ledger recorded it."""

    run_id: int
    started_at: str
    ended_at: str | None
    file: str
    fingerprint: str
    mapping: str
    project_id: str
    process_id: str
    command: str
    counts: dict[str, int]
    outcome: str | None
    report: str | None
    pid: int
    host: str


def _existing_size(path: Path, *, create: bool) -> int | None:
    """The size of the ledger file at ``path``, None when there is none yet; a missing file is refused
    unless ``create``, and anything but a regular file always."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if create:
            return None
        raise LedgerError(
            f"there is no ledger at {path}. If the path is mistyped, correct it: a new ledger there would not "
            "know the leads recorded in the real one and would send them again. To start a new ledger there, "
            "pass --new-ledger."
        ) from None
    except OSError as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc.strerror}.") from None
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise LedgerError(f"the ledger {path} is {what}; give the path of a ledger file (--ledger).")
    return info.st_size


def default_ledger_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the ledger lives: ``$LEADIMPORT_LEDGER``, else under ``$XDG_STATE_HOME``, else ``~/.local/state``."""
    explicit = environ.get("LEADIMPORT_LEDGER", "")
    if explicit:
        return Path(explicit).expanduser()
    state_home = environ.get("XDG_STATE_HOME", "")
    if not Path(state_home).is_absolute():  # unset, empty or relative: the XDG spec says to ignore it
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
        state_home = str(home / ".local" / "state")
    return Path(state_home) / "leadimport" / "ledger.sqlite3"


class Ledger:
    """An open ledger file. Its methods may be called from several threads; each process opens its own."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        read_only: bool = False,
        create: bool = True,
        new: bool = False,
    ) -> None:
        """Open the ledger at ``path``.

        ``create``: a file that does not exist yet becomes a new, empty ledger (else it is refused).
        ``new``: an existing file without tables (0 bytes after a failed copy or a full disk) is made a new,
        empty ledger too; without it such a file is refused, since treating it as new would send again every
        lead it recorded. :attr:`created` says whether this open created the ledger's tables.
        """
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        """Opened with :meth:`open_read_only`: nothing is created or written (reads only)."""
        self.created = False
        self._new = new
        self._mutex = threading.RLock()
        self._scopes: dict[tuple[str, str], int] = {}
        self._run_scopes: dict[int, int] = {}
        self._log = BatchLog()
        self._with_leads: set[int] = set()
        """Scopes known to have rows in ``leads`` (rows are never deleted)."""
        self._locks = RunLocks(Path(f"{self.path}.locks"))
        size = _existing_size(self.path, create=(create or new) and not read_only)
        self._existed = size is not None
        if size == 0 and not new and not read_only:
            self._wait_until_written()
        with self._errors("open"):
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._locks.folder.mkdir(exist_ok=True)
                if size is None:
                    self._create_atomically()
            self._conn = self._connect()
        try:
            if read_only:
                self._check_readable()
            else:
                self._prepare_schema()
        except BaseException:
            self._conn.close()
            raise

    @classmethod
    def open_read_only(cls, path: Path) -> Ledger | None:
        """The ledger at ``path`` opened for reading only (SQLite ``mode=ro``): nothing is created, migrated or
        written, not even an interrupted run's batches sealed. None when there is no ledger file there."""
        if not Path(path).is_file():
            return None
        return cls(path, read_only=True)

    def close(self) -> None:
        """Release this process's run locks (a run not ended counts as interrupted) and close the file."""
        with self._mutex:
            if not self.read_only:
                self._locks.release_all()
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- runs ------------------------------------------------------------------------------------

    def begin_run(
        self, *, file: str, fingerprint: str, mapping: str, project_id: str, process_id: str, command: str
    ) -> int:
        """Record a new run and hold its lock, which marks it alive until :meth:`end_run` or :meth:`close`."""
        started = (
            _now(),
            file,
            fingerprint,
            mapping,
            project_id,
            process_id,
            command,
            os.getpid(),
            socket.gethostname(),
        )
        with self._transaction("start a run in") as conn:
            self._fold_dead(conn)
            cursor = conn.execute(
                "INSERT INTO runs (started_at, file, fingerprint, mapping, project_id, process_id, command, pid, host)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                started,
            )
            run_id = int(cursor.lastrowid or 0)
            # Locked before the run is committed, so no other process ever sees it unlocked.
            self._locks.hold(run_id)
            try:
                conn.execute("COMMIT")
            except BaseException:
                self._locks.release(run_id)
                raise
        return run_id

    def end_run(self, run_id: int, *, counts: Mapping[str, int], outcome: str, report: str | None) -> None:
        """Seal the run's batches, record how it ended, and release its lock."""
        with self._transaction("end a run in") as conn:
            self._log.close(
                conn,
                [
                    row[0]
                    for row in conn.execute("SELECT batch_id FROM batches WHERE run_id = ? AND sealed = 0", (run_id,))
                ],
            )
            cursor = conn.execute(
                "UPDATE runs SET ended_at = ?, counts = ?, outcome = ?, report = ? WHERE run_id = ?",
                (_now(), json.dumps(dict(counts), sort_keys=True), outcome, report, run_id),
            )
            if cursor.rowcount == 0:
                raise LedgerError(f"the ledger {self.path} has no run {run_id}.")
        with self._mutex, self._errors("end a run in"):
            self._locks.release(run_id)

    def note_report(self, run_id: int, report: str) -> None:
        """Record where the run's report was written (after the run ended)."""
        with self._transaction("record a report in") as conn:
            cursor = conn.execute("UPDATE runs SET report = ? WHERE run_id = ?", (report, run_id))
            if cursor.rowcount == 0:
                raise LedgerError(f"the ledger {self.path} has no run {run_id}.")

    def seal_settled(self, run_id: int) -> None:
        """Seal the run's batches that have every outcome (call once nothing more is sent; :meth:`end_run`
        seals or folds the rest)."""
        with self._transaction("seal batches in") as conn:
            self._log.close(conn, self._log.settled_of_run(run_id))

    def runs(self, limit: int = 50) -> list[RunRecord]:
        """The latest ``limit`` runs, newest first."""
        rows = self._select(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY run_id DESC LIMIT ?", (limit,))
        return [_run_record(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        """The run ``run_id``, or None when the ledger has no such run."""
        rows = self._select(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        return _run_record(rows[0]) if rows else None

    def leads_of_run(self, run_id: int) -> list[dict[str, object]]:
        """Every lead whose latest claim is the run's (or that the run adopted), in sheet order."""
        sql = f"SELECT {_LEAD_COLUMNS}, l.batch_id FROM leads AS l JOIN scopes AS s USING (scope_id) WHERE l.run_id = ?"
        names = [column.split(".")[1] for column in _LEAD_COLUMNS.split(", ")] + ["batch_id"]
        with self._transaction("read") as conn:
            self._fold_dead(conn)
            if self.run(run_id) is None:
                return []
            leads = [dict(zip(names, row, strict=True)) for row in conn.execute(sql, (run_id,))]
            scopes = {s: (p, q) for s, p, q in conn.execute("SELECT scope_id, project_id, process_id FROM scopes")}
            for batch in self._log.of_run(conn, run_id):
                leads += [_batch_lead(batch, batch.entry(pos), scopes[batch.scope]) for pos in range(batch.size)]
            refs = sorted({str(lead["reference_id"]) for lead in leads})
            newest = self._newest(conn, self._run_scope(conn, run_id), refs, with_open=True)
        latest = [lead for lead in leads if lead.pop("batch_id") == newest.get(str(lead["reference_id"]))]
        return sorted(latest, key=lambda lead: int(str(lead["sheet_row"])))

    # -- the per-batch protocol ------------------------------------------------------------------

    def claim(
        self,
        run_id: int,
        project_id: str,
        process_id: str,
        leads: Sequence[LeadKey],
        *,
        hashes: PayloadHashes | None = None,
    ) -> ClaimResult:
        """Mark ``in-flight`` for the run every lead that may be sent now; say why each other one may not.

        A lead is held back when a stored lead of the same project and process matching it (by
        referenceId, phone or email; accepted first, then in-flight, rejected, pending) is accepted,
        is in flight, or was rejected under the same referenceId with the same payload (``hashes``
        works out the payload hashes of leads given without one).
        """
        batch: Batch | None = None
        with self._mutex:
            with self._transaction("claim leads in") as conn:
                scope = self._scope_id(conn, project_id, process_id, create=True)
                self._log.refresh(conn, scope)
                columns = _columns(leads)
                stored = self._stored(conn, scope, columns[:3], matching.MATCHES)
                found, others = matching.others_emails(self._log.matches(conn, scope, columns[:3], stored), columns[1])
                best = matching.best_matches(found)
                hashed = matching.with_rejected_hashes(leads, best, hashes)
                if hashed is not leads:
                    leads, columns = hashed, _columns(hashed)
                alive = self._locks.alive_map(row[5] for row in best.values() if row[3] == "in-flight")
                if others:  # sent without the address another person's lead has: claimed without it too
                    leads = [k._replace(email="") if pos in others else k for pos, k in enumerate(leads)]
                    columns = _columns(leads)
                claimed, known = (
                    (list(leads), {})
                    if not best and matching.distinct_keys(columns[:3])
                    else matching.decide(run_id, leads, best, alive)
                )
                without_email = (
                    frozenset(leads[pos].reference_id for pos in others) & {k.reference_id for k in claimed}
                    if others
                    else frozenset()
                )
                if claimed:
                    batch = self._log.write(
                        conn, run_id, scope, columns if len(claimed) == len(leads) else _columns(claimed), _now()
                    )
            if batch is not None:
                self._log.add(batch)  # committed: from now on it is this run's
        if batch is not None:
            batch.key_index()  # hashed now, in the sending thread, not all at once when the run ends
        return ClaimResult(
            claimed=claimed,
            known=known,
            batch_id=batch.batch_id if batch is not None else None,
            without_email=without_email,
        )

    def mark_sent(self, run_id: int, batch_id: int) -> None:
        """Note that the claimed batch's first request is leaving now (call just before sending it).

        Until then an interrupted run's batch is known never to have reached the CRM.
        """
        with self._transaction("note a sent batch in") as conn:
            cursor = conn.execute(
                "UPDATE batches SET sent_at = ? WHERE batch_id = ? AND run_id = ?", (_now(), batch_id, run_id)
            )
            if cursor.rowcount != 1:
                raise LedgerError(f"the ledger {self.path} has no batch {batch_id} of run {run_id} in flight.")

    def record(
        self,
        run_id: int,
        outcomes: Sequence[tuple[str, str, str | None, str | None]],
        *,
        hashes: PayloadHashes | None = None,
    ) -> None:
        """Store the CRM's answers for leads of the run: (referenceId, accepted|rejected, lead _id, message).

        A rejected lead claimed without its payload hash gets it from ``hashes``.
        """
        unknown = {state for _, state, _, _ in outcomes} - {"accepted", "rejected"}
        if unknown:
            raise ValueError(f"an outcome must be accepted or rejected, not {sorted(unknown)}")
        with self._transaction("record outcomes in") as conn:
            now = _now()
            folded = self._log.settle(conn, run_id, outcomes, now, only_in_flight=False, hashes=hashes)
            if folded:
                scope = self._run_scope(conn, run_id)
                conn.executemany(
                    f"UPDATE leads SET state = ?, lead_id = ?, message = ?, updated_at = ? WHERE {_IN_RUN}",
                    [(state, lead_id, message, now, scope, ref, run_id) for ref, state, lead_id, message in folded],
                )

    def release(self, run_id: int, reference_ids: Sequence[str]) -> None:
        """Turn the run's ``in-flight`` leads that surely were not stored back to ``pending``."""
        with self._transaction("release leads in") as conn:
            now = _now()
            pending = [(ref, "pending", None, None) for ref in reference_ids]
            folded = self._log.settle(conn, run_id, pending, now, only_in_flight=True)
            scope = self._run_scope(conn, run_id)
            reference_ids = [ref for ref, *_ in folded]
            conn.executemany(
                f"UPDATE leads SET state = 'pending', updated_at = ? WHERE {_IN_RUN} AND state = 'in-flight'",
                [(now, scope, ref, run_id) for ref in reference_ids],
            )

    # -- interrupted runs ------------------------------------------------------------------------

    def stale_in_flight(self, project_id: str, process_id: str) -> list[Known]:
        """``in-flight`` leads of the project and process whose run is no longer running."""
        with self._transaction("read") as conn:
            self._fold_dead(conn)
            scope = self._scope_id(conn, project_id, process_id, create=False)
            rows = conn.execute(
                "SELECT sheet_row, 0, reference_id, state, lead_id, run_id, message, payload_hash, batch_id,"
                " updated_at FROM leads WHERE scope_id = ? AND state = 'in-flight' ORDER BY run_id, sheet_row",
                (scope,),
            ).fetchall()
            alive = self._locks.alive_map(row[5] for row in rows)
        return [replace(matching.to_known(row, alive), since=row[9]) for row in rows if not alive[row[5]]]

    def adopt(self, run_id: int, project_id: str, process_id: str, reference_ids: Sequence[str]) -> list[str]:
        """Take over for the run those of ``reference_ids`` still ``in-flight`` in a dead run; return them."""
        with self._transaction("adopt leads in") as conn:
            self._fold_dead(conn)
            scope = self._scope_id(conn, project_id, process_id, create=False)
            rows = [row for row in matching.by_reference(conn, scope, reference_ids) if row[3] == "in-flight"]
            alive = self._locks.alive_map(row[5] for row in rows)
            stale = [(str(row[2]), int(row[5])) for row in rows if not alive[row[5]]]
            conn.executemany(
                f"UPDATE leads SET run_id = ?, updated_at = ? WHERE {_IN_RUN} AND state = 'in-flight'",
                [(run_id, _now(), scope, ref, owner) for ref, owner in stale],
            )
        return [ref for ref, _ in stale]

    def resolve(self, run_id: int, project_id: str, process_id: str, found: Mapping[str, str | None]) -> None:
        """Settle adopted leads after asking the CRM: a lead _id means ``accepted``, None means ``pending``."""
        with self._transaction("resolve leads in") as conn:
            scope, now = self._scope_id(conn, project_id, process_id, create=False), _now()
            conn.executemany(
                "UPDATE leads SET state = CASE WHEN ?1 IS NULL THEN 'pending' ELSE 'accepted' END, lead_id = ?1,"
                " message = NULL, updated_at = ?2 WHERE scope_id = ?3 AND reference_id = ?4 AND run_id = ?5"
                " AND state = 'in-flight'",
                [(lead_id, now, scope, ref, run_id) for ref, lead_id in found.items()],
            )

    def lookup(self, project_id: str, process_id: str, reference_ids: Sequence[str]) -> dict[str, Known]:
        """What the ledger holds under each of ``reference_ids`` it knows (read-only)."""
        with self._transaction("read") as conn:
            self._fold_dead(conn)
            scope = self._scope_id(conn, project_id, process_id, create=False)
            refs = list(dict.fromkeys(reference_ids))
            self._log.refresh(conn, scope)
            stored = self._stored(conn, scope, [refs], matching.BY_REFERENCE)
            columns = [refs, [""] * len(refs), [""] * len(refs)]
            rows = list(matching.best_matches(self._log.matches(conn, scope, columns, stored)).values())
            alive = self._locks.alive_map(row[5] for row in rows if row[3] == "in-flight")
        return {str(row[2]): matching.to_known(row, alive) for row in rows}

    def known_matches(self, project_id: str, process_id: str, leads: Sequence[LeadKey]) -> dict[int, Known]:
        """For each of ``leads`` (by sheet row) that a stored lead matches, what a claim would go by; nothing
        is claimed or written (a dry run's look at the ledger)."""
        if not leads:
            return {}
        with self._transaction("read") as conn:
            self._fold_dead(conn)
            scope = self._scope_id(conn, project_id, process_id, create=False)
            if not scope:
                return {}
            self._log.refresh(conn, scope)
            columns = _columns(leads)
            stored = self._stored(conn, scope, columns[:3], matching.MATCHES)
            found, _ = matching.others_emails(self._log.matches(conn, scope, columns[:3], stored), columns[1])
            best = matching.best_matches(found)
            alive = self._locks.alive_map(row[5] for row in best.values() if row[3] == "in-flight")
        return {leads[pos].sheet_row: matching.to_known(row, alive) for pos, row in best.items()}

    # -- what the CRM taught earlier runs (importer.ledger.crm_memory) ----------------------------

    def called_phones(self, project_id: str, phones: Sequence[str]) -> dict[str, tuple[str, int]]:
        """Of ``phones``, those the CRM refused as already called in the project: phone → (message, run)."""
        with self._mutex, self._errors("read"):
            return crm_memory.called(self._conn, project_id, phones)

    def note_called_phones(self, run_id: int, project_id: str, refused: Sequence[tuple[str, str]]) -> None:
        """Keep phones the CRM refused as already called, (phone, message): they are never sent again."""
        if refused:
            with self._transaction("record refused phones in") as conn:
                crm_memory.note_called(conn, project_id, run_id, refused, _now())

    def duplicate_memory(self, project_id: str) -> DuplicateMemory:
        """What the duplicate guard learned about the project in earlier runs."""
        with self._mutex, self._errors("read"):
            return crm_memory.guard_memory(self._conn, project_id)

    def keep_duplicate_memory(self, project_id: str, memory: DuplicateMemory) -> None:
        """Store what the duplicate guard learned, for the next run into the project."""
        with self._transaction("record the duplicate guard in") as conn:
            crm_memory.keep_guard_memory(conn, project_id, memory, _now())

    # -- internals -------------------------------------------------------------------------------

    def _scope_id(self, conn: sqlite3.Connection, project_id: str, process_id: str, *, create: bool) -> int:
        """The scope number of a project and process (0, matching nothing, when unknown and not created)."""
        key = (project_id, process_id)
        if key not in self._scopes:
            row = conn.execute("SELECT scope_id FROM scopes WHERE project_id = ? AND process_id = ?", key).fetchone()
            if row is None and not create:
                return 0
            if row is None:
                row = (conn.execute("INSERT INTO scopes (project_id, process_id) VALUES (?, ?)", key).lastrowid,)
            self._scopes[key] = int(row[0])
        return self._scopes[key]

    def _run_scope(self, conn: sqlite3.Connection, run_id: int) -> int:
        """The scope number of the run's project and process."""
        if run_id not in self._run_scopes:
            row = conn.execute("SELECT project_id, process_id FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise LedgerError(f"the ledger {self.path} has no run {run_id}.")
            self._run_scopes[run_id] = self._scope_id(conn, row[0], row[1], create=True)
        return self._run_scopes[run_id]

    def _check_readable(self) -> None:
        """Refuse a read-only ledger this leadimport cannot read as it is (it would have to write to it)."""
        with self._mutex, self._errors("read"):
            version = self._schema_version(self._conn)
        if version is None:
            raise LedgerError(f"the ledger {self.path} has no tables yet; nothing was recorded in it.")
        if version != SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.path} was written by an older leadimport (schema version {version}); "
                "`leadimport run` upgrades it."
            )

    def _connect(self) -> sqlite3.Connection:
        """A connection to the ledger file, set up as every connection of the ledger is."""
        if self.read_only:
            # Without a -wal file everything is in the ledger file itself: read it as immutable, so SQLite
            # creates no -wal and -shm beside it (a look leaves no trace). With one (a run is going on, or
            # one was killed), read through it: what that run recorded may be only there.
            wal = Path(f"{self.path}-wal").exists()
            uri = f"{self.path.resolve().as_uri()}?mode=ro" + ("" if wal else "&immutable=1")
            return sqlite3.connect(
                uri, uri=True, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
        conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            for pragma in _PRAGMAS:
                self._pragma(conn, pragma)
        except BaseException:
            conn.close()
            raise
        return conn

    def _pragma(self, conn: sqlite3.Connection, pragma: str) -> None:
        """Run a setup pragma. Switching a new file to WAL while another process does the same can fail at
        once with "database is locked" (SQLite does not wait there), so that is tried again for a while."""
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                conn.execute(pragma)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    def _has_leads(self, conn: sqlite3.Connection, scope: int) -> bool:
        """Whether ``leads`` holds any lead of the scope (a new ledger holds none: nothing to look up)."""
        if scope not in self._with_leads:
            if conn.execute("SELECT 1 FROM leads WHERE scope_id = ? LIMIT 1", (scope,)).fetchone() is None:
                return False
            self._with_leads.add(scope)
        return True

    def _stored(self, conn: sqlite3.Connection, scope: int, columns: Sequence[Sequence[str]], sql: str) -> list[Match]:
        """The leads in ``leads`` and in sealed batches that match each lead by position (``columns``: the
        leads' referenceIds, phones and emails for :data:`~importer.ledger.matching.MATCHES`, referenceIds
        alone for ``BY_REFERENCE``).

        A lead claimed more than once counts as its latest claim: an earlier one matched by its old
        phone or email is not the lead any more.
        """
        in_leads = matching.stored_matches(conn, sql, scope, columns) if self._has_leads(conn, scope) else []
        hits = self._log.keys.find(conn, scope, columns)
        rows = in_leads + (self._log.sealed_matches(conn, scope, columns, hits) if hits else [])
        if not rows or not (hits or self._log.keys.segments(conn, scope)):
            return rows  # nothing matched, or nothing sealed that could be a later claim of a lead in ``leads``
        newest = self._newest(conn, scope, sorted({row[2] for row in rows}), with_open=False)
        return [row for row in rows if row[8] >= newest.get(row[2], 0)]

    def _newest(
        self, conn: sqlite3.Connection, scope: int, reference_ids: Sequence[str], *, with_open: bool
    ) -> dict[str, int]:
        """The batch of the latest claim of each referenceId: sealed, folded into ``leads`` or (``with_open``) open."""
        newest = self._log.keys.newest(conn, scope, reference_ids)
        if self._has_leads(conn, scope):
            for row in matching.by_reference(conn, scope, reference_ids):
                newest[row[2]] = max(newest.get(row[2], 0), row[8])
        if with_open:
            for ref, batch_id in self._log.newest_open(conn, scope, reference_ids).items():
                newest[ref] = max(newest.get(ref, 0), batch_id)
        return newest

    def _fold_dead(self, conn: sqlite3.Connection) -> None:
        """Seal or fold the open batches of runs that are no longer running (interrupted ones leave theirs)."""
        if self.read_only:
            return  # their open batches are read as they are
        runs = [row[0] for row in conn.execute("SELECT DISTINCT run_id FROM batches WHERE sealed = 0")]
        dead = [run_id for run_id, alive in self._locks.alive_map(runs).items() if not alive]
        if dead:
            rows = conn.execute(
                "SELECT batch_id FROM batches WHERE run_id IN (SELECT value FROM json_each(?)) AND sealed = 0",
                (json.dumps(dead),),
            )
            self._log.close(conn, [row[0] for row in rows])

    def _select(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        with self._mutex, self._errors("read"):
            return list(self._conn.execute(sql, params).fetchall())

    def _create_atomically(self) -> None:
        """Make a new ledger's tables in a file beside it, which then takes the ledger's name in one step.

        A run killed while a ledger is being created leaves no ledger file without tables behind (which the
        next run would have to refuse, since such a file may also be a truncated ledger). When another process
        creates the ledger first, its file is kept and opened.
        """
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.new")
        temp.unlink(missing_ok=True)
        try:
            conn = sqlite3.connect(temp, isolation_level=None)
            try:
                conn.execute("PRAGMA page_size=8192")
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("BEGIN")
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))
                conn.execute("COMMIT")
            finally:
                conn.close()
            with contextlib.suppress(FileExistsError):
                os.link(temp, self.path)  # fails if the ledger appeared meanwhile: never replaces one
                self.created = True
        finally:
            for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
                leftover.unlink(missing_ok=True)

    def _prepare_schema(self) -> None:
        """Create the tables of a new ledger; refuse one written by a newer leadimport."""
        with self._mutex, self._errors("read"):
            version = self._schema_version(self._conn)
        if version is None and self._existed and not self._new:
            version = self._wait_for_schema()
        if version == SCHEMA_VERSION:
            self._check_key_hash()
            return
        with self._transaction("create the tables of") as conn:
            version = self._schema_version(conn)
            if version is None:
                for statement in _SCHEMA:
                    conn.execute(statement)
                self.created = True
                conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
                conn.execute("INSERT INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))
            elif version < SCHEMA_VERSION:
                for step in range(version, SCHEMA_VERSION):
                    for statement in _MIGRATIONS[step]:
                        conn.execute(statement)
                conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))

    def _check_key_hash(self) -> None:
        """Re-index a ledger whose key index was written with another hash function (another pandas, say):
        its batches are unsealed, and sealed again by the next run, as an interrupted run's are."""
        scheme = hash_scheme()
        with self._mutex, self._errors("read"):
            row = self._conn.execute("SELECT value FROM meta WHERE key = 'key_hash'").fetchone()
        if row is not None and row[0] == scheme:
            return
        with self._transaction("re-index") as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'key_hash'").fetchone()
            if row is None or row[0] != scheme:
                conn.execute("DELETE FROM segments")
                conn.execute("UPDATE batches SET sealed = 0 WHERE sealed = 1")
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('key_hash', ?)", (scheme,))

    def _wait_for_schema(self) -> int:
        """The schema version of a file that existed with no tables, once another process has created them.

        Two runs starting on a new ledger: the other one may be between creating the file and its tables.
        Otherwise the file lost its tables: a ledger copied without its -wal file, where a killed run keeps
        what it recorded, is refused rather than taken for a new, empty one (everything would be resent).
        """
        for _ in range(SCHEMA_WAIT_STEPS):
            time.sleep(0.1)
            with self._mutex, self._errors("read"):
                version = self._schema_version(self._conn)
            if version is not None:
                return version
        raise LedgerError(
            f"the ledger {self.path} is an SQLite file with no tables. A ledger copied without its "
            f"{self.path.name}-wal file loses what a killed run recorded there: copy the -wal file along, or use "
            f"`sqlite3 SOURCE '.backup {self.path}'`. To start a new ledger there, pass --new-ledger."
        )

    def _wait_until_written(self) -> None:
        """Wait a little for an empty ledger file to be written (another process may have just created it),
        else refuse it untouched: a truncated ledger taken for a new one would send every lead again."""
        for _ in range(SCHEMA_WAIT_STEPS):
            with self._errors("open"):
                if self.path.stat().st_size > 0:
                    return
            time.sleep(0.1)
        raise LedgerError(
            f"the ledger {self.path} is an empty file (0 bytes): a failed copy, a full disk or a backup tool may "
            "have truncated it, and taking it for a new ledger would send again every lead it recorded. Restore "
            "it from a backup (with its -wal file), or pass --new-ledger to start a new, empty ledger there."
        )

    def _schema_version(self, conn: sqlite3.Connection) -> int | None:
        """The ledger's schema version; None for an empty file (a new ledger)."""
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and "meta" not in tables:
            raise LedgerError(
                f"{self.path} is an SQLite database of some other program, not a leadimport ledger; "
                "choose another file (--ledger or LEADIMPORT_LEDGER)."
            )
        if not tables:
            return None
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise LedgerError(
                f"the ledger {self.path} has no readable schema version; {_MOVE_ASIDE.format(path=self.path)}."
            )
        if int(row[0]) > SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.path} was written by a newer leadimport (schema version {row[0]}; this one "
                f"knows version {SCHEMA_VERSION}); upgrade leadimport to use it."
            )
        return int(row[0])

    @contextlib.contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once so that concurrent writers queue (up to the busy timeout)."""
        with self._mutex, self._errors(action):
            conn = self._conn
            conn.execute("BEGIN" if self.read_only else "BEGIN IMMEDIATE")
            try:
                yield conn
                if conn.in_transaction:
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                self._scopes.clear()  # may hold a scope created by the rolled-back transaction
                self._run_scopes.clear()
                raise

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn sqlite3 and file-system errors into a LedgerError that says what to do."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(_explain(exc, self.path, action, self.busy_timeout)) from exc


def _columns(leads: Sequence[LeadKey]) -> list[list[Any]]:
    """The leads' referenceIds, phones, emails, sheet rows and payload hashes, a list each."""
    if not leads:
        return [[] for _ in LeadKey._fields]
    return [list(column) for column in zip(*leads, strict=True)]


def _batch_lead(batch: Batch, entry: list[Any], scope: tuple[str, str]) -> dict[str, object]:
    """A lead of a batch, as :meth:`Ledger.leads_of_run` lists leads (with the batch's id)."""
    ref, phone, email, sheet_row, payload_hash, state, lead_id, message = entry
    return {
        "project_id": scope[0],
        "process_id": scope[1],
        "reference_id": ref,
        "phone": phone,
        "email": email,
        "state": state,
        "lead_id": lead_id,
        "run_id": batch.run_id,
        "first_run_id": batch.run_id,
        "sheet_row": sheet_row,
        "payload_hash": payload_hash,
        "message": message,
        "updated_at": batch.updated_at,
        "batch_id": batch.batch_id,
    }


def _run_record(row: tuple[Any, ...]) -> RunRecord:
    fields = dict(zip(_RUN_FIELDS, row, strict=True))
    fields["counts"] = {str(k): int(v) for k, v in json.loads(fields["counts"] or "{}").items()}
    return RunRecord(**fields)


def _explain(exc: sqlite3.Error | OSError, path: Path, action: str, busy_timeout: float) -> str:
    """A message for a failed ledger operation that names the file and says what to do."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, OSError):
        return f"cannot {action} the ledger {path}: {exc.strerror or text} ({exc.filename or path})."
    if "locked" in lowered or "busy" in lowered:
        return (
            f"the ledger {path} is locked by another process for more than {busy_timeout:g} s; "
            "wait for it to finish, then run the same command again."
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return (
            f"the ledger {path} is not a leadimport ledger or is corrupted ({text}); {_MOVE_ASIDE.format(path=path)}."
        )
    if "readonly" in lowered or "read-only" in lowered:
        return f"the ledger {path} is read-only ({text}); make it and its folder writable, or set LEADIMPORT_LEDGER."
    if "full" in lowered:
        return f"the disk holding the ledger {path} is full; free some space, then run the same command to resume."
    if "unable to open" in lowered:
        return f"cannot open the ledger {path} ({text}); check that its folder exists and is writable."
    return f"cannot {action} the ledger {path}: {text}."


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
