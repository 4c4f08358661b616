"""Sheets whose numbers Excel turned into floats (``7400123456.0``: a British mobile, its 0 dropped, with a float's
tail) are weighed as the digits they hold when the sheet points to another country than the default region."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import run_env


def _files(tmp_path: Path, rows: list[list[str]], region: str) -> tuple[Path, Path]:
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Name", "Phone", "Country"], *rows])
    mapping = tmp_path / f"{region}.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {region}\nfields:\n  name: Name\n"
        "  phone: Phone\n",
        encoding="utf-8",
    )
    return sheet, mapping


_BRITISH = [["Amy", "7400123456.0", "United Kingdom"], ["Ben", "7712345678.0", "UK"], ["Cat", "07825123456", "UK"],
            ["Dan", "7911123456.00", "United Kingdom"]]  # fmt: skip


def test_a_british_sheet_of_floats_under_an_indian_mapping_sends_no_indian_number(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    sheet, mapping = _files(tmp_path, _BRITISH, "IN")
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                     "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip
    assert sandbox.leads() == []
    assert [(r["reason"], r["warnings"]) for r in result.report] == [
        ("phone-sheet-country", "phone-sheet-country:GB")
    ] * 4


def test_the_same_floats_under_a_british_mapping_go_out_as_british(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    sheet, mapping = _files(tmp_path, _BRITISH, "GB")
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                     "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == [
        "+447400123456", "+447712345678", "+447825123456", "+447911123456",
    ]  # fmt: skip


def test_an_indian_sheet_of_floats_keeps_every_lead(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    rows = [["Ravi", "9820012345.0", "India"], ["Asha", "919845012345.0", "India"], ["Neha", "09811123456", "India"],
            ["Kavya", "+91 98400 12345", "India"], ["Amit", "091 98300 12345", "India"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, rows, "IN")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [(r["status"], r["phone_e164"]) for r in result.report] == [
        ("valid", "+919820012345"), ("valid", "+919845012345"), ("valid", "+919811123456"),
        ("valid", "+919840012345"), ("valid", "+919830012345"),
    ]  # fmt: skip
