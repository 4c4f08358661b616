"""In-file dedupe: a later copy of a lead (same phone, email or referenceId) is a duplicate."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.arrow import to_arrow, to_bool

KEY_COLUMNS = {"phone": "phone_e164", "email": "email", "referenceId": "referenceId"}


def mark_duplicates(rows: pd.DataFrame, keys: tuple[str, ...]) -> pd.DataFrame:
    """Mark later copies among ``valid`` rows as ``duplicate`` with ``duplicate_of`` = the kept row's sheet row.

    A row is kept when none of its key values belongs to an earlier kept row. referenceId is always
    a key: the CRM refuses a repeated one and counts it toward its key block.
    """
    columns = [KEY_COLUMNS[k] for k in dict.fromkeys((*keys, "referenceId"))]
    candidates = np.flatnonzero((rows["status"] == "valid").to_numpy())
    if len(candidates) < 2:
        return rows
    take = pa.array(candidates)

    def repeated(col: str) -> np.ndarray:
        encoded = pc.dictionary_encode(pc.take(to_arrow(rows[col]), take))
        codes = encoded.indices.to_numpy()
        counts = np.bincount(codes, minlength=len(encoded.dictionary))
        present = to_bool(pc.greater(pc.utf8_length(encoded.dictionary), 0))
        return np.asarray((counts > 1)[codes] & present[codes], dtype=bool)

    # Arrow's hashing releases the GIL: the key columns are checked side by side.
    with ThreadPoolExecutor(max_workers=len(columns)) as pool:
        shared = np.logical_or.reduce(list(pool.map(repeated, columns)))
    conflicted = candidates[shared]
    if len(conflicted) == 0:
        return rows
    # Only rows that share a value with another row need the ordered walk.
    seen: dict[tuple[str, str], int] = {}
    dup_pos: list[int] = []
    dup_of: list[int] = []
    sheet_rows = rows["sheet_row"].to_numpy()
    positions = pa.array(conflicted)
    key_values = [pc.take(to_arrow(rows[col]), positions).to_pylist() for col in columns]
    for j, pos in enumerate(conflicted):
        hit = None
        for c, col in enumerate(columns):
            v = key_values[c][j]
            if v and (col, v) in seen:
                hit = seen[(col, v)]
                break
        if hit is not None:
            dup_pos.append(pos)
            dup_of.append(hit)
            continue
        for c, col in enumerate(columns):
            v = key_values[c][j]
            if v:
                seen[(col, v)] = int(sheet_rows[pos])
    if dup_pos:
        out = rows.copy()
        labels = out.index[dup_pos]
        out.loc[labels, "status"] = "duplicate"
        out.loc[labels, "duplicate_of"] = dup_of
        return out
    return rows
