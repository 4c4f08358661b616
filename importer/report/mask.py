"""PII masking for everything shown or written (never for what is sent to the CRM)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from importer.tools.describe import ColumnProfile, FileInspection

# A phone-like run in free text: optional +, a digit, then 6+ digits or separators (spaces of any width,
# no-break, narrow and thin spaces, tabs, - . / ( )), ending in a digit.
PHONE_RUN = r"\+?\d[\d \t\u00a0\u2007\u2009\u202f\-()./]{5,}\d"
# Anything around an @, even a malformed address: first character and the domain part are kept.
EMAIL_TOKEN = r"([^\s@,;<>\"'])[^\s@,;<>\"']*@+([^\s@,;<>\"']*)"
_PHONE_RE = re.compile(PHONE_RUN)
_DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_EMAIL_RE = re.compile(EMAIL_TOKEN)
# Columns holding our own ids and row numbers, which are not personal data.
UNMASKED_COLUMNS = frozenset({"sheet_row", "status", "duplicate_of", "lead_id", "imported_in_run", "warnings"})


def mask_phone_text(match: re.Match[str]) -> str:
    """All but the last 4 digits of a phone-like run become '*'."""
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 7 or _DATE_RE.search(text):
        return text
    keep = 4
    out = []
    for ch in reversed(text):
        if ch.isdigit():
            out.append(ch if keep > 0 else "*")
            keep -= 1
        else:
            out.append(ch)
    return "".join(reversed(out))


def mask_text(text: str) -> str:
    """Emails → first letter and domain; phones → last 4 digits."""
    text = _EMAIL_RE.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE_RE.sub(mask_phone_text, text)


def mask_digits(text: str) -> str:
    """Every digit but the last 4 of a cell becomes '*', whatever separates them (the cell a phone is read from)."""
    total = sum(ch.isdigit() for ch in text)
    if total <= 4:
        return text
    seen = 0
    out = []
    for ch in text:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - 4 else "*")
        else:
            out.append(ch)
    return "".join(out)


def mask_frame(
    frame: pd.DataFrame, *, phone_columns: Sequence[str] = (), email_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """A copy of a report frame with every phone and email masked (ids and row numbers kept).

    ``phone_columns`` / ``email_columns``: the sheet's columns the lead's phone / email is read from, masked
    whole whatever their separators; phones and emails elsewhere (notes, metadata) are found by pattern.
    """
    out = frame.copy()
    phones = {"phone_e164", *phone_columns} - UNMASKED_COLUMNS
    emails = set(email_columns) - UNMASKED_COLUMNS - phones
    for name in out.columns:
        if name in UNMASKED_COLUMNS:
            continue
        col = out[name]
        if name in phones:
            out[name] = col.astype("str").map(lambda cell: mask_text(mask_digits(cell)))
            continue
        if name in emails:
            out[name] = col.astype("str").map(_mask_email_cell)
            continue
        if name == "referenceId":
            derived = col.astype("str").str.startswith("li-")
            out[name] = col.where(derived, _mask_series(col))
            continue
        if col.dtype == object or str(col.dtype) in ("str", "string"):
            out[name] = _mask_series(col)
    return out


def _mask_email_cell(cell: str) -> str:
    """An email cell masked even when it holds no @ (``rahul at gmail dot com``): its first character kept."""
    if "@" in cell or not cell.strip():
        return mask_text(cell)
    return mask_text(cell[:1] + "***")


def _mask_series(col: pd.Series) -> pd.Series:
    text = col.astype("str")
    suspicious = text.str.contains(r"(?:\d\D{0,3}){7}|@", regex=True).fillna(False)
    if not suspicious.any():
        return text
    masked = text[suspicious].map(mask_text)
    return text.where(~suspicious, masked)


def mask_inspection(inspection: FileInspection) -> FileInspection:
    """``leadimport inspect --mask-pii``: the samples and title rows with phones and emails masked; a
    column most of whose cells are phones has each sample masked whole, whatever its separators."""
    from importer.tools.describe import value_kind

    def sample(column: ColumnProfile, cell: str) -> str:
        whole = column.kind == "phone" or value_kind(cell) == "phone"
        return mask_text(mask_digits(cell)) if whole else mask_text(cell)

    tables = tuple(
        replace(
            table,
            columns=tuple(replace(c, samples=tuple(sample(c, s) for s in c.samples)) for c in table.columns),
            title_rows=tuple(tuple(mask_text(cell) for cell in row) for row in table.title_rows),
        )
        for table in inspection.tables
    )
    return replace(inspection, tables=tables)
