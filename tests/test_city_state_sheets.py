"""A Singapore sheet read with the team's standing ``default_region: IN``: its numbers written with the code but
no ``+`` (``6591234568``, ``(65) 9786 5243``) are valid Indian mobiles as digits, and must not go out as +91.

What tells: a City column saying ``Singapore`` (a city-state, which the geocoder names no place of), the code in
brackets as a group of its own; on an American sheet whose area codes (917, 646, 832 ...) make Indian mobiles, a
State column of the US's state codes (NY, TX, FL). Indian sheets with their cities and states keep every lead."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import run_env

_MAPPING = "project_id: {p}\nprocess_id: {q}\ndefault_region: {r}\nfields:\n  name: Name\n  phone: Phone\n"


def _files(tmp_path: Path, rows: list[list[str]], region: str = "IN", third: str = "City") -> tuple[Path, Path]:
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["Name", "Phone", third][: len(rows[0])], *rows])
    mapping = tmp_path / f"{region}.yaml"
    mapping.write_text(_MAPPING.format(p=PROJECT, q=PROCESS, r=region), encoding="utf-8")
    return sheet, mapping


_SINGAPORE = [["Tan Wei", "9123 4567"], ["Lim Mei", "+65 8123 4567"], ["Ng Kai", "6591234568"],
              ["Goh Hui", "6123 4567"], ["Ong Li", "(65) 9786 5243"]]  # fmt: skip


@pytest.mark.parametrize("city", [True, False], ids=["with-city", "numbers-only"])
def test_a_singapore_sheet_under_an_indian_mapping_sends_no_indian_number(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox, city: bool
) -> None:
    rows = [[*row, "Singapore"] if city else row for row in _SINGAPORE]
    sheet, mapping = _files(tmp_path, rows)
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                     "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip
    stored = sorted(str(lead["phone"]) for lead in sandbox.leads())
    assert not [p for p in stored if p.startswith("+91")], stored
    rows_out = by_row(result.report)
    held = {n: (rows_out[n]["status"], rows_out[n]["reason"]) for n in (4, 6)}
    assert all(status == "invalid" and reason.startswith("phone-") for status, reason in held.values()), held
    assert result.exit_code == 1


def test_a_city_column_saying_singapore_holds_its_bare_numbers(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    """No number written with its code: the City column (Singapore, which the geocoder names no place of) tells."""
    rows = [["Tan Wei", "9123 4567"], ["Ng Kai", "6591234568"], ["Lim Mei", "6581234567"], ["Goh Hui", "6123 4567"],
            ["Ong Li", "6596543217"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, [[*row, "Singapore"] for row in rows])
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                     "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip
    assert sandbox.leads() == []
    assert [(r["reason"], r["warnings"]) for r in result.report if r["sheet_row"] in ("3", "4", "6")] == [
        ("phone-sheet-country", "phone-sheet-country:SG")
    ] * 3


def test_the_same_sheet_under_a_singapore_mapping_sends_every_lead_as_singapores(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    sheet, mapping = _files(tmp_path, [[*row, "Singapore"] for row in _SINGAPORE], "SG")
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                     "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == [
        "+6561234567", "+6581234567", "+6591234567", "+6591234568", "+6597865243",
    ]  # fmt: skip


def test_an_indian_sheet_with_its_cities_and_bracketed_codes_keeps_every_lead(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    rows = [["Ravi", "98200 12345", "Mumbai"], ["Asha", "+91 98450 12345", "Bengaluru"],
            ["Vikram", "(022) 2345 6789", "Mumbai"], ["Neha", "091 98111 23456", "Delhi"],
            ["Arjun", "6354123456", "Ahmedabad"], ["Meera", "(91) 98452 31870", "Chennai"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, rows)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [(r["status"], r["phone_e164"]) for r in result.report] == [
        ("valid", "+919820012345"), ("valid", "+919845012345"), ("valid", "+912223456789"),
        ("valid", "+919811123456"), ("valid", "+916354123456"), ("valid", "+919845231870"),
    ], result.report  # fmt: skip


_AMERICAN = [["Ann", "9175550123", "NY"], ["Bob", "6465550111", "NY"], ["Cy", "7185550122", "NY"],
             ["Di", "8325550133", "TX"], ["Ed", "9545550144", "FL"], ["Flo", "7865550155", "FL"]]  # fmt: skip


def test_a_state_column_of_us_state_codes_holds_an_american_sheet(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    """Each number is an Indian mobile as digits; NY, TX and FL are all the US's state codes (Hungary has an NY too,
    no other country all three): the numbers are held as the US's, not sent as +91, and suggest says US."""
    sheet, mapping = _files(tmp_path, _AMERICAN, third="State")
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                     "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip
    assert sandbox.leads() == []
    assert {(r["reason"], r["warnings"]) for r in result.report} == {("phone-sheet-country", "phone-sheet-country:US")}
    suggested = tmp_path / "suggested.yaml"
    run_cli("mapping", "suggest", str(sheet), "--out", str(suggested), env={"VOX_PROJECT_ID": PROJECT,
            "VOX_PROCESS_ID": PROCESS})  # fmt: skip
    assert "\ndefault_region: US\n" in suggested.read_text(encoding="utf-8")


def test_an_indian_sheet_with_its_state_codes_keeps_every_lead(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    rows = [["Ravi", "9820012345", "MH"], ["Asha", "9845012345", "KA"], ["Neha", "9811123456", "DL"],
            ["Kavya", "9840012345", "TN"], ["Amit", "9830012345", "WB"], ["Ritu", "9829012345", "RJ"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, rows, third="State")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [(r["status"], r["phone_e164"]) for r in result.report] == [("valid", f"+91{row[1]}") for row in rows]


def test_a_canadian_sheet_with_its_province_codes_is_held_as_canadas(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """BC, ON, NS, QC: Canada's provinces; its numbers (604, 647, 905 ...: Indian mobiles as digits) are held as
    Canada's, named so, not as the US's (+1's main region) though they are dialled alike."""
    rows = [["A", "6045550123", "BC"], ["B", "7785550111", "BC"], ["C", "6475550122", "ON"],
            ["D", "9055550133", "ON"], ["E", "9025550144", "NS"], ["F", "8195550155", "QC"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, rows, third="Province")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert {(r["reason"], r["warnings"]) for r in result.report} == {("phone-sheet-country", "phone-sheet-country:CA")}
    assert "--region CA" in result.output
