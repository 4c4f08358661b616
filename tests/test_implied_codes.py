"""A phone written with its calling code but no ``+`` (``971 50 611 8444``) is read as the number it is: the row's
own when the code is its country's, else held back as another country's; never sent under the wrong country."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import PROCESS, PROJECT, CliRun, by_row


def _mapping(region: str, *, country: bool = False) -> str:
    text = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {region}\nfields:\n  name: Name\n  phone: Phone\n"
    return text + ("  phoneCountryCode: Country\n" if country else "")


def _validate(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path], sheet: str, mapping: str
) -> dict[int, dict[str, str]]:
    path = tmp_path / "leads.csv"
    path.write_text(sheet, encoding="utf-8")
    report = tmp_path / "report.csv"
    result = run_cli("validate", str(path), "--mapping", str(mapping_file(mapping)), "--report", str(report))
    return by_row(result.report)


def _outcome(row: dict[str, str]) -> tuple[str, str, str, str]:
    return row["status"], row["reason"], row["warnings"], row["phone_e164"]


def test_a_calling_code_without_plus_in_an_indian_sheet_is_held_back_as_that_countrys(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Under IN: 971 50 611 8444 and 44 7400 123456 are not refused as bad Indian numbers but held back as the
    UAE's and Britain's (phone-other-country), as are bare digits too long for India; India's own code without +
    and 0044 (India's exit code) read; a number one digit too long for India is no other country's."""
    sheet = (
        "Name,Phone\n"
        "Omar,971 50 611 8444\n"
        "Emma,44 7400 123456\n"
        "Sara,971506118445\n"
        "Ravi,98123 45678\n"
        "Anil,91 98123 45679\n"
        "Jack,0044 7400 123457\n"
        "Typo,98123 456789 1\n"
        "Extra,74267515637\n"
    )
    rows = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN"))
    assert _outcome(rows[2]) == ("invalid", "phone-other-country", "phone-other-country:AE", "")
    assert _outcome(rows[3]) == ("invalid", "phone-other-country", "phone-other-country:GB", "")
    assert _outcome(rows[4]) == ("invalid", "phone-other-country", "phone-other-country:AE", "")
    assert _outcome(rows[5]) == ("valid", "", "", "+919812345678")
    assert _outcome(rows[6]) == ("valid", "", "", "+919812345679")
    assert _outcome(rows[7]) == ("valid", "", "", "+447400123457")
    assert _outcome(rows[8])[:2] == ("invalid", "invalid-phone")  # valid nowhere with a + either
    # An Indian mobile with a digit too many is a valid Russian number with a +, but nothing shows a code
    assert _outcome(rows[9])[:2] == ("invalid", "invalid-phone")


def test_the_code_is_read_against_the_rows_own_country(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """With a country column: the UAE's code on a UAE row is its number; on a British row it is held back."""
    sheet = "Name,Country,Phone\nOmar,UAE,971 50 611 8444\nEmma,United Kingdom,971 50 611 8445\nLi,,44 7400 123456\n"
    rows = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN", country=True))
    assert _outcome(rows[2]) == ("valid", "", "", "+971506118444")
    assert _outcome(rows[3]) == ("invalid", "phone-other-country", "phone-other-country:AE", "")
    assert _outcome(rows[4]) == ("invalid", "phone-other-country", "phone-other-country:GB", "")


def test_00_before_a_code_where_00_is_not_the_exit_code_and_valid_numbers_never_reread(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Under US (exit code 011): 0044 7400 123456 is Britain's, held back; 321-234-5678, a valid Florida number,
    stays American although +32 12 34 56 78 would be a Belgian one."""
    sheet = "Name,Phone\nEmma,0044 7400 123456\nBob,321-234-5678\nAmy,(415) 835-1656\n"
    rows = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("US"))
    assert _outcome(rows[2]) == ("invalid", "phone-other-country", "phone-other-country:GB", "")
    assert _outcome(rows[3]) == ("valid", "", "", "+13212345678")
    assert _outcome(rows[4]) == ("valid", "", "", "+14158351656")
