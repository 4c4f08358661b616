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

    def shared_codes(col: str) -> np.ndarray:
        """Per candidate, a number for its value in ``col`` when another candidate has it too, else -1."""
        encoded = pc.dictionary_encode(pc.take(to_arrow(rows[col]), take))
        codes = encoded.indices.to_numpy()
        counts = np.bincount(codes, minlength=len(encoded.dictionary))
        shared = (counts > 1) & to_bool(pc.greater(pc.binary_length(encoded.dictionary), 0))
        return np.where(shared[codes], codes, -1)

    # Arrow's hashing releases the GIL: the key columns are encoded side by side.
    with ThreadPoolExecutor(max_workers=len(columns)) as pool:
        codes = list(pool.map(shared_codes, columns))
    conflicted = np.flatnonzero(np.logical_or.reduce([c >= 0 for c in codes]))
    if len(conflicted) == 0:
        return rows
    # Only rows that share a value with another row need the ordered walk.
    kept: list[dict[int, int]] = [{} for _ in columns]
    dup_pos: list[int] = []
    dup_of: list[int] = []
    positions = candidates[conflicted]
    sheet_rows = rows["sheet_row"].to_numpy()[positions].tolist()
    walk = zip(positions.tolist(), sheet_rows, *(c[conflicted].tolist() for c in codes), strict=True)
    for pos, sheet_row, *values in walk:
        hit = next((kept[i][v] for i, v in enumerate(values) if v >= 0 and v in kept[i]), None)
        if hit is not None:
            dup_pos.append(pos)
            dup_of.append(hit)
            continue
        for i, v in enumerate(values):
            if v >= 0:
                kept[i][v] = sheet_row
    if dup_pos:
        out = rows.copy()
        labels = out.index[dup_pos]
        out.loc[labels, "status"] = "duplicate"
        out.loc[labels, "duplicate_of"] = dup_of
        return out
    return rows
