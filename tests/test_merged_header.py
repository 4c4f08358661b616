"""A phone split over two columns, the country's calling code and the number, as Excel users lay it out: one
"Mobile No." header merged across both, or a header over each that does not say "country code". Each row's
number is read in the country its code names, never in the default region."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from tests.conftest import PROCESS, PROJECT

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
ROWS = [
    ("Asha Rao", "+91", "9820012345", "asha@example.com", "+919820012345"),
    ("Ravi Kumar", "+44", "7400123456", "ravi@example.com", "+447400123456"),
    ("Li Wei", "+65", "91234567", "li@example.com", "+6591234567"),
    ("Omar Haddad", "971", "501234567", "omar@example.com", "+971501234567"),
    ("Priya Nair", "+91", "9820012346", "priya@example.com", "+919820012346"),
]


def _workbook(path: Path, *, merged: bool) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Walk-in leads, March"])
    sheet.append(["Customer Name", "Mobile No.", None if merged else "Number", "E-mail ID", "City"])
    if merged:
        sheet.merge_cells("B2:C2")
    for name, code, number, email, _ in ROWS:
        sheet.append([name, code, number, email, "X"])
    book.save(path)


@pytest.mark.parametrize("merged", [True, False], ids=["merged-header", "two-headers"])
def test_a_phone_split_into_code_and_number_is_read_in_each_rows_country(
    run_cli: Any, tmp_path: Path, merged: bool
) -> None:
    """mapping suggest maps the codes' column as the phones' country and the numbers' as the phone; validate then
    gives every row its own country's E.164 (before: the +44 row went out as an Indian number, or no phone at all)."""
    sheet = tmp_path / "leads.xlsx"
    _workbook(sheet, merged=merged)
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping), env=ENV)
    assert suggested.exit_code == 0, suggested.output + suggested.stderr
    written = mapping.read_text(encoding="utf-8")
    assert "phoneCountryCode: Mobile No." in written
    assert ("phone: Mobile No. (2)" if merged else "phone: Number") in written
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [row["phone_e164"] for row in checked.report] == [want for *_, want in ROWS]


def test_inspect_names_the_columns_a_merged_header_covers(run_cli: Any, tmp_path: Path) -> None:
    """The number's column under a merged "Mobile No." is "Mobile No. (2)", not a column without a header."""
    sheet = tmp_path / "leads.xlsx"
    _workbook(sheet, merged=True)
    inspected = run_cli("inspect", str(sheet))
    assert inspected.exit_code == 0
    assert "Mobile No. (2)" in inspected.output and "column C" not in inspected.output


def test_a_hand_written_mapping_names_the_merged_headers_second_column(run_cli: Any, tmp_path: Path) -> None:
    """A mapping written by hand can name the covered column as inspect shows it."""
    sheet = tmp_path / "leads.xlsx"
    _workbook(sheet, merged=True)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Customer Name\n"
        "  phone: Mobile No. (2)\n  phoneCountryCode: Mobile No.\n  email: E-mail ID\n"
    )
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), "--no-ledger")
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [row["phone_e164"] for row in checked.report] == [want for *_, want in ROWS]
