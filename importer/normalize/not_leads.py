"""Rows that hold no lead although they are not blank: an empty template's prefilled rows, a partial header."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import byte_lengths, column_blocks, holds_char_in, narrowed, to_arrow, to_bool, trim_whitespace
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
        empty &= byte_lengths(trim_whitespace(to_arrow(table.column(header)))) == 0
    candidates = np.flatnonzero(empty)
    if len(candidates) < 2:
        return np.zeros(0, dtype=np.int64)
    keep = np.ones(len(candidates), dtype=bool)
    picked = pa.array(candidates)
    for header in [c for c in table.names if c not in table.ignored and c not in lead_columns]:
        values = trim_whitespace(pc.take(to_arrow(table.column(header)), picked))
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


_TEST_LEAD = r"(?i)^\s*<\s*test lead\b"
"""A cell a lead form's testing tool filled: ``<test lead: dummy data for phone_number>`` (Meta's)."""


def test_lead_rows(table: SourceTable) -> np.ndarray:
    """Rows whose name, phone or email cell a lead form's testing tool filled in."""
    found = np.zeros(len(table.data), dtype=bool)
    for header in dict.fromkeys(table.columns[f] for f in LEAD_FIELDS_READ if f in table.columns):
        values = to_arrow(table.column(header))
        # the pattern only on the cells that can hold it
        found |= narrowed(values, holds_char_in(values, "<"), lambda some: pc.match_substring_regex(some, _TEST_LEAD))
    return found


def partial_headers(table: SourceTable) -> np.ndarray:
    """Rows where two or more cells hold their own column's header and no cell a phone or an email."""
    n = table.n_rows
    every = table.names
    read = [i for i, c in enumerate(every) if c not in table.ignored]
    headers = [str(every[i]) for i in read]
    count = np.zeros(n, dtype=np.int64)
    for block, values in column_blocks(table.data.picked(read)):
        count += _own_headers(values, headers[block.start : block.stop]).reshape(len(block), n).sum(axis=0)
    rows = np.flatnonzero(count >= 2)
    found = np.zeros(n, dtype=bool)
    if len(rows):
        found[rows[~has_contact(table, rows)]] = True
    loose = np.flatnonzero(count < 2)
    loose = loose[~has_contact(table, loose)] if len(loose) else loose
    if 0 < len(loose) <= LOOSE_ROWS:
        found[_keyed_headers(table, loose, [every[i] for i in read])] = True
    return found


LOOSE_ROWS = 2000
"""Rows without a contact, at most, whose cells are also compared with their headers as keys (a wider search)."""


def _keyed_headers(table: SourceTable, rows: np.ndarray, headers: list[str]) -> np.ndarray:
    """Of ``rows``, those two or more cells of which spell their own column's header as another system names it:
    letters and digits alone, in any case (``FirstName``, ``MOBILE_PHONE`` under ``Mobile Phone``: a CRM's field
    names below the labels, in an import template or an export)."""
    count = np.zeros(len(rows), dtype=np.int64)
    picked = pa.array(rows)
    for header in headers:
        key = _key(str(header))
        if not key:
            continue
        values = pc.take(to_arrow(table.column(header)), picked)
        keys = pc.utf8_lower(pc.replace_substring_regex(values, r"[^\pL\pN]+", ""))
        count += to_bool(pc.fill_null(pc.equal(keys, key), False))
    found: np.ndarray = rows[count >= 2]
    return found


def _key(header: str) -> str:
    return "".join(ch for ch in header.lower() if ch.isalnum())


def _own_headers(values: pa.Array, headers: list[str]) -> np.ndarray:
    """Per cell of a block of columns (``headers``' columns, one after the other), whether it spells its own
    column's header: as written, trimmed, or trimmed in lower or upper case."""
    per_column = len(values) // len(headers)
    spelled = np.zeros(len(values), dtype=bool)
    for spelling in (lambda h: h, str.strip, lambda h: h.strip().lower(), lambda h: h.strip().upper()):
        own = [spelling(h) for h in headers]
        if len(own) == 1:  # a long column alone: compared with its header as it is
            spelled |= to_bool(pc.equal(values, pa.scalar(own[0], pa.large_string())))
            continue
        expected = pc.take(pa.array(own, pa.large_string()), pa.array(np.repeat(np.arange(len(own)), per_column)))
        spelled |= to_bool(pc.equal(values, expected))
    return spelled


def has_contact(table: SourceTable, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``: whether its email cell holds an @ or its phone cell seven digits or more."""
    found = np.zeros(len(rows), dtype=bool)
    header = table.columns.get("email")
    if header is not None and len(rows):
        found |= to_bool(pc.match_substring(pc.take(to_arrow(table.column(header)), pa.array(rows)), "@"))
    header = table.columns.get("phone")
    lacking = np.flatnonzero(~found)  # the digits are counted only where no email was found (a regex per cell)
    if header is not None and len(lacking):
        cells = pc.take(to_arrow(table.column(header)), pa.array(rows[lacking]))
        found[lacking] = to_bool(pc.match_substring_regex(cells, r"(?:\d\D*){7}"))
    return found
