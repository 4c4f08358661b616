"""The rows a send works through: each row's status as it is settled, and the valid rows' leads and ledger
keys, built a chunk at a time as batches need them (the leads of a whole sheet are never held at once)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from importer.columns import to_arrow
from importer.ledger.store import LeadKey
from importer.send.payload import payload_hashes


class SheetRows:
    """Status columns being filled in, addressed by referenceId."""

    def __init__(self, rows: pd.DataFrame, positions: np.ndarray) -> None:
        self.status = shared_values(rows["status"])
        self.reason = shared_values(rows["reason"])
        self.lead_id = shared_values(rows["lead_id"])
        self.run = np.full(len(rows), "", dtype=object)
        self.positions = positions
        # An index over the Arrow text: a dict of a million referenceIds would hold a Python string, an int
        # and a dict entry for each (about 140 MB).
        self.refs = pd.Index(pd.array(to_arrow(rows["referenceId"].iloc[positions]), dtype="str"))

    def __len__(self) -> int:
        return len(self.positions)

    def __contains__(self, ref: str) -> bool:
        return ref in self.refs

    def at(self, ref: str) -> int:
        """The row position of the valid row with this referenceId (KeyError: none)."""
        loc = self.refs.get_loc(ref)
        if isinstance(loc, slice):
            loc = loc.start
        elif not isinstance(loc, int):
            loc = int(np.flatnonzero(loc)[0])
        return int(self.positions[loc])

    def left(self) -> list[str]:
        """The referenceIds of the valid rows still ``valid`` (neither sent nor settled)."""
        still = np.flatnonzero(self.status[self.positions] == "valid")
        return [str(ref) for ref in self.refs[still]]

    def set(
        self, ref: str, status: str, *, reason: str = "", lead_id: str | None = None, run: int | None = None
    ) -> None:
        i = self.at(ref)
        self.status[i], self.reason[i] = status, reason
        self.lead_id[i] = lead_id or ""
        self.run[i] = "" if run is None else str(run)

    def frame(self, rows: pd.DataFrame) -> pd.DataFrame:
        out = rows.copy(deep=False)  # every column written here is replaced whole: rows stays as it was
        out["status"], out["reason"] = self.status, self.reason
        out["lead_id"], out["imported_in_run"] = self.lead_id, self.run
        for col in ("status", "reason", "lead_id", "imported_in_run"):
            out[col] = out[col].astype("str")
        return out


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
    fields = zip(*columns, valid["sheet_row"].astype(int).tolist(), itertools.repeat(""), strict=False)
    return list(map(tuple.__new__, itertools.repeat(LeadKey), fields))  # LeadKey(*f) at C speed


KEY_CHUNK = 20_000
"""Valid rows whose leads (and ledger keys) are built at a time, as batches need them: the first batches
leave while later ones are still to build, and the leads of the whole sheet are never held at once."""


class ValidRows:
    """The valid rows of a sheet's frame, by their place among the valid rows or by sheet row, without a copy."""

    def __init__(self, rows: pd.DataFrame, positions: np.ndarray) -> None:
        self.rows, self.positions = rows, positions
        self._sheet_rows: np.ndarray | None = None
        self._by_sheet_row: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.positions)

    def chunk(self, start: int, stop: int) -> pd.DataFrame:
        """The ``start``-th to ``stop``-th valid rows."""
        return self.rows.iloc[self.positions[start:stop]]

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
    valid: ValidRows, sheet_rows: Sequence[int], *, metadata: pd.DataFrame, project_id: str, process_id: str
) -> dict[int, str]:
    """The payload hashes of the valid rows at these sheet rows (the leads the ledger needs them for)."""
    rows = valid.at_sheet_rows(sheet_rows)
    hashes = payload_hashes(rows, metadata, project_id=project_id, process_id=process_id)
    return dict(zip(rows["sheet_row"].astype(int).tolist(), hashes, strict=True))


class Batches:
    """The valid rows' leads taken batch by batch, each with its ledger keys (none without a ledger); both are
    built ``KEY_CHUNK`` rows at a time as batches need them."""

    def __init__(
        self,
        valid: ValidRows,
        payloads: Callable[[pd.DataFrame], list[dict[str, object]]],
        keys: Callable[[pd.DataFrame], list[LeadKey]] | None,
    ) -> None:
        self._valid, self._payloads, self._keys = valid, payloads, keys
        self._next = 0
        self._chunk_start = 0
        self._chunk: list[dict[str, object]] = []
        self._chunk_keys: list[LeadKey] = []

    @property
    def left(self) -> int:
        return len(self._valid) - self._next

    def next(self, size: int) -> tuple[list[dict[str, object]], list[LeadKey]]:
        """The next ``size`` leads (fewer at the end) and their keys."""
        start, end = self._next, min(self._next + max(1, size), len(self._valid))
        self._next = end
        leads: list[dict[str, object]] = []
        keys: list[LeadKey] = []
        while start < end:
            if not self._chunk_start <= start < self._chunk_start + len(self._chunk):
                rows = self._valid.chunk(start, start + KEY_CHUNK)
                self._chunk_start = start
                self._chunk = self._payloads(rows)
                self._chunk_keys = self._keys(rows) if self._keys is not None else []
            stop = min(end, self._chunk_start + len(self._chunk))
            leads += self._chunk[start - self._chunk_start : stop - self._chunk_start]
            if self._keys is not None:
                keys += self._chunk_keys[start - self._chunk_start : stop - self._chunk_start]
            start = stop
        return leads, keys
