"""Reports that leak nothing with --mask-pii, and a CSV report Excel shows exactly as written."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import CliRun, by_row
from tests.excel_csv import COMPUTED, digit_runs, excel_shows

PHONES = [
    "98201\u00a023456",  # no-break space
    "98202\u202f34567",  # narrow no-break space
    "98203\u200945678",  # thin space
    "98204/56789",
    "98205\t67890",
    "+91-98206-78901",
    "+919820789012",
    "098208 90123",
    "98 20 99 01 24",
    "(+91) 98210-11235",
]
MAPPING = """
project_id: 64f0c0ffee0000000000aaaa
process_id: 64f0c0ffee0000000000beef
default_region: IN
fields:
  name: Name
  phone: Mobile
  email: {columns: [Email], required: false}
metadata:
  note: {columns: [Note], required: false}
  alt: {columns: [Alt Phone], required: false}
"""


def _rows() -> list[list[str]]:
    rows = [["Name", "Mobile", "Email", "Note", "Alt Phone"]]
    for i, phone in enumerate(PHONES):
        rows.append([f"Lead {i}", phone, f"lead{i}@example.com", f"call back on 9821{i:02d}\u00a03456 after 5", phone])
    rows.append(["=1+2", "98219 00001", "x@example.com", "@evil", ""])
    return rows


def _write(path: Path) -> Path:
    rows = _rows()
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        for row in rows:
            sheet.append(row)
        book.save(path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return path


def _report_cells(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        values = [["" if v is None else str(v) for v in row] for row in book["Rows"].iter_rows(values_only=True)]
        return [dict(zip(values[0], row, strict=False)) for row in values[1:]]
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


@pytest.mark.parametrize("source", ["leads.csv", "leads.xlsx"])
@pytest.mark.parametrize("report", ["r.csv", "r.xlsx"])
def test_masked_reports_hold_no_phone_whatever_its_separators(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], source: str, report: str
) -> None:
    """--mask-pii: no cell of the report (CSV or XLSX, of a CSV or XLSX sheet) keeps a run of 7+ digits once
    separators are taken out: the cell a phone is read from is masked whole, phones in notes by pattern."""
    sheet = _write(tmp_path / source)
    out = tmp_path / report
    result = run_cli(
        "validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(out), "--mask-pii"
    )
    assert result.exit_code in (0, 1), result.stderr
    rows = _report_cells(out)
    assert len(rows) == len(PHONES) + 1
    leaks = [
        (column, cell)
        for row in rows
        for column, cell in row.items()
        if column != "referenceId" and digit_runs(cell)  # referenceIds are derived hashes, not phones
    ]
    assert leaks == []
    shown = [excel_shows(row["Mobile"]) if out.suffix == ".csv" else row["Mobile"] for row in rows]
    assert all(len(re.sub(r"\D", "", cell)) == 4 and "*" in cell for cell in shown)  # the last 4 digits stay
    assert not any(cell.startswith("'") for row in rows for cell in (row["Mobile"], row["phone_e164"]))


def test_inspect_masks_samples(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    sheet = _write(tmp_path / "leads.csv")
    text = run_cli("inspect", str(sheet), "--mask-pii")
    assert text.exit_code == 0 and "Mobile" in text.output
    assert digit_runs(text.output.replace("\n", " ")) == []
    shown = json.loads(run_cli("inspect", str(sheet), "--mask-pii", "--json").output)
    samples = [s for table in shown["tables"] for column in table["columns"] for s in column["samples"]]
    assert samples and not any(digit_runs(s) for s in samples)
    assert "lead0@example.com" not in json.dumps(shown)


def test_csv_report_shows_every_phone_in_excel_as_written(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Opened in Excel, the CSV report shows each phone exactly as the sheet had it and each E.164 phone as
    such (no formula result, no 9.19820E+11, no lost leading zero); a formula typed in the sheet is inert."""
    sheet = _write(tmp_path / "leads.csv")
    out = tmp_path / "r.csv"
    run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(out))
    rows = by_row(_report_cells(out))
    for n, phone in enumerate(PHONES, start=2):
        assert excel_shows(rows[n]["Mobile"]) == phone
        assert excel_shows(rows[n]["Alt Phone"]) == phone
        e164 = rows[n]["phone_e164"]
        assert e164 and excel_shows(e164) == e164.removeprefix('="').removesuffix('"')
        assert excel_shows(e164).startswith("+91")
    assert all(excel_shows(cell) != COMPUTED for row in rows.values() for cell in row.values())
    assert rows[len(PHONES) + 2]["Name"] == "'=1+2" and rows[len(PHONES) + 2]["Note"] == "'@evil"


def test_masked_csv_report_in_excel_shows_the_mask_without_an_apostrophe(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    sheet = _write(tmp_path / "leads.csv")
    out = tmp_path / "r.csv"
    run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(out), "--mask-pii")
    for row in _report_cells(out):
        for column in ("phone_e164", "Mobile"):
            shown = excel_shows(row[column])
            assert shown != COMPUTED and not shown.startswith("'") and shown.endswith(shown[-4:])
            assert "*" in shown
