"""The world corpus: exports of many CRMs and countries, mapped by ``mapping suggest`` and checked by ``validate``
with no hand edit. Each sheet's sidecar holds the E.164 of every row, read in the row's real country."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import phonenumbers

from tests.conftest import PROCESS, PROJECT, ROOT

WORLD = ROOT / "tests" / "data" / "world"
SHEETS = sorted(p for p in WORLD.iterdir() if p.suffix in (".csv", ".xlsx") and not p.name.endswith(".expected.csv"))
ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


def _expected(sheet: Path) -> dict[str, dict[str, str]]:
    with (WORLD / f"{sheet.stem}.expected.csv").open(encoding="utf-8") as f:
        return {row["sheet_row"]: row for row in csv.DictReader(f)}


def _code(e164: str) -> int:
    return int(phonenumbers.parse(e164, None).country_code)


def _check(run_cli: Any, tmp_path: Path, sheet: Path) -> tuple[int, int, list[str]]:
    """(rows, rows with the right phone, wrong-country rows described) for one sheet."""
    mapping = tmp_path / f"{sheet.stem}.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping), env=ENV)
    assert suggested.exit_code == 0, f"{sheet.name}: {suggested.output}"
    report = tmp_path / f"{sheet.stem}.report.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert checked.exit_code in (0, 1), f"{sheet.name}: {checked.output}{checked.stderr}"
    expected = _expected(sheet)
    right, wrong = 0, []
    for row in checked.report:
        want = expected[row["sheet_row"]]
        acceptable = want["acceptable"].split()
        got = row["phone_e164"]
        if (got in acceptable) if acceptable else not got:
            right += 1
        if got and acceptable and _code(got) != _code(acceptable[0]):
            wrong.append(f"{sheet.name} row {row['sheet_row']}: {got} for a {want['country']} number {acceptable[0]}")
    assert len(checked.report) == len(expected), sheet.name
    return len(expected), right, wrong


def test_the_corpus_is_big_and_varied_enough() -> None:
    """At least 25 sheets, CSV and XLSX, 20 to 200 rows each, from 15 or more countries."""
    assert len(SHEETS) >= 25
    assert {p.suffix for p in SHEETS} == {".csv", ".xlsx"}
    countries = {row["country"] for sheet in SHEETS for row in _expected(sheet).values()}
    assert len(countries) >= 15, countries
    assert all(20 <= len(_expected(sheet)) <= 200 for sheet in SHEETS)


def test_suggest_then_validate_gives_the_right_number_on_every_sheet(run_cli: Any, tmp_path: Path) -> None:
    """With no hand edit, at least 99% of all rows get their own E.164, and not one row a phone of another country."""
    total = right = 0
    wrong: list[str] = []
    per_sheet = []
    for sheet in SHEETS:
        n, ok, bad = _check(run_cli, tmp_path, sheet)
        total, right, wrong = total + n, right + ok, wrong + bad
        per_sheet.append(f"{sheet.name}: {ok}/{n}")
    assert not wrong, "\n".join(wrong)
    assert right >= 0.99 * total, "\n".join(per_sheet)
