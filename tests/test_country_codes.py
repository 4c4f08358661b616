"""A country calling code in its own column: each row's phone is read as dialled in that country."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook

from importer.normalize.countries import region_of_code
from tests.conftest import PROCESS, PROJECT, CliRun, by_row

MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Name
  phone: Mobile
  phoneCountryCode: Country Code
"""

SHEET = """Name,Country Code,Mobile
Asha,+971,501234567
Ravi,91,9812345678
John,+44,07911 123456
Mary,1,(415) 555-2671
Li,0065,91234567
Omar,AE,0501234568
Neha,,9812345679
Zed,xyz,9812345670
Sam,India (+91),9812345671
Kim,+971,+44 7911 123457
Pat,971.0,971501234570
Ira,+971,9812345672
"""


@pytest.fixture
def validated(tmp_path: Path, mapping_file: Callable[[str], Path], run_cli: Callable[..., CliRun]) -> CliRun:
    sheet = tmp_path / "leads.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    return run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"))


def test_each_phone_is_read_in_the_country_of_its_code(validated: CliRun) -> None:
    rows = by_row(validated.report)
    e164 = {row: rows[row]["phone_e164"] for row in rows}
    assert e164 == {
        2: "+971501234567",  # +971 and a national number
        3: "+919812345678",
        4: "+447911123456",  # the UK trunk 0 dropped
        5: "+14155552671",
        6: "+6591234567",  # 0065: the international prefix
        7: "+971501234568",  # a country given by its ISO code
        8: "+919812345679",  # no code: the mapping's default_region
        9: "",  # names no country: never read in default_region
        10: "+919812345671",
        11: "+447911123457",  # a number with its own + keeps its country
        12: "+971501234570",  # 971.0 from a number cell; the number repeats the code
        13: "",  # an Indian mobile is not a UAE number
    }
    assert rows[9]["status"] == "invalid" and rows[9]["reason"] == "unknown-country"
    # Only the row whose + code is another country's than its Country Code's says so (sent as written; +44 7911 is
    # Guernsey's block of the UK's code, as phonenumbers places it).
    assert {r: rows[r]["warnings"] for r in rows if rows[r]["warnings"]} == {11: "phone-country-differs:GG"}
    assert rows[13]["status"] == "invalid" and rows[13]["reason"] == "invalid-phone"
    assert validated.exit_code == 1


def test_the_excel_report_says_a_country_it_did_not_understand_names_none(
    tmp_path: Path, mapping_file: Callable[[str], Path], run_cli: Callable[..., CliRun]
) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    report = tmp_path / "r.xlsx"
    run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report))
    ws = load_workbook(report).worksheets[0]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=[r[0].value for r in ws.iter_rows()].index(9) + 1, column=header.index("Country Code") + 1)
    assert cell.value == "xyz"
    assert cell.comment is not None and "names no country" in cell.comment.text


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("+971", "AE"),
        (" 44 ", "GB"),
        ("0091", "IN"),
        ("1.0", "US"),
        ("us", "US"),
        ("IN (+91)", "IN"),
        ("United Arab Emirates (+971)", "AE"),
        ("", ""),
        ("N/A", ""),
        ("999", None),  # no country has it
        ("800", None),  # international freephone: not a country to dial in
        ("abc", None),
        ("UAE", "AE"),
        ("India", "IN"),
        ("IND", "IN"),
        ("Singapore", "SG"),
        ("044", None),  # an Indian STD code (Chennai), not the UK's +44
    ],
)
def test_country_code_cells(cell: str, region: str | None) -> None:
    assert region_of_code(cell) == region


def test_a_mapping_needs_a_lead_field_besides_the_country_code(
    tmp_path: Path, mapping_file: Callable[[str], Path], run_cli: Callable[..., CliRun]
) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    only_code = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\nfields:\n  phoneCountryCode: Country Code\n"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(only_code)))
    assert result.exit_code == 2
    assert "'fields' must map at least one lead field" in result.output + result.stderr


def test_suggest_maps_a_country_code_column(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    result = run_cli("mapping", "suggest", str(sheet))
    assert result.exit_code == 0
    assert "  phoneCountryCode: Country Code" in result.output
    assert "  phone: Mobile" in result.output
