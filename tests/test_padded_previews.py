"""What inspect and the upload page show of a zero-padded id (``00123``, a number formatted ``00000``) is what the
import reads and sends, not the bare number the workbook stores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from tests.conftest import CliRun
from tests.sandbox_util import good_phones
from tests.test_web import Page

MAPPING = """project_id: p
process_id: q
default_region: IN
fields:
  name: Name
  phone: Mobile No.
  referenceId: Lead ID
metadata:
  pin:
    columns: [Pin]
    required: false
"""


def _sheet(path: Path, phones: list[str]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Lead ID", "Name", "Mobile No.", "Pin"])
    for i, phone in enumerate(phones):
        sheet.append([123 + i, f"Lead {i}", int(phone), 40001 + i])
        sheet.cell(row=i + 2, column=1).number_format = "00000"
        sheet.cell(row=i + 2, column=3).number_format = "00000000000"  # a phone shown with a trunk zero
        sheet.cell(row=i + 2, column=4).number_format = "000000"
    book.save(path)
    return path


def test_inspect_shows_zero_padded_ids_as_the_import_reads_them(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Lead ID 00123 and pin 040001 in inspect's samples, as in the report; the phone as the digits it is read from."""
    phones = good_phones(3, seed=707)
    path = _sheet(tmp_path / "padded.xlsx", phones)
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(report))
    assert checked.exit_code == 0, checked.stderr
    assert [r["Lead ID"] for r in checked.report] == ["00123", "00124", "00125"]
    assert [r["Pin"] for r in checked.report] == ["040001", "040002", "040003"]
    shown = run_cli("inspect", str(path))
    assert shown.exit_code == 0, shown.stderr
    lines = {line.split()[0]: line for line in shown.output.splitlines() if line.startswith("  ")}
    assert "00123, 00124, 00125" in lines["Lead"]
    assert "040001, 040002, 040003" in lines["Pin"]
    assert f"{phones[0]}, {phones[1]}" in lines["Mobile"]


def test_the_upload_page_shows_zero_padded_ids_as_the_import_reads_them(tmp_path: Path) -> None:
    """The sheet and columns pages' samples of an uploaded workbook show 00123, not 123."""
    path = _sheet(tmp_path / "padded.xlsx", good_phones(3, seed=708))
    page = Page(tmp_path)
    upload = page.upload(path)
    for step in ("sheet", "columns"):
        html = page.get(f"/u/{upload.id}/{step}").text
        assert "00123" in html and "040001" in html, step
