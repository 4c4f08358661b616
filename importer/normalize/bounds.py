"""Bounds on what a lead may carry, and the warning for control characters cleaned out of cells.

A 10 MB "name" is no name: a lead field longer than any real one makes the row ``invalid`` with
``value-too-long`` (nothing that long is sent to the CRM). A metadata value (notes, comments) may be
long; past :data:`METADATA_LIMIT` characters it is cut there, with the warning ``metadata-truncated``,
and the lead is still sent. A row whose cells held NUL or other control characters (removed while
reading) gets the warning ``control-characters``: ``98123\\0 45671`` is read as a phone, but someone
should look at where the file came from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import join_codes, to_arrow, to_series
from importer.normalize.leads import LeadFrame
from importer.read.source import SourceTable
from importer.text_columns import TextColumns

__all__ = ["FIELD_LIMITS", "METADATA_LIMIT", "PHONE_CELL_LIMIT", "apply_bounds"]

FIELD_LIMITS = {
    "name": 200,
    "firstName": 200,
    "lastName": 200,
    "email": 254,  # the longest address SMTP carries (RFC 5321)
    "referenceId": 200,
}
"""Characters a lead field may hold; a longer value makes the row invalid (``value-too-long``)."""
PHONE_CELL_LIMIT = 100
"""Characters of a phone cell: several numbers with an extension fit; a longer cell is no phone."""
METADATA_LIMIT = 2_000
"""Characters kept of a metadata value (``metadata-truncated`` when cut)."""


def _lengths(values: pd.Series) -> np.ndarray:
    return np.asarray(pc.utf8_length(to_arrow(values)).to_numpy(zero_copy_only=False), dtype=np.int64)


def _code(mask: np.ndarray, code: str) -> pa.Array:
    return pa.array(np.where(mask, code, ""), pa.large_string())


def _cut_metadata(metadata: TextColumns) -> tuple[TextColumns, np.ndarray]:
    """The metadata with values past :data:`METADATA_LIMIT` cut there, and the rows that had one.

    The lengths are measured a block of columns at a time (a sheet may have 100,000 columns of a few rows);
    only the columns holding a value that long are made anew.
    """
    n = len(metadata)
    cut = np.zeros(n, dtype=bool)
    long_columns: list[int] = []
    for block, values in metadata.blocks():
        lengths = pc.utf8_length(values).to_numpy(zero_copy_only=False)
        long_values = (lengths > METADATA_LIMIT).reshape(len(block), n)
        long_columns += [block.start + k for k in np.flatnonzero(long_values.any(axis=1)).tolist()]
        cut |= long_values.any(axis=0)
    changed = {i: pc.utf8_slice_codeunits(metadata.arrays[i], 0, METADATA_LIMIT) for i in long_columns}
    return metadata.with_arrays(changed), cut


def apply_bounds(leads: LeadFrame, table: SourceTable) -> LeadFrame:
    """The leads with over-long fields made ``invalid``, long metadata cut and cleaned rows warned about."""
    rows, metadata = leads.rows, leads.meta
    n = len(rows)
    if n == 0:
        return leads
    counted = (rows["status"] != "skipped").to_numpy(dtype=bool)
    too_long = np.zeros(n, dtype=bool)
    for name, limit in FIELD_LIMITS.items():
        if name in rows.columns:
            too_long |= _lengths(rows[name]) > limit
    phone_columns = [table.columns["phone"], *table.alternates.get("phone", ())] if "phone" in table.columns else []
    for column in phone_columns:
        if column in table.data:
            too_long |= _lengths(table.column(column)) > PHONE_CELL_LIMIT
    too_long &= counted
    metadata, cut = _cut_metadata(metadata)
    cut &= counted
    controls = table.controls if table.controls is not None and len(table.controls) == n else np.zeros(n, bool)
    controls = controls & counted
    if not (too_long.any() or cut.any() or controls.any()):
        return LeadFrame(rows=rows, meta=metadata)
    rows = rows.copy()
    if too_long.any():
        rows["reason"] = to_series(
            join_codes([to_arrow(rows["reason"]), _code(too_long, issues.VALUE_TOO_LONG.code)], n), rows.index
        )
        rows.loc[too_long, "status"] = "invalid"
    if cut.any() or controls.any():
        warnings = join_codes(
            [
                to_arrow(rows["warnings"]),
                _code(cut, issues.METADATA_TRUNCATED.code),
                _code(controls, issues.CONTROL_CHARACTERS.code),
            ],
            n,
        )
        rows["warnings"] = to_series(warnings, rows.index)
    return LeadFrame(rows=rows, meta=metadata)
