"""The Excel report: outcomes per row, bad cells red with a note, text kept as text, a summary with a chart."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from importer.errors import SourceError
from importer.normalize.phones import normalize_phones
from importer.report.rows import report_frame, summarize
from importer.report.xlsx import ERROR_FILL, MAX_WIDTH, ROW_FILLS, WARNING_FILL, write_xlsx_report

HEADERS = ["Customer Name", "Mobile No.", "Email ID", "City", "Notes"]
FIELDS = {"name": "Customer Name", "phone": "Mobile No.", "email": "Email ID", "city": "City"}
CRM_MESSAGE = "Phone number is on the do-not-call list"
# sheet_row → (status, reason, warnings, duplicate_of, phone_e164, original cells)
Spec = tuple[str, str, str, int | None, str, list[str]]
ROWS: dict[int, Spec] = {
    2: ("valid", "", "", None, "+918123456789", ["Asha", "8123456789", "asha@x.in", "Pune", '=HYPERLINK("x")']),
    3: ("invalid", "invalid-phone", "", None, "", ["Ravi", "12345", "ravi@x.in", "Goa", "+91 98765 43210"]),
    4: ("invalid", "damaged-phone", "", None, "", ["Meena", "9.8E+09", "", "Delhi", "-5"]),
    5: ("invalid", "missing-name", "", None, "+918123456780", ["", "8123456780", "", "Pu\x0bne", "@foo"]),
    6: ("valid", "", "invalid-email", None, "+918123456781", ["Kiran", "8123456781", "kiran@", "Goa", "#N/A"]),
    7: ("duplicate", "", "", 2, "+918123456789", ["Asha R.", "81234 56789", "", "Pune", ""]),
    8: ("rejected", CRM_MESSAGE, "", None, "+918123456782", ["Dev", "8123456782", "", "Mumbai", ""]),
    9: ("skipped", "blank-row", "", None, "", ["", "", "", "", ""]),
}


def build_frame(rows: dict[int, Spec] = ROWS) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The status rows and the report frame the pipeline would hand over."""
    status = pd.DataFrame(
        {
            "sheet_row": pd.array(list(rows), dtype="Int64"),
            "status": [r[0] for r in rows.values()],
            "reason": [r[1] for r in rows.values()],
            "warnings": [r[2] for r in rows.values()],
            "duplicate_of": pd.array([r[3] for r in rows.values()], dtype="Int64"),
            "phone_e164": [r[4] for r in rows.values()],
            "email": "",
            "referenceId": "",
            "lead_id": "",
        }
    )
    cells = pd.DataFrame([r[5] for r in rows.values()], columns=HEADERS, dtype="str")
    return status, report_frame(status, cells)


@pytest.fixture
def workbook(tmp_path: Path) -> tuple[Path, Any]:
    """The report for ROWS written to tmp_path, and loaded back."""
    status, frame = build_frame()
    path = tmp_path / "leads.report.xlsx"
    details = [("File", "leads.xlsx"), ("Sheet", "Leads"), ("Mapping", "mapping.yaml"), ("Data rows", "8")]
    write_xlsx_report(frame, path, field_columns=FIELDS, summary=summarize(status), details=details)
    return path, load_workbook(path)


def cell_at(ws: Any, sheet_row: int, header: str) -> Any:
    """The Rows-sheet cell for a sheet row of the source file and a column header."""
    headers = [c.value for c in ws[1]]
    rows = {ws.cell(row=r, column=1).value: r for r in range(2, ws.max_row + 1)}
    return ws.cell(row=rows[sheet_row], column=headers.index(header) + 1)


def fill_of(cell: Any) -> str | None:
    """The solid fill colour as RRGGBB, or None."""
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else None


def test_rows_sheet_has_report_then_original_columns_and_each_outcome(workbook: tuple[Path, Any]) -> None:
    """Every row is there with its status, sheet_row and duplicate_of as numbers, original columns after the report's."""
    ws = workbook[1]["Rows"]
    assert [c.value for c in ws[1]] == ["sheet_row", "status", "reason", "warnings", "duplicate_of", "phone_e164",
                                        "email", "referenceId", "lead_id", *HEADERS]  # fmt: skip
    for sheet_row, (status, *_) in ROWS.items():
        assert cell_at(ws, sheet_row, "status").value == status
    assert cell_at(ws, 7, "sheet_row").value == 7
    assert cell_at(ws, 7, "duplicate_of").value == 2
    assert cell_at(ws, 7, "duplicate_of").data_type == "n"
    assert cell_at(ws, 2, "duplicate_of").value is None


def test_invalid_phone_cell_is_red_with_what_to_type(workbook: tuple[Path, Any]) -> None:
    """The phone cell that failed is strong red and its note says it is not valid and shows a good number."""
    cell = cell_at(workbook[1]["Rows"], 3, "Mobile No.")
    assert fill_of(cell) == ERROR_FILL
    assert "not a valid phone number" in cell.comment.text
    assert "8123456789" in cell.comment.text and "+91 81234 56789" in cell.comment.text


def test_damaged_phone_note_quotes_the_cell_and_suggests_a_number_that_passes(workbook: tuple[Path, Any]) -> None:
    """The damaged-phone note names what Excel made of the number, and its example numbers pass validation."""
    cell = cell_at(workbook[1]["Rows"], 4, "Mobile No.")
    assert fill_of(cell) == ERROR_FILL
    assert cell.comment.text.startswith("Excel turned this number into 9.8E+09 and dropped digits")
    examples = re.findall(r"e\.g\. (\S+) or (.+?)\.$", cell.comment.text)[0]
    checked = normalize_phones(pd.Series(list(examples), dtype="str"), "IN")
    assert list(checked.issue) == ["", ""]


def test_missing_name_marks_the_name_cell_only(workbook: tuple[Path, Any]) -> None:
    """A row without a name has its empty name cell red; its good phone keeps the row's light tint."""
    ws = workbook[1]["Rows"]
    assert fill_of(cell_at(ws, 5, "Customer Name")) == ERROR_FILL
    assert "no name" in cell_at(ws, 5, "Customer Name").comment.text
    assert fill_of(cell_at(ws, 5, "Mobile No.")) == ROW_FILLS["invalid"]
    assert cell_at(ws, 5, "Mobile No.").comment is None


def test_email_warning_is_yellow_on_a_valid_row(workbook: tuple[Path, Any]) -> None:
    """An unusable email on a row with a good phone is yellow with a note; the row stays valid and green."""
    ws = workbook[1]["Rows"]
    cell = cell_at(ws, 6, "Email ID")
    assert fill_of(cell) == WARNING_FILL
    assert "goes to the CRM without one" in cell.comment.text
    assert fill_of(cell_at(ws, 6, "Mobile No.")) == ROW_FILLS["valid"]


def test_duplicate_row_notes_the_row_it_repeats(workbook: tuple[Path, Any]) -> None:
    """A duplicate's phone cell says which row holds the same lead, without being marked as an error."""
    cell = cell_at(workbook[1]["Rows"], 7, "Mobile No.")
    assert cell.comment.text.startswith("Same lead as row 2")
    assert fill_of(cell) == ROW_FILLS["duplicate"]


def test_rejected_row_shows_the_crm_message_on_the_phone_cell(workbook: tuple[Path, Any]) -> None:
    """The CRM's own words are on the phone cell of a rejected row, which is red."""
    cell = cell_at(workbook[1]["Rows"], 8, "Mobile No.")
    assert fill_of(cell) == ERROR_FILL
    assert cell.comment.text == f"The CRM refused this lead: {CRM_MESSAGE}"


def test_good_cells_get_only_the_row_tint(workbook: tuple[Path, Any]) -> None:
    """Cells that caused nothing carry their row's status tint and no note."""
    ws = workbook[1]["Rows"]
    for header in ["status", *HEADERS]:
        assert fill_of(cell_at(ws, 2, header)) == ROW_FILLS["valid"]
        assert cell_at(ws, 2, header).comment is None
    for header in ("Customer Name", "Email ID", "City"):
        assert fill_of(cell_at(ws, 3, header)) == ROW_FILLS["invalid"]
        assert cell_at(ws, 3, header).comment is None
    assert fill_of(cell_at(ws, 9, "Mobile No.")) == ROW_FILLS["skipped"]


def test_formula_like_text_is_stored_as_text(workbook: tuple[Path, Any]) -> None:
    """Cells starting with =, +, -, @ or looking like an error code are stored as the same text, never run."""
    ws = workbook[1]["Rows"]
    expected = {2: '=HYPERLINK("x")', 3: "+91 98765 43210", 4: "-5", 5: "@foo", 6: "#N/A"}
    for sheet_row, text in expected.items():
        cell = cell_at(ws, sheet_row, "Notes")
        assert (cell.data_type, cell.value) == ("s", text)
    assert "<f>" not in zipfile.ZipFile(workbook[0]).read("xl/worksheets/sheet1.xml").decode()


def test_original_cells_are_text_formatted_and_control_characters_dropped(workbook: tuple[Path, Any]) -> None:
    """Original cells use the Text format, so a number typed in stays exact; a stray control character does not break the file."""
    ws = workbook[1]["Rows"]
    assert cell_at(ws, 3, "Mobile No.").number_format == "@"
    assert cell_at(ws, 5, "City").value == "Pune"


def test_header_is_bold_frozen_and_filtered(workbook: tuple[Path, Any]) -> None:
    """The header row is bold and frozen, an autofilter covers every row, and columns have readable widths."""
    ws = workbook[1]["Rows"]
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:N9"
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMN"]
    assert all(8 <= w <= MAX_WIDTH for w in widths)
    assert ws.column_dimensions["C"].width >= len(CRM_MESSAGE)


def test_summary_sheet_counts_reasons_and_run_details(workbook: tuple[Path, Any]) -> None:
    """The Summary sheet lists rows per status in the fixed order, the total, the reasons, CRM refusals and run details."""
    rows = [tuple(r) for r in workbook[1]["Summary"].iter_rows(values_only=True)]
    assert rows[0][:2] == ("Outcome", "Rows")
    assert [r[:2] for r in rows[1:7]] == [
        ("valid", 2),
        ("duplicate", 1),
        ("invalid", 3),
        ("rejected", 1),
        ("skipped", 1),
        ("Total", 8),
    ]
    pairs = {r[0]: r[1] for r in rows if r and r[0] is not None}
    assert pairs["invalid-phone"] == 1 and pairs["damaged-phone"] == 1 and pairs["blank-row"] == 1
    assert pairs[CRM_MESSAGE] == 1
    assert pairs["File"] == "leads.xlsx" and pairs["Data rows"] == "8"


def test_summary_has_a_native_bar_chart_of_the_status_counts(workbook: tuple[Path, Any]) -> None:
    """The workbook holds an Excel bar chart that reads the status counts from the Summary sheet."""
    with zipfile.ZipFile(workbook[0]) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "barChart" in chart
    assert "Summary!$B$2:$B$6" in chart.replace("'", "")


def test_original_column_renamed_by_the_report_is_still_marked(tmp_path: Path) -> None:
    """An original column called "email" (renamed "email (sheet)" in the report) gets the mark, not the report's email column."""
    status = pd.DataFrame(
        {"sheet_row": pd.array([2], dtype="Int64"), "status": ["invalid"], "reason": ["invalid-email"], "warnings": [""],
         "duplicate_of": pd.array([None], dtype="Int64"), "phone_e164": [""], "email": [""], "referenceId": [""], "lead_id": [""]}
    )  # fmt: skip
    frame = report_frame(status, pd.DataFrame({"name": ["Asha"], "email": ["asha@"]}, dtype="str"))
    path = tmp_path / "r.xlsx"
    write_xlsx_report(
        frame, path, field_columns={"email": "email", "name": "name"}, summary=summarize(status), details=[]
    )
    ws = load_workbook(path)["Rows"]
    assert fill_of(cell_at(ws, 2, "email (sheet)")) == ERROR_FILL
    assert fill_of(cell_at(ws, 2, "email")) == ROW_FILLS["invalid"]


def test_unwritable_path_raises_source_error_and_leaves_no_temp_file(tmp_path: Path) -> None:
    """Writing over a directory fails with a SourceError naming the path, and no partial file is left behind."""
    status, frame = build_frame()
    target = tmp_path / "taken.xlsx"
    target.mkdir()
    with pytest.raises(SourceError, match=r"cannot write the report to .*taken\.xlsx"):
        write_xlsx_report(frame, target, field_columns=FIELDS, summary=summarize(status), details=[])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.xlsx"]


def test_notes_stop_at_the_cap_but_cells_stay_red(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past MAX_NOTES, problem cells are still coloured but get no note, and the Summary says so."""
    monkeypatch.setattr("importer.report.xlsx.MAX_NOTES", 2)
    status, frame = build_frame()
    path = tmp_path / "r.xlsx"
    write_xlsx_report(frame, path, field_columns=FIELDS, summary=summarize(status), details=[])
    wb = load_workbook(path)
    ws = wb["Rows"]
    notes = [c for row in ws.iter_rows() for c in row if c.comment is not None]
    assert len(notes) == 2
    assert fill_of(cell_at(ws, 8, "Mobile No.")) == ERROR_FILL and cell_at(ws, 8, "Mobile No.").comment is None
    assert any(
        "Only the first 2 problem cells have a note" in str(r[0]) for r in wb["Summary"].iter_rows(values_only=True)
    )


def test_phone_examples_follow_the_region(tmp_path: Path) -> None:
    """With region US, the note on a bad phone shows a US number, not an Indian one."""
    status, frame = build_frame()
    path = tmp_path / "r.xlsx"
    write_xlsx_report(frame, path, field_columns=FIELDS, summary=summarize(status), details=[], region="US")
    text = cell_at(load_workbook(path)["Rows"], 3, "Mobile No.").comment.text
    assert "+1 " in text and "+91" not in text


def test_empty_report_is_still_a_workbook(tmp_path: Path) -> None:
    """A file without data rows gives a header-only Rows sheet and a Summary without a chart."""
    status, frame = build_frame({})
    path = tmp_path / "r.xlsx"
    write_xlsx_report(frame, path, field_columns=FIELDS, summary=summarize(status), details=[("File", "empty.csv")])
    wb = load_workbook(path)
    assert wb["Rows"].max_row == 1
    assert [r[:2] for r in wb["Summary"].iter_rows(values_only=True)][:2] == [("Outcome", "Rows"), ("Total", 0)]
    assert not any(n.startswith("xl/charts/") for n in zipfile.ZipFile(path).namelist())


def test_duplicate_without_a_phone_gets_its_note_on_the_email_cell(tmp_path: Path) -> None:
    """When the repeated lead has no phone, the "same lead" note goes on its email cell."""
    rows = {
        2: ("valid", "", "", None, "", ["Asha", "", "asha@example.com", "Pune", ""]),
        3: ("duplicate", "", "", 2, "", ["Asha", "", "asha@example.com", "Pune", ""]),
    }
    status, frame = build_frame(rows)
    path = tmp_path / "r.xlsx"
    write_xlsx_report(frame, path, field_columns=FIELDS, summary=summarize(status), details=[])
    ws = load_workbook(path)["Rows"]
    assert cell_at(ws, 3, "Email ID").comment.text.startswith("Same lead as row 2")
    assert cell_at(ws, 3, "Mobile No.").comment is None
