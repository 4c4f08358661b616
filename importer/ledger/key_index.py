"""The ledger's key index: where the referenceIds, phones and emails of sealed batches are.

When a run ends its batches are *sealed*: they stay in ``batches`` as they are, and one *segment*
records, for each kind of key, the 64-bit hashes of the batches' values (sorted) and where each lead
is (batch and position). Writing a segment costs a sort in numpy, where an SQLite index costs a
B-tree update per lead and key (seconds for a few hundred thousand leads); finding a claim's keys
costs a binary search per segment. Segments of similar size are merged, so a scope has a few.

A hash only says where to look: every hit is checked against the lead stored in the batch. The hash
function (pandas' SipHash with its fixed key) is recorded in the ledger; should it ever differ, the
ledger unseals every batch and seals them again (:func:`hash_scheme`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import NDArray

KINDS = 3
"""referenceId, phone, email (the kind numbers of ``Match``)."""

POSITION_BITS = 16
"""A lead's place: ``batch_id << POSITION_BITS | position`` (a batch holds at most 1,000 leads)."""

MAX_SEGMENTS = 12
"""More segments than this in a scope are merged into one."""

SEGMENTS_TABLE = """CREATE TABLE segments (
    segment_id INTEGER PRIMARY KEY AUTOINCREMENT, scope_id INTEGER NOT NULL, size INTEGER NOT NULL,
    ref_hashes BLOB NOT NULL, ref_places BLOB NOT NULL, phone_hashes BLOB NOT NULL, phone_places BLOB NOT NULL,
    email_hashes BLOB NOT NULL, email_places BLOB NOT NULL)"""

_BLOBS = "ref_hashes, ref_places, phone_hashes, phone_places, email_hashes, email_places"

Hashes = NDArray[np.uint64]
Places = NDArray[np.int64]


def hash_keys(values: Sequence[str] | NDArray[np.object_]) -> Hashes:
    """The 64-bit hash of each value (the same in every process and on every machine)."""
    if not len(values):
        return np.empty(0, dtype=np.uint64)
    array = values if isinstance(values, np.ndarray) else np.array(values, dtype=object)
    return np.asarray(pd.util.hash_array(array, categorize=False), dtype=np.uint64)


def hash_scheme() -> str:
    """Names the hash function by what it makes of a fixed text: a ledger indexed with another is re-indexed."""
    return f"siphash:{int(hash_keys(['leadimport key index'])[0]):016x}"


@dataclass(slots=True)
class Segment:
    """Sorted key hashes and lead places, one pair of arrays per kind of key."""

    size: int
    """Leads indexed."""
    hashes: list[Hashes]
    places: list[Places]
    segment_id: int = 0

    @classmethod
    def build(cls, batches: Sequence[tuple[int, Sequence[Sequence[str]]]]) -> Segment:
        """Index batches given as (batch_id, [referenceIds, phones, emails]); "" (no phone or email) is left out."""
        parts: list[tuple[list[Hashes], list[Places]]] = []
        for kind in range(KINDS):
            values: list[str] = []
            places: list[Places] = []
            for batch_id, columns in batches:
                values += columns[kind]
                places.append((batch_id << POSITION_BITS) + np.arange(len(columns[kind]), dtype=np.int64))
            array = np.array(values, dtype=object)
            where = np.concatenate(places) if places else np.empty(0, dtype=np.int64)
            if kind:
                given = array != ""
                array, where = array[given], where[given]
            parts.append(([hash_keys(array)], [where]))
        return cls._sorted(sum(len(columns[0]) for _, columns in batches), parts)

    @classmethod
    def merge(cls, segments: Sequence[Segment]) -> Segment:
        """One segment indexing what all of ``segments`` index."""
        parts = [([s.hashes[kind] for s in segments], [s.places[kind] for s in segments]) for kind in range(KINDS)]
        return cls._sorted(sum(s.size for s in segments), parts)

    @classmethod
    def _sorted(cls, size: int, parts: Sequence[tuple[list[Hashes], list[Places]]]) -> Segment:
        hashes: list[Hashes] = []
        places: list[Places] = []
        for kind_hashes, kind_places in parts:
            joined = np.concatenate(kind_hashes) if kind_hashes else np.empty(0, dtype=np.uint64)
            order = np.argsort(joined, kind="stable")  # merging sorted segments: a few times faster
            hashes.append(joined[order])
            places.append((np.concatenate(kind_places) if kind_places else np.empty(0, dtype=np.int64))[order])
        return cls(size, hashes, places)

    @classmethod
    def from_row(cls, segment_id: int, size: int, blobs: Sequence[bytes]) -> Segment:
        hashes = [np.frombuffer(blobs[2 * kind], dtype=np.uint64) for kind in range(KINDS)]
        places = [np.frombuffer(blobs[2 * kind + 1], dtype=np.int64) for kind in range(KINDS)]
        return cls(size, hashes, places, segment_id)

    def blobs(self) -> list[memoryview]:
        """The arrays as SQLite stores them, without a copy (a segment of a million leads is 48 MB)."""
        return [
            np.ascontiguousarray(array).data.cast("B")
            for kind in range(KINDS)
            for array in (self.hashes[kind], self.places[kind])
        ]

    def find(self, kind: int, query: Hashes) -> tuple[NDArray[np.intp], Places]:
        """Every place holding one of ``query``: the query positions, and the places (as many of each)."""
        column = self.hashes[kind]
        if not len(column):
            return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int64)
        # One search for all, a second only for the hits (a claim's keys are mostly new: few or none).
        found = np.searchsorted(column, query, side="left")
        hit = np.flatnonzero(column[np.minimum(found, len(column) - 1)] == query)
        if not hit.size:
            return hit, np.empty(0, dtype=np.int64)
        low = found[hit]
        repeats = np.searchsorted(column, query[hit], side="right") - low
        starts = np.repeat(low - np.cumsum(repeats) + repeats, repeats) + np.arange(int(repeats.sum()))
        return np.repeat(hit, repeats), self.places[kind][starts]


@dataclass(slots=True)
class KeyIndex:
    """This process's copy of the segments, by scope (segments never change: they are only merged away)."""

    _segments: dict[int, dict[int, Segment]] = field(default_factory=dict)

    def segments(self, conn: sqlite3.Connection, scope: int) -> list[Segment]:
        """The scope's segments as the file holds them now (new ones read, merged-away ones dropped)."""
        ids = [row[0] for row in conn.execute("SELECT segment_id FROM segments WHERE scope_id = ?", (scope,))]
        cached = self._segments.setdefault(scope, {})
        for gone in set(cached) - set(ids):
            del cached[gone]
        for segment_id in ids:
            if segment_id not in cached:
                row = conn.execute(
                    f"SELECT size, {_BLOBS} FROM segments WHERE segment_id = ?", (segment_id,)
                ).fetchone()
                cached[segment_id] = Segment.from_row(segment_id, row[0], row[1:])
        return [cached[segment_id] for segment_id in sorted(cached)]

    def find(
        self, conn: sqlite3.Connection, scope: int, columns: Sequence[Sequence[str]]
    ) -> list[tuple[int, int, int, int]]:
        """(position, kind, batch_id, position in batch) of every indexed lead whose key hash matches.

        ``columns``: referenceIds, phones, emails ("" matches nothing). Hits are to be checked.
        """
        segments = self.segments(conn, scope)
        hits: list[tuple[int, int, int, int]] = []
        if not segments:
            return hits
        mask = (1 << POSITION_BITS) - 1
        for kind, values in enumerate(columns[:KINDS]):
            positions = [pos for pos, value in enumerate(values) if value]
            if not positions:
                continue
            query = hash_keys([values[pos] for pos in positions])
            for segment in segments:
                found, places = segment.find(kind, query)
                hits += [
                    (positions[i], kind, place >> POSITION_BITS, place & mask)
                    for i, place in zip(found.tolist(), places.tolist(), strict=True)
                ]
        return hits

    def newest(self, conn: sqlite3.Connection, scope: int, reference_ids: Sequence[str]) -> dict[str, int]:
        """The latest sealed batch holding each referenceId (by hash: a collision can only make it later)."""
        newest: dict[str, int] = {}
        for pos, _, batch_id, _ in self.find(conn, scope, [reference_ids]):
            ref = reference_ids[pos]
            newest[ref] = max(newest.get(ref, 0), batch_id)
        return newest

    def seal(self, conn: sqlite3.Connection, scope: int, batches: Sequence[tuple[int, Segment]]) -> None:
        """Index batches of the scope, given with a segment of each, and mark them sealed (in the caller's
        write transaction)."""
        if not batches:
            return
        self._insert(conn, scope, Segment.merge([segment for _, segment in batches]))
        conn.executemany("UPDATE batches SET sealed = 1 WHERE batch_id = ?", [(b,) for b, _ in batches])
        self._compact(conn, scope)

    def _insert(self, conn: sqlite3.Connection, scope: int, segment: Segment) -> None:
        cursor = conn.execute(
            f"INSERT INTO segments (scope_id, size, {_BLOBS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (scope, segment.size, *segment.blobs()),
        )
        segment.segment_id = int(cursor.lastrowid or 0)
        self._segments.setdefault(scope, {})[segment.segment_id] = segment

    def _compact(self, conn: sqlite3.Connection, scope: int) -> None:
        """Merge the newest segments while the one before is at most twice as large; all past MAX_SEGMENTS.

        Each lead is merged again only when the segment holding it doubles, so merging costs a few sorts
        of the scope's keys over the ledger's life.
        """
        segments = self.segments(conn, scope)
        take = 1
        while take < len(segments) and segments[-take - 1].size <= 2 * sum(s.size for s in segments[-take:]):
            take += 1
        if len(segments) - take + 1 > MAX_SEGMENTS:
            take = len(segments)
        if take < 2:
            return
        merged = segments[-take:]
        conn.execute(
            "DELETE FROM segments WHERE segment_id IN (SELECT value FROM json_each(?))",
            (str([s.segment_id for s in merged]),),
        )
        for segment in merged:
            del self._segments[scope][segment.segment_id]
        self._insert(conn, scope, Segment.merge(merged))
