"""In-file dedupe: a later copy of a lead (same phone, email or referenceId) is a duplicate."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
    sub = rows.iloc[candidates]
    shared = np.zeros(len(sub), dtype=bool)
    for col in columns:
        values = sub[col]
        shared |= (values.duplicated(keep=False) & (values != "")).to_numpy()
    conflicted = candidates[shared]
    if len(conflicted) == 0:
        return rows
    # Only rows that share a value with another row need the ordered walk.
    seen: dict[tuple[str, str], int] = {}
    dup_pos: list[int] = []
    dup_of: list[int] = []
    sheet_rows = rows["sheet_row"].to_numpy()
    key_values = [rows[col].to_numpy(dtype=object)[conflicted] for col in columns]
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
