"""The ledger's batch log: a claimed batch is one row of ``batches``, for good.

Writing a claim as one row (its leads' keys as JSON arrays, one per field) costs one insert however
many leads the batch holds; writing each lead into an indexed table costs an index update per lead and key. So a
run appends one row per claim and writes the leads' outcomes into it when the CRM answers. When the run ends its
batches are *sealed*: their keys go into a segment of the key index (:mod:`importer.ledger.key_index`).
The next run seals what an interrupted one left, except batches with leads still in flight: those
are *folded* into the ``leads`` table, where they are adopted and resolved.

Until a batch is sealed, the leads in it are found through an in-memory index of every open batch
this process has read (its own, and other runs' read at each claim, under the write lock), so a
claim sees every lead claimed before it whether sealed or not.
"""

from __future__ import annotations

import json
import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from importer.ledger import json_text
from importer.ledger.key_index import KINDS, KeyIndex, Segment

PayloadHashes = Callable[[Sequence[int]], Mapping[int, str]]
"""The payload hashes of leads, by sheet row. A run may leave :attr:`LeadKey.payload_hash` empty and give
the ledger this instead: a hash is needed only for a lead the CRM rejected (to tell a fixed row from the
same one again), so the ledger works out just those."""

# The fields of a batch's leads: ``batch_keys.leads`` holds the first five (written by the claim),
# ``batch_outcomes.outcomes`` the last three, as JSON arrays of one array per field.
REF, PHONE, EMAIL, SHEET_ROW, PAYLOAD_HASH, STATE, LEAD_ID, MESSAGE = range(8)
KEY_FIELDS = 5

SEALED_CACHE = 400
"""Sealed batches kept parsed in memory (about 100 kB each)."""

Hit = tuple[int, int, int, int]
"""(position in the claim, kind, batch_id, position in the batch): a key index hit."""

Entry = list[Any]
"""[reference_id, phone, email, sheet_row, payload_hash, state, lead_id, message]."""

Match = tuple[Any, ...]
"""(pos, kind, reference_id, state, lead_id, run_id, message, payload_hash, batch_id, phone); kind 0/1/2 =
referenceId/phone/email; batch_id: of the claim that wrote it (0 for leads of schema version 1)."""

BATCHES_TABLE = """CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, scope_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL, sent_at TEXT, sealed INTEGER NOT NULL DEFAULT 0)"""
"""A batch's small, often written fields; its leads' keys and outcomes (about 100 kB for 1,000 leads) are
rows of their own, each written once (SQLite rewrites a whole row to change one field of it).
``sent_at``: when the batch's first request was about to leave; NULL while it waits (for a rate-limit
slot, say). A batch of a dead run that was never sent cannot be in the CRM: its leads are pending, not
in flight, so nobody looks them up or waits for them. ``sealed``: 1 once the batch is settled, its run
over and its keys in a segment (:mod:`importer.ledger.key_index`); it is never written again."""

BATCH_DATA = (
    "CREATE TABLE batch_keys (batch_id INTEGER PRIMARY KEY, leads TEXT NOT NULL)",
    "CREATE TABLE batch_outcomes (batch_id INTEGER PRIMARY KEY, outcomes TEXT NOT NULL)",
    """CREATE VIEW batch_rows AS
    SELECT b.batch_id, b.run_id, b.scope_id, k.leads, o.outcomes, b.updated_at, b.sent_at, b.sealed
      FROM batches AS b JOIN batch_keys AS k USING (batch_id) LEFT JOIN batch_outcomes AS o USING (batch_id)""",
)
"""``batch_keys.leads``: the claim's referenceIds, phones, emails, sheet rows and payload hashes;
``batch_outcomes.outcomes`` (none until the CRM answers: every lead in flight): states, lead _ids and
messages. Both JSON arrays of one array per field."""

BATCHES_TABLE_V2 = """CREATE TABLE batches (
    batch_id INTEGER PRIMARY KEY AUTOINCREMENT, run_id INTEGER NOT NULL, scope_id INTEGER NOT NULL,
    leads TEXT NOT NULL, updated_at TEXT NOT NULL)"""
"""The batch log as version 2 made it (without ``sent_at``, which version 3 added)."""

BATCH_INDEXES = (
    "CREATE INDEX batches_open ON batches (scope_id, batch_id) WHERE sealed = 0",
    "CREATE INDEX batches_run ON batches (run_id)",
)

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
SELECT scope_id, reference_id, phone, email,
       CASE WHEN state = 'in-flight' AND sent_at IS NULL THEN 'pending' ELSE state END,
       lead_id, run_id, run_id, sheet_row, payload_hash, message, max(updated_at, coalesce(sent_at, '')), batch_id
  FROM (SELECT b.scope_id, j.value AS reference_id, b.leads -> 1 ->> j.key AS phone, b.leads -> 2 ->> j.key AS email,
               coalesce(b.outcomes -> 0 ->> j.key, 'in-flight') AS state, b.outcomes -> 1 ->> j.key AS lead_id,
               b.run_id, b.leads -> 3 ->> j.key AS sheet_row, b.leads -> 4 ->> j.key AS payload_hash,
               b.outcomes -> 2 ->> j.key AS message, b.updated_at, b.sent_at, b.batch_id
          FROM batch_rows AS b, json_each(b.leads, '$[0]') AS j
         WHERE b.batch_id IN (SELECT value FROM json_each(?1)))"""

# Version 3 kept each lead of a batch as one array of all eight fields, in ``batches.leads``.
UNPACK_V3 = (
    *BATCH_DATA,
    """INSERT INTO batch_keys SELECT batch_id, json_array(
        (SELECT json_group_array(value -> 0) FROM json_each(leads)),
        (SELECT json_group_array(value -> 1) FROM json_each(leads)),
        (SELECT json_group_array(value -> 2) FROM json_each(leads)),
        (SELECT json_group_array(value -> 3) FROM json_each(leads)),
        (SELECT json_group_array(value -> 4) FROM json_each(leads))) FROM batches""",
    """INSERT INTO batch_outcomes SELECT batch_id, json_array(
        (SELECT json_group_array(value -> 5) FROM json_each(leads)),
        (SELECT json_group_array(value -> 6) FROM json_each(leads)),
        (SELECT json_group_array(value -> 7) FROM json_each(leads))) FROM batches""",
    "ALTER TABLE batches DROP COLUMN leads",
)

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
    _index: Segment | None = None

    def key_index(self) -> Segment:
        """The batch's keys hashed and sorted, ready to be merged into a segment when it is sealed."""
        if self._index is None:
            self._index = Segment.build([(self.batch_id, self.columns[:KINDS])])
        return self._index

    @classmethod
    def claimed(cls, batch_id: int, run_id: int, scope: int, keys: list[list[Any]], now: str) -> Batch:
        """A batch just claimed: ``keys`` are its referenceIds, phones, emails, sheet rows and payload hashes."""
        size = len(keys[REF])
        return cls(batch_id, run_id, scope, [*keys, ["in-flight"] * size, [None] * size, [None] * size], now)

    @classmethod
    def parse(
        cls, batch_id: int, run_id: int, scope: int, keys: str, outcomes: str | None, updated_at: str = ""
    ) -> Batch:
        """A batch as ``batches.leads`` and ``batches.outcomes`` store it."""
        columns: list[list[Any]] = json.loads(keys)
        size = len(columns[REF])
        columns += json.loads(outcomes) if outcomes else [["in-flight"] * size, [None] * size, [None] * size]
        return cls(batch_id, run_id, scope, columns, updated_at)

    def hash_rejected(self, hashes: PayloadHashes) -> bool:
        """Work out the payload hash of each rejected lead that has none; whether there was any."""
        states, rows, digests = self.columns[STATE], self.columns[SHEET_ROW], self.columns[PAYLOAD_HASH]
        need = [pos for pos, state in enumerate(states) if state == "rejected" and not digests[pos]]
        if not need:
            return False
        found = hashes([rows[pos] for pos in need])
        for pos in need:
            digests[pos] = found.get(rows[pos], "")
        return True

    def keys_json(self) -> str:
        """The leads' keys as ``batches.leads`` stores them."""
        return json_text.dumps(self.columns[:KEY_FIELDS])

    def outcomes_json(self) -> str:
        """The leads' states, lead _ids and messages as ``batches.outcomes`` stores them."""
        return json_text.dumps(self.columns[KEY_FIELDS:])

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

    def reload(self, outcomes: str | None) -> None:
        """Take the leads' current states as another process stored them."""
        if outcomes:
            self.columns[KEY_FIELDS:] = json.loads(outcomes)


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
        self._runs: dict[int, list[int]] = {}
        """run_id → this process's open batches of the run, in claim order."""
        self.keys = KeyIndex()
        self._sealed: OrderedDict[int, Batch] = OrderedDict()

    # -- reading -----------------------------------------------------------------------------------

    def refresh(self, conn: sqlite3.Connection, scope: int) -> None:
        """Read the scope's batches written since the last look (by other runs: this one's are known)."""
        index = self._index(scope)
        rows = conn.execute(
            "SELECT batch_id, run_id, leads, outcomes FROM batch_rows WHERE scope_id = ? AND batch_id > ? AND sealed = 0"
            " ORDER BY batch_id",
            (scope, index.seen),
        ).fetchall()
        for batch_id, run_id, keys, outcomes in rows:
            if batch_id not in self.batches:
                self._register(Batch.parse(batch_id, run_id, scope, keys, outcomes))

    def matches(
        self, conn: sqlite3.Connection, scope: int, columns: Sequence[Sequence[str]], stored: list[Match]
    ) -> list[Match]:
        """``stored`` (stored matches) with the open batches' leads matching each lead by position
        (``columns``: the leads' referenceIds, phones and emails).

        Of a ``leads`` row and an unfolded lead with the same referenceId, the later claim counts.
        """
        index = self._index(scope)
        if not index.batch_ids:
            return stored
        refs, phones, emails = index.values
        if all(map(set.isdisjoint, index.values, columns)) and not any(row[2] in refs for row in stored):
            return stored
        hits = (refs.intersection(columns[0]), phones.intersection(columns[1]), emails.intersection(columns[2]))
        fresh: dict[int, Batch | None] = {}
        found = [row for row in stored if row[2] not in refs or not self._newer(conn, index, row, fresh)]
        folded_at = {row[2]: row[8] for row in stored}
        for pos, key in enumerate(zip(*columns, strict=True)):
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

    def newest_open(self, conn: sqlite3.Connection, scope: int, reference_ids: Sequence[str]) -> dict[str, int]:
        """The latest open batch holding each of the referenceIds that one holds."""
        self.refresh(conn, scope)
        index = self._index(scope)
        fresh: dict[int, Batch | None] = {}
        newest: dict[str, int] = {}
        for ref in reference_ids:
            hit = self._find(conn, index, 0, ref, fresh) if ref in index.values[0] else None
            if hit is not None:
                newest[ref] = hit[0].batch_id
        return newest

    def of_run(self, conn: sqlite3.Connection, run_id: int) -> list[Batch]:
        """Every batch of the run in the file, open or sealed, as stored now."""
        sql = "SELECT batch_id, run_id, scope_id, leads, outcomes, updated_at FROM batch_rows WHERE run_id = ?"
        return [Batch.parse(*row) for row in conn.execute(sql, (run_id,)).fetchall()]

    # -- writing -----------------------------------------------------------------------------------

    def write(self, conn: sqlite3.Connection, run_id: int, scope: int, keys: list[list[Any]], now: str) -> Batch:
        """Write a claimed batch (its leads ``in-flight``); :meth:`add` it once the claim is committed.

        ``keys``: the leads' referenceIds, phones, emails, sheet rows and payload hashes.
        """
        batch = Batch.claimed(0, run_id, scope, keys, now)
        cursor = conn.execute(
            "INSERT INTO batches (run_id, scope_id, updated_at) VALUES (?, ?, ?)", (run_id, scope, now)
        )
        batch.batch_id = int(cursor.lastrowid or 0)
        conn.execute("INSERT INTO batch_keys VALUES (?, ?)", (batch.batch_id, batch.keys_json()))
        return batch

    def add(self, batch: Batch) -> None:
        """Index a batch this process has written (and committed)."""
        self._register(batch)
        self.mine.add(batch.batch_id)
        self._runs.setdefault(batch.run_id, []).append(batch.batch_id)

    def undo(self, conn: sqlite3.Connection) -> None:
        """After a write transaction failed (a full disk): this process's open batches as stored again. The
        outcomes :meth:`settle` had set in memory were rolled back on the disk; kept, they would have the batches
        sealed as settled, their leads in flight for good and never checked with the CRM."""
        for batch_id, _, _, _, outcomes in self._select_batches(conn, sorted(self.mine)):
            batch = self.batches[batch_id]
            size = batch.size
            batch.columns[KEY_FIELDS:] = (
                json.loads(outcomes) if outcomes else [["in-flight"] * size, [None] * size, [None] * size]
            )

    def settled_of_run(self, run_id: int) -> list[int]:
        """This process's open batches of the run with no lead in flight."""
        return [b for b in self._runs.get(run_id, []) if not self.batches[b].in_flight()]

    def settle(
        self,
        conn: sqlite3.Connection,
        run_id: int,
        outcomes: Iterable[tuple[str, str, str | None, str | None]],
        now: str,
        *,
        only_in_flight: bool,
        hashes: PayloadHashes | None = None,
    ) -> list[tuple[str, str, str | None, str | None]]:
        """Set outcomes of the run's leads in its open batches (a lead's latest claim); return those of
        leads in none of them (folded into ``leads`` already: an adopted lead)."""
        outcomes = list(outcomes)
        own = [self.batches[b] for b in reversed(self._runs.get(run_id, []))]
        refs = [outcome[0] for outcome in outcomes]
        whole = next((batch for batch in own if batch.columns[REF] == refs), None)
        if whole is not None and not only_in_flight:  # a batch's answer, in the batch's order
            whole.columns[STATE:] = [list(field) for field in zip(*outcomes, strict=True)][1:]
            self._write_outcomes(conn, [whole], now, hashes)
            return []
        elsewhere: list[tuple[str, str, str | None, str | None]] = []
        by_batch: dict[int, list[tuple[str, str, str | None, str | None]]] = {}
        for outcome in outcomes:
            batch_id = next((b.batch_id for b in own if b.position(0, outcome[0]) is not None), None)
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
        self._write_outcomes(conn, [self.batches[b] for b in sorted(by_batch)], now, hashes)
        return elsewhere

    @staticmethod
    def _write_outcomes(conn: sqlite3.Connection, batches: list[Batch], now: str, hashes: PayloadHashes | None) -> None:
        """Store the batches' outcomes, with the payload hash of each rejected lead claimed without one."""
        for batch in batches:
            if hashes is not None and "rejected" in batch.columns[STATE] and batch.hash_rejected(hashes):
                conn.execute("UPDATE batch_keys SET leads = ? WHERE batch_id = ?", (batch.keys_json(), batch.batch_id))
        conn.executemany(
            "INSERT OR REPLACE INTO batch_outcomes VALUES (?, ?)",
            [(batch.batch_id, batch.outcomes_json()) for batch in batches],
        )
        conn.executemany("UPDATE batches SET updated_at = ? WHERE batch_id = ?", [(now, b.batch_id) for b in batches])

    def close(self, conn: sqlite3.Connection, batch_ids: Sequence[int]) -> None:
        """Seal the settled ones of these open batches (of runs that are over); fold the others into ``leads``.

        In the caller's write transaction. A batch with leads in flight is folded: its leads are then
        adopted, looked up and resolved there by the next run.
        """
        rows = conn.execute(
            "SELECT batch_id FROM batches WHERE batch_id IN (SELECT value FROM json_each(?)) AND sealed = 0"
            " ORDER BY batch_id",
            (json.dumps(sorted(batch_ids)),),
        ).fetchall()
        others = {
            row[0]: Batch.parse(*row) for row in self._select_batches(conn, [b for (b,) in rows if b not in self.mine])
        }
        to_seal: dict[int, list[tuple[int, Segment]]] = {}
        to_fold: list[int] = []
        scopes: set[int] = set()
        for (batch_id,) in rows:
            batch = self.batches[batch_id] if batch_id in self.mine else others[batch_id]
            scope = batch.scope
            scopes.add(scope)
            if batch.in_flight():
                to_fold.append(batch_id)
            else:
                to_seal.setdefault(scope, []).append((batch_id, batch.key_index()))
        for scope, batches in to_seal.items():
            self.keys.seal(conn, scope, batches)
        if to_fold:
            stage(conn, to_fold)
            self.fold_staged(conn, to_fold)
        for batch_id, *_ in rows:
            self._forget(batch_id)
        for scope in scopes:
            self._refilter(scope)

    def sealed_matches(
        self, conn: sqlite3.Connection, scope: int, columns: Sequence[Sequence[str]], hits: Sequence[Hit]
    ) -> list[Match]:
        """The sealed leads the key index ``hits`` point at whose key really is the claimed lead's
        (``columns``: the claimed leads' referenceIds, phones, emails)."""
        self._read_sealed(conn, {hit[2] for hit in hits})
        found: list[Match] = []
        for pos, kind, batch_id, at in hits:
            batch = self._sealed[batch_id]
            if at >= batch.size or batch.columns[(REF, PHONE, EMAIL)[kind]][at] != columns[kind][pos]:
                continue  # another value with the same hash
            if kind and batch.columns[REF][at] == columns[0][pos]:
                continue  # the same lead, matched by referenceId already
            entry = batch.entry(at)
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
                    batch_id,
                    entry[PHONE],
                )
            )
        return found

    def _read_sealed(self, conn: sqlite3.Connection, batch_ids: set[int]) -> None:
        """Have these sealed batches in memory (they never change; the cache keeps the last few hundred)."""
        missing = sorted(batch_ids - self._sealed.keys())
        for row in self._select_batches(conn, missing):
            self._sealed[row[0]] = Batch.parse(*row)
        for batch_id in batch_ids:
            self._sealed.move_to_end(batch_id)
        while len(self._sealed) > SEALED_CACHE:
            self._sealed.popitem(last=False)

    def fold_staged(self, conn: sqlite3.Connection, batch_ids: Sequence[int]) -> None:
        """Upsert the leads :func:`stage` read from ``batch_ids`` on ``conn``, and drop the batches."""
        conn.execute(_UPSERT_STAGED)
        conn.execute("DELETE FROM temp.staged")
        for table in ("batches", "batch_keys", "batch_outcomes"):
            conn.execute(
                f"DELETE FROM {table} WHERE batch_id IN (SELECT value FROM json_each(?))", (json.dumps(batch_ids),)
            )
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

    def _refilter(self, scope: int) -> None:
        """The scope's prefilter made of the batches still open here: those sealed or folded are found in the
        key index or ``leads`` from now on, and a run that seals as it goes then holds only a few batches'
        values, not those of every lead it sent."""
        index = self._index(scope)
        values: tuple[set[str], set[str], set[str]] = (set(), set(), set())
        for batch_id in index.batch_ids:
            for found, column in zip(values, self.batches[batch_id].columns[:KINDS], strict=True):
                found.update(column)
        for found in values:
            found.discard("")
        index.values = values

    def _forget(self, batch_id: int) -> None:
        batch = self.batches.pop(batch_id, None)
        if batch is None:
            return
        self._index(batch.scope).batch_ids.remove(batch_id)
        if batch_id in self.mine:
            self.mine.discard(batch_id)
            self._runs[batch.run_id].remove(batch_id)

    @staticmethod
    def _select_batches(conn: sqlite3.Connection, batch_ids: list[int]) -> list[tuple[Any, ...]]:
        """(batch_id, run_id, scope_id, leads, outcomes) of each of the batches."""
        if not batch_ids:
            return []
        sql = "SELECT batch_id, run_id, scope_id, leads, outcomes FROM batch_rows WHERE batch_id IN (SELECT value FROM json_each(?))"
        return conn.execute(sql, (json.dumps(batch_ids),)).fetchall()

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
            row = conn.execute("SELECT outcomes FROM batch_rows WHERE batch_id = ?", (batch_id,)).fetchone()
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
