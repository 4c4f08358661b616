"""The ledger's batch log: a claimed batch is one row of ``batches`` until it is folded into ``leads``.

Writing a claim as one row (its leads as a JSON array) costs one insert however many leads the
batch holds; writing each lead into the indexed ``leads`` table costs an index update per lead and
key, and rewriting most index pages at every commit. So a run appends one row per claim, rewrites
that row when the CRM answers, and *folds* its batches into ``leads`` in one transaction when it
ends; the next run folds what an interrupted one left.

Until a batch is folded, the leads in it are found through an in-memory index of every unfolded batch
this process has read (its own, and other runs' read at each claim, under the write lock), so a
claim sees every lead claimed before it whether folded or not.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

# One lead of a batch, as stored in ``batches.leads``: a JSON array of such arrays.
REF, PHONE, EMAIL, SHEET_ROW, PAYLOAD_HASH, STATE, LEAD_ID, MESSAGE = range(8)

Entry = list[Any]
"""[reference_id, phone, email, sheet_row, payload_hash, state, lead_id, message]."""

Match = tuple[Any, ...]
"""(pos, kind, reference_id, state, lead_id, run_id, message, payload_hash, batch_id, phone); kind 0/1/2 =
referenceId/phone/email; batch_id: of the claim that wrote it (0 for leads of schema version 1)."""

BATCHES_TABLE = """CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, scope_id INTEGER NOT NULL,
    leads TEXT NOT NULL, updated_at TEXT NOT NULL, sent_at TEXT)"""
"""``sent_at``: when the batch's first request was about to leave; NULL while it waits (for a rate-limit
slot, say). A batch of a dead run that was never sent cannot be in the CRM: its leads are pending, not
in flight, so nobody looks them up or waits for them."""

# A lead claimed by two runs (rejected, then sent again with new data) ends with the later claim's state,
# whichever of the two runs ends (and folds) first.

_LEAD_FIELDS = (
    "scope_id, reference_id, phone, email, state, lead_id, run_id, first_run_id, sheet_row, payload_hash, message,"
    " updated_at, batch_id"
)

# Folding is done in two steps: the batches' leads are read out of their JSON into a temporary table
# (reading needs no write lock, and is most of the work), then upserted into ``leads``. A lead claimed
# again by a later batch keeps the later claim's state, whichever batch is folded first.
STAGED_TABLE = f"CREATE TEMP TABLE IF NOT EXISTS staged ({_LEAD_FIELDS})"

_STAGE = f"""
INSERT INTO temp.staged ({_LEAD_FIELDS})
SELECT b.scope_id, j.value ->> 0, j.value ->> 1, j.value ->> 2,
       CASE WHEN j.value ->> 5 = 'in-flight' AND b.sent_at IS NULL THEN 'pending' ELSE j.value ->> 5 END,
       j.value ->> 6, b.run_id, b.run_id, j.value ->> 3, j.value ->> 4, j.value ->> 7,
       max(b.updated_at, coalesce(b.sent_at, '')), b.batch_id
  FROM batches AS b, json_each(b.leads) AS j
 WHERE b.batch_id IN (SELECT value FROM json_each(?1))"""

_UPSERT_STAGED = f"""
INSERT INTO leads ({_LEAD_FIELDS}) SELECT {_LEAD_FIELDS} FROM temp.staged WHERE true
ON CONFLICT (scope_id, reference_id) DO UPDATE SET
    phone = excluded.phone, email = excluded.email, state = excluded.state, lead_id = excluded.lead_id,
    run_id = excluded.run_id, sheet_row = excluded.sheet_row, payload_hash = excluded.payload_hash,
    message = excluded.message, updated_at = excluded.updated_at, batch_id = excluded.batch_id
 WHERE excluded.batch_id > leads.batch_id"""


@dataclass(slots=True)
class Batch:
    """An unfolded batch: its run, scope and leads (current states), field by field.

    Kept as one list per field, not as a list per lead: a batch is built, settled, written and
    searched a column at a time, at C speed.
    """

    batch_id: int
    run_id: int
    scope: int
    columns: list[list[Any]]
    """The leads' fields in ``Entry`` order: referenceIds, phones, emails, sheet rows, payload hashes,
    states, lead _ids, messages."""
    updated_at: str = ""
    _positions: list[dict[str, int] | None] = field(default_factory=lambda: [None, None, None])

    @classmethod
    def claimed(cls, batch_id: int, run_id: int, scope: int, keys: list[list[Any]], now: str) -> Batch:
        """A batch just claimed: ``keys`` are its referenceIds, phones, emails, sheet rows and payload hashes."""
        size = len(keys[REF])
        return cls(batch_id, run_id, scope, [*keys, ["in-flight"] * size, [None] * size, [None] * size], now)

    @classmethod
    def parse(cls, batch_id: int, run_id: int, scope: int, text: str, updated_at: str = "") -> Batch:
        """A batch as ``batches.leads`` stores it."""
        entries = json.loads(text)
        columns = [list(column) for column in zip(*entries, strict=True)] if entries else [[] for _ in range(8)]
        return cls(batch_id, run_id, scope, columns, updated_at)

    def dumps(self) -> str:
        """The batch's leads as ``batches.leads`` stores them."""
        return json.dumps(list(zip(*self.columns, strict=True)), separators=(",", ":"))

    @property
    def size(self) -> int:
        return len(self.columns[REF])

    def entry(self, pos: int) -> Entry:
        return [column[pos] for column in self.columns]

    def in_flight(self) -> bool:
        """Whether any lead of the batch still waits for its outcome."""
        return "in-flight" in self.columns[STATE]

    def position(self, kind: int, value: str) -> int | None:
        """Where the lead with this referenceId (kind 0), phone (1) or email (2) is in the batch."""
        positions = self._positions[kind]
        if positions is None:
            column = self.columns[(REF, PHONE, EMAIL)[kind]]
            positions = dict(zip(column, range(len(column)), strict=True))
            positions.pop("", None)
            self._positions[kind] = positions
        return positions.get(value)

    def reload(self, text: str) -> None:
        """Take the leads' current states as another process stored them."""
        self.columns = Batch.parse(self.batch_id, self.run_id, self.scope, text).columns


@dataclass(slots=True)
class _Index:
    """A scope's unfolded batches, and every value they hold (a prefilter: it may keep folded ones)."""

    seen: int = 0
    """The highest batch_id of the scope read so far."""
    batch_ids: list[int] = field(default_factory=list)
    values: tuple[set[str], set[str], set[str]] = field(default_factory=lambda: (set(), set(), set()))
    """referenceIds, phones and emails."""


class BatchLog:
    """This process's view of the unfolded batches. Not thread-safe: the ledger calls it under its mutex."""

    def __init__(self) -> None:
        self.batches: dict[int, Batch] = {}
        self.mine: set[int] = set()
        self._indexes: dict[int, _Index] = {}
        self._owned: dict[int, dict[str, int]] = {}
        """run_id → referenceId → batch_id, for this process's own unfolded batches."""

    # -- reading -----------------------------------------------------------------------------------

    def refresh(self, conn: sqlite3.Connection, scope: int) -> None:
        """Read the scope's batches written since the last look (by other runs: this one's are known)."""
        index = self._index(scope)
        rows = conn.execute(
            "SELECT batch_id, run_id, leads FROM batches WHERE scope_id = ? AND batch_id > ? ORDER BY batch_id",
            (scope, index.seen),
        ).fetchall()
        for batch_id, run_id, leads in rows:
            if batch_id not in self.batches:
                self._register(Batch.parse(batch_id, run_id, scope, leads))

    def matches(
        self, conn: sqlite3.Connection, scope: int, keys: Sequence[tuple[str, str, str]], stored: list[Match]
    ) -> list[Match]:
        """``stored`` (matches in ``leads``) with the unfolded leads matching each key (ref, phone, email).

        Of a ``leads`` row and an unfolded lead with the same referenceId, the later claim counts.
        """
        index = self._index(scope)
        if not index.batch_ids:
            return stored
        refs, phones, emails = index.values
        columns = list(zip(*keys, strict=True)) if keys else [(), (), ()]
        if all(map(set.isdisjoint, index.values, columns)) and not any(row[2] in refs for row in stored):
            return stored
        hits = (refs.intersection(columns[0]), phones.intersection(columns[1]), emails.intersection(columns[2]))
        fresh: dict[int, Batch | None] = {}
        found = [row for row in stored if row[2] not in refs or not self._newer(conn, index, row, fresh)]
        folded_at = {row[2]: row[8] for row in stored}
        for pos, key in enumerate(keys):
            for kind in (0, 1, 2):
                if not key[kind] or key[kind] not in hits[kind]:
                    continue
                hit = self._find(conn, index, kind, key[kind], fresh)
                if hit is None or (kind and hit[1][REF] == key[0]):
                    continue  # nothing unfolded, or the same lead already matched by referenceId
                batch, entry = hit
                if folded_at.get(entry[REF], -1) > batch.batch_id:
                    continue  # claimed again since, and that claim is folded already
                found.append(
                    (
                        pos,
                        kind,
                        entry[REF],
                        entry[STATE],
                        entry[LEAD_ID],
                        batch.run_id,
                        entry[MESSAGE],
                        entry[PAYLOAD_HASH],
                        batch.batch_id,
                        entry[PHONE],
                    )
                )
        return found

    def _newer(self, conn: sqlite3.Connection, index: _Index, row: Match, fresh: dict[int, Batch | None]) -> bool:
        """Whether an unfolded batch holds the stored row's lead from a later claim than the row's."""
        hit = self._find(conn, index, 0, row[2], fresh)
        return hit is not None and hit[0].batch_id > row[8]

    def unfolded(self, conn: sqlite3.Connection, *, run_id: int | None = None) -> list[Batch]:
        """Every unfolded batch in the file (of one run), as stored now."""
        sql = "SELECT batch_id, run_id, scope_id, leads, updated_at FROM batches"
        rows = conn.execute(sql + " WHERE run_id = ?", (run_id,)) if run_id is not None else conn.execute(sql)
        return [Batch.parse(b, r, s, leads, at) for b, r, s, leads, at in rows.fetchall()]

    # -- writing -----------------------------------------------------------------------------------

    def write(self, conn: sqlite3.Connection, run_id: int, scope: int, keys: list[list[Any]], now: str) -> Batch:
        """Write a claimed batch (its leads ``in-flight``); :meth:`add` it once the claim is committed.

        ``keys``: the leads' referenceIds, phones, emails, sheet rows and payload hashes.
        """
        batch = Batch.claimed(0, run_id, scope, keys, now)
        cursor = conn.execute(
            "INSERT INTO batches (run_id, scope_id, leads, updated_at) VALUES (?, ?, ?, ?)",
            (run_id, scope, batch.dumps(), now),
        )
        batch.batch_id = int(cursor.lastrowid or 0)
        return batch

    def add(self, batch: Batch) -> None:
        """Index a batch this process has written (and committed)."""
        self._register(batch)
        self.mine.add(batch.batch_id)
        self._owned.setdefault(batch.run_id, {}).update(dict.fromkeys(batch.columns[REF], batch.batch_id))

    def settle(
        self,
        conn: sqlite3.Connection,
        run_id: int,
        outcomes: Iterable[tuple[str, str, str | None, str | None]],
        now: str,
        *,
        only_in_flight: bool,
    ) -> tuple[list[tuple[str, str, str | None, str | None]], list[int]]:
        """Set outcomes of the run's leads in its unfolded batches.

        Returns the outcomes of leads in none of them (folded already), and the batches now settled
        (no lead of theirs in flight any more).
        """
        owned = self._owned.get(run_id, {})
        elsewhere: list[tuple[str, str, str | None, str | None]] = []
        by_batch: dict[int, list[tuple[str, str, str | None, str | None]]] = {}
        for outcome in outcomes:
            batch_id = owned.get(outcome[0])
            if batch_id is None:
                elsewhere.append(outcome)
            else:
                by_batch.setdefault(batch_id, []).append(outcome)
        for batch_id, settled in by_batch.items():
            batch = self.batches[batch_id]
            states, lead_ids, messages = batch.columns[STATE], batch.columns[LEAD_ID], batch.columns[MESSAGE]
            for ref, state, lead_id, message in settled:
                pos: int = batch.position(0, ref)  # type: ignore[assignment]
                if not only_in_flight or states[pos] == "in-flight":
                    states[pos], lead_ids[pos], messages[pos] = state, lead_id, message
        conn.executemany(
            "UPDATE batches SET leads = ?, updated_at = ? WHERE batch_id = ?",
            [(self.batches[b].dumps(), now, b) for b in sorted(by_batch)],
        )
        done = [b for b in sorted(by_batch) if not self.batches[b].in_flight()]
        return elsewhere, done

    def fold(self, conn: sqlite3.Connection, batch_ids: Sequence[int]) -> None:
        """Move batches into ``leads`` and drop them from the log (in the caller's write transaction)."""
        if batch_ids:
            stage(conn, batch_ids)
            self.fold_staged(conn, batch_ids)

    def fold_staged(self, conn: sqlite3.Connection, batch_ids: Sequence[int]) -> None:
        """Upsert the leads :func:`stage` read from ``batch_ids`` on ``conn``, and drop the batches."""
        conn.execute(_UPSERT_STAGED)
        conn.execute("DELETE FROM temp.staged")
        conn.execute("DELETE FROM batches WHERE batch_id IN (SELECT value FROM json_each(?))", (json.dumps(batch_ids),))
        for batch_id in batch_ids:
            self._forget(batch_id)

    # -- internals ---------------------------------------------------------------------------------

    def _index(self, scope: int) -> _Index:
        index = self._indexes.get(scope)
        if index is None:
            index = self._indexes[scope] = _Index()
        return index

    def _register(self, batch: Batch) -> None:
        self.batches[batch.batch_id] = batch
        index = self._index(batch.scope)
        index.seen = max(index.seen, batch.batch_id)
        index.batch_ids.append(batch.batch_id)
        for values, column in zip(index.values, batch.columns[:3], strict=False):
            values.update(column)
            values.discard("")  # no phone or email matches nothing

    def _forget(self, batch_id: int) -> None:
        batch = self.batches.pop(batch_id, None)
        if batch is None:
            return
        self._index(batch.scope).batch_ids.remove(batch_id)
        if batch_id in self.mine:
            self.mine.discard(batch_id)
            owned = self._owned.get(batch.run_id, {})
            for ref in batch.columns[REF]:
                owned.pop(ref, None)

    def _find(
        self, conn: sqlite3.Connection, index: _Index, kind: int, value: str, fresh: dict[int, Batch | None]
    ) -> tuple[Batch, Entry] | None:
        """The newest unfolded lead with this referenceId, phone or email (kind 0, 1, 2)."""
        for batch_id in reversed(index.batch_ids[:]):
            batch = self._current(conn, batch_id, fresh)
            pos = None if batch is None else batch.position(kind, value)
            if batch is not None and pos is not None:
                return batch, batch.entry(pos)
        return None

    def _current(self, conn: sqlite3.Connection, batch_id: int, fresh: dict[int, Batch | None]) -> Batch | None:
        """The batch as stored now: this process's own from memory, another run's read again once per claim."""
        if batch_id in self.mine:
            return self.batches[batch_id]
        if batch_id not in fresh:
            row = conn.execute("SELECT leads FROM batches WHERE batch_id = ?", (batch_id,)).fetchone()
            if row is None:  # folded by its run since: ``leads`` holds it now
                self._forget(batch_id)
                fresh[batch_id] = None
            else:
                batch = self.batches[batch_id]
                batch.reload(row[0])
                fresh[batch_id] = batch
        return fresh[batch_id]


def stage(conn: sqlite3.Connection, batch_ids: Sequence[int]) -> None:
    """Read the leads of ``batch_ids`` into the connection's ``temp.staged`` (no write lock on the ledger)."""
    conn.execute(STAGED_TABLE)
    conn.execute("DELETE FROM temp.staged")
    conn.execute(_STAGE, (json.dumps(sorted(batch_ids)),))
