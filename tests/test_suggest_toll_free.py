"""North American toll-free numbers (``1-800-…``, ``(888) …``) are dialled alike in every country of the plan:
``mapping suggest`` takes the plan's main country for a sheet of them, as a person reading them would."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.conftest import PROCESS, PROJECT

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


def _sheet(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "vendors.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Company", "Contact", "Phone"], *rows])
    return path


def test_a_sheet_of_toll_free_numbers_is_north_american(run_cli: Any, tmp_path: Path) -> None:
    """1-800-555-0199 is also a Chinese mobile as digits and (888) 555-0123 a Chinese landline without its 0, but
    written so, with the plan's 1 apart or its area code in brackets, they are the US's: default_region US, and
    every row goes out as +1."""
    rows = [["Acme Corp", "John Smith", "1-800-555-0199"], ["Globex", "Jane Doe", "(888) 555-0123"],
            ["Initech", "Bill Lumbergh", "1-877-555-0147"], ["Umbrella", "Alice Abernathy", "(866) 555-0178"],
            ["Hooli", "Gavin Belson", "800-555-0111"], ["Stark", "Tony Stark", "(855) 555-0166"]]  # fmt: skip
    path = _sheet(tmp_path, rows)
    out = tmp_path / "vendors.yaml"
    suggested = run_cli("mapping", "suggest", str(path), "--out", str(out), env=ENV)
    assert suggested.exit_code == 0, suggested.output
    text = out.read_text(encoding="utf-8")
    assert "\ndefault_region: US\n" in text, text
    assert "not inferred" not in suggested.output
    assert "6 are toll-free numbers, dialled alike in every country of +1" in text
    report = tmp_path / "report.csv"
    checked = run_cli("validate", str(path), "--mapping", str(out), "--report", str(report), env=ENV)
    assert [(r["status"], r["phone_e164"]) for r in checked.report] == [
        ("valid", "+18005550199"), ("valid", "+18885550123"), ("valid", "+18775550147"),
        ("valid", "+18665550178"), ("valid", "+18005550111"), ("valid", "+18555550166"),
    ]  # fmt: skip
