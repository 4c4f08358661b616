"""Every row's phone is read in its own country, and a phone of another country is never sent as the default's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from importer.normalize.countries import region_of_code
from tests.conftest import PROCESS, PROJECT, CliRun, by_row


def _mapping(region: str | None, *, country: bool = True, phones: str = "Phone") -> str:
    lines = [f"project_id: {PROJECT}", f"process_id: {PROCESS}"]
    if region is not None:
        lines.append(f"default_region: {region}")
    lines += ["fields:", "  name: Name", f"  phone: {phones}", "  email: {columns: [Email], required: false}"]
    if country:
        lines.append("  phoneCountryCode: Country")
    return "\n".join(lines) + "\n"


def _validate(
    tmp_path: Path,
    run_cli: Callable[..., CliRun],
    mapping_file: Callable[[str], Path],
    sheet: str,
    mapping: str,
    *extra: str,
) -> CliRun:
    path = tmp_path / "leads.csv"
    path.write_text(sheet, encoding="utf-8")
    report = tmp_path / "report.csv"
    return run_cli("validate", str(path), "--mapping", str(mapping_file(mapping)), "--report", str(report), *extra)


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("Espana", "ES"),  # accents ignored
        ("México", "MX"),
        ("Brasil", "BR"),
        ("Nihon", "JP"),
        ("日本", "JP"),
        ("भारत", "IN"),
        ("Bharat", "IN"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("U.K.", "GB"),
        ("UK", "GB"),
        ("UAE", "AE"),
        ("KSA", "SA"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("대한민국", "KR"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("Türkiye", "TR"),
        ("Россия", "RU"),
        ("Côte d'Ivoire", "CI"),
        ("COTE D\u2019IVOIRE", "CI"),
        ("Ivory Coast", "CI"),
        ("Viet Nam", "VN"),
        ("England", "GB"),
        ("DEU", "DE"),
        ("deu", "DE"),
        ("ZAF", "ZA"),
        ("ng", "NG"),
        ("South Africa", "ZA"),
        ("Nigeria", "NG"),
        ("+234", "NG"),
        ("234", "NG"),
        ("0049", "DE"),
        ("Narnia", None),
        ("Mars", None),
        ("Republic of Korea", "KR"),  # ISO's "Korea, Republic of" read either way round
        ("Iran, Islamic Republic of", "IR"),
        ("Palestine", "PS"),
        ("St Kitts and Nevis", "KN"),  # not São Tomé (ST)
        ("Saint Kitts & Nevis", "KN"),
        ("Trinidad & Tobago", "TT"),
        ("Germany / Deutschland", "DE"),
        ("Deutschland (DE)", "DE"),
        ("Congo (DRC)", "CD"),  # CLDR's own short form of the Democratic Republic
        ("Korea", "KR"),  # South Korea, as usage has it (OCHA's name patterns)
    ],
)
def test_country_cells_in_every_form(cell: str, region: str | None) -> None:
    """Names in English and in each country's own language and script, ISO codes and calling codes all read."""
    assert region_of_code(cell) == region


def test_each_row_is_read_in_its_named_country(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """A country column in names, codes and own names: each phone comes out in E.164 of that country."""
    sheet = (
        "Name,Country,Phone\n"
        "Thandi,South Africa,082 123 4567\n"
        "Lucía,España,612 34 56 78\n"
        "Chidi,Nigeria,0803 123 4567\n"
        "Yuki,日本,090-1234-5678\n"
        "Ana,México,55 1234 5678\n"
        "Jonas,Deutschland,0172 6508462\n"
        "Maria,Brasil,(11) 91234-5678\n"
        "Ravi,भारत,98123 45678\n"
        "Emma,U.K.,07400 123456\n"
        "Omar,UAE,050 123 4567\n"
        "Min,South Korea,010-1234-5678\n"
        "Petr,Czechia,601 123 456\n"
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN"))
    rows = by_row(result.report)
    assert {r: rows[r]["phone_e164"] for r in rows} == {
        2: "+27821234567",
        3: "+34612345678",
        4: "+2348031234567",
        5: "+819012345678",
        6: "+525512345678",
        7: "+491726508462",
        8: "+5511912345678",
        9: "+919812345678",
        10: "+447400123456",
        11: "+971501234567",
        12: "+821012345678",
        13: "+420601123456",
    }
    assert result.exit_code == 0


def test_a_country_that_names_no_country_is_invalid_and_never_read_as_the_default(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """unknown-country: the phone is not sent as an Indian number; one written with its own + still is."""
    sheet = "Name,Country,Phone\nAsha,Narnia,9812345678\nBen,Narnia,+44 7400 123456\nCal,Narnia,\n"
    result = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN"))
    rows = by_row(result.report)
    assert rows[2]["status"] == "invalid" and rows[2]["reason"] == "unknown-country"
    assert rows[2]["phone_e164"] == ""
    assert rows[3]["status"] == "valid" and rows[3]["phone_e164"] == "+447400123456"
    assert rows[3]["warnings"] == "unknown-country"
    assert "name a country leadimport does not know" in result.output
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("phone", "likely"),
    [
        ("(415) 835-1656", "US"),  # a NANP shape, valid in India as written digits
        ("415-835-1656", "US"),
        ("212-736-5000", "US"),  # India writes these ten digits 0212 736 5000: NANP's grouping tells
        ("831-123-5555", "MX"),  # invalid in the US, and a NANP shape: still not India's
        ("0803 123 4567", "NG"),  # Nigeria's grouping
        ("138 0013 8001", "CN"),  # a Chinese mobile: invalid in India
    ],
)
def test_a_phone_of_another_country_read_in_india_is_flagged_not_sent(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path], phone: str, likely: str
) -> None:
    """phone-other-country: the row is invalid (never sent as +91...), its warning names the likely country."""
    sheet = f'Name,Phone\nAsha,98123 45678\nBob,"{phone}"\n'
    result = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN", country=False))
    rows = by_row(result.report)
    assert rows[2]["status"] == "valid" and rows[2]["phone_e164"] == "+919812345678"
    assert rows[3]["status"] == "invalid" and rows[3]["reason"] == "phone-other-country"
    assert rows[3]["phone_e164"] == ""
    assert rows[3]["warnings"].startswith("phone-other-country:")
    assert likely in rows[3]["warnings"].partition(":")[2].split("/")
    assert "look like another country's" in result.output


def test_numbers_written_as_the_default_region_writes_them_are_sent(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Indian numbers in the groupings Indians use (and a landline with its STD code) are not flagged."""
    sheet = (
        "Name,Phone\n"
        "A,98123 45678\nB,098123-45679\nC,0 98123 45670\nD,022 2345 6789\nE,0172-6508462\n"
        "F,+91 98123 45671\nG,9812345672\nH,91-9812345673\n"
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN", country=False))
    assert {r["status"] for r in result.report} == {"valid"}
    assert all(r["warnings"] == "" for r in result.report)
    assert result.exit_code == 0


def test_region_on_the_command_line_overrides_the_mapping(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """--region US: (415) 835-1656 is a US number; the same sheet under the mapping's IN is flagged."""
    sheet = 'Name,Phone\nBob,"(415) 835-1656"\n'
    under_in = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN", country=False))
    assert under_in.report[0]["status"] == "invalid"
    under_us = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN", country=False), "--region", "US")
    assert under_us.report[0]["status"] == "valid" and under_us.report[0]["phone_e164"] == "+14158351656"
    by_name = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN", country=False), "--region", "USA")
    assert by_name.report[0]["phone_e164"] == "+14158351656"


def test_a_mapping_without_default_region_reads_rows_that_decide_themselves(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """No default_region: a country column or a +CC number decides; a row with neither is no-region, not guessed."""
    sheet = "Name,Country,Phone\nJonas,DE,0172 6508462\nEmma,,+44 7400 123456\nRavi,,98123 45678\nNia,,\n"
    result = _validate(tmp_path, run_cli, mapping_file, sheet + "", _mapping(None))
    rows = by_row(result.report)
    assert rows[2]["phone_e164"] == "+491726508462" and rows[2]["status"] == "valid"
    assert rows[3]["phone_e164"] == "+447400123456" and rows[3]["status"] == "valid"
    assert rows[4]["status"] == "invalid" and rows[4]["reason"] == "no-region"
    assert "no default_region" in result.output
    fixed = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping(None), "--region", "+91")
    assert by_row(fixed.report)[4]["phone_e164"] == "+919812345678"


def test_default_region_may_be_a_country_name(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """default_region: Deutschland reads German numbers; one naming no country is refused, exit 2."""
    sheet = "Name,Phone\nJonas,0172 6508462\n"
    good = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("Deutschland", country=False))
    assert good.report[0]["phone_e164"] == "+491726508462"
    bad = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("Narnia", country=False))
    assert bad.exit_code == 2
    assert "'default_region' 'Narnia' names no country" in bad.output + bad.stderr


def test_run_sends_each_phone_in_its_country_and_never_one_of_another_as_the_default(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Into the sandbox CRM: rows read in their named countries (or --region) land with that country's E.164;
    a US-shaped number read in India and a row naming no country are not sent at all."""
    from importer.sandbox.server import Sandbox, SandboxSettings
    from tests.sandbox_util import TOKEN, run_env

    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Country,Phone\n"
        "Jonas,Deutschland,0172 6508462\n"
        "Chidi,NGA,0803 123 4567\n"
        "Ravi,,98123 45678\n"
        'Bob,,"(415) 835-1656"\n'
        "Zed,Narnia,98123 45679\n",
        encoding="utf-8",
    )
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0
    )
    with Sandbox(settings) as crm:
        result = run_cli(
            "run", str(sheet), "--mapping", str(mapping_file(_mapping("IN"))), "--report", str(tmp_path / "r.csv"),
            "--no-ledger", env=run_env(crm.base_url),
        )  # fmt: skip
        stored = {lead["name"]: lead["phone"] for lead in crm.leads()}
        assert stored == {"Jonas": "+491726508462", "Chidi": "+2348031234567", "Ravi": "+919812345678"}
        rows = by_row(result.report)
        assert rows[5]["reason"] == "phone-other-country" and rows[6]["reason"] == "unknown-country"
        assert result.exit_code == 1
        again = tmp_path / "us.csv"
        again.write_text('Name,Country,Phone\nBob,,"(415) 835-1656"\n', encoding="utf-8")
        run_cli(
            "run", str(again), "--mapping", str(mapping_file(_mapping("IN"))), "--report", str(tmp_path / "r2.csv"),
            "--no-ledger", "--region", "US", env=run_env(crm.base_url),
        )  # fmt: skip
        assert {lead["name"]: lead["phone"] for lead in crm.leads()}["Bob"] == "+14158351656"


def test_a_sheet_mostly_of_another_country_holds_back_its_bare_digit_numbers_too(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """A US export read in India: its (NXX) numbers are flagged, and so is 4158351657, bare digits that would
    pass as Indian, because the sheet is plainly American; in an Indian sheet such a number is sent."""
    us = 'Name,Phone\nA,"(415) 835-1656"\nB,"(212) 555-0142"\nC,"(646) 555-0199"\nD,4158351657\n'
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, us, _mapping("IN", country=False)).report)
    assert {rows[r]["status"] for r in rows} == {"invalid"}
    assert rows[5]["reason"] == "phone-other-country" and "US" in rows[5]["warnings"]
    indian = "Name,Phone\nA,98123 45678\nB,98123 45679\nC,98123 45670\nD,4158351657\n"
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, indian, _mapping("IN", country=False)).report)
    assert {rows[r]["status"] for r in rows} == {"valid"}


def test_a_german_area_code_written_before_a_slash_is_one_number(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """036336/652 and 030/1234567 (area code / number, as Germans write them) are one number each, not two."""
    sheet = "Name,Phone\nMarie,036336/652\nJonas,030/1234567\n"
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, sheet, _mapping("DE", country=False)).report)
    assert (rows[2]["phone_e164"], rows[2]["warnings"]) == ("+4936336652", "")
    assert (rows[3]["phone_e164"], rows[3]["warnings"]) == ("+49301234567", "")


def test_a_flag_or_a_place_written_city_first_names_its_country(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """A flag alone (a form's country picker), "city, country" and "city, state code, country" (a location column)
    read each phone in that country; a place whose parts name two countries (Georgia, USA) names none: the row is
    refused (unknown-country), never read in the default region."""
    sheet = (
        "Name,Country,Phone\n"
        "Omar,🇦🇪,050 123 4567\n"
        'Emma,"London, England, United Kingdom",07400 123456\n'
        'Mia,"Dubai, UAE",050 765 4321\n'
        'Ann,"Chicago, IL, USA",(312) 555-0142\n'
        'Luc,"Toronto, ON, Canada",(416) 555-0143\n'
        'Zoe,"Georgia, USA",(404) 555-0144\n'
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("IN"))
    rows = by_row(result.report)
    assert {r: rows[r]["phone_e164"] for r in rows} == {
        2: "+971501234567",
        3: "+447400123456",
        4: "+971507654321",
        5: "+13125550142",
        6: "+14165550143",
        7: "",
    }
    assert rows[7]["status"] == "invalid" and rows[7]["reason"].startswith("unknown-country")


def test_a_postcode_after_the_country_and_countries_of_one_calling_code(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """``Mumbai, India, 400001`` and ``London, UK, SW1A 1AA`` name their country; ``US/Canada``, ``Canada or USA``
    name NANP's +1 (their phones read alike in either); ``India/UAE`` names two calling codes, so none."""
    sheet = (
        "Name,Country,Phone\n"
        'Ravi,"Mumbai, India, 400001",98200 12345\n'
        'Emma,"London, UK, SW1A 1AA",020 7946 0018\n'
        'Asha,"India, 400001",98200 12347\n'
        "Ann,US/Canada,(416) 555-0199\n"
        "Bob,Canada or USA,(212) 555-0188\n"
        "Zara,India/UAE,050 123 4567\n"
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, _mapping("DE"))
    rows = by_row(result.report)
    assert {r: rows[r]["phone_e164"] for r in rows} == {
        2: "+919820012345",
        3: "+442079460018",
        4: "+919820012347",
        5: "+14165550199",
        6: "+12125550188",
        7: "",
    }
    assert rows[7]["status"] == "invalid" and rows[7]["reason"].startswith("unknown-country")
