"""Files as people and other programs make them (a workbook with a title block, filters, frozen panes and a totals
row; numbers shown through a format code), run against the sandbox: every row accounted for."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import run_env

MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Customer Name
  phone: Mobile No.
  referenceId: Lead ID
metadata:
  visit_date:
    columns: [Visit Date]
    required: false
"""


def test_a_phone_typed_as_a_number_keeps_the_country_code_its_format_shows(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """An Indian team's workbook of UK leads, each mobile typed as a number and formatted "+44 "0000 000000 (Excel
    shows +44 7400 123456): the leads go out as the +44 numbers the sheet shows, never as Indian numbers of the same
    digits; an id formatted "LD-"00000 is LD-00123 as shown; a number Excel had already cut to six digits stays
    damaged, whatever its format shows. Title block, AutoFilter, frozen panes and a totals row
    around them change nothing: every row is in the report."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet["A1"] = "UK walk-ins - January"
    sheet.merge_cells("A1:D1")
    sheet.append([])
    sheet.append(["Lead ID", "Customer Name", "Mobile No.", "Visit Date"])
    for i, mobile in enumerate((7400123456, 7400123457, 7911123456, 447400000000)):
        sheet.append([123 + i, f"Customer {i}", mobile, dt.datetime(2024, 1, 15 + i)])
        sheet.cell(row=sheet.max_row, column=1).number_format = '"LD-"00000'
        sheet.cell(row=sheet.max_row, column=3).number_format = '"+44 "0000 000000'
        sheet.cell(row=sheet.max_row, column=4).number_format = "dd/mm/yyyy"
    sheet.cell(row=sheet.max_row, column=3).number_format = "+############"  # Excel had cut it to 4.474E+11 before
    sheet.append(["", "Total", "=SUBTOTAL(103,C4:C7)", ""])
    sheet.auto_filter.ref = "A3:D7"
    sheet.freeze_panes = "A4"
    path = tmp_path / "uk.xlsx"
    book.save(path)
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(report), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr
    rows = by_row(result.report)
    assert sorted(rows) == [4, 5, 6, 7, 8] and rows[8]["status"] == "skipped"
    assert rows[7]["status"] == "invalid" and rows[7]["reason"] == "damaged-phone"
    assert [rows[n]["phone_e164"] for n in (4, 5, 6)] == ["+447400123456", "+447400123457", "+447911123456"]
    assert [rows[n]["referenceId"] for n in (4, 5, 6)] == ["LD-00123", "LD-00124", "LD-00125"]
    stored = {lead["referenceId"]: lead["phone"] for lead in sandbox.leads()}
    assert stored == {"LD-00123": "+447400123456", "LD-00124": "+447400123457", "LD-00125": "+447911123456"}


def test_an_excel_web_page_keeps_the_whole_number_behind_a_shortened_display(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Excel's HTML (what "Save as Web Page" and many portals' .xls exports write) keeps a cell's value in x:num
    beside the text shown: a mobile shown 9.19822E+11 holds 919822033445 there, and Excel opens it as that number.
    It reads as the number, not as the damaged display; a date shown as a date stays as shown; a value itself cut
    to six digits stays damaged."""
    page = (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table>'
        "<tr><td>Lead ID</td><td>Customer Name</td><td>Mobile No.</td><td>Visit Date</td></tr>"
        '<tr><td x:num="101">101</td><td>Asha</td><td class=xl24 x:num="919822033445">9.19822E+11</td>'
        '<td x:num="45306">15/01/2024</td></tr>'
        '<tr><td x:num>102</td><td>Ravi</td><td x:num="9.822044556E9">9.82204E+09</td><td></td></tr>'
        '<tr><td>103</td><td>Cut</td><td x:num="919822000000">9.19822E+11</td><td></td></tr>'
        "</table></body></html>"
    )
    path = tmp_path / "portal.xls"
    path.write_text(page, encoding="utf-8")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(report))
    assert result.exit_code == 1, result.output + result.stderr
    rows = by_row(result.report)
    assert [rows[n]["phone_e164"] for n in (2, 3)] == ["+919822033445", "+919822044556"]
    assert rows[4]["reason"] == "damaged-phone"  # its value too was cut to six digits before: no number to read
    assert rows[2]["Visit Date"] == "15/01/2024"


def test_a_workbook_cut_short_inside_its_sheet_is_named_with_the_file_and_sheet(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A workbook whose sheet part ends mid-way (a copy or download cut short, the zip itself whole) stops with exit
    2 and a message naming the file, the sheet and what to do, in validate as in inspect; never a bare 'c'."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet.append(["Lead ID", "Customer Name", "Mobile No."])
    for i in range(50):
        sheet.append([i, f"Customer {i}", f"98220{i:05d}"])
    whole = tmp_path / "whole.xlsx"
    book.save(whole)
    path = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    for command in ("validate", "inspect"):
        args = ["--mapping", str(mapping_file(MAPPING)), "--no-ledger"] if command == "validate" else []
        result = run_cli(command, str(path), *args)
        assert result.exit_code == 2, result.output + result.stderr
        assert f"{path}: sheet 'Leads' cannot be read" in result.stderr
        assert "damaged, or was cut short" in result.stderr


def test_rows_an_excel_web_page_hides_are_named_in_the_summary(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Excel saves a filtered sheet as HTML with its filtered-out rows styled display:none (Excel hides them again
    when it opens the page): they are read like the others and named, as a workbook's hidden rows are."""
    page = (
        "<html><body><table><tr><td colspan=3>Walk-ins</td></tr></table><table>"
        "<tr><td>Lead ID</td><td>Customer Name</td><td>Mobile No.</td></tr>"
        "<tr><td>1</td><td>Asha</td><td>9822033445</td></tr>"
        "<tr height=0 style='display:none'><td>2</td><td>Ravi</td><td>9822044556</td></tr>"
        "<tr><td>3</td><td>Priya</td><td>9822055667</td></tr>"
        '<tr style="mso-height-source:userset; DISPLAY: none"><td>4</td><td>Kiran</td><td>9822066778</td></tr>'
        "</table></body></html>"
    )
    path = tmp_path / "filtered.xls"
    path.write_text(page, encoding="utf-8")
    result = run_cli(
        "validate", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert [r["sheet_row"] for r in result.report] == ["3", "4", "5", "6"]
    assert "2 row(s) are hidden in Excel (filtered out or hidden by hand: rows 4, 6)" in result.output


def test_a_number_longer_than_its_format_shows_its_leading_digits_in_order(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Excel shows digits past a format's places in its first place, in order: id 123456 formatted "LD-"000 is
    LD-123456 and 919822033445 formatted "+91 "00000 00000 is +91 9198220 33445. They were reversed (LD-321456,
    +91 1998220 33445): a wrong id, and a wrong number."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Lead ID", "Customer Name", "Mobile No."])
    for i, (lead, mobile) in enumerate(((123456, 919822033445), (654321, 918105012346))):
        sheet.append([lead, f"Customer {i}", mobile])
        sheet.cell(row=sheet.max_row, column=1).number_format = '"LD-"000'
        sheet.cell(row=sheet.max_row, column=3).number_format = '"+91 "00000 00000'
    path = tmp_path / "long.xlsx"
    book.save(path)
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"),
        "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert [r["Mobile No."] for r in result.report] == ["+91 9198220 33445", "+91 9181050 12346"]
    stored = {lead["referenceId"]: lead["phone"] for lead in sandbox.leads()}
    assert stored == {"LD-123456": "+919822033445", "LD-654321": "+918105012346"}


def test_a_country_code_excel_saved_with_backslashes_is_kept(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A custom format typed as +44 0000 000000 is saved by Excel as \\+44\\ 0000\\ 000000 (its digits 4 literal):
    the mobiles keep their +44 in an Indian sheet, not read as Indian numbers of the same digits."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Lead ID", "Customer Name", "Mobile No."])
    for i, mobile in enumerate((7400123456, 7911123457)):
        sheet.append([f"L{i}", f"Customer {i}", mobile])
        sheet.cell(row=sheet.max_row, column=3).number_format = "\\+44\\ 0000\\ 000000"
    path = tmp_path / "escaped.xlsx"
    book.save(path)
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"),
        "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == ["+447400123456", "+447911123457"]


def test_a_whole_number_in_a_fraction_format_is_read_as_its_number(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Units formatted as quarters (# ?/4), sixteenths (# ??/16) or plain fractions (?/?): a whole number is that
    number (Excel shows 4 as "4" and a blank fraction), not "4/4", "16/16" or "0/5" (an unquoted / is a fraction
    bar in a number format, not text beside the digits)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Lead ID", "Customer Name", "Mobile No.", "Units"])
    formats = ["# ?/4", "# ??/16", "0/0"]
    for i, (units, mobile) in enumerate(((4, 9822033445), (16, 8105012346), (5, 9822033446))):
        sheet.append([f"L{i}", f"Customer {i}", mobile, units])
        sheet.cell(row=sheet.max_row, column=4).number_format = formats[i]
    path = tmp_path / "fractions.xlsx"
    book.save(path)
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"),
        "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert [r["Units"] for r in result.report] == ["4", "16", "5"]
