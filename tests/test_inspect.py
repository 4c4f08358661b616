"""Describing a lead file without a mapping: header row, encoding, delimiter, sheets, columns."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from importer.errors import SourceError
from importer.tools.describe import inspect_file, render_inspection

TITLED_CSV = [
    "Leads export — April;;;",
    "Generated 2026-04-01;;;",
    ";;;",
    "Full Name;Mobile No.;E-mail;City",
    "Renée Dubois;9822033445;renee@example.com;Pune",
    "Zoë Rao;+91 98220 44556;;Goa",
    ";;;",
    "Asha Iyer;9822055667;asha@example.com;Pune",
    "Ravi Kumar;;ravi@example.com;",
]


def _titled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(("\r\n".join(TITLED_CSV) + "\r\n").encode("cp1252"))
    return path


def _two_sheet_workbook(tmp_path: Path) -> Path:
    wb = Workbook()
    summary = wb.active
    summary.title = "Summary"
    summary.append(["Region", "Leads"])
    summary.append(["North", 12])
    summary.append(["South", 7])
    leads = wb.create_sheet("Leads")
    leads.append(["Name", "Phone", "Email", "Signed up"])
    leads.append(["Asha Iyer", 9822055667, "asha@example.com", dt.datetime(2026, 3, 1)])
    leads.append(["Ravi Kumar", 9822066778, "ravi@example.com", dt.datetime(2026, 3, 2)])
    path = tmp_path / "leads.xlsx"
    wb.save(path)
    return path


def test_csv_with_title_rows(tmp_path: Path) -> None:
    """Below title rows the header is found; encoding, delimiter, row counts, fill rates, samples and kinds are reported."""
    result = inspect_file(_titled_csv(tmp_path), sample_rows=2)
    assert (result.file_type, result.encoding, result.delimiter) == ("text", "cp1252", ";")
    (table,) = result.tables
    assert table.header_row == 4
    assert (table.data_rows, table.blank_rows) == (4, 1)
    columns = {c.header: c for c in table.columns}
    assert list(columns) == ["Full Name", "Mobile No.", "E-mail", "City"]
    assert {h: c.fill_rate for h, c in columns.items()} == {
        "Full Name": 1.0,
        "Mobile No.": 0.75,
        "E-mail": 0.75,
        "City": 0.75,
    }
    assert columns["Full Name"].samples == ("Renée Dubois", "Zoë Rao")
    assert columns["City"].samples == ("Pune", "Goa")
    assert {h: c.kind for h, c in columns.items() if h != "City"} == {
        "Full Name": "name",
        "Mobile No.": "phone",
        "E-mail": "email",
    }


def test_text_rendering_names_what_was_detected(tmp_path: Path) -> None:
    """The text block says the encoding, the delimiter, the header row and one line per column."""
    text = render_inspection(inspect_file(_titled_csv(tmp_path)))
    assert "cp1252, semicolon-separated" in text
    assert "header on row 4; 4 data rows (1 blank row not counted)" in text
    assert "above the header: Leads export — April" in text
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("Mobile No."))
    assert "75%" in line and "phone-like" in line and "9822033445, +91 98220 44556" in line


def test_given_delimiter_and_encoding_are_used(tmp_path: Path) -> None:
    """--delimiter and --encoding override detection, and a delimiter may be named (tab)."""
    path = tmp_path / "leads.txt"
    path.write_bytes("Name\tPhone\r\nAsha\t9822055667\r\n".encode("utf-16"))
    result = inspect_file(path, encoding="utf-16", delimiter="tab")
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    assert [c.header for c in result.tables[0].columns] == ["Name", "Phone"]


def test_workbook_with_two_sheets(tmp_path: Path) -> None:
    """Every sheet is listed and inspected; Excel numbers and dates are read as the text a person sees."""
    result = inspect_file(_two_sheet_workbook(tmp_path))
    assert (result.file_type, result.encoding, result.delimiter) == ("workbook", None, None)
    assert result.sheets == ("Summary", "Leads")
    summary, leads = result.tables
    assert (summary.sheet, summary.header_row, summary.data_rows) == ("Summary", 1, 2)
    assert [c.kind for c in summary.columns] == ["name", "number"]
    assert (leads.sheet, leads.header_row, leads.data_rows) == ("Leads", 1, 2)
    assert [c.kind for c in leads.columns] == ["name", "phone", "email", "date"]
    assert leads.columns[1].samples == ("9822055667", "9822066778")
    assert leads.columns[3].samples == ("2026-03-01", "2026-03-02")
    text = render_inspection(result)
    assert "sheets: 'Summary', 'Leads'" in text and "Sheet 'Leads': header on row 1" in text


def test_one_sheet_by_name_or_number(tmp_path: Path) -> None:
    """--sheet limits the inspection to one sheet, named or numbered from 1."""
    path = _two_sheet_workbook(tmp_path)
    assert [t.sheet for t in inspect_file(path, sheet="leads").tables] == ["Leads"]
    assert [t.sheet for t in inspect_file(path, sheet="1").tables] == ["Summary"]


def test_json_form_is_plain_data(tmp_path: Path) -> None:
    """as_dict gives JSON-ready data with readable kind names."""
    data = inspect_file(_titled_csv(tmp_path)).as_dict()
    text = json.dumps(data)
    assert json.loads(text)["tables"][0]["columns"][1]["kind"] == "phone-like"


def test_sheet_without_a_header(tmp_path: Path) -> None:
    """A sheet of one-cell notes has no header row, and says so."""
    wb = Workbook()
    wb.active.append(["Leads are on the next sheet."])
    path = tmp_path / "notes.xlsx"
    wb.save(path)
    result = inspect_file(path)
    assert result.tables[0].header_row is None
    assert "no header row found" in render_inspection(result)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "file not found"),
        ("page.xls", b"<html><table></table></html>", "holds no table with data"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
        ("empty.csv", b"", "the file is empty"),
        ("leads.pdf", b"%PDF-1.4", "unsupported file type"),
    ],
)
def test_unusable_files_are_source_errors_naming_the_file(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    """Unreadable input raises SourceError with the file name and the reason, not a traceback."""
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError) as caught:
        inspect_file(path)
    assert name in str(caught.value) and message in str(caught.value)


def test_unknown_sheet_is_a_source_error(tmp_path: Path) -> None:
    """Asking for a sheet that is not there lists the sheets that are."""
    with pytest.raises(SourceError, match=r"no sheet named 'Nope'\. Sheets: 'Summary', 'Leads'"):
        inspect_file(_two_sheet_workbook(tmp_path), sheet="Nope")


def test_a_huge_notes_cell_is_profiled_quickly(tmp_path: Path) -> None:
    """A 3 MB notes cell is just text: inspect answers at once (the patterns once took quadratic time on it)."""
    path = tmp_path / "notes.csv"
    path.write_text("Name,Phone,Notes\nAsha,9822033445," + "P" * 3_000_000 + "\n", encoding="utf-8")
    result = inspect_file(path)
    assert [c.kind for c in result.tables[0].columns] == ["name", "phone", "text"]


@pytest.mark.parametrize(
    "lines",
    [
        [",Name,Mobile,Email", "0,Rahul Sharma,9812345678,r@x.com", "1,Priya Singh,9812345679,p@x.com"],  # pandas index
        ["Name,,Mobile,Email", "Rahul Sharma,1,9812345678,r@x.com", "Priya Singh,2,9812345679,p@x.com"],  # unlabelled
        ["Leads,,,", "Name,,Mobile,Email", "Rahul Sharma,1,9812345678,r@x.com", "Priya Singh,2,9812345679,p@x.com"],
        # a title with a blank and a date is no header
        [
            "Lead Export,,Generated on,12-03-2024",
            "Name,Mobile,Email,City",
            "Rahul Sharma,9812345678,r@x.com,Pune",
            "Priya Singh,9812345679,p@x.com,Goa",
        ],
    ],
)
def test_a_header_with_one_blank_cell_is_still_the_header(tmp_path: Path, lines: list[str]) -> None:
    """A CSV pandas wrote with its index (the first header cell blank), or an unlabelled serial number column."""
    path = tmp_path / "leads.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (table,) = inspect_file(path, sample_rows=2).tables
    assert table.header_row == len(lines) - 2
    assert [c.header for c in table.columns if c.header][:3] == ["Name", "Mobile", "Email"]
    assert {c.header: c.kind for c in table.columns if c.header in ("Mobile", "Email")} == {
        "Mobile": "phone",
        "Email": "email",
    }


def test_coordinates_ip_addresses_dates_and_ids_are_not_phone_like(tmp_path: Path) -> None:
    """A Mailchimp-style export: latitude, longitude, opt-in IP, ISO timestamps and a ten-digit id are not
    phone-like; the phone column still is, and a one-column sheet of emails gets its header."""
    path = tmp_path / "members.csv"
    path.write_text(
        "Email Address,Phone Number,LATITUDE,LONGITUDE,OPTIN_IP,OPTIN_TIME,LEID,created_time\n"
        "a@x.com,+1 415 835 1656,37.7749295,-122.4194155,192.168.100.200,2024-01-15 10:22:33,1234567890,"
        "2024-01-15T10:22:33+0000\n"
        "b@x.com,+1 212 555 0199,40.7127753,-74.0059728,203.0.113.45,2024-01-16 11:00:00,1234567891,"
        "2024-01-16T11:00:00+0000\n",
        encoding="utf-8",
    )
    (table,) = inspect_file(path).tables
    kinds = {c.header: c.kind for c in table.columns}
    assert kinds["Phone Number"] == "phone"
    assert [h for h, k in kinds.items() if k == "phone"] == ["Phone Number"]
    assert kinds["created_time"] == "date" and kinds["LONGITUDE"] == "number"


@pytest.mark.parametrize(
    ("lines", "header_row"),
    [
        (["Primary Email", "a@x.com", "b@y.com", "c@z.com", "d@w.com"], 1),
        (["Newsletter export", "", "Primary Email", "a@x.com", "b@y.com", "c@z.com"], 3),
        (["Mobile", "+44 7400 123456", "+44 7712 345678", "+44 7400 123457"], 1),
    ],
)
def test_a_one_column_file_has_its_header(tmp_path: Path, lines: list[str], header_row: int) -> None:
    """One column of emails or phones under its header (a title line above it or not) is read with that header."""
    path = tmp_path / "one.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (table,) = inspect_file(path).tables
    assert table.header_row == header_row
    assert [c.header for c in table.columns] == [lines[header_row - 1]]


def test_a_formatted_number_excel_had_cut_is_not_shown_as_a_whole_phone(tmp_path: Path) -> None:
    """A mobile formatted "+44 "0000 000000 is shown with its code, as the import reads it; one Excel had already cut
    to six digits (447400000000, formatted +############) is shown as the number the import calls damaged, not as
    the whole +44 number its format would make of it."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Mobile"])
    sheet.append(["Amy", 7400123456])
    sheet.cell(row=2, column=2).number_format = '"+44 "0000 000000'
    sheet.append(["Ben", 447400000000])
    sheet.cell(row=3, column=2).number_format = "+############"
    path = tmp_path / "uk.xlsx"
    book.save(path)
    mobile = inspect_file(path).tables[0].columns[1]
    assert mobile.samples == ("+44 7400 123456", "447400000000")


def test_a_group_row_merged_over_sub_headers_is_not_the_header(tmp_path: Path, run_cli: Any) -> None:
    """ "Contact" merged over "Mobile" and "Email" (and Name, City merged down both rows): the columns are Mobile and
    Email below it, so suggest maps them by those names and validate reads no sub-header row as a lead or a repeat."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Sr", "Name", "Contact", None, "City"])
    sheet.append([None, None, "Mobile", "Email", None])
    for cells in ("A1:A2", "B1:B2", "C1:D1", "E1:E2"):
        sheet.merge_cells(cells)
    sheet.append([1, "Meena Rao", 9822033445, "meena@example.com", "Pune"])
    sheet.append([2, "Asha Iyer", 9822055667, "asha@example.com", "Goa"])
    path = tmp_path / "grouped.xlsx"
    book.save(path)
    table = inspect_file(path).tables[0]
    assert table.header_row == 2 and table.data_rows == 2
    assert [c.header for c in table.columns] == ["Sr", "Name", "Mobile", "Email", "City"]
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(path), "--out", str(mapping))
    assert suggested.exit_code == 0, suggested.output
    assert "  phone: Mobile\n" in mapping.read_text(encoding="utf-8")
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(path), "--mapping", str(mapping), "--report", str(report), "--no-ledger")
    assert [(r["sheet_row"], r["status"]) for r in checked.report] == [("3", "valid"), ("4", "valid")]
