"""Step 4, the review: the dry run's rows, filtered and paged on the server, fixed and excluded one by one."""

from __future__ import annotations

import collections
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers

from importer import issues
from importer.report.rows import region_in_doubt

PAGE_SIZE = 200
EXCLUDED = issues.EXCLUDED.code
"""The reason of a row the person left out on the review page (status ``skipped``)."""
EDITED = issues.EDITED_ON_PAGE.code
"""The warning on a row whose cell was corrected on the review page."""
_MASK_CACHE = 32


def codes(text: object) -> list[str]:
    """Issue codes of a reason or warnings cell ("invalid-phone, missing-name")."""
    return [c.strip() for c in str(text or "").split(",") if c.strip()]


def examples(region: str) -> dict[str, str]:
    """Example numbers of ``region`` for the explanation texts (as the XLSX report shows them)."""
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    number = number or phonenumbers.example_number(region)
    if number is None:
        return {"national": "a full mobile number", "international": "+ country code and number", "region": region}
    return {
        "region": region,
        "national": str(number.national_number),
        "international": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    }


STATUS_MEANINGS = {
    "valid": "would be sent: every check passed",
    "accepted": "the CRM created the lead",
    "already-imported": "an earlier import got this lead into the CRM already; not sent again",
    "duplicate": "the same lead (phone, email or lead id) as an earlier row of this file: sent once, with that row",
    "invalid": "held back, not sent: a check failed; the review and the report say which, and what to type",
    "rejected": "the CRM refused this lead; its words are in the Problems column and the report",
    "pending": "not sent yet, because the send stopped: sending again sends it, never twice",
    "skipped": "not a lead (a blank, title, note or total row), or a row you excluded",
    EXCLUDED: "rows you excluded on this page: not sent",
}
"""What each row status means, in the words the review and results pages show beside the counts."""
WHAT_HAPPENS = {
    "error": "held back, not sent",
    "warning": "sent, with this change",
    "note": "not a lead, left out",
}
"""What an issue of each severity does to its row, as the review page's table of problems says it."""


@dataclass(frozen=True, slots=True)
class IssueCount:
    """One issue code found in the review's rows: its plain title, what to do, and on how many rows."""

    code: str
    severity: str  # "error", "warning" or "note"
    title: str
    fix: str
    rows: int

    @property
    def happens(self) -> str:
        return WHAT_HAPPENS.get(self.severity, "")


def explain(code: str, *, warning: bool, value: str, region: str) -> str:
    """The XLSX report's explanation of an issue or warning code, filled in for one cell."""
    code, detail = issues.split_code(code)  # phone-other-country:US names the likely country
    issue = (issues.WARNINGS if warning else issues.ERRORS).get(code)
    if issue is None:
        other = issues.lookup(code)
        return other.title if other else code
    values = {**examples(region), "value": value, "detail": detail}
    return issue.template.format_map(collections.defaultdict(str, values))


def title_of(code: str, severity: str | None = None) -> str:
    """The catalogue's plain title of a written code (``phone-other-country:US`` too); the code itself when unknown."""
    level = severity if severity in ("error", "warning", "note") else None
    issue = issues.lookup(code, level) or issues.lookup(code)  # type: ignore[arg-type]
    return issue.title if issue is not None else code


@dataclass(frozen=True, slots=True)
class Problem:
    """One issue or warning of a row, the columns it is about, and what to do."""

    code: str
    severity: str  # "error", "warning" or "crm"
    text: str
    title: str  # the catalogue's few words for the code
    columns: tuple[str, ...]  # the sheet's column names whose cells caused it


@dataclass(frozen=True, slots=True)
class GridRow:
    """One row of the review grid."""

    sheet_row: int
    status: str
    cells: dict[str, str]  # sheet column → value (after edits)
    phone: str
    email: str
    duplicate_of: int | None
    problems: tuple[Problem, ...]
    excluded: bool
    edited: dict[str, str]  # sheet column → the value in the file before the edit
    lead_id: str

    def problem_columns(self, severity: str) -> set[str]:
        return {c for p in self.problems if p.severity == severity for c in p.columns}


@dataclass
class Review:
    """The dry run of one upload, and what the person changed since."""

    rows: pd.DataFrame  # the library's rows (status, reason, warnings, phone_e164 ...), one per data row
    cells: pd.DataFrame  # the sheet's cells, aligned with ``rows``
    field_columns: dict[str, str]  # lead field or metadata.<key> → sheet column
    region: str
    plan_text: str
    plan: dict[str, object]
    already_imported: int = 0
    checked: Any = None
    """The dry run's :class:`importer.Outcome` (its table and details), for the check's own report."""
    edits: dict[int, dict[str, str]] = field(default_factory=dict)  # sheet_row → column → the file's value
    excluded: set[int] = field(default_factory=set)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _masks: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    _stats: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.rows) != len(self.cells):
            raise ValueError("the review's rows and cells differ in length")
        self.rows = self.rows.reset_index(drop=True)
        self.cells = self.cells.reset_index(drop=True)
        self._position = pd.Index(self.rows["sheet_row"].astype("int64"))

    # -- counts and filters ------------------------------------------------------------------

    def status_counts(self) -> dict[str, int]:
        """Rows per status (kept until a row changes)."""
        with self.lock:
            if "status" not in self._stats:
                found = self.rows["status"].value_counts().to_dict()
                self._stats["status"] = {str(k): int(v) for k, v in found.items()}
            counts: dict[str, int] = self._stats["status"]
            return dict(counts)

    def issue_counts(self) -> list[IssueCount]:
        """Each issue code of the rows with its title, fix and count, held-back rows' codes first, then the
        changes made to rows that are sent, then the rows that are no leads; most frequent first in each."""
        with self.lock:
            if "issues" not in self._stats:
                counted: collections.Counter[tuple[str, str]] = collections.Counter()
                status = self.rows["status"]
                for column, severity, where in (
                    ("reason", "error", status == "invalid"),
                    ("warnings", "warning", status.notna()),
                    ("reason", "note", status == "skipped"),
                ):
                    for text, n in self.rows.loc[where, column].value_counts().items():
                        for code in codes(text):
                            counted[(code, severity)] += int(n)
                order = {"error": 0, "warning": 1, "note": 2}
                found = []
                for (code, severity), n in sorted(counted.items(), key=lambda kv: (order[kv[0][1]], -kv[1])):
                    issue = issues.lookup(code, severity)  # type: ignore[arg-type]
                    values = {**examples(self.region), "value": "", "detail": issues.split_code(code)[1]}
                    fix = issue.fix.format_map(collections.defaultdict(str, values)) if issue is not None else ""
                    found.append(IssueCount(code, severity, title_of(code, severity), fix, n))
                self._stats["issues"] = found
            result: list[IssueCount] = self._stats["issues"]
            return list(result)

    def country_in_doubt(self) -> tuple[int, int] | None:
        """(rows whose phone is not valid in the country chosen, rows that are leads) when that is most of them,
        as the summary's note counts it: seldom most people mistyping, more often another country's sheet."""
        refused = sum(
            i.rows for i in self.issue_counts() if i.code == issues.INVALID_PHONE.code and i.severity == "error"
        )
        with self.lock:
            kept = int((self.rows["status"] != "skipped").sum())
        return (refused, kept) if region_in_doubt(refused, kept) else None

    def _with_code(self, column: str, code: str) -> np.ndarray:
        """Rows whose ``column`` (reason or warnings) lists ``code``: matched on the column's few distinct texts."""
        distinct = self.rows[column].dropna().unique()
        having = [text for text in distinct if code in codes(text)]
        return self.rows[column].isin(having).to_numpy(dtype=bool)

    def matching(self, status: str, reason: str) -> np.ndarray:
        """Positions of the rows with this status (or any) and this issue code (or any), in sheet order."""
        key = (status, reason)
        with self.lock:
            cached = self._masks.get(key)
            if cached is not None:
                return cached
            mask = np.ones(len(self.rows), dtype=bool)
            if status == EXCLUDED:
                mask = np.zeros(len(self.rows), dtype=bool)
                mask[self._position.get_indexer(pd.Index(sorted(self.excluded)))] = True
            elif status:
                mask &= (self.rows["status"] == status).to_numpy()
            if reason:
                mask &= self._with_code("reason", reason) | self._with_code("warnings", reason)
            positions = np.flatnonzero(mask)
            if len(self._masks) >= _MASK_CACHE:
                self._masks.pop(next(iter(self._masks)))
            self._masks[key] = positions
            return positions

    def page(self, positions: np.ndarray, number: int, size: int = PAGE_SIZE) -> list[GridRow]:
        """One page (1-based) of the grid: its rows taken from the frames in one go."""
        start = (max(number, 1) - 1) * size
        return self.grid_rows(positions[start : start + size])

    # -- one row --------------------------------------------------------------------------------

    def position(self, sheet_row: int) -> int | None:
        found = self._position.get_indexer(pd.Index([sheet_row]))[0]
        return int(found) if found >= 0 else None

    def grid_row(self, position: int) -> GridRow:
        return self.grid_rows(np.array([position]))[0]

    def grid_rows(self, positions: np.ndarray) -> list[GridRow]:
        with self.lock:
            rows = self.rows.iloc[positions].to_dict("records")
            cells = self.cells.iloc[positions].astype(str).to_dict("records")
        out = []
        for row, row_cells in zip(rows, cells, strict=True):
            sheet_row = int(row["sheet_row"])
            duplicate = row.get("duplicate_of")
            out.append(
                GridRow(
                    sheet_row=sheet_row,
                    status=str(row["status"]),
                    cells={str(k): v for k, v in row_cells.items()},
                    phone=str(row.get("phone_e164") or ""),
                    email=str(row.get("email") or ""),
                    duplicate_of=int(duplicate) if duplicate is not None and not pd.isna(duplicate) else None,
                    problems=tuple(self._problems(row, {str(k): str(v) for k, v in row_cells.items()})),
                    excluded=sheet_row in self.excluded,
                    edited=dict(self.edits.get(sheet_row, {})),
                    lead_id=str(row.get("lead_id") or ""),
                )
            )
        return out

    def _problems(self, row: Mapping[Any, Any], cells: Mapping[str, str]) -> list[Problem]:
        out = []
        status = str(row["status"])
        if status == "rejected":
            return [Problem("crm", "crm", f"The CRM refused this lead: {row['reason']}", "Refused by the CRM", ())]
        if status == "pending" and row["reason"]:
            return [Problem("pending", "warning", str(row["reason"]), "Not sent yet", ())]
        for severity, text, table in (
            ("error", row["reason"], issues.ERRORS),
            ("warning", row["warnings"], issues.WARNINGS),
        ):
            for code in codes(text):
                name = issues.split_code(code)[0]
                fields = table[name].fields if name in table else ()
                columns = tuple(self.field_columns[f] for f in fields if f in self.field_columns)
                value = cells.get(columns[0], "") if columns else ""
                out.append(
                    Problem(
                        code,
                        severity,
                        explain(code, warning=severity == "warning", value=value, region=self.region),
                        title_of(code, severity),
                        columns,
                    )
                )
        return out

    def apply_recheck(self, sheet_row: int, column: str, value: str, checked: pd.Series) -> None:
        """Put one re-checked row in place of the old one, and the edit in the record."""
        with self.lock:
            position = self.position(sheet_row)
            if position is None:
                raise KeyError(sheet_row)
            old = str(self.cells.at[position, column])
            first = self.edits.setdefault(sheet_row, {})
            first.setdefault(column, old)
            if first[column] == value:  # edited back to what the file has
                del first[column]
                if not first:
                    del self.edits[sheet_row]
            self.cells.at[position, column] = value
            for name in checked.index:
                if name in self.rows.columns and name != "sheet_row":
                    self.rows.at[position, name] = checked[name]
            self._masks.clear()
            self._stats.clear()

    def record_send(self, rows: pd.DataFrame) -> None:
        """What a send did with the rows (its report's ``rows``), kept on the review as a new check would show
        it: leads now in the CRM ``already-imported``, those it refused for good ``rejected``. The review then
        offers to send only what is left (pending rows, rows corrected since), not every lead again."""
        done = rows[rows["status"].isin(["accepted", "already-imported", "rejected"])]
        with self.lock:
            at = self._position.get_indexer(pd.Index(done["sheet_row"].astype("int64")))
            done, at = done[at >= 0], at[at >= 0]
            refused = (done["status"] == "rejected").to_numpy()
            self.rows.loc[at, "status"] = np.where(refused, "rejected", "already-imported")
            self.rows.loc[at, "reason"] = np.where(refused, done["reason"].astype(str).to_numpy(), "")
            if "lead_id" in self.rows.columns and "lead_id" in done.columns:
                self.rows.loc[at, "lead_id"] = done["lead_id"].fillna("").astype(str).to_numpy()
            self.already_imported = int((self.rows["status"] == "already-imported").sum())
            self._masks.clear()
            self._stats.clear()

    def toggle_excluded(self, sheet_row: int, exclude: bool) -> None:
        with self.lock:
            if exclude:
                self.excluded.add(sheet_row)
            else:
                self.excluded.discard(sheet_row)
            self._masks.clear()
            self._stats.clear()

    def first_copy(self, position: int, phone: str, email: str, reference: str, keys: tuple[str, ...]) -> int | None:
        """The sheet row of an earlier valid row with the same phone, email or referenceId (the in-file dedupe)."""
        valid = (self.rows["status"] == "valid").to_numpy(dtype=bool, copy=True)
        valid[position] = False
        hit = np.zeros(len(self.rows), dtype=bool)
        for key, value in (("phone", phone), ("email", email), ("referenceId", reference)):
            if value and (key in keys or key == "referenceId"):
                column = "phone_e164" if key == "phone" else key
                hit |= (self.rows[column] == value).to_numpy(dtype=bool, na_value=False)
        earlier = np.flatnonzero(hit & valid)
        earlier = earlier[earlier < position]
        return int(self.rows["sheet_row"].iloc[int(earlier[0])]) if len(earlier) else None

    # -- what is sent ----------------------------------------------------------------------------

    def to_send(self) -> int:
        """Valid rows not excluded: the leads a send would try."""
        with self.lock:
            valid = self.rows["status"] == "valid"
            return int((valid & ~self.rows["sheet_row"].isin(self.excluded)).sum())

    @property
    def changed(self) -> bool:
        return bool(self.edits or self.excluded)

    def sent_cells(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The cells to send (edits applied, excluded rows left out) and the sheet row of each."""
        with self.lock:
            keep = ~self.rows["sheet_row"].isin(self.excluded).to_numpy()
            return self.cells[keep].reset_index(drop=True), self.rows["sheet_row"].to_numpy()[keep]

    def mark_report(self, rows: pd.DataFrame) -> pd.DataFrame:
        """The report rows with edits recorded (warning ``edited-on-page``) and excluded rows put back as skipped."""
        out = rows.copy()
        if self.edits:
            edited = out["sheet_row"].isin(self.edits.keys())
            out.loc[edited, "warnings"] = [
                f"{w}, {EDITED}" if w else EDITED for w in out.loc[edited, "warnings"].astype(str)
            ]
        if self.excluded:
            left = self.rows[self.rows["sheet_row"].isin(self.excluded)].copy()
            left["status"] = "skipped"
            left["reason"] = EXCLUDED
            for column in ("lead_id", "duplicate_of"):
                if column in left.columns:
                    left[column] = pd.NA if column == "duplicate_of" else ""
            out = pd.concat([out, left[[c for c in out.columns if c in left.columns]]], ignore_index=True)
            out = out.sort_values("sheet_row", kind="stable").reset_index(drop=True)
        return out

    def edited_description(self) -> list[str]:
        """Each edit, for the report's details: "row 7, Mobile: '98765' → '9876543210'"."""
        with self.lock:
            out = []
            for sheet_row in sorted(self.edits):
                position = self.position(sheet_row)
                for column, before in self.edits[sheet_row].items():
                    now = self.cells.at[position, column] if position is not None else ""
                    out.append(f"row {sheet_row}, {column}: {before!r} → {now!r}")
            return out


def write_rows_to_fix(review: Review, rows: pd.DataFrame, path: Path) -> int:
    """The rows still needing a person (invalid, rejected, pending), in the sheet's own columns, as text cells.

    Written as XLSX with every cell as text, so Excel cannot turn a phone number into 9.8E+09; the last
    column says what to fix. Returns the number of rows written.
    """
    from openpyxl import Workbook

    need = rows[rows["status"].isin(["invalid", "rejected", "pending"])]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Rows to fix")
    from importer.web.mapping_form import FIX_COLUMN

    columns = [str(c) for c in review.cells.columns]
    sheet.append([*columns, FIX_COLUMN])
    for _, row in need.iterrows():
        position = review.position(int(str(row["sheet_row"])))
        if position is None:
            continue
        cells = [str(v) for v in review.cells.iloc[position].tolist()]
        problems = review._problems(row.to_dict(), dict(zip(columns, cells, strict=True)))
        sheet.append([*cells, " ".join(p.text for p in problems) or str(row["status"])])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return len(need)
