"""Mapped cells → lead columns, row issues and the rows that are not leads at all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from importer.config import LeadMapping, normalize_header
from importer.contacts import blank_placeholders, normalize_emails, normalize_names
from importer.phones import normalize_phones
from importer.read import SourceTable
from importer.refs import derive_reference_ids

NAME_FIELDS = ("name", "firstName", "lastName")
SUMMARY_LABEL = (
    r"(?i)(?:grand\s*|sub\s*-?\s*)?totals?(?:\s+(?:leads|rows|count|records))?\s*[:=-]?\s*\d*|sum|count|total\s*:.*"
)


@dataclass(frozen=True, slots=True)
class LeadFrame:
    """One row per data row: status, issues and the normalized lead fields."""

    rows: (
        pd.DataFrame
    )  # sheet_row, status, reason, warnings, duplicate_of, phone_e164, email, referenceId, lead_id, name...
    metadata: pd.DataFrame  # metadata key → text, aligned with ``rows``


def build_leads(table: SourceTable, mapping: LeadMapping, *, project_id: str, process_id: str) -> LeadFrame:
    """Normalize and check every row; statuses are skipped, invalid or valid (dedupe comes later)."""
    cells = table.cells
    n = len(cells)
    empty = pd.Series("", index=cells.index, dtype="str")

    def column(target: str) -> pd.Series:
        header = table.columns.get(target)
        return cells[header] if header is not None else empty

    constants = dict(mapping.constants)
    rows = pd.DataFrame(index=cells.index)
    rows["sheet_row"] = table.sheet_row
    phone_raw = blank_placeholders(column("phone"))
    phones = normalize_phones(phone_raw, mapping.default_region)
    emails = normalize_emails(column("email"))
    rows["phone_e164"] = phones.e164
    rows["email"] = emails.email
    for name in NAME_FIELDS:
        rows[name] = _with_constant(normalize_names(column(name)), constants.get(name))
    rows["groupId"] = _with_constant(blank_placeholders(column("groupId")), constants.get("groupId"))
    given_ref = _with_constant(column("referenceId").astype("str").str.strip(), constants.get("referenceId"))
    derived = derive_reference_ids(
        project_id, process_id, rows["phone_e164"].where(rows["phone_e164"] != "", rows["email"])
    )
    rows["referenceId"] = given_ref.where(given_ref != "", derived)

    has_phone = rows["phone_e164"] != ""
    issues = [
        phones.issue,
        _code(emails.unusable & ~has_phone, "invalid-email"),
        _code((rows["name"] == "") & (rows["firstName"] == ""), "missing-name"),
        _code((phone_raw == "") & (emails.email == "") & ~emails.unusable, "missing-contact"),
    ]
    warnings = [phones.warning, emails.warning, _code(emails.unusable & has_phone, "invalid-email")]
    rows["reason"] = _join(issues)
    rows["warnings"] = _join(warnings)
    skip = skip_reasons(table)
    rows["status"] = np.where(skip != "", "skipped", np.where(rows["reason"] != "", "invalid", "valid"))
    rows["reason"] = skip.where(skip != "", rows["reason"])
    rows["warnings"] = rows["warnings"].where(skip == "", "")
    rows["duplicate_of"] = pd.array([pd.NA] * n, dtype="Int64")
    rows["lead_id"] = empty
    return LeadFrame(rows=rows, metadata=_metadata(table, mapping, constants))


def skip_reasons(table: SourceTable) -> pd.Series:
    """blank-row, summary-row or repeated-header for rows that are not leads; "" otherwise."""
    cells = table.cells
    reason = pd.Series("", index=cells.index, dtype="str")
    if cells.shape[1] == 0:
        return reason
    stripped = {c: cells[c].str.strip() for c in cells.columns}
    blank = np.logical_and.reduce([(s == "").to_numpy() for s in stripped.values()])
    first = pd.Series("", index=cells.index, dtype="str")
    for s in stripped.values():
        first = first.where(first != "", s)
    summary = first.str.fullmatch(SUMMARY_LABEL).fillna(False).to_numpy(dtype=bool)
    mapped = [h for h in table.columns.values()]
    if mapped:
        header_again = np.logical_and.reduce(
            [
                (stripped[h].str.lower().str.replace(r"[\W_]+", "", regex=True) == normalize_header(h)).to_numpy()
                for h in mapped
            ]
        )
    else:
        header_again = np.zeros(len(cells), dtype=bool)
    reason[summary] = "summary-row"
    reason[header_again] = "repeated-header"
    reason[blank] = "blank-row"
    return reason


def _metadata(table: SourceTable, mapping: LeadMapping, constants: dict[str, str]) -> pd.DataFrame:
    cells = table.cells
    meta = {}
    used = set(table.columns.values()) | table.ignored
    if mapping.metadata_unmapped:
        for header in cells.columns:
            if header not in used:
                meta[header] = cells[header].str.strip()
    for spec in mapping.metadata:
        column = table.columns.get(spec.target)
        if column is not None:
            meta[spec.target] = cells[column].str.strip()
    for key, value in constants.items():
        if key.startswith("metadata."):
            meta[key.removeprefix("metadata.")] = pd.Series(value, index=cells.index, dtype="str")
    return pd.DataFrame(meta, index=cells.index)


def _with_constant(values: pd.Series, constant: str | None) -> pd.Series:
    if constant is None:
        return values.astype("str")
    return values.astype("str").where(values != "", constant)


def _code(mask: pd.Series, code: str) -> pd.Series:
    return pd.Series(np.where(mask.to_numpy(dtype=bool), code, ""), index=mask.index, dtype="str")


def _join(parts: list[pd.Series]) -> pd.Series:
    """Non-empty codes joined with ', ' (each part may itself hold a comma list)."""
    out = parts[0].astype("str")
    for part in parts[1:]:
        part = part.astype("str")
        both = (out != "") & (part != "")
        out = (out + np.where(both, ", ", "") + part).astype("str")
    return out.str.replace(",(?=\\S)", ", ", regex=True)
