"""Rows that hold no lead although they are not blank: an empty template's prefilled rows, a partial header."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import byte_lengths, to_arrow, to_bool, trim_whitespace
from importer.read.source import SourceTable

LEAD_FIELDS_READ = ("name", "firstName", "lastName", "phone", "email")


TEMPLATE_SHARE = 0.5
"""A value in at least this share of a column's rows that hold no lead (and in two or more) is a template's default."""


def template_rows(blank: np.ndarray, reached: np.ndarray, table: SourceTable) -> np.ndarray:
    """Rows of an import template never filled in: no name, phone or email, only the template's defaults (a
    value most such rows repeat, like ``India`` or ``New``) or formulas written as text."""
    lead_columns = [table.columns[f] for f in LEAD_FIELDS_READ if f in table.columns]
    empty = ~blank & ~reached
    for header in dict.fromkeys(lead_columns):
        empty &= byte_lengths(trim_whitespace(to_arrow(table.cells[header]))) == 0
    candidates = np.flatnonzero(empty)
    if len(candidates) < 2:
        return np.zeros(0, dtype=np.int64)
    keep = np.ones(len(candidates), dtype=bool)
    picked = pa.array(candidates)
    for header in [c for c in table.cells.columns if c not in table.ignored and c not in lead_columns]:
        values = trim_whitespace(pc.take(to_arrow(table.cells[header]), picked))
        filled = byte_lengths(values) > 0
        if not filled.any():
            continue
        encoded = pc.dictionary_encode(values)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        common = np.bincount(codes, minlength=len(encoded.dictionary))[codes]
        default = common >= max(2, TEMPLATE_SHARE * len(candidates))
        formula = to_bool(pc.starts_with(values, "="))
        keep &= ~filled | default | formula
    found: np.ndarray = candidates[keep]
    return found


def partial_headers(table: SourceTable) -> np.ndarray:
    """Rows where two or more cells hold their own column's header and no cell a phone or an email."""
    n = len(table.cells)
    count = np.zeros(n, dtype=np.int64)
    for header in [c for c in table.cells.columns if c not in table.ignored]:
        spelled = {header, header.strip(), header.strip().lower(), header.strip().upper()}
        values = to_arrow(table.cells[header])
        count += to_bool(pc.is_in(values, value_set=pa.array(sorted(spelled), values.type)))
    rows = np.flatnonzero(count >= 2)
    found = np.zeros(n, dtype=bool)
    if len(rows):
        found[rows[~has_contact(table, rows)]] = True
    return found


def has_contact(table: SourceTable, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``: whether its email cell holds an @ or its phone cell seven digits or more."""
    found = np.zeros(len(rows), dtype=bool)
    for target, pattern in (("email", "@"), ("phone", r"(?:\d\D*){7}")):
        header = table.columns.get(target)
        if header is not None and len(rows):
            cells = pc.take(to_arrow(table.cells[header]), pa.array(rows))
            found |= to_bool(pc.match_substring_regex(cells, pattern))
    return found
