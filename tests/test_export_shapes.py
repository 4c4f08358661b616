"""Shapes real exports and people's own workbooks take, read then sent into the sandbox: what each lead is sent with,
and a clear refusal for what cannot be read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0
    )
    with Sandbox(settings) as crm:
        yield crm


def _validate_then_run(
    run_cli: Any, tmp_path: Path, path: Path, crm: Sandbox, mapping: str = MAPPING
) -> tuple[Any, dict[int, dict[str, str]]]:
    """``validate`` (its result) then ``run`` into the sandbox (its report rows)."""
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(mapping, encoding="utf-8")
    checked = run_cli("validate", str(path), "--mapping", str(mapping_path), "--no-ledger")
    report = tmp_path / "run.report.csv"
    sent = run_cli(
        "run", str(path), "--mapping", str(mapping_path), "--report", str(report), "--rate", "2000/1s", "--no-ledger",
        env=run_env(crm.base_url),
    )  # fmt: skip
    return checked, by_row(sent.report) if sent.exit_code in (0, 1) else {}


def _leads_sheet(rows: int) -> tuple[Workbook, list[str]]:
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet.append(["Name", "Phone", "Email", "City"])
    phones = good_phones(rows)
    for i, phone in enumerate(phones):
        sheet.append([f"Lead {i}", phone, f"lead{i}@example.com", "Pune"])
    return book, phones


def test_a_header_row_formatted_out_to_the_last_column_is_read(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A fill and bold dragged along the header row to column XFD (Ctrl+Shift+Right): Excel's used range is then
    A1:XFD1301, 21 million cells, but no cell right of the data holds a value. The sheet was refused as if a stray
    value sat there; it is read, and every lead sent."""
    book, phones = _leads_sheet(1300)
    sheet = book.active
    fill, bold = PatternFill("solid", fgColor="FFFF00"), Font(bold=True)
    for column in range(1, 16385):
        cell = sheet.cell(row=1, column=column)
        cell.fill, cell.font = fill, bold
    path = tmp_path / "leads.xlsx"
    book.save(path)
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "1300 data rows" in checked.output
    assert [r["status"] for r in rows.values()] == ["accepted"] * 1300
    assert sorted(lead["phone"] for lead in sandbox.leads()) == sorted(f"+91{p}" for p in phones)
    shown = run_cli("inspect", str(path))
    assert shown.exit_code == 0, shown.output + shown.stderr


def test_a_stray_value_far_right_is_named_by_its_cell(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A real value far right (typed in XFD5) still stops the file before gigabytes are read, and the message names
    the cell to delete, also when the rest of the row is only formatted out to it."""
    book, _ = _leads_sheet(1300)
    sheet = book.active
    for column in range(5, 16385):
        sheet.cell(row=1, column=column).font = Font(bold=True)
    sheet["XFD5"] = "x"
    path = tmp_path / "leads.xlsx"
    book.save(path)
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 2
    assert "its used range is A1:XFD1301, far wider" in checked.stderr
    assert "far to the right of the data (in XFD5)" in checked.stderr
    assert not rows and not sandbox.leads()
