"""Mapped cells → lead columns, row issues and the rows that are not leads at all."""

from __future__ import annotations

import itertools
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import (
    ArrowText,
    byte_lengths,
    empty_text,
    first_char_in,
    join_codes,
    nonempty,
    strip_invisible,
    to_arrow,
    to_bool,
    to_series,
    trim_whitespace,
)
from importer.config import METADATA_PREFIX, PHONE_COUNTRY_CODE, LeadMapping, normalize_header
from importer.normalize.contacts import (
    NAME_LIKE_PLACEHOLDERS,
    blank_placeholders_arrow,
    normalize_emails,
    normalize_names,
)
from importer.normalize.misplaced import Misplaced, misplaced_contacts
from importer.normalize.name_contacts import NameContacts, contacts_in_names, numbers_as_names, question_marks
from importer.normalize.not_leads import has_contact, partial_headers, template_rows, test_lead_rows
from importer.normalize.phone_cells import said_no_number
from importer.normalize.phone_rows import RowPhones, read_phones, without_made_up
from importer.normalize.refs import derive_reference_id_array
from importer.normalize.sheet_country import sheet_evidence
from importer.normalize.short_rows import short_rows
from importer.read.source import SourceTable
from importer.text_columns import TextColumns

NAME_FIELDS = ("name", "firstName", "lastName")
SUMMARY_LABEL = (
    r"(?i)^(?:(?:grand|sub)\s*-?\s*)?(?:totals?|sum|count|summary)(?:$|[^\pL])"  # Total (25), Count: 25, Sub-Total
    r"|^(?:no\.?|number)\s+of\s+(?:leads|rows|records|entries)\b"
    r"|^\d+\s+(?:leads?|rows?|records?|entries)$"  # 25 records
    r"|^कुल(?:$|[^\pL])"  # Hindi "total"
    # the same label in the header languages (docs/mappings.md); not words that are also given names (Suma, Som)
    r"|^(?:gesamt\w*|insgesamt|summe|somme|totale|totaal|jumlah|итого|всего|合计|总计|小计|合計|小計|합계|총계"
    r"|المجموع|الإجمالي|الاجمالي)(?:$|[^\pL])"
)
"""A total line's label; such a row is skipped unless it holds a phone or an email (a lead then)."""


@dataclass(frozen=True, slots=True)
class LeadFrame:
    """One row per data row: status, issues and the normalized lead fields."""

    rows: pd.DataFrame  # sheet_row, status, reason, warnings, duplicate_of, phone_e164, email, referenceId, ...
    meta: TextColumns
    """Metadata key → text, aligned with ``rows`` (:attr:`metadata` as a pandas frame)."""

    @property
    def metadata(self) -> pd.DataFrame:
        """The metadata as a pandas frame (made when first asked for: a sheet may have 100,000 metadata columns,
        which the send and the report take from :attr:`meta`)."""
        return self.meta.frame()


PARALLEL_ROWS = 200_000


def build_leads(
    table: SourceTable, mapping: LeadMapping, *, project_id: str, process_id: str, at_end: bool = True
) -> LeadFrame:
    """Normalize and check every row; statuses are skipped, invalid or valid (dedupe comes later).

    ``at_end``: the table's last rows are the sheet's last (false for a chunk of a file read in chunks).
    Large tables are cut into one chunk per core; Arrow's kernels release the GIL, so chunks run side by side.
    """
    n = table.n_rows
    workers = min(os.cpu_count() or 1, 4)
    if n < PARALLEL_ROWS or workers < 2:
        return _build_chunk(table, mapping, project_id=project_id, process_id=process_id, at_end=at_end)
    bounds = np.linspace(0, n, workers + 1, dtype=int)
    chunks = [table.rows_between(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        last = len(chunks) - 1
        parts = list(
            pool.map(
                lambda i: _build_chunk(
                    chunks[i], mapping, project_id=project_id, process_id=process_id, at_end=at_end and i == last
                ),
                range(len(chunks)),
            )
        )
    return LeadFrame(
        rows=pd.concat([p.rows for p in parts]),
        meta=TextColumns.concat([p.meta for p in parts]),
    )


def _build_chunk(
    table: SourceTable, mapping: LeadMapping, *, project_id: str, process_id: str, at_end: bool = True
) -> LeadFrame:
    """build_leads for one chunk of rows (``at_end``: the chunk holds the table's last rows)."""
    cells = _MappedCells(table, dict(mapping.constants))
    region = mapping.default_region
    in_names = contacts_in_names(cells.column("name"), region, with_phones=cells.mapped("phone"))
    cells.cleaned = in_names.names if in_names.found.any() else None  # Rahul 98450 12345: the name is Rahul
    phone_at = table.columns.get("phone") if cells.mapped("email") else None
    moved = misplaced_contacts(table.column(phone_at) if phone_at else None, cells.column("email"), region)
    emails = normalize_emails(_filled_from(moved.email, in_names.emails) if cells.cleaned is not None else moved.email)
    email = to_arrow(emails.email)
    phones = without_made_up(_phones(table, cells, mapping, in_names, moved), reachable=to_bool(nonempty(email)))
    names = _Names.of(cells)
    group = cells.text_field(
        "groupId", _blank_missing(to_arrow(cells.column("groupId"))) if cells.mapped("groupId") else None
    )
    given, damaged_ref = _given_reference(cells)
    by_email = "email" in mapping.dedupe and "phone" not in mapping.dedupe
    reference = _reference_ids(given, phones.e164, email, project_id, process_id, email_first=by_email)
    n = cells.n
    has_phone = to_bool(nonempty(phones.e164))
    unusable = emails.unusable.to_numpy(dtype=bool)
    no_contact = ~to_bool(nonempty(phones.raw)) & ~to_bool(nonempty(email)) & ~unusable
    said_none = np.zeros(n, dtype=bool)  # n/a, not given: named where the row has nothing else
    if no_contact.any() and cells.mapped("phone"):
        at = np.flatnonzero(no_contact)
        said_none[at] = said_no_number([table.column(h) for h in _phone_headers(table)], at, phones.warning)
    short, shifted = short_rows(table)
    cut = np.zeros(n, dtype=bool)
    cut[-1:] = table.cut_short  # the file ends inside a quoted cell of its last row
    reason = join_codes(
        [
            _code(shifted, issues.SHIFTED_ROW.code),
            _code(cut, issues.CUT_OFF_ROW.code),
            phones.issue,
            _code(unusable & ~has_phone, issues.INVALID_EMAIL.code),
            _code(names.missing, issues.MISSING_NAME.code),
            _code(no_contact, issues.MISSING_CONTACT.code),
        ],
        n,
    )
    warnings = join_codes(
        [
            phones.warning,
            to_arrow(emails.warning),
            _code(unusable & has_phone, issues.INVALID_EMAIL_WARNING.code),
            _code(said_none, issues.PLACEHOLDER_PHONE.code),
            _code(names.garbled, issues.GARBLED_NAME.code),
            _code(names.numeric, issues.NAME_IS_A_NUMBER.code),
            _code(in_names.found, issues.CONTACT_IN_NAME.code),
            _code(moved.found, issues.CONTACT_IN_OTHER_COLUMN.code),
            _code(damaged_ref, issues.DAMAGED_REFERENCE.code),
            _code(names.last_only, issues.NAME_FROM_LAST_NAME.code),
            _code(short, issues.SHORT_ROW.code),
        ],
        n,
    )
    reached = has_phone | to_bool(nonempty(email)) | unusable  # a phone or an email, usable or not
    skip = skip_reasons(table, at_end=at_end, reached=reached)
    rows = _lead_rows(table, skip, reason, warnings, phones.e164, email, reference, names.values, group)
    return LeadFrame(rows=rows, meta=_metadata(table, mapping, cells.constants))


class _MappedCells:
    """A chunk's cells by lead field: a field's column (filled from its alternates), constants applied."""

    def __init__(self, table: SourceTable, constants: dict[str, str]) -> None:
        self.table, self.constants = table, constants
        self.n = table.n_rows
        self.cleaned: pd.Series | None = None
        """The names without the phone or address some held (:mod:`importer.normalize.name_contacts`)."""

    def mapped(self, target: str) -> bool:
        return target in self.table.columns

    def column(self, target: str) -> pd.Series:
        cells = self.table.data
        if not self.mapped(target):
            return pd.Series(empty_text(self.n), index=cells.index, dtype="str")
        if target == "name" and self.cleaned is not None:
            return self.cleaned
        values = cells[self.table.columns[target]]
        for other in self.table.alternates.get(target, ()):  # Phone, Phone: the second fills what the first lacks
            values = _filled_from(values, cells[other])
        return values

    def text_field(self, target: str, values: ArrowText | None) -> ArrowText:
        out = values if values is not None else empty_text(self.n)
        constant = self.constants.get(target)
        return pc.if_else(nonempty(out), out, constant) if constant is not None else out


def _phones(
    table: SourceTable, cells: _MappedCells, mapping: LeadMapping, in_names: NameContacts, moved: Misplaced
) -> RowPhones:
    """Each row's phone, read in its country; Mobile, then Work Phone where Mobile has no valid number, then a
    number typed into the email or the name cell."""
    country = cells.column(PHONE_COUNTRY_CODE) if cells.mapped(PHONE_COUNTRY_CODE) else None
    headers = _phone_headers(table) if cells.mapped("phone") else []
    if headers:
        columns = [
            (h, moved.phone if at == 0 and moved.found.any() else table.column(h)) for at, h in enumerate(headers)
        ]
        columns += [(table.columns["email"], moved.numbers)] if moved.found.any() else []
        columns += [(table.columns["name"], in_names.phones)] if in_names.found.any() else []
        emails = cells.column("email") if cells.mapped("email") else None
        used = {table.columns.get(t) or "" for t in ("phone", "email", PHONE_COUNTRY_CODE)} | set(headers)
        evidence = sheet_evidence(table, emails, used) if mapping.default_region and not mapping.region_chosen else None
        return read_phones(columns, country, mapping.default_region, evidence=evidence, chosen=mapping.region_chosen)
    blank = empty_text(cells.n)
    return RowPhones(e164=blank, issue=blank, warning=blank, raw=blank)


def _phone_headers(table: SourceTable) -> list[str]:
    return [table.columns["phone"], *table.alternates.get("phone", ())]


@dataclass(slots=True)
class _Names:
    """The name fields, cleaned, and the rows whose names were not names."""

    values: dict[str, ArrowText]
    garbled: np.ndarray
    numeric: np.ndarray
    last_only: np.ndarray
    missing: np.ndarray

    @classmethod
    def of(cls, cells: _MappedCells) -> _Names:
        n = cells.n
        names = {
            f: cells.text_field(
                f,
                _blank_missing(to_arrow(normalize_names(cells.column(f))), keep=NAME_LIKE_PLACEHOLDERS)
                if cells.mapped(f)
                else None,
            )
            for f in NAME_FIELDS
        }
        garbled = np.zeros(n, dtype=bool)
        numeric = np.zeros(n, dtype=bool)
        for f in NAME_FIELDS:
            lost = question_marks(names[f])
            if lost.any():  # Excel's "CSV (Comma delimited)" turned Hindi letters into ?: no name to call anyone by
                names[f] = pc.if_else(pa.array(lost), pa.scalar("", pa.large_string()), names[f])
                garbled |= lost
            number = numbers_as_names(names[f])
            if number.any():  # a phone or an id in the name column: the caller would greet "Hello 98220…"
                names[f] = pc.if_else(pa.array(number), pa.scalar("", pa.large_string()), names[f])
                numeric |= number
        missing = ~to_bool(nonempty(names["name"])) & ~to_bool(nonempty(names["firstName"]))
        last_only = missing & to_bool(nonempty(names["lastName"]))
        if last_only.any():  # Shopify, Salesforce: only the surname filled in; the CRM needs a name to call them by
            names["name"] = pc.if_else(pa.array(last_only), names["lastName"], names["name"])
            missing = missing & ~last_only
        return cls(names, garbled, numeric, last_only, missing)


def _given_reference(cells: _MappedCells) -> tuple[ArrowText, np.ndarray]:
    """The sheet's own referenceIds (placeholders blank), and the rows whose id Excel cut to 1.23457E+15."""
    # NA, -, 0 or a failed VLOOKUP's #N/A in many rows is no id: those rows would all look like one lead.
    given = cells.text_field(
        "referenceId", _blank_missing(to_arrow(cells.column("referenceId"))) if cells.mapped("referenceId") else None
    )
    damaged = _scientific(given)
    if damaged.any():  # Excel dropped digits, distinct ids look alike; one is derived instead
        given = pc.if_else(pa.array(damaged), pa.scalar("", pa.large_string()), given)
    return given, damaged


def _lead_rows(
    table: SourceTable,
    skip: ArrowText,
    reason: ArrowText,
    warnings: ArrowText,
    e164: ArrowText,
    email: ArrowText,
    reference: ArrowText,
    names: dict[str, ArrowText],
    group: ArrowText,
) -> pd.DataFrame:
    """The lead columns of the chunk's rows, with each row's status."""
    index = table.index
    n = len(index)
    skipped = to_bool(nonempty(skip))
    status = pc.if_else(pa.array(skipped), "skipped", pc.if_else(nonempty(reason), "invalid", "valid"))
    rows = pd.DataFrame(index=index)
    rows["sheet_row"] = table.sheet_row
    rows["status"] = to_series(status, index)
    rows["reason"] = to_series(pc.if_else(skipped, skip, reason), index)
    rows["warnings"] = to_series(pc.if_else(skipped, "", warnings), index)
    rows["duplicate_of"] = pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool))
    rows["phone_e164"] = to_series(e164, index)
    rows["email"] = to_series(email, index)
    rows["referenceId"] = to_series(reference, index)
    rows["lead_id"] = to_series(empty_text(n), index)
    for f in NAME_FIELDS:
        rows[f] = to_series(names[f], index)
    rows["groupId"] = to_series(group, index)
    return rows


def _reference_ids(
    given: ArrowText, e164: ArrowText, email: ArrowText, project_id: str, process_id: str, *, email_first: bool
) -> ArrowText:
    """The sheet's referenceId where given, else one derived from the phone (else email).

    ``email_first`` (a mapping that dedupes on email, not phone): from the email, else the phone, so
    two people sharing a family phone are two leads.
    """
    need = ~to_bool(nonempty(given))
    if not need.any():
        return given
    mask = pa.array(need)
    first, second = (email, e164) if email_first else (e164, email)
    contact = pc.filter(pc.if_else(nonempty(first), first, second), mask)
    derived = derive_reference_id_array(project_id, process_id, contact)
    return pc.replace_with_mask(given, mask, pc.cast(derived, given.type))


def _scientific(values: ArrowText) -> np.ndarray:
    """Values in scientific notation (1.23457E+15): a long number Excel already cut to 15 digits or fewer."""
    has = np.flatnonzero(to_bool(pc.match_substring(values, "+")))
    found = np.zeros(len(values), dtype=bool)
    if len(has):
        found[has] = to_bool(pc.match_substring_regex(pc.take(values, pa.array(has)), r"^\d(?:[.,]\d+)?[eE]\+\d+$"))
    return found


def skip_reasons(table: SourceTable, *, at_end: bool = True, reached: np.ndarray | None = None) -> ArrowText:
    """blank-row, summary-row, repeated-header, title-row, note-row or group-row for rows that are not leads;
    "" otherwise.

    ``at_end``: the table's last rows are the sheet's (not a chunk's), so lines below the leads can be told;
    ``reached``: rows with a phone number or an email address (as read), which are never such lines.
    """
    cells = table.data
    n = len(cells)
    if cells.width == 0 or n == 0:
        return empty_text(n)
    first = pa.nulls(n, type=pa.large_string())
    missing = np.arange(n)
    for name in [c for c in cells.names if c not in table.ignored]:  # a report fed back: the sheet's own cells
        # Each column only fills the rows still without a value; usually the first column fills nearly all.
        values = pc.take(cells.array(name), pa.array(missing)) if len(missing) < n else cells.array(name)
        filled = byte_lengths(trim_whitespace(values)) > 0
        if filled.any():
            first = pc.replace_with_mask(first, _mask(n, missing[filled]), pc.filter(values, pa.array(filled)))
        missing = missing[~filled]
        if len(missing) == 0:
            break
    blank = to_bool(pc.is_null(first))
    first = pc.utf8_trim_whitespace(pc.fill_null(first, ""))
    summary = to_bool(pc.match_substring_regex(first, SUMMARY_LABEL))
    labelled = np.flatnonzero(summary)
    summary[labelled[has_contact(table, labelled)]] = False
    header_again = _repeated_header(table)
    reason = np.full(n, "", dtype=object)
    if reached is not None:
        reason[_group_labels(blank, reached, table)] = issues.GROUP_ROW.code
    if at_end and reached is not None:
        reason[_notes_below(blank, reached, table)] = issues.NOTE_ROW.code
    if reached is not None:
        reason[template_rows(blank, reached, table)] = issues.TEMPLATE_ROW.code
    reason[test_lead_rows(table)] = issues.TEST_LEAD.code
    reason[summary] = issues.SUMMARY_ROW.code
    reason[_titles_above(np.flatnonzero(header_again), blank, table)] = issues.TITLE_ROW.code
    reason[header_again] = issues.REPEATED_HEADER.code
    reason[blank] = issues.BLANK_ROW.code
    return pa.array(reason, type=pa.large_string())


def _titles_above(headers: np.ndarray, blank: np.ndarray, table: SourceTable) -> np.ndarray:
    """Rows of a single cell just above a repeated header (a second export's title), without a contact."""
    titles: list[int] = []
    for h in headers.tolist():
        row = h - 1
        while row >= 0 and blank[row]:
            row -= 1
        while row >= 0 and not blank[row] and table.cells.iloc[row].astype(bool).sum() == 1:
            titles.append(row)
            row -= 1
    found = np.array(titles, dtype=np.int64)
    return found[~has_contact(table, found)] if len(found) else found


NOTE_TAIL = 50
"""Rows at the end of a sheet looked at for lines of text below the leads."""
_NOT_A_NAME = re.compile(
    r"[\d:©@#/|=]|\b(?:generated|report|page|total|confidential|copyright|exported|downloaded|printed|notes?|"
    r"disclaimer|rights|reserved|powered|source|created|updated|prepared|regards)\b",
    re.IGNORECASE,
)
"""What a name never holds: digits, a colon, ©, or the words footers are made of."""


def _notes_below(blank: np.ndarray, reached: np.ndarray, table: SourceTable) -> np.ndarray:
    """Lines of text under the last lead (Generated by ..., Page 1 of 1, Notes:): one cell, no phone or email,
    and not a name in a name column.

    A single name with no phone or email stays a lead (missing-contact), so the sheet's owner sees it.
    """
    n = len(blank)
    tail = np.arange(max(0, n - NOTE_TAIL), n)
    if not reached[tail].any():
        return np.zeros(0, dtype=np.int64)
    name_columns = {table.columns[f] for f in ("name", "firstName", "lastName") if f in table.columns}
    phone_columns = {table.columns["phone"], *table.alternates.get("phone", ())} if "phone" in table.columns else set()
    read = [c for c in table.names if c not in table.ignored]  # a report fed back in: not its own columns
    notes = []
    for row in tail[np.flatnonzero(reached[tail])[-1] + 1 :].tolist():
        if blank[row] or reached[row]:
            continue
        cells = table.cells.iloc[row]
        filled = [(column, str(cells[column]).strip()) for column in read if str(cells[column]).strip()]
        if len(filled) != 1:
            continue
        column, text = filled[0]
        if "@" in text or "\uff20" in text or (column in phone_columns and not _WORD.search(text)):
            continue  # an email or a phone number that could not be read: an invalid lead, shown as one
        if column not in name_columns or len(text.split()) > 4 or _NOT_A_NAME.search(text):
            notes.append(row)
    return np.array(notes, dtype=np.int64)


_WORD = re.compile(r"[^\W\d_]{3}")


_GROUP_WORDS = (
    r"(?i):|\b(?:branch|campaign|source|region|zone|area|city|state|dealer|store|showroom|outlet|team|group|batch|"
    r"event|date|day|week|month|quarter|list|segment|category|channel|agent|executive)\b"
)
"""What a group label in a name column says (Branch: Pune, Diwali campaign), where a lone name would not."""


def _group_labels(blank: np.ndarray, reached: np.ndarray, table: SourceTable) -> np.ndarray:
    """Rows of a single cell heading the leads below them (Branch: Pune, 12-Oct-2026, Walk-ins): no phone or
    email, the next row that is not blank a lead with one.

    A lone name in a name column, or a lone unreadable phone or email, stays a lead (missing-contact), so the
    sheet's owner sees it; in a name column only label words or a colon make a label.
    """
    candidates: np.ndarray = np.flatnonzero(~reached & ~blank)
    if len(candidates) == 0:
        return candidates
    filled_rows = np.flatnonzero(~blank)
    following = np.searchsorted(filled_rows, candidates, side="right")
    heads = following < len(filled_rows)
    candidates = candidates[heads]
    candidates = candidates[reached[filled_rows[following[heads]]]]
    if len(candidates) == 0:
        return candidates
    read = [c for c in table.names if c not in table.ignored]
    count = np.zeros(len(candidates), dtype=np.int64)
    where = np.full(len(candidates), -1, dtype=np.int64)
    texts = pa.nulls(len(candidates), type=pa.large_string())
    for position, column in enumerate(read):
        values = trim_whitespace(pc.take(to_arrow(table.column(column)), pa.array(candidates)))
        filled = byte_lengths(values) > 0
        count += filled
        where[filled] = position
        texts = pc.if_else(pa.array(filled), values, texts)
    single = count == 1
    contact = {table.columns[f] for f in ("phone", "email") if f in table.columns}
    contact |= {c for f in ("phone", "email") for c in table.alternates.get(f, ())}
    names = {table.columns[f] for f in NAME_FIELDS if f in table.columns}
    in_contact = np.array([read[w] in contact if w >= 0 else False for w in where.tolist()], dtype=bool)
    in_name = np.array([read[w] in names if w >= 0 else False for w in where.tolist()], dtype=bool)
    texts = pc.fill_null(texts, "")
    labelled = to_bool(pc.match_substring_regex(texts, _GROUP_WORDS))
    emailish = to_bool(pc.match_substring_regex(texts, "[@\uff20]"))
    labels: np.ndarray = candidates[single & ~in_contact & ~emailish & (~in_name | labelled)]
    return labels


def _repeated_header(table: SourceTable) -> np.ndarray:
    """Rows whose mapped cells spell their own headers again (a second export pasted below the first), or
    two or more cells of which do, and none holds a phone or email (a second block's header, partly repeated)."""
    mapped = list(dict.fromkeys(table.columns.values()))
    if not mapped:
        return np.zeros(table.n_rows, dtype=bool)
    partial = partial_headers(table)
    first = mapped[0]
    # strip_invisible: a second export's byte-order mark, when two files were joined, sits in its header
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(strip_invisible(to_arrow(table.column(first)))))
    candidates = np.flatnonzero(to_bool(pc.equal(lowered, first.strip().lower())))
    for header in mapped[1:]:
        if len(candidates) == 0:
            break
        values = pc.take(to_arrow(table.column(header)), pa.array(candidates))
        keys = pc.utf8_lower(pc.replace_substring_regex(values, r"[^\pL\pN]+", ""))
        candidates = candidates[to_bool(pc.equal(keys, normalize_header(header)))]
    hit = partial
    hit[candidates] = True
    return hit


def _mask(n: int, positions: np.ndarray) -> pa.Array:
    mask = np.zeros(n, dtype=bool)
    mask[positions] = True
    return pa.array(mask)


def _filled_from(values: pd.Series, other: pd.Series) -> pd.Series:
    """``values`` with its empty cells (placeholders too) taken from ``other`` where that cell's value is its own.

    A value ``other`` holds in several rows (a branch's landline, an office email) is no lead's own: taken, it
    would make those leads duplicates of one another.
    """
    theirs = blank_placeholders_arrow(to_arrow(other))
    encoded = pc.dictionary_encode(theirs)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    once = np.bincount(codes, minlength=len(encoded.dictionary))[codes] == 1
    take = ~to_bool(nonempty(blank_placeholders_arrow(to_arrow(values)))) & to_bool(nonempty(theirs)) & once
    return values.where(~take, other) if take.any() else values


def _code(mask: np.ndarray, code: str) -> pa.Array | None:
    """``code`` where ``mask`` holds, else ""; None when it holds nowhere (nothing to join)."""
    if not mask.any():
        return None
    return pc.if_else(pa.array(mask), pa.scalar(code, pa.large_string()), pa.scalar("", pa.large_string()))


EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#FIELD!")


def _blank_missing(values: ArrowText, *, keep: frozenset[str] = frozenset()) -> ArrowText:
    """Trimmed text with placeholders (N/A, -, 0) and Excel error values (#N/A, #REF!) turned into empty text."""
    text = blank_placeholders_arrow(values, keep=keep)
    error = pc.is_in(pc.utf8_upper(text), value_set=pa.array(EXCEL_ERRORS, pa.large_string()))
    return pc.if_else(error, pa.scalar("", pa.large_string()), text)


def _metadata(table: SourceTable, mapping: LeadMapping, constants: dict[str, str]) -> TextColumns:
    """Each row's metadata values by key: trimmed, Excel's error values (#REF!) blanked, constants as defaults."""
    cells = table.data
    used = set(table.columns.values()) | table.ignored
    unmapped = TextColumns.empty(cells.index)
    if mapping.metadata_unmapped:
        unmapped = _unmapped_metadata(cells, used)
    meta: dict[str, ArrowText] = {}
    for spec in mapping.metadata:
        column = table.columns.get(spec.target)
        if column is not None:
            values = trim_whitespace(cells.array(column))
            for other in table.alternates.get(spec.target, ()):
                values = pc.if_else(nonempty(values), values, trim_whitespace(cells.array(other)))
            meta[spec.key] = _blank_errors(values)
    for key, value in constants.items():
        if key.startswith(METADATA_PREFIX):
            name = key.removeprefix(METADATA_PREFIX)
            # a default, as for lead fields: the column's value wins where the cell is not empty
            given = meta.get(name, unmapped.array(name) if name in unmapped else None)
            filled = pa.scalar(value, pa.large_string())
            meta[name] = pc.if_else(nonempty(given), given, filled) if given is not None else _repeat(value, len(cells))
    if not meta:
        return unmapped
    changed = {unmapped.position(k): _text(v) for k, v in meta.items() if k in unmapped}
    added = [k for k in meta if k not in unmapped]
    out = unmapped.with_arrays(changed)
    if not added:
        return out
    return TextColumns([*out.names, *added], [*out.arrays, *(_text(meta[k]) for k in added)], cells.index)


def _text(values: ArrowText) -> pa.Array:
    """One large_string array without nulls (as a frame's column would be taken)."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    if array.type != pa.large_string():
        array = pc.cast(array, pa.large_string())
    return pc.fill_null(array, "") if array.null_count else array


def _unmapped_metadata(cells: TextColumns, used: set[str]) -> TextColumns:
    """The columns not ``used`` as metadata values, worked on a block of columns at a time (a sheet may have
    100,000 of them)."""
    skipped = {i for i, name in enumerate(cells.names) if name in used}
    return cells.without(skipped, lambda values: _blank_errors(trim_whitespace(values)))


def _blank_errors(values: ArrowText) -> ArrowText:
    """``values`` with Excel's error values (#REF! is a broken formula in the sheet, not a value) made empty."""
    if not first_char_in(values, "#").any():
        return values
    error = pc.is_in(values, value_set=pa.array(EXCEL_ERRORS, pa.large_string()))
    return pc.if_else(error, pa.scalar("", pa.large_string()), values)


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value] * n, pa.large_string())
