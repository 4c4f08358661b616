"""--all-sheets: a workbook's monthly tabs imported as one run with one report, rows named by their sheet."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1)
    with Sandbox(settings) as crm:
        yield crm


def _workbook(path: Path, phones: list[str]) -> Path:
    """Jan (title row, then header on row 2), Notes (no leads), Feb (columns in another order, one lead
    repeating a January phone), Mar (header only: no rows)."""
    book = openpyxl.Workbook()
    jan = book.active
    jan.title = "Jan"
    jan.append(["January leads"])
    jan.append(["Name", "Phone", "Email", "City"])
    for i in range(3):
        jan.append([f"Jan {i}", phones[i], f"jan{i}@example.com", "Pune"])
    notes = book.create_sheet("Notes")
    notes.append(["Remember to call back"])
    feb = book.create_sheet("Feb")
    feb.append(["Phone", "Name", "City", "Email"])
    for i in range(3, 5):
        feb.append([phones[i], f"Feb {i}", "Goa", f"feb{i}@example.com"])
    feb.append([phones[0], "Again", "Goa", ""])
    book.create_sheet("Mar").append(["Name", "Phone", "Email", "City"])
    book.save(path)
    return path


def test_validate_all_sheets_is_one_report_with_rows_named_by_sheet(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    book = _workbook(tmp_path / "leads.xlsx", good_phones(5, seed=121))
    result = run_cli(
        "validate", str(book), "--mapping", str(mapping_file(MAPPING)), "--all-sheets", "--report",
        str(tmp_path / "r.csv"), "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = {r["sheet_row"]: r for r in result.report}
    assert list(rows) == ["Jan!3", "Jan!4", "Jan!5", "Feb!2", "Feb!3", "Feb!4"]
    assert rows["Feb!4"]["status"] == "duplicate" and rows["Feb!4"]["duplicate_of"] == "Jan!3"
    assert rows["Feb!2"]["Name"] == "Feb 3" and rows["Feb!2"]["City"] == "Goa"
    payload = json.loads(result.output)
    assert payload["counts"] == {"valid": 5, "duplicate": 1} and payload["sheets_also_fitting"] == []


def test_run_all_sheets_sends_every_sheet_once_in_one_run(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    phones = good_phones(5, seed=123)
    book = _workbook(tmp_path / "leads.xlsx", phones)
    mapping = mapping_file(MAPPING)
    env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    args = ["run", str(book), "--mapping", str(mapping), "--all-sheets", "--rate", "5000/1s"]
    first = run_cli(*args, "--report", str(tmp_path / "r.csv"), "--json", env=env)
    assert first.exit_code == 0, first.stderr
    assert sorted(lead["name"] for lead in sandbox.leads()) == ["Feb 3", "Feb 4", "Jan 0", "Jan 1", "Jan 2"]
    assert json.loads(first.output)["counts"] == {"accepted": 5, "duplicate": 1}
    again = run_cli(*args, "--report", str(tmp_path / "r2.csv"), env=env)
    assert [r["status"] for r in again.report].count("already-imported") == 5 and len(sandbox.leads()) == 5
    shown = run_cli("show", "1", "--ledger", str(tmp_path / "ledger.sqlite3"), "--report", str(tmp_path / "s.csv"))
    assert shown.exit_code == 0 and "--all-sheets" in shown.output
    assert (tmp_path / "s.csv").read_text(encoding="utf-8-sig").count("Feb!") == 3
