"""Rows with fewer cells than the header: read with the missing cells empty, and said so.

A text file's row that lacks a cell (an export that left one out) has every later value slid one column
to the left. The reader pads the row at its end; here each such row gets the warning ``short-row``, and
one whose mapped phone or email cell is missing or holds none, while a cell just before it (as far left as
cells are missing) holds a phone number or an email address, is ``invalid`` (``shifted-row``): sent, it
would go without its contact (or with it under another field).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import to_arrow, to_bool
from importer.read.source import SourceTable

_LOOKS_LIKE = {"phone": r"(?:\d[\s().\-/+]*){7,}", "email": r"[^\s@]+@[^\s@]+\.[^\s@]+"}


def short_rows(table: SourceTable) -> tuple[np.ndarray, np.ndarray]:
    """Per row: whether it had fewer cells than the header; whether its phone or email slid out of its column."""
    n = table.n_rows
    missing = table.missing_cells
    if missing is None or not missing.any():
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    short = missing > 0
    shifted = np.zeros(n, dtype=bool)
    width = table.header_width
    order = table.names
    for target in ("phone", "email"):
        header = table.columns.get(target)
        if header is None:
            continue
        at = order.index(header)
        pattern = _LOOKS_LIKE[target]
        for gap in np.unique(missing[short]).tolist():
            present = width - gap  # the row's cells: positions 0 .. present-1
            rows = np.flatnonzero(missing == gap)
            if at < present:  # its cell is there: slid only if it holds none while one to its left does
                own = pc.take(to_arrow(table.column(header)), pa.array(rows))
                rows = rows[~to_bool(pc.match_substring_regex(own, pattern))]
                if len(rows) == 0:
                    continue
            # where its value went when cells before it were missing
            for position in range(max(0, at - gap), min(at, present)):
                values = pc.take(to_arrow(table.column(order[position])), pa.array(rows))
                shifted[rows[to_bool(pc.match_substring_regex(values, pattern))]] = True
    return short, shifted
