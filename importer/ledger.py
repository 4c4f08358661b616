"""The local ledger: one SQLite file recording runs and every lead sent, so each lead reaches the CRM once.

A batch's leads are *claimed* (written ``in-flight`` and committed) before they are sent, and their
outcome is *recorded* once the CRM answers. The claim is a single write transaction, so two processes
on the same ledger never both send a lead. Each run holds an exclusive ``flock`` on its own lock file
(``<ledger>.locks/run-<id>.lock``) while it is running; the operating system releases it when the
process dies, which is how a live run's ``in-flight`` leads are told from a crashed run's. The latter
are *adopted* by a later run, looked up in the CRM, and *resolved* to ``accepted`` or ``pending``.

Every ``sqlite3`` and file-system error becomes a :class:`~importer.errors.LedgerError` here, and
every method that writes has committed (or rolled back) before it returns.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from importer.errors import LedgerError

SCHEMA_VERSION = 1
LEAD_STATES = ("in-flight", "accepted", "rejected", "pending")
DEFAULT_BUSY_TIMEOUT = 30.0

_STATE_RANK = {"accepted": 0, "in-flight": 1, "rejected": 2, "pending": 3}
_MATCH_KINDS = ("referenceId", "phone", "email")

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL, ended_at TEXT,
        file TEXT NOT NULL, fingerprint TEXT NOT NULL, mapping TEXT NOT NULL,
        project_id TEXT NOT NULL, process_id TEXT NOT NULL, command TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}', outcome TEXT, report TEXT,
        pid INTEGER NOT NULL, host TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS leads (
        project_id TEXT NOT NULL, process_id TEXT NOT NULL, reference_id TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('in-flight', 'accepted', 'rejected', 'pending')),
        lead_id TEXT, run_id INTEGER NOT NULL, first_run_id INTEGER NOT NULL,
        sheet_row INTEGER NOT NULL, payload_hash TEXT, message TEXT, updated_at TEXT NOT NULL,
        PRIMARY KEY (project_id, process_id, reference_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS leads_phone ON leads (project_id, process_id, phone)",
    "CREATE INDEX IF NOT EXISTS leads_email ON leads (project_id, process_id, email)",
    "CREATE INDEX IF NOT EXISTS leads_run ON leads (run_id)",
)

_BATCH_TABLE = (
    "CREATE TEMP TABLE IF NOT EXISTS batch (pos INTEGER PRIMARY KEY, reference_id TEXT, phone TEXT, email TEXT)"
)

# Every stored lead matching a batch lead: by referenceId, by phone, by email (kind 0, 1, 2).
# CROSS JOIN keeps the small batch as the outer loop so each probe uses an index on leads.
_MATCHES = """
SELECT b.pos, 0, l.reference_id, l.state, l.lead_id, l.run_id, l.message, l.payload_hash
  FROM batch AS b CROSS JOIN leads AS l
 WHERE l.project_id = :project AND l.process_id = :process AND l.reference_id = b.reference_id
UNION ALL
SELECT b.pos, 1, l.reference_id, l.state, l.lead_id, l.run_id, l.message, l.payload_hash
  FROM batch AS b CROSS JOIN leads AS l
 WHERE b.phone != '' AND l.project_id = :project AND l.process_id = :process AND l.phone = b.phone
   AND l.reference_id != b.reference_id
UNION ALL
SELECT b.pos, 2, l.reference_id, l.state, l.lead_id, l.run_id, l.message, l.payload_hash
  FROM batch AS b CROSS JOIN leads AS l
 WHERE b.email != '' AND l.project_id = :project AND l.process_id = :process AND l.email = b.email
   AND l.reference_id != b.reference_id
"""

_BY_REFERENCE = """
SELECT b.pos, 0, l.reference_id, l.state, l.lead_id, l.run_id, l.message, l.payload_hash
  FROM batch AS b CROSS JOIN leads AS l
 WHERE l.project_id = :project AND l.process_id = :process AND l.reference_id = b.reference_id
"""

_UPSERT = """
INSERT INTO leads (project_id, process_id, reference_id, phone, email, state, lead_id, run_id,
                   first_run_id, sheet_row, payload_hash, message, updated_at)
VALUES (?, ?, ?, ?, ?, 'in-flight', NULL, ?, ?, ?, ?, NULL, ?)
ON CONFLICT (project_id, process_id, reference_id) DO UPDATE SET
    phone = excluded.phone, email = excluded.email, state = 'in-flight', lead_id = NULL,
    run_id = excluded.run_id, sheet_row = excluded.sheet_row, payload_hash = excluded.payload_hash,
    message = NULL, updated_at = excluded.updated_at
"""

_LEAD_IN_RUN = "project_id = ? AND process_id = ? AND reference_id = ? AND run_id = ?"

_RUN_COLUMNS = (
    "run_id, started_at, ended_at, file, fingerprint, mapping, project_id, process_id, "
    "command, counts, outcome, report, pid, host"
)


@dataclass(frozen=True, slots=True)
class LeadKey:
    """What identifies a lead about to be sent, and a digest of what would be sent."""

    reference_id: str
    phone: str
    """E.164, or "" when the lead has no phone."""
    email: str
    """Lowercase, or "" when the lead has no email."""
    sheet_row: int
    payload_hash: str


@dataclass(frozen=True, slots=True)
class Known:
    """What the ledger already holds that matches a lead."""

    reference_id: str
    """The ledger row's referenceId (differs from the lead's when matched by phone or email)."""
    state: str
    lead_id: str | None
    run_id: int
    message: str | None
    payload_hash: str | None
    owner_alive: bool
    """For ``in-flight``: the run holding it is still running."""
    matched_by: str
    """``referenceId``, ``phone`` or ``email``."""


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """Leads now ``in-flight`` for the run (send exactly these), and why the others were not claimed."""

    claimed: list[LeadKey]
    known: dict[int, Known]
    """By the lead's sheet_row."""


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


def default_ledger_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the ledger lives: ``$LEADIMPORT_LEDGER``, else under ``$XDG_STATE_HOME``, else ``~/.local/state``."""
    explicit = environ.get("LEADIMPORT_LEDGER", "")
    if explicit:
        return Path(explicit).expanduser()
    state_home = environ.get("XDG_STATE_HOME", "")
    if not state_home or not Path(state_home).is_absolute():  # the XDG spec says to ignore relative paths
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
        state_home = str(home / ".local" / "state")
    return Path(state_home) / "leadimport" / "ledger.sqlite3"


class Ledger:
    """An open ledger file. Safe to share between threads; each process opens its own."""

    def __init__(self, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._mutex = threading.RLock()
        self._run_locks: dict[int, int] = {}
        self._scopes: dict[int, tuple[str, str]] = {}
        self._locks_dir = Path(f"{self.path}.locks")
        with self._errors("open"):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._locks_dir.mkdir(exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            with self._errors("open"):
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
                self._conn.execute("PRAGMA temp_store=MEMORY")
                self._conn.execute(_BATCH_TABLE)
            self._prepare_schema()
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        """Release this process's run locks and close the file (a run not ended counts as interrupted)."""
        with self._mutex:
            for run_id in list(self._run_locks):
                self._unlock_run(run_id)
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
        """Record a new run and hold its lock (marking it alive) until :meth:`end_run` or :meth:`close`."""
        with self._transaction("start a run in") as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started_at, file, fingerprint, mapping, project_id, process_id, command, pid, host)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    _now(),
                    file,
                    fingerprint,
                    mapping,
                    project_id,
                    process_id,
                    command,
                    os.getpid(),
                    socket.gethostname(),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            # Locked before the run is committed, so no other process can ever see it unlocked.
            self._lock_run(run_id)
            try:
                conn.execute("COMMIT")
            except BaseException:
                self._unlock_run(run_id)
                raise
        self._scopes[run_id] = (project_id, process_id)
        return run_id

    def end_run(self, run_id: int, *, counts: Mapping[str, int], outcome: str, report: str | None) -> None:
        """Record how the run ended and release its lock."""
        with self._transaction("end a run in") as conn:
            cursor = conn.execute(
                "UPDATE runs SET ended_at = ?, counts = ?, outcome = ?, report = ? WHERE run_id = ?",
                (_now(), json.dumps(dict(counts), sort_keys=True), outcome, report, run_id),
            )
            if cursor.rowcount == 0:
                raise LedgerError(f"the ledger {self.path} has no run {run_id}")
        with self._mutex, self._errors("end a run in"):
            self._unlock_run(run_id)

    def runs(self, limit: int = 50) -> list[RunRecord]:
        """The latest ``limit`` runs, newest first."""
        rows = self._select(f"SELECT {_RUN_COLUMNS} FROM runs ORDER BY run_id DESC LIMIT ?", (limit,))
        return [_run_record(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        """The run ``run_id``, or None when the ledger has no such run."""
        rows = self._select(f"SELECT {_RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        return _run_record(rows[0]) if rows else None

    def leads_of_run(self, run_id: int) -> list[dict[str, object]]:
        """Every lead row last touched by the run, in sheet order."""
        with self._mutex, self._errors("read"):
            cursor = self._conn.execute("SELECT * FROM leads WHERE run_id = ? ORDER BY sheet_row", (run_id,))
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    # -- the per-batch protocol ------------------------------------------------------------------

    def claim(self, run_id: int, project_id: str, process_id: str, leads: Sequence[LeadKey]) -> ClaimResult:
        """Mark as ``in-flight`` for the run every lead that may be sent; say why each other one may not."""
        with self._transaction("claim leads in") as conn:
            best = self._best_matches(
                conn, _MATCHES, project_id, process_id, [(k.reference_id, k.phone, k.email) for k in leads]
            )
            claimed, known = self._decide(run_id, leads, best)
            now = _now()
            conn.executemany(
                _UPSERT,
                [
                    (
                        project_id,
                        process_id,
                        k.reference_id,
                        k.phone,
                        k.email,
                        run_id,
                        run_id,
                        k.sheet_row,
                        k.payload_hash,
                        now,
                    )
                    for k in claimed
                ],
            )
        return ClaimResult(claimed=claimed, known=known)

    def record(self, run_id: int, outcomes: Sequence[tuple[str, str, str | None, str | None]]) -> None:
        """Store the CRM's answer for leads of the run: (referenceId, accepted|rejected, lead _id, message)."""
        bad = {state for _, state, _, _ in outcomes} - {"accepted", "rejected"}
        if bad:
            raise ValueError(f"an outcome must be accepted or rejected, not {sorted(bad)}")
        with self._transaction("record outcomes in") as conn:
            project_id, process_id = self._scope(conn, run_id)
            now = _now()
            conn.executemany(
                f"UPDATE leads SET state = ?, lead_id = ?, message = ?, updated_at = ? WHERE {_LEAD_IN_RUN}",
                [
                    (state, lead_id, message, now, project_id, process_id, ref, run_id)
                    for ref, state, lead_id, message in outcomes
                ],
            )

    def release(self, run_id: int, reference_ids: Sequence[str]) -> None:
        """Turn the run's ``in-flight`` leads that surely were not stored back to ``pending``."""
        with self._transaction("release leads in") as conn:
            project_id, process_id = self._scope(conn, run_id)
            now = _now()
            conn.executemany(
                f"UPDATE leads SET state = 'pending', updated_at = ? WHERE {_LEAD_IN_RUN} AND state = 'in-flight'",
                [(now, project_id, process_id, ref, run_id) for ref in reference_ids],
            )

    # -- interrupted runs ------------------------------------------------------------------------

    def stale_in_flight(self, project_id: str, process_id: str) -> list[Known]:
        """``in-flight`` leads of the project and process whose run is no longer running."""
        rows = self._select(
            "SELECT 0, 0, reference_id, state, lead_id, run_id, message, payload_hash FROM leads"
            " WHERE project_id = ? AND process_id = ? AND state = 'in-flight' ORDER BY run_id, sheet_row",
            (project_id, process_id),
        )
        with self._mutex, self._errors("check the runs of"):
            alive = self._liveness({int(row[5]) for row in rows})
        return [known for known in (_known(row, alive) for row in rows) if not known.owner_alive]

    def adopt(self, run_id: int, project_id: str, process_id: str, reference_ids: Sequence[str]) -> list[str]:
        """Take over for the run those of ``reference_ids`` still ``in-flight`` in a dead run; return them."""
        with self._transaction("adopt leads in") as conn:
            rows = self._matches_by_reference(conn, project_id, process_id, reference_ids)
            alive = self._liveness({int(row[5]) for row in rows if row[3] == "in-flight"})
            stale = [(str(row[2]), int(row[5])) for row in rows if row[3] == "in-flight" and not alive[int(row[5])]]
            now = _now()
            conn.executemany(
                f"UPDATE leads SET run_id = ?, updated_at = ? WHERE {_LEAD_IN_RUN} AND state = 'in-flight'",
                [(run_id, now, project_id, process_id, ref, owner) for ref, owner in stale],
            )
        return [ref for ref, _ in stale]

    def resolve(self, run_id: int, project_id: str, process_id: str, found: Mapping[str, str | None]) -> None:
        """Settle adopted leads after asking the CRM: a lead _id means ``accepted``, None means ``pending``."""
        with self._transaction("resolve leads in") as conn:
            now = _now()
            conn.executemany(
                "UPDATE leads SET state = CASE WHEN ?1 IS NULL THEN 'pending' ELSE 'accepted' END, lead_id = ?1,"
                " message = NULL, updated_at = ?2"
                " WHERE project_id = ?3 AND process_id = ?4 AND reference_id = ?5 AND run_id = ?6 AND state = 'in-flight'",
                [(lead_id, now, project_id, process_id, ref, run_id) for ref, lead_id in found.items()],
            )

    def lookup(self, project_id: str, process_id: str, reference_ids: Sequence[str]) -> dict[str, Known]:
        """What the ledger holds for each of ``reference_ids`` it knows (read-only)."""
        with self._snapshot() as conn:
            rows = self._matches_by_reference(conn, project_id, process_id, reference_ids)
            alive = self._liveness({int(row[5]) for row in rows if row[3] == "in-flight"})
        return {str(row[2]): _known(row, alive) for row in rows}

    # -- internals -------------------------------------------------------------------------------

    def _best_matches(
        self, conn: sqlite3.Connection, sql: str, project_id: str, process_id: str, keys: Sequence[tuple[str, str, str]]
    ) -> dict[int, tuple[Any, ...]]:
        """For each batch position, the matching stored lead to go by: best state first, then referenceId > phone > email."""
        conn.execute("DELETE FROM batch")
        conn.executemany("INSERT INTO batch VALUES (?, ?, ?, ?)", [(i, *key) for i, key in enumerate(keys)])
        best: dict[int, tuple[Any, ...]] = {}
        for row in conn.execute(sql, {"project": project_id, "process": process_id}):
            current = best.get(row[0])
            if current is None or _rank(row) < _rank(current):
                best[row[0]] = row
        return best

    def _matches_by_reference(
        self, conn: sqlite3.Connection, project_id: str, process_id: str, reference_ids: Sequence[str]
    ) -> list[tuple[Any, ...]]:
        keys = [(ref, "", "") for ref in dict.fromkeys(reference_ids)]
        return list(self._best_matches(conn, _BY_REFERENCE, project_id, process_id, keys).values())

    def _decide(
        self, run_id: int, leads: Sequence[LeadKey], best: Mapping[int, tuple[Any, ...]]
    ) -> tuple[list[LeadKey], dict[int, Known]]:
        """Split the batch into leads to claim and leads already known, following the claim rules."""
        alive = self._liveness({int(row[5]) for row in best.values() if row[3] == "in-flight"})
        claimed: list[LeadKey] = []
        known: dict[int, Known] = {}
        in_batch: dict[tuple[str, str], LeadKey] = {}
        for pos, lead in enumerate(leads):
            row = best.get(pos)
            if row is not None and _blocks(row, lead):
                known[lead.sheet_row] = _known(row, alive)
                continue
            twin = _twin_in_batch(lead, in_batch)
            if twin is not None:
                known[lead.sheet_row] = Known(
                    twin[1].reference_id, "in-flight", None, run_id, None, twin[1].payload_hash, True, twin[0]
                )
                continue
            claimed.append(lead)
            for kind, value in zip(_MATCH_KINDS, (lead.reference_id, lead.phone, lead.email), strict=True):
                if value:
                    in_batch.setdefault((kind, value), lead)
        return claimed, known

    def _liveness(self, run_ids: set[int]) -> dict[int, bool]:
        return {run_id: self._alive(run_id) for run_id in run_ids}

    def _alive(self, run_id: int) -> bool:
        """Whether the run still holds its lock: a shared lock is refused while its owner lives."""
        if run_id in self._run_locks:
            return True
        try:
            fd = os.open(self._lock_path(run_id), os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False

    def _lock_path(self, run_id: int) -> Path:
        return self._locks_dir / f"run-{run_id}.lock"

    def _lock_run(self, run_id: int) -> None:
        fd = os.open(self._lock_path(run_id), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._run_locks[run_id] = fd

    def _unlock_run(self, run_id: int) -> None:
        fd = self._run_locks.pop(run_id, None)
        if fd is None:
            return
        # Unlinked while still locked: a checker holding the old file sees it unlocked once closed.
        with contextlib.suppress(FileNotFoundError):
            self._lock_path(run_id).unlink()
        os.close(fd)

    def _scope(self, conn: sqlite3.Connection, run_id: int) -> tuple[str, str]:
        """The project and process of the run."""
        if run_id not in self._scopes:
            row = conn.execute("SELECT project_id, process_id FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise LedgerError(f"the ledger {self.path} has no run {run_id}")
            self._scopes[run_id] = (str(row[0]), str(row[1]))
        return self._scopes[run_id]

    def _select(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        with self._mutex, self._errors("read"):
            return list(self._conn.execute(sql, params).fetchall())

    def _prepare_schema(self) -> None:
        """Create or check the schema; refuse a ledger written by a newer leadimport."""
        with self._mutex, self._errors("read"):
            version = self._schema_version(self._conn)
        if version == SCHEMA_VERSION:
            return
        with self._transaction("create the tables of") as conn:
            if self._schema_version(conn) is None:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))

    def _schema_version(self, conn: sqlite3.Connection) -> int | None:
        has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
        if has_meta is None:
            return None
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None or not str(row[0]).isdigit():
            raise LedgerError(
                f"the ledger {self.path} has no readable schema version; {_MOVE_ASIDE.format(path=self.path)}"
            )
        version = int(row[0])
        if version > SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.path} was written by a newer leadimport (schema version {version}, this one knows "
                f"up to {SCHEMA_VERSION}); upgrade leadimport to use it"
            )
        return version

    @contextlib.contextmanager
    def _transaction(self, action: str) -> Iterator[sqlite3.Connection]:
        """A write transaction, taken at once so concurrent writers queue (up to the busy timeout)."""
        with self._mutex, self._errors(action):
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if conn.in_transaction:
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                raise

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: one consistent view of the ledger, never blocking writers."""
        with self._mutex, self._errors("read"):
            conn = self._conn
            conn.execute("BEGIN")
            try:
                yield conn
            finally:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("COMMIT")

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        """Turn sqlite3 and file-system errors into a LedgerError that says what to do."""
        try:
            yield
        except (sqlite3.Error, OSError) as exc:
            raise LedgerError(_explain(exc, self.path, action, self.busy_timeout)) from exc


_MOVE_ASIDE = (
    "move it aside (e.g. `mv {path} {path}.broken`) and run again; leads it recorded will then not be "
    "recognised as already imported"
)


def _explain(exc: sqlite3.Error | OSError, path: Path, action: str, busy_timeout: float) -> str:
    """A message for a failed ledger operation that names the file and what to do."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, OSError):
        return f"cannot {action} the ledger {path}: {exc.strerror or text} ({exc.filename or path})"
    if "locked" in lowered or "busy" in lowered:
        return (
            f"the ledger {path} is locked by another process for more than {busy_timeout:g} s; "
            "wait for it to finish and run the same command again"
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return f"the ledger {path} is not a leadimport ledger or is corrupted ({text}); {_MOVE_ASIDE.format(path=path)}"
    if "readonly" in lowered or "read-only" in lowered:
        return f"the ledger {path} is read-only ({text}); make it and its folder writable, or set LEADIMPORT_LEDGER"
    if "full" in lowered:
        return f"the disk holding the ledger {path} is full; free some space and run the same command to resume"
    if "unable to open" in lowered:
        return f"cannot open the ledger {path} ({text}); check that its folder exists and is writable"
    return f"cannot {action} the ledger {path}: {text}"


def _rank(row: tuple[Any, ...]) -> tuple[int, int]:
    return _STATE_RANK[row[3]], row[1]


def _blocks(row: tuple[Any, ...], lead: LeadKey) -> bool:
    """Whether the stored lead ``row`` means ``lead`` must not be sent now."""
    state, kind = row[3], row[1]
    if state in ("accepted", "in-flight"):
        return True
    return bool(state == "rejected" and kind == 0 and row[7] == lead.payload_hash)


def _twin_in_batch(lead: LeadKey, in_batch: Mapping[tuple[str, str], LeadKey]) -> tuple[str, LeadKey] | None:
    """An earlier lead of the same batch sharing its referenceId, phone or email, and how they match."""
    for kind, value in zip(_MATCH_KINDS, (lead.reference_id, lead.phone, lead.email), strict=True):
        if value and (kind, value) in in_batch:
            return kind, in_batch[(kind, value)]
    return None


def _known(row: tuple[Any, ...], alive: Mapping[int, bool]) -> Known:
    """A matches row (pos, kind, reference_id, state, lead_id, run_id, message, payload_hash) as a Known."""
    _, kind, reference_id, state, lead_id, run_id, message, payload_hash = row
    return Known(
        reference_id=reference_id,
        state=state,
        lead_id=lead_id,
        run_id=int(run_id),
        message=message,
        payload_hash=payload_hash,
        owner_alive=state == "in-flight" and alive.get(int(run_id), False),
        matched_by=_MATCH_KINDS[kind],
    )


def _run_record(row: tuple[Any, ...]) -> RunRecord:
    run_id, started_at, ended_at, file, fingerprint, mapping, project_id, process_id, command = row[:9]
    outcome, report, pid, host = row[10:]
    counts = {str(k): int(v) for k, v in json.loads(row[9] or "{}").items()}
    return RunRecord(
        run_id,
        started_at,
        ended_at,
        file,
        fingerprint,
        mapping,
        project_id,
        process_id,
        command,
        counts,
        outcome,
        report,
        pid,
        host,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
