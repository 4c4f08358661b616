"""A sheet of several countries read with the team's standing ``default_region: IN``: British leads among Indian
ones, their mobiles' 0 dropped by Excel (``7911123456`` stored as a number), are Indian mobiles as digits too. The
sheet names no one country, but each British row names its own (a British postcode, a British city, a ``Country:
UK`` cell the mapping does not read phones by): those rows are held as ``phone-other-country:GB``, never sent as
+91. Indian rows (Indian cities and PIN codes, ``98…`` and ``7…`` mobiles, NRI rows with ``+1``/``+44``/``+971``)
send every good lead."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl

from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import run_env

_MAPPING = "project_id: {p}\nprocess_id: {q}\ndefault_region: {r}\nfields:\n  name: Name\n  phone: Phone\n"


def _files(tmp_path: Path, header: list[str], rows: list[list[object]], region: str = "IN") -> tuple[Path, Path]:
    sheet = tmp_path / "leads.xlsx"
    book = openpyxl.Workbook()
    page = book.active
    assert page is not None
    page.append(header)
    for row in rows:
        page.append(row)
    book.save(sheet)
    mapping = tmp_path / f"{region}.yaml"
    mapping.write_text(_MAPPING.format(p=PROJECT, q=PROCESS, r=region), encoding="utf-8")
    return sheet, mapping


def _run(run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox, sheet: Path, mapping: Path) -> CliRun:
    return run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                   "--no-ledger", env=run_env(sandbox.base_url))  # fmt: skip


_MIXED: list[list[object]] = [["Tom", "+44 7400 654321", "London", "SW1A 1AA"], ["Amy", "+44 7911 123457", "Manchester", "M1 1AE"],
          ["Joe", 7911123456, "Leeds", "LS1 4AP"], ["Sue", 7400123456, "Bristol", "BS1 5TR"],
          ["Raj", 9820012345, "Mumbai", "400001"], ["Ann", 7811223344, "", "B1 1AA"],
          ["Dev", 7021234567, "Pune", "411001"], ["Ria", 9845012345, "Bengaluru", "560001"]]  # fmt: skip


def test_british_rows_of_a_mixed_sheet_are_held_by_their_own_postcode_or_city(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    sheet, mapping = _files(tmp_path, ["Name", "Phone", "City", "Postcode"], _MIXED)
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    stored = sorted(str(lead["phone"]) for lead in sandbox.leads())
    assert stored == ["+447400654321", "+447911123457", "+917021234567", "+919820012345", "+919845012345"]
    rows = by_row(result.report)
    assert {n: (rows[n]["status"], rows[n]["warnings"]) for n in (4, 5, 7)} == {
        n: ("invalid", "phone-other-country:GB") for n in (4, 5, 7)
    }
    assert result.exit_code == 1


def test_a_country_cell_the_mapping_does_not_read_holds_its_row(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    rows: list[list[object]] = [["Joe", 7911123456, "UK"], ["Raj", 9820012345, "India"], ["Dev", 7021234567, "IN"],
                                ["Ann", 7811223344, "United Kingdom"], ["Ria", 9845012345, ""]]  # fmt: skip
    sheet, mapping = _files(tmp_path, ["Name", "Phone", "Country"], rows)
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == ["+917021234567", "+919820012345", "+919845012345"]
    assert [r["warnings"] for r in result.report if r["status"] == "invalid"] == ["phone-other-country:GB"] * 2


def test_an_indian_sheet_with_nri_rows_sends_every_lead(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    rows: list[list[object]] = [
        ["Ravi", 9820012345, "Mumbai", "400001"], ["Asha", "+91 98450 12345", "Bengaluru", "560001"],
        ["Neha", "091 98111 23456", "Delhi", "110001"], ["Arjun", "07021234567", "Pune", "411001"],
        ["Kiran", 7411223344, "Mysuru", "570001"], ["Sam", "+1 415 555 0134", "San Francisco", "94105"],
        ["Priya", "+44 7911 123456", "London", "SW1A 1AA"], ["Omar", "+971 50 611 8444", "Dubai", ""],
    ]  # fmt: skip
    sheet, mapping = _files(tmp_path, ["Name", "Phone", "City", "PIN Code"], rows)
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(
        ["+919820012345", "+919845012345", "+919811123456", "+917021234567", "+917411223344", "+14155550134",
         "+447911123456", "+971506118444"]
    )  # fmt: skip


def test_the_british_rows_go_out_as_british_under_a_british_mapping(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    sheet, mapping = _files(tmp_path, ["Name", "Phone", "City", "Postcode"], _MIXED[:4], "GB")
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == [
        "+447400123456", "+447400654321", "+447911123456", "+447911123457"
    ]  # fmt: skip


def test_a_column_of_countries_the_numbers_do_not_fit_holds_no_row(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    """A study-abroad sheet: Country is where the student wants to go. Most of its rows' numbers are no numbers of
    the country named, so the column says nothing of the numbers, and every Indian mobile goes out as Indian, the
    one that is a North American number too (681 234 5603 beside Canada) with them."""
    rows: list[list[object]] = [[f"Student {i}", f"{m}8123456{i:02d}", ("Canada", "UK", "Australia")[i % 3]]
                                for i, m in enumerate("9876987698")]  # fmt: skip
    sheet, mapping = _files(tmp_path, ["Name", "Phone", "Country"], rows)
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert result.exit_code == 0, result.output
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{row[1]}" for row in rows)


def test_a_home_locality_a_small_foreign_town_shares_a_name_with_holds_no_row(
    run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox
) -> None:
    """Whitefield is Bengaluru's IT suburb, which GeoNames does not list, and a town of 23,000 near Manchester, which
    it does: a row's own city names its country only when it is a large city (London), not a town a home suburb may
    be named like, so the Bengaluru lead goes out as +91 while London's British mobile is held."""
    rows: list[list[object]] = [["Raj", 9820012345, "Bengaluru"], ["Ria", 7411223344, "Whitefield"],
                                ["Dev", 7021234567, "Bengaluru"], ["Joe", 7911123456, "London"]]  # fmt: skip
    sheet, mapping = _files(tmp_path, ["Name", "Phone", "City"], rows)
    result = _run(run_cli, tmp_path, sandbox, sheet, mapping)
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == ["+917021234567", "+917411223344", "+919820012345"]
    assert [(r["Name"], r["warnings"]) for r in result.report if r["status"] == "invalid"] == [
        ("Joe", "phone-other-country:GB")
    ]
