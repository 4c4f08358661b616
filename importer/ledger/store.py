"""The local ledger: one SQLite file recording runs and every lead sent, so each lead reaches the CRM once.

A batch's leads are *claimed* (written ``in-flight`` and committed) before they are sent, and their
outcome is *recorded* once the CRM answers. A claim is one write transaction, so two processes on the
same ledger never both send a lead. While a run is running its process holds an exclusive ``flock`` on
``<ledger>.locks/run-<id>.lock``; the operating system releases it when the process dies, which is how
a live run's ``in-flight`` leads are told from those of a crashed run. The latter are *adopted* by a
later run, looked up in the CRM and *resolved* to ``accepted`` or ``pending``.

Every ``sqlite3`` and file-system error becomes a :class:`~importer.errors.LedgerError` here, and every
method that writes has committed (or rolled back) before it returns. Opening the file and explaining its
errors live in :mod:`importer.ledger.opening`, the tables and their upgrades in :mod:`importer.ledger.schema`,
and a run's record in :mod:`importer.ledger.runs`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, Self, TypeVar

from importer.crm.dup_budget import DuplicateMemory
from importer.errors import LedgerError
from importer.ledger import crm_memory, matching, schema, unanswered
from importer.ledger.batch_log import Batch, BatchLog, Match
from importer.ledger.matching import ClaimResult, Known, LeadKey, PayloadHashes
from importer.ledger.opening import connect, default_ledger_path, errors, existing_size, wait_until_written
from importer.ledger.run_locks import RunLocks
from importer.ledger.runs import LEAD_COLUMNS, RUN_COLUMNS, RunRecord, batch_lead, run_record
from importer.ledger.schema import SCHEMA_VERSION
from importer.ledger.unanswered import LeftOut

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "ClaimResult",
    "Known",
    "LeadKey",
    "Ledger",
    "default_ledger_path",  # re-exported: it lives in importer.ledger.opening
]

DEFAULT_BUSY_TIMEOUT = 30.0

_IN_RUN = "scope_id = ? AND reference_id = ? AND run_id = ?"
_P = ParamSpec("_P")
_T = TypeVar("_T")


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
        size = existing_size(self.path, create=(create or new) and not read_only)
        self._existed = size is not None
        if size == 0 and not new and not read_only:
            wait_until_written(self.path, busy_timeout)
        with self._errors("open"):
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._locks.folder.mkdir(exist_ok=True)
                if size is None:
                    self.created = schema.create_atomically(self.path)
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
        """Seal the run's batches that have every outcome (:meth:`end_run` seals or folds the rest).

        May be called while the run still claims and sends: a sealed batch is never written again, and its
        leads are found through the key index. A long run that does so every so often keeps a few batches in
        memory instead of every lead it sent.
        """
        with self._transaction("seal batches in") as conn:
            self._log.close(conn, self._log.settled_of_run(run_id))

    def runs(self, limit: int = 50) -> list[RunRecord]:
        """The latest ``limit`` runs, newest first."""
        rows = self._select(f"SELECT {RUN_COLUMNS} FROM runs ORDER BY run_id DESC LIMIT ?", (limit,))
        return [run_record(row) for row in rows]

    def run(self, run_id: int) -> RunRecord | None:
        """The run ``run_id``, or None when the ledger has no such run."""
        rows = self._select(f"SELECT {RUN_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
        return run_record(rows[0]) if rows else None

    def leads_of_run(self, run_id: int) -> list[dict[str, object]]:
        """Every lead whose latest claim is the run's (or that the run adopted), in sheet order."""
        sql = f"SELECT {LEAD_COLUMNS}, l.batch_id FROM leads AS l JOIN scopes AS s USING (scope_id) WHERE l.run_id = ?"
        names = [column.split(".")[1] for column in LEAD_COLUMNS.split(", ")] + ["batch_id"]
        with self._transaction("read") as conn:
            self._fold_dead(conn)
            if self.run(run_id) is None:
                return []
            leads = [dict(zip(names, row, strict=True)) for row in conn.execute(sql, (run_id,))]
            scopes = {s: (p, q) for s, p, q in conn.execute("SELECT scope_id, project_id, process_id FROM scopes")}
            for batch in self._log.of_run(conn, run_id):
                leads += [batch_lead(batch, batch.entry(pos), scopes[batch.scope]) for pos in range(batch.size)]
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
        return self._read(crm_memory.called, project_id, phones)

    def note_called_phones(self, run_id: int, project_id: str, refused: Sequence[tuple[str, str]]) -> None:
        """Keep phones the CRM refused as already called, (phone, message): they are never sent again."""
        if refused:
            with self._transaction("record refused phones in") as conn:
                crm_memory.note_called(conn, project_id, run_id, refused, _now())

    def unanswered(self, project_id: str, process_id: str, reference_ids: Sequence[str]) -> dict[str, LeftOut]:
        """The runs whose CRM answers left out each of these leads (neither stored nor refused); nothing is written."""
        return self._read(unanswered.read, (project_id, process_id), reference_ids) if reference_ids else {}

    def note_unanswered(
        self, run_id: int, project_id: str, process_id: str, reference_ids: Sequence[str]
    ) -> dict[str, LeftOut]:
        """Count the run (once) among those that left out each of these leads; return each one's runs."""
        if not reference_ids:
            return {}
        with self._transaction("record leads the CRM left unanswered in") as conn:
            return unanswered.note(conn, (project_id, process_id), reference_ids, run_id, _now())

    def duplicate_memory(self, project_id: str) -> DuplicateMemory:
        """What the duplicate guard learned about the project in earlier runs."""
        return self._read(crm_memory.guard_memory, project_id)

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
        version = self._read(schema.schema_version, self.path)
        if version is None:
            raise LedgerError(f"the ledger {self.path} has no tables yet; nothing was recorded in it.")
        if version != SCHEMA_VERSION:
            raise LedgerError(
                f"the ledger {self.path} was written by an older leadimport (schema version {version}); "
                "`leadimport run` upgrades it."
            )

    def _connect(self) -> sqlite3.Connection:
        """A connection to the ledger file, set up as every connection of the ledger is."""
        return connect(self.path, self.busy_timeout, read_only=self.read_only)

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
        return self._read(lambda conn: list(conn.execute(sql, params).fetchall()))

    def _read(self, read: Callable[Concatenate[sqlite3.Connection, _P], _T], *args: _P.args, **kw: _P.kwargs) -> _T:
        """``read(connection, *args)`` under the mutex and outside any transaction: a look that writes nothing."""
        with self._mutex, self._errors("read"):
            return read(self._conn, *args, **kw)

    def _prepare_schema(self) -> None:
        """Create the tables of a new ledger, upgrade an older one's; refuse one written by a newer leadimport."""
        version = self._read(schema.schema_version, self.path)
        if version is None and self._existed and not self._new:
            version = self._wait_for_schema()
        if version == SCHEMA_VERSION:
            self._check_key_hash()
            return
        with self._transaction("create the tables of") as conn:
            if schema.create_or_upgrade(conn, self.path):
                self.created = True

    def _check_key_hash(self) -> None:
        """Re-index a ledger whose key index was written with another hash function (another pandas, say):
        its batches are unsealed, and sealed again by the next run, as an interrupted run's are."""
        if self._read(schema.key_hash_is_current):
            return
        with self._transaction("re-index") as conn:
            if not schema.key_hash_is_current(conn):
                schema.reindex(conn)

    def _wait_for_schema(self) -> int:
        """The schema version of a file that existed with no tables, once another process has created them."""
        return schema.wait_for_tables(functools.partial(self._read, schema.schema_version, self.path), self.path)

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
                with contextlib.suppress(sqlite3.Error):
                    self._log.undo(conn)
                self._scopes.clear()  # may hold a scope created by the rolled-back transaction
                self._run_scopes.clear()
                raise

    def _errors(self, action: str) -> contextlib.AbstractContextManager[None]:
        """Turn sqlite3 and file-system errors into a LedgerError that says what to do."""
        return errors(self.path, action, self.busy_timeout)


def _columns(leads: Sequence[LeadKey]) -> list[list[Any]]:
    """The leads' referenceIds, phones, emails, sheet rows and payload hashes, a list each."""
    if not leads:
        return [[] for _ in LeadKey._fields]
    return [list(column) for column in zip(*leads, strict=True)]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")
