"""Sheets whose City column names cities phonenumbers' geocoder does not (``Москва``, ``Quezon City``, ``Davao``),
read with the team's standing ``default_region: IN``: their mobiles written without the trunk prefix (``9161234567``
in Moscow, ``9171234567`` in Manila) are Indian mobiles as digits too, and must not go out as +91. GeoNames' city
names (every script) tell the country; under the right region every lead goes out as that country's. Indian sheets
whose towns the geocoder does not name keep every lead."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import run_env

_MAPPING = "project_id: {p}\nprocess_id: {q}\ndefault_region: {r}\nfields:\n  name: Name\n  phone: Phone\n"

_RUSSIAN = [["Иван", "9161234567", "Москва"], ["Ольга", "9219876543", "Санкт-Петербург"],
            ["Пётр", "9133456789", "Новосибирск"], ["Анна", "9031234567", "Москва"]]  # fmt: skip
_PHILIPPINE = [["Juan", "9171234567", "Quezon City"], ["Maria", "9181234567", "Cebu"],
               ["Jose", "9191234567", "Davao"], ["Ana", "9271234567", "Makati"]]  # fmt: skip
_SHEETS = {"RU": _RUSSIAN, "PH": _PHILIPPINE}
_CODES = {"RU": "+7", "PH": "+63"}


def _files(tmp_path: Path, rows: list[list[str]], region: str) -> tuple[Path, Path]:
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Name", "Phone", "City"], *rows])
    mapping = tmp_path / f"{region}.yaml"
    mapping.write_text(_MAPPING.format(p=PROJECT, q=PROCESS, r=region), encoding="utf-8")
    return sheet, mapping


def _run(run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox, sheet: Path, mapping: Path) -> CliRun:
    return run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                   "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip


@pytest.mark.parametrize("country", ["RU", "PH"])
def test_a_sheet_of_cities_the_geocoder_does_not_name_sends_no_indian_number(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox, country: str
) -> None:
    sheet, mapping = _files(tmp_path, _SHEETS[country], "IN")
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert sandbox.leads() == []
    assert {(r["status"], r["reason"], r["warnings"]) for r in result.report} == {
        ("invalid", "phone-sheet-country", f"phone-sheet-country:{country}")
    }
    assert f"--region {country}" in result.output
    suggested = tmp_path / "suggested.yaml"
    run_cli("mapping", "suggest", str(sheet), "--out", str(suggested), env={"VOX_PROJECT_ID": PROJECT,
            "VOX_PROCESS_ID": PROCESS})  # fmt: skip
    assert f"\ndefault_region: {country}\n" in suggested.read_text(encoding="utf-8")


@pytest.mark.parametrize("country", ["RU", "PH"])
def test_the_same_sheet_under_its_own_region_sends_every_lead_as_that_countrys(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox, country: str
) -> None:
    sheet, mapping = _files(tmp_path, _SHEETS[country], country)
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(
        _CODES[country] + row[1] for row in _SHEETS[country]
    )


def test_an_indian_sheet_of_towns_the_geocoder_does_not_name_keeps_every_lead(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    """Thane, Nashik, Navi Mumbai, Vasai, Gurugram, Noida: GeoNames' Indian cities; Hyderabad is Pakistan's too."""
    rows = [["Ravi", "9820012345", "Thane"], ["Asha", "9845012345", "Nashik"], ["Neha", "9811123456", "Navi Mumbai"],
            ["Kavya", "9840012345", "Vasai"], ["Amit", "9830012345", "Gurugram"], ["Ritu", "9829012345", "Noida"],
            ["Sana", "9849012345", "Hyderabad"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, rows, "IN")
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{row[1]}" for row in rows)


@pytest.mark.parametrize(
    ("country", "rows"),
    [
        ("SA", [[f"Lead {i}", f"051 234 {5678 + 7 * i}" if i % 2 else f"51234{5678 + 7 * i}", city] for i, city in
                enumerate(["جدة", "الرياض", "Dammam", "Riyadh", "Jeddah"] * 6)]),
        ("HK", [[f"Lead {i}", f"5123 {4567 + 7 * i}" if i % 2 else f"5123{4567 + 7 * i}", city] for i, city in
                enumerate(["香港", "Kowloon", "Tsuen Wan", "Hong Kong", "Kowloon"] * 6)]),
    ],
)  # fmt: skip
def test_suggest_takes_the_country_of_the_cities_among_those_the_numbers_read_alike_in(
    run_cli: Callable[..., CliRun], tmp_path: Path, country: str, rows: list[list[str]]
) -> None:
    """Saudi mobiles read as South African landlines too, Hong Kong's as Lesotho's and El Salvador's numbers: the City
    column (Arabic, Chinese, English names; five of them beside thirty numbers) names one of them, and suggest
    writes it rather than no default_region."""
    sheet, _ = _files(tmp_path, rows, "IN")
    suggested = tmp_path / "suggested.yaml"
    run_cli("mapping", "suggest", str(sheet), "--out", str(suggested), env={"VOX_PROJECT_ID": PROJECT,
            "VOX_PROCESS_ID": PROCESS})  # fmt: skip
    assert f"\ndefault_region: {country}\n" in suggested.read_text(encoding="utf-8")
