"""The per-row report as an Excel workbook: rows tinted by outcome, each bad cell red with a note saying why.

Written with openpyxl's write-only mode, a chunk of rows at a time, so memory stays
flat however long the sheet is (notes are the exception: openpyxl keeps them until
the end, so only the first MAX_NOTES problem cells get one). Every value is stored as a value (text stays text,
never a formula), and original text columns carry the Text number format so a phone
number typed over a bad one is not turned into 9.8E+09 again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.chart.label import DataLabelList
from openpyxl.chart.marker import DataPoint
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from importer import issues
from importer.errors import SourceError
from importer.report.atomic import report_error, write_atomically
from importer.report.rows import REPORT_COLUMNS, STATUS_ORDER, Summary

ROW_FILLS = {
    "accepted": "E2EFDA",
    "valid": "E2EFDA",
    "already-imported": "DDEBF7",
    "duplicate": "E7E6E6",
    "invalid": "FCE4E4",
    "rejected": "FCE4E4",
    "pending": "FFF2CC",
    "skipped": "F2F2F2",
}
BAR_COLOURS = {
    "accepted": "70AD47",
    "valid": "70AD47",
    "already-imported": "5B9BD5",
    "duplicate": "A5A5A5",
    "invalid": "E06666",
    "rejected": "C00000",
    "pending": "FFC000",
    "skipped": "BFBFBF",
}
ERROR_FILL = "F8696B"
WARNING_FILL = "FFD966"
AUTHOR = "leadimport"
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
MAX_WIDTH = 50
# openpyxl holds every note in memory until the file is saved (about 5 kB each): past this many,
# problem cells keep their colour but get no note, and the reason column still says why.
MAX_NOTES = 10_000
_CHUNK = 5_000  # rows turned into Python objects at a time
_WIDTH_SAMPLE = 200
_INTEGER_COLUMNS = frozenset({"sheet_row", "duplicate_of", "imported_in_run"})
_REPORT_NAMES = frozenset({*REPORT_COLUMNS, "imported_in_run"})

_LEGEND = (
    "Red cell: this value kept the row out. Hover over it to see why and what to type instead.",
    "Yellow cell: used with a change. Hover over it to see what changed.",
    "Rows are tinted by outcome with the colours above. Fix the red cells and upload the file again.",
)
_RANK = {"note": 0, "warning": 1, "error": 2}
_MARKED_STATUSES = frozenset({"invalid", "rejected", "duplicate"})
_Value = str | int | float | bool | None


def write_xlsx_report(
    frame: pd.DataFrame,
    path: Path,
    *,
    field_columns: Mapping[str, str],
    summary: Summary,
    details: Sequence[tuple[str, str]],
    region: str | None = "IN",
) -> None:
    """Write the report as an .xlsx workbook: a "Rows" sheet with the bad cells marked, and a "Summary" sheet.

    ``field_columns`` maps a lead field (phone, email, name, firstName …) to the column of
    ``frame`` holding the original cells that fed it; an original column renamed by
    ``report_frame`` (``email`` → ``email (sheet)``) may be given by either name.
    ``region`` picks the example numbers shown in the notes on bad phone cells.
    """
    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise SourceError(
            f"cannot write the report to {path}: {len(frame)} rows do not fit in an Excel sheet; use a .csv report."
        )
    if frame.shape[1] > EXCEL_MAX_COLUMNS:  # a wide CSV (a survey export) has more columns than a sheet holds
        raise SourceError(
            f"cannot write the report to {path}: {frame.shape[1]:,} columns do not fit in an Excel sheet (at most"
            f" {EXCEL_MAX_COLUMNS:,}); use a .csv report."
        )
    workbook = Workbook(write_only=True)
    try:
        rows = workbook.create_sheet("Rows")
        left_out = _write_rows(rows, frame, _field_positions(frame, field_columns), _examples(region))
        _write_summary(
            workbook.create_sheet("Summary"),
            summary,
            details,
            warnings=_warning_counts(frame),
            examples=_examples(region),
            notes_left_out=left_out,
        )
        _save(workbook, path)
    except OSError as exc:
        raise report_error(path, exc) from None


@dataclass(frozen=True, slots=True)
class _Mark:
    """What one cell gets beyond its row tint."""

    kind: str  # error, warning or note
    text: str


class _Styles:
    """The few cell styles of a sheet, built once; cells share them instead of styling one by one."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._cache: dict[tuple[str | None, bool, bool], Any] = {}

    def get(self, fill: str | None = None, *, text: bool = False, bold: bool = False) -> Any:
        key = (fill, text, bold)
        if key not in self._cache:
            proto = WriteOnlyCell(self.ws)
            if fill:
                proto.fill = PatternFill("solid", fgColor=fill)
            if text:
                proto.number_format = "@"
            if bold:
                proto.font = Font(bold=True)
            # The prototype's style array: per-cell styling would cost a style lookup for every cell.
            self._cache[key] = proto._style
        return self._cache[key]


def _cell(ws: Any, value: _Value, style: Any = None) -> Any:
    """A write-only cell holding ``value`` as a value: text is always text, never a formula or error code."""
    try:
        cell = Cell(ws, row=1, column=1, value=value, style_array=style)
    except IllegalCharacterError:
        cell = Cell(ws, row=1, column=1, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)), style_array=style)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _plain(value: object) -> _Value:
    """A value openpyxl stores as is; blanks and missing values become None (an empty cell)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return str(value)


def _field_positions(frame: pd.DataFrame, field_columns: Mapping[str, str]) -> dict[str, int]:
    """Lead field → position of its original column in ``frame`` (fields without one are left out)."""
    index = {str(c): i for i, c in enumerate(frame.columns)}
    out = {}
    for field_name, column in field_columns.items():
        # An original column never has a report column's name: report_frame renamed it.
        key = f"{column} (sheet)" if column in _REPORT_NAMES else column
        if key in index:
            out[field_name] = index[key]
    return out


def _examples(region: str | None) -> dict[str, str]:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE) if region else None
    number = number or (phonenumbers.example_number(region) if region else None)
    if number is None:
        return {
            "national": "a complete number",
            "international": "+ country code and number",
            "region": region or "no country",
        }
    return {
        "region": region or "no country",
        "national": str(number.national_number),
        "international": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    }


def _with_detail(template: str, written: str) -> str:
    """The template with the code's detail filled in (``phone-other-country:US`` names the likely country)."""
    detail = issues.split_code(written)[1]
    return template.replace("{detail}", detail.replace("{", "{{").replace("}", "}}"))


def _codes(text: object) -> list[str]:
    return [c.strip() for c in str(text or "").split(",") if c.strip()]


def _row_marks(
    row: Mapping[str, object], values: Sequence[object], fields: Mapping[str, int], examples: Mapping[str, str]
) -> dict[int, _Mark]:
    """Column position → mark for the cells of one report row that need the user's eye."""
    marks: dict[int, _Mark] = {}

    def mark(field_names: Sequence[str], kind: str, text: str) -> None:
        for name in field_names:
            pos = fields.get(name)
            if pos is None:
                continue
            cell_text = text.format(value=_plain(values[pos]) or "", **examples)
            old = marks.get(pos)
            if old is None:
                marks[pos] = _Mark(kind, cell_text)
            elif cell_text not in old.text:
                stronger = max(kind, old.kind, key=_RANK.__getitem__)
                marks[pos] = _Mark(stronger, f"{old.text}\n\n{cell_text}")

    status = str(row.get("status") or "")
    # The cell that identifies the lead: its phone, or its email when the phone cell is empty.
    has_phone = "phone" in fields and values[fields["phone"]] is not None
    contact = ("phone",) if has_phone or "email" not in fields else ("email",)
    if status == "invalid":
        for written in _codes(row.get("reason")):
            issue = issues.ERRORS.get(issues.split_code(written)[0])
            if issue is not None:
                mark(issue.fields, "error", _with_detail(issue.template, written))
    elif status == "rejected":
        message = str(row.get("reason") or "no reason given").replace("{", "{{").replace("}", "}}")
        mark(contact, "error", f"The CRM refused this lead: {message}")
    elif status == "duplicate":
        original = row.get("duplicate_of")
        if original is not None:
            mark(contact, "note", f"Same lead as row {original}; only that row is imported.")
    if status != "skipped":
        for written in _codes(row.get("warnings")):
            issue = issues.WARNINGS.get(issues.split_code(written)[0])
            if issue is not None:
                mark(issue.fields, "warning", _with_detail(issue.template, written))
    return marks


def _write_rows(ws: Any, frame: pd.DataFrame, fields: Mapping[str, int], examples: Mapping[str, str]) -> int:
    """The Rows sheet; returns how many notes were left out to keep memory bounded."""
    names = [str(c) for c in frame.columns]
    # Write-only sheets take layout before the first row.
    ws.freeze_panes = "A2"
    for i, width in enumerate(_widths(frame), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(names), 1))}{len(frame) + 1}"
    styles = _Styles(ws)
    ws.append([_cell(ws, n, styles.get(bold=True)) for n in names])
    text_column = [n not in _INTEGER_COLUMNS for n in names]
    row_styles = {
        status: [styles.get(fill, text=text) for text in text_column]
        for status, fill in [*ROW_FILLS.items(), (None, None)]
    }
    mark_fill = {"error": ERROR_FILL, "warning": WARNING_FILL}
    status_at = names.index("status") if "status" in names else None
    warnings_at = names.index("warnings") if "warnings" in names else None
    notes = left_out = 0
    for chunk in _chunks(frame):
        for values in zip(*chunk, strict=True):
            status = values[status_at] if status_at is not None else None
            base = row_styles.get(status) or row_styles[None]
            if status not in _MARKED_STATUSES and (warnings_at is None or values[warnings_at] is None):
                ws.append([_cell(ws, v, style) for v, style in zip(values, base, strict=True)])
                continue
            marks = _row_marks(dict(zip(names, values, strict=True)), values, fields, examples)
            cells = [_cell(ws, v, style) for v, style in zip(values, base, strict=True)]
            for pos, found in marks.items():
                fill = mark_fill.get(found.kind)
                cell = _cell(ws, values[pos], styles.get(fill, text=text_column[pos])) if fill else cells[pos]
                if notes < MAX_NOTES:
                    cell.comment = _comment(found.text)
                    notes += 1
                else:
                    left_out += 1
                cells[pos] = cell
            ws.append(cells)
    return left_out


def _chunks(frame: pd.DataFrame) -> Iterator[list[list[_Value]]]:
    """The frame as Python values, column lists for a few thousand rows at a time."""
    for start in range(0, len(frame), _CHUNK):
        part = frame.iloc[start : start + _CHUNK]
        columns: list[list[_Value]] = []
        for pos, name in enumerate(frame.columns):
            values = [_plain(v) for v in part.iloc[:, pos].tolist()]
            columns.append([_integer(v) for v in values] if str(name) in _INTEGER_COLUMNS else values)
        yield columns


def _integer(value: _Value) -> _Value:
    """Row and run numbers as numbers, whichever way the frame holds them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return value


def _widths(frame: pd.DataFrame) -> list[float]:
    """Column widths from the header and the first rows' values, capped at MAX_WIDTH."""
    sample = frame.head(_WIDTH_SAMPLE)
    widths = []
    for pos, name in enumerate(frame.columns):
        lengths = sample.iloc[:, pos].astype("str").fillna("").str.len()
        longest = max(len(str(name)) + 2, int(lengths.max()) if len(lengths) else 0)
        widths.append(float(min(MAX_WIDTH, max(8, longest + 2))))
    return widths


def _comment(text: str) -> Comment:
    lines = sum(1 + len(part) // 48 for part in text.split("\n"))
    return Comment(text, AUTHOR, height=max(60, 18 * lines + 12), width=320)


def _warning_counts(frame: pd.DataFrame) -> list[tuple[str, int]]:
    """Rows per warning code, most frequent first (skipped rows carry none)."""
    if "warnings" not in frame.columns:
        return []
    counted: dict[str, int] = {}
    for text, n in frame["warnings"].value_counts().items():
        for code in _codes(text):
            counted[code] = counted.get(code, 0) + int(n)
    return sorted(counted.items(), key=lambda item: (-item[1], item[0]))


def _fix(issue: issues.Issue, examples: Mapping[str, str] | None) -> str:
    return issue.fix.format(**{**issues.EXAMPLE_VALUES, **(examples or {})})


def _write_summary(
    ws: Any,
    summary: Summary,
    details: Sequence[tuple[str, str]],
    *,
    warnings: Sequence[tuple[str, int]] = (),
    examples: Mapping[str, str] | None = None,
    notes_left_out: int = 0,
) -> None:
    """The Summary sheet: rows per outcome, per problem and per warning (each explained from the issue
    catalogue), the run's details, the legend and a chart."""
    styles = _Styles(ws)
    bold = styles.get(bold=True)
    for letter, width in (("A", 26), ("B", 10), ("C", 60), ("D", 60)):
        ws.column_dimensions[letter].width = width
    statuses = [s for s in STATUS_ORDER if summary.counts.get(s)]
    statuses += [s for s in summary.counts if s not in STATUS_ORDER and summary.counts[s]]

    def line(*values: object, style: Any = None) -> None:
        ws.append([_cell(ws, _plain(v), style) for v in values])

    line("Outcome", "Rows", style=bold)
    for status in statuses:
        line(status, summary.counts[status], style=styles.get(ROW_FILLS.get(status)))
    line("Total", summary.total, style=bold)
    if summary.top_reasons:
        line()
        line("Problem", "Rows", "What it means", "What to do", style=bold)
        for code, n in summary.top_reasons:
            issue = issues.lookup(code, None if code in issues.ERRORS else "note")
            line(code, n, *((issue.title, _fix(issue, examples)) if issue else ()))
    if warnings:
        line()
        line("Warning", "Rows", "What it means", "What to do", style=bold)
        for code, n in warnings:
            issue = issues.WARNINGS.get(code)
            line(code, n, *((issue.title, _fix(issue, examples)) if issue else ()))
    if summary.top_rejections:
        line()
        line("CRM refusal", "Rows", style=bold)
        for message, n in summary.top_rejections:
            line(message, n)
    if details:
        line()
        line("Run", style=bold)
        for key, value in details:
            line(key, value)
    line()
    for text in _LEGEND:
        line(text)
    if notes_left_out:
        line(f"Only the first {MAX_NOTES:,} problem cells have a note; the reason column explains every row.")
    if statuses:
        ws.add_chart(_outcome_chart(ws, statuses), "E2")


def _outcome_chart(ws: Any, statuses: Sequence[str]) -> BarChart:
    """Horizontal bars of rows per outcome, read from the status count cells."""
    chart = BarChart()
    chart.type = "bar"
    chart.title = "Rows by outcome"
    chart.legend = None
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=len(statuses) + 1), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(statuses) + 1))
    chart.x_axis.scaling.orientation = "maxMin"  # first status on top, as in the table
    chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    chart.y_axis.delete = False
    series = chart.series[0]
    for i, status in enumerate(statuses):
        point = DataPoint(idx=i)
        point.graphicalProperties.solidFill = BAR_COLOURS.get(status, "808080")
        series.dPt.append(point)
    # Categories are text; openpyxl would declare them numbers.
    series.cat = AxDataSource(strRef=StrRef(f=series.cat.numRef.f))
    # Excel fills in any label part left unset, so each one is said.
    series.dLbls = DataLabelList(
        showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
    )
    chart.width, chart.height = 16, 7.5
    return chart


def _save(workbook: Workbook, path: Path) -> None:
    """Save beside the target and move into place: a failed write leaves any earlier report intact."""
    write_atomically(path, lambda tmp: workbook.save(tmp))
