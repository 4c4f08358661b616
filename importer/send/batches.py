"""The rows a send works through: each row's status as it is settled, and the valid rows' leads and ledger
keys, built a batch at a time, in whichever sending thread sends the batch (the leads of a whole sheet are
never held at once, and the thread feeding the requests never builds any)."""

from __future__ import annotations

import itertools
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import TEXT_DTYPE, to_arrow
from importer.ledger.store import LeadKey
from importer.send.payload import LEAD_TEXT_FIELDS, leads_from_columns, meta_columns, payload_hashes
from importer.send.pending import PendingKind
from importer.text_columns import TextColumns


class SheetRows:
    """Status columns being filled in, addressed by row position (a batch knows its rows' positions)."""

    def __init__(self, rows: pd.DataFrame, positions: np.ndarray) -> None:
        self.status = shared_values(rows["status"])
        self.reason = shared_values(rows["reason"])
        self.lead_id = shared_values(rows["lead_id"])
        self.run = np.full(len(rows), "", dtype=object)
        self.positions = positions
        self._refs = _text_column(rows["referenceId"])
        self._why: dict[int, PendingKind] = {}
        """Row position → why the row is pending (rows settled otherwise are not here)."""
        self._accepted: list[tuple[np.ndarray, pa.Array]] = []
        """Rows accepted a batch at a time, with their lead _ids as Arrow text (a million Python strings would
        take about 80 MB until the report is written)."""

    def __len__(self) -> int:
        return len(self.positions)

    def left(self) -> dict[str, int]:
        """The valid rows still ``valid`` (neither sent nor settled): referenceId → row position."""
        still = self.positions[self.status[self.positions] == "valid"]
        return dict(zip(_take(self._refs, still).to_pylist(), still.tolist(), strict=True))

    def holds(self, refs: Collection[str]) -> set[str]:
        """Those of ``refs`` that are the referenceId of one of the valid rows."""
        if not refs or not len(self.positions):
            return set()
        mine = _take(self._refs, self.positions)
        wanted = pa.array(sorted(refs), mine.type)
        return set(wanted.filter(pc.is_in(wanted, value_set=mine)).to_pylist())

    def set(
        self, at: int, status: str, *, reason: str = "", lead_id: str | None = None, run: int | None = None
    ) -> None:
        """Settle the row at position ``at`` (pending: use :meth:`pend`)."""
        self._why.pop(at, None)
        self.status[at], self.reason[at] = status, reason
        self.lead_id[at] = lead_id or ""
        self.run[at] = "" if run is None else str(run)

    def pend(self, at: int, why: PendingKind, reason: str) -> None:
        """Leave the row at position ``at`` pending, for this reason (``why`` as data, ``reason`` in words)."""
        self.set(at, "pending", reason=reason)
        self._why[at] = why

    def pending_kinds(self) -> frozenset[PendingKind]:
        """Why the rows left pending are so."""
        return frozenset(why for at, why in self._why.items() if self.status[at] == "pending")

    def accept(self, at: Sequence[int], lead_ids: Sequence[str | None]) -> None:
        """Settle the rows at positions ``at`` as accepted by the CRM, with these lead _ids (and no reason)."""
        where = np.asarray(at, dtype=np.int64)
        self.status[where], self.reason[where], self.lead_id[where], self.run[where] = "accepted", "", "", ""
        self._accepted.append((where, pa.array(lead_ids, pa.large_string())))

    def frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        out = rows.copy(deep=False)  # every column written here is replaced whole: rows stays as it was
        # The accepted rows' ids first, while the other columns are not converted yet (a lower peak).
        lead_ids = pd.array(self._lead_ids(), dtype=TEXT_DTYPE) if self._accepted else None
        out["status"], out["reason"] = self.status, self.reason
        out["lead_id"] = self.lead_id if lead_ids is None else lead_ids
        out["imported_in_run"] = self.run
        for col in ("status", "reason", "imported_in_run", *(("lead_id",) if lead_ids is None else ())):
            out[col] = out[col].astype("str")
        return out

    def _lead_ids(self) -> pa.Array:
        """The lead_id column: what :meth:`set` wrote, and the ids of the rows :meth:`accept` settled.

        Built with one copy of the accepted ids (in row order) beside the column itself: a million ids are
        some 32 MB, and each further copy would stay mapped in Arrow's pool until the report is written.
        """
        size = len(self.lead_id)
        written = pa.array(self.lead_id, pa.large_string())
        # Each batch's rows ascend and batches hold runs of rows of their own: ordered by their first row, the
        # chunks are in row order (a batch settled out of order is the usual case).
        chunks = sorted(self._accepted, key=lambda chunk: int(chunk[0][0]) if len(chunk[0]) else -1)
        at = np.concatenate([where for where, _ in chunks])
        ascending = len(at) < 2 or bool((at[1:] > at[:-1]).all())
        if not ascending:  # not so (a row accepted twice, say): sorted in the order they were accepted
            chunks = self._accepted
            at = np.concatenate([where for where, _ in chunks])
        ids = pa.concat_arrays([values for _, values in chunks])
        if not ascending:
            order = np.argsort(at, kind="stable")
            at, ids = at[order], ids.take(pa.array(order))
            last = np.ones(len(at), dtype=bool)  # a row accepted twice keeps its last id, as before
            last[:-1] = at[1:] != at[:-1]
            at, ids = at[last], ids.filter(pa.array(last))
        self._accepted = [(at, ids)]  # the chunks' memory goes back; the same ids, in row order
        keep = self.lead_id[at] == ""  # a row settled again since keeps what that wrote (never, as the send goes)
        if not keep.all():
            at, ids = at[keep], ids.filter(pa.array(keep))
        mask = np.zeros(size, dtype=bool)
        mask[at] = True
        column = pc.replace_with_mask(written, pa.array(mask), ids) if len(at) else written
        return pc.fill_null(column, "") if column.null_count else column


def shared_values(column: pd.Series) -> np.ndarray:
    """The column as a writable object array whose equal values are one string object (a column of a
    million statuses is then 8 MB of pointers, not a million strings)."""
    encoded = pc.dictionary_encode(to_arrow(column))
    values = np.array(encoded.dictionary.to_pylist(), dtype=object)
    shared: np.ndarray = values[encoded.indices.to_numpy(zero_copy_only=False)]
    return shared


def lead_keys(valid: pd.DataFrame) -> list[LeadKey]:
    """What the ledger records of each valid row's lead, in row order (the payload hash only on demand:
    :func:`payload_hashes_of`)."""
    columns = [to_arrow(valid[c]).to_pylist() for c in ("referenceId", "phone_e164", "email")]
    return _keys(columns, valid["sheet_row"].astype(int).tolist())


def _keys(columns: list[list[str]], sheet_rows: list[int]) -> list[LeadKey]:
    fields = zip(*columns, sheet_rows, itertools.repeat(""), strict=False)
    return list(map(tuple.__new__, itertools.repeat(LeadKey), fields))  # LeadKey(*f) at C speed


@dataclass(frozen=True, slots=True)
class Batch:
    """The leads of one request, their ledger keys (none without a ledger) and their rows' positions."""

    leads: list[dict[str, object]]
    keys: list[LeadKey]
    where: dict[str, int]
    """referenceId → the row's position in the sheet's frame."""


class LeadSource:
    """The valid rows' leads, built for any run of them (the ``start``-th to the ``stop``-th valid row).

    Reads the frame's Arrow columns without pandas, so that any thread may build while others send.
    """

    def __init__(
        self,
        rows: pd.DataFrame,
        metadata: pd.DataFrame | TextColumns,
        positions: np.ndarray,
        *,
        project_id: str,
        process_id: str,
        keys: bool,
    ) -> None:
        self.positions = positions
        self._project_id, self._process_id, self._with_keys = project_id, process_id, keys
        self._fields = [_text_column(rows[c]) for c in ("referenceId", "phone_e164", *LEAD_TEXT_FIELDS)]
        self._meta = TextColumns.of(metadata)
        meta_at = positions_of(self._meta.index, rows.index)
        self._meta_positions = positions if meta_at is None else meta_at[positions]
        self._sheet_rows = rows["sheet_row"].to_numpy() if keys else None

    def __len__(self) -> int:
        return len(self.positions)

    def build(self, start: int, stop: int) -> Batch:
        """The leads of the ``start``-th to ``stop``-th valid rows, with their keys and positions."""
        at = self.positions[start:stop]
        values = [_take(column, at).to_pylist() for column in self._fields]
        meta = meta_columns(self._meta, self._meta_positions[start:stop])
        leads = leads_from_columns(
            values, self._meta.names, meta, project_id=self._project_id, process_id=self._process_id
        )
        refs = [str(lead["referenceId"]) for lead in leads]
        keys: list[LeadKey] = []
        if self._with_keys and self._sheet_rows is not None:
            keys = _keys([refs, values[1], values[5]], self._sheet_rows[at].astype(int).tolist())
        return Batch(leads, keys, dict(zip(refs, at.tolist(), strict=True)))

    def where(self, start: int, stop: int) -> dict[str, int]:
        """referenceId → row position of the ``start``-th to ``stop``-th valid rows."""
        at = self.positions[start:stop]
        return dict(zip(_take(self._fields[0], at).to_pylist(), at.tolist(), strict=True))


def positions_of(index: pd.Index, of: pd.Index) -> np.ndarray | None:
    """Where each label of ``of`` is in ``index`` (None: at the same positions, the usual case)."""
    if index.equals(of):
        return None
    found: np.ndarray = index.get_indexer(of)
    return found


def _text_column(column: pd.Series) -> pa.ChunkedArray:
    """The column's Arrow text without a copy where it is Arrow text already; nulls as ""."""
    array = getattr(column.array, "_pa_array", None) if column.dtype == TEXT_DTYPE else None
    if not isinstance(array, pa.ChunkedArray):
        array = to_arrow(column)
        return pa.chunked_array([array])
    return array


def _take(column: pa.ChunkedArray, at: np.ndarray) -> pa.Array:
    """The values at the ascending positions ``at``: only the chunks they span are touched (nulls as "")."""
    if not len(at):
        return pa.array([], pa.large_string())
    first, last = int(at[0]), int(at[-1]) + 1
    part = column.slice(first, last - first)
    array = part.chunk(0) if part.num_chunks == 1 else part.combine_chunks()
    taken = array if last - first == len(at) else array.take(pa.array(at - first))
    return pc.fill_null(taken, "") if taken.null_count else taken


class Batches:
    """The valid rows handed out a run at a time: the thread feeding requests only counts, the sending
    thread builds (:meth:`LeadSource.build`)."""

    def __init__(self, source: LeadSource) -> None:
        self.source = source
        self._next = 0

    @property
    def left(self) -> int:
        return len(self.source) - self._next

    def take(self, size: int) -> tuple[int, int]:
        """The next ``size`` valid rows (fewer at the end), as (start, stop)."""
        start = self._next
        self._next = min(start + max(1, size), len(self.source))
        return start, self._next


class ValidRows:
    """The valid rows of a sheet's frame, by sheet row, without a copy."""

    def __init__(self, rows: pd.DataFrame, positions: np.ndarray) -> None:
        self.rows, self.positions = rows, positions
        self._sheet_rows: np.ndarray | None = None
        self._by_sheet_row: np.ndarray | None = None

    def at_sheet_rows(self, sheet_rows: Sequence[int]) -> pd.DataFrame:
        """The valid rows with these sheet rows (others are left out), in sheet order."""
        if self._sheet_rows is None or self._by_sheet_row is None:
            self._sheet_rows = self.rows["sheet_row"].to_numpy()[self.positions].astype(np.int64)
            self._by_sheet_row = np.argsort(self._sheet_rows, kind="stable")
        wanted = np.asarray(list(sheet_rows), dtype=np.int64)
        ordered = self._sheet_rows[self._by_sheet_row]
        at = np.clip(np.searchsorted(ordered, wanted), 0, max(len(ordered) - 1, 0))
        found = at[ordered[at] == wanted] if len(ordered) else at[:0]
        return self.rows.iloc[np.sort(self.positions[self._by_sheet_row[np.unique(found)]])]


def payload_hashes_of(
    valid: ValidRows,
    sheet_rows: Sequence[int],
    *,
    metadata: pd.DataFrame | TextColumns,
    project_id: str,
    process_id: str,
) -> dict[int, str]:
    """The payload hashes of the valid rows at these sheet rows (the leads the ledger needs them for)."""
    rows = valid.at_sheet_rows(sheet_rows)
    hashes = payload_hashes(rows, metadata, project_id=project_id, process_id=process_id)
    return dict(zip(rows["sheet_row"].astype(int).tolist(), hashes, strict=True))
