"""Country cells in the informal and abbreviated forms people type are read as their country; a name usage
does not settle (or a place that is no country's name) is ``unknown-country``, never a guess."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from importer.normalize.countries import region_of_code
from tests.conftest import PROCESS, PROJECT, CliRun, by_row

_MAPPING = (
    f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\n"
    "fields:\n  name: Name\n  phone: Phone\n  phoneCountryCode: Country\n"
)


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("Great Britain", "GB"),
        ("Britain", "GB"),
        ("Czech Rep.", "CZ"),
        ("DR Congo", "CD"),
        ("Congo, Dem. Rep.", "CD"),  # World Bank's form
        ("Congo, Rep.", "CG"),
        ("Congo", "CG"),  # ISO's short name of the Republic of the Congo
        ("Korea", "KR"),
        ("S. Korea", "KR"),
        ("Rep. of Korea", "KR"),
        ("Korea, Rep.", "KR"),
        ("North Korea", "KP"),
        ("N. Korea", "KP"),  # N. for North: North Korea is CLDR's English name of it, and no other's N. Korea
        ("DPRK", "KP"),
        ("Korea DPR", "KP"),
        ("Russian Fed.", "RU"),
        ("Viet Nam", "VN"),
        ("Ivory Coast", "CI"),
        ("Holland", "NL"),
        ("U.A.E", "AE"),
        ("Emirates", "AE"),
        ("KSA", "SA"),
        ("Dubai", "AE"),  # an emirate: its country
        ("Abu Dhabi", "AE"),
        ("Sharjah", "AE"),
        ("Lao PDR", "LA"),
        ("Slovak Rep.", "SK"),
        ("Dominican Rep.", "DO"),
        ("Republic of Ireland", "IE"),
        ("Gambia, The", "GM"),
        ("Macedonia", "MK"),
    ],
)
def test_informal_and_abbreviated_country_names(cell: str, region: str) -> None:
    """The forms usage gives a country (Korea, Britain, Czech Rep., DR Congo, Dubai) read as that country."""
    assert region_of_code(cell) == region


@pytest.mark.parametrize(
    "cell",
    [
        "Niger State",  # a state of Nigeria, not the Niger
        "Virgin Islands",  # British or American
        "Holland Park",
        "Zaire",  # the Congo's old name, and an Angolan province's: not guessed
        "Punjab",  # India's and Pakistan's
        "Channel Islands",  # found by a pattern, but no country of its own
        "D",  # vehicle registration codes: no maintained table has them
        "A",
        "Narnia",
    ],
)
def test_names_usage_does_not_settle_name_no_country(cell: str) -> None:
    """A cell the patterns find but whose other words are not the country's, or that names two, is no country."""
    assert region_of_code(cell) is None


def test_rows_naming_countries_informally_get_their_countrys_numbers(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Through validate: each row's phone in E.164 of the country its cell names informally; a cell naming no
    country leaves its row invalid (unknown-country), the phone never read as the default region's."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Country,Phone\n"
        "Emma,Great Britain,07400 123456\n"
        "Min,Korea,010-1234-5678\n"
        "Petr,Czech Rep.,601 123 456\n"
        "Omar,Dubai,050 123 4567\n"
        "Ivan,Russian Fed.,8 912 345-67-89\n"
        "Jan,Holland,06 12345678\n"
        "Kabila,DR Congo,081 234 5678\n"
        "Nnamdi,Niger State,0803 123 4567\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(_MAPPING)), "--report", str(report))
    rows = by_row(result.report)
    assert {r: (rows[r]["status"], rows[r]["phone_e164"]) for r in range(2, 9)} == {
        2: ("valid", "+447400123456"),
        3: ("valid", "+821012345678"),
        4: ("valid", "+420601123456"),
        5: ("valid", "+971501234567"),
        6: ("valid", "+79123456789"),
        7: ("valid", "+31612345678"),
        8: ("valid", "+243812345678"),
    }
    assert (rows[9]["status"], rows[9]["reason"], rows[9]["phone_e164"]) == ("invalid", "unknown-country", "")
    assert result.exit_code == 1


@pytest.mark.parametrize(
    "cell", ["APAC", "EMEA", "LATAM", "Latin America", "Global", "Worldwide", "Other", "Rest of World", "Asia"]
)
def test_a_region_of_the_world_names_no_country(
    cell: str, tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """A sales region in the country column (APAC was Uganda's Apac district) names none: the row is
    unknown-country, its number never read in a country the cell does not name."""
    assert region_of_code(cell) is None
    sheet = tmp_path / "r.csv"
    sheet.write_text(f"Name,Phone,Country\nA,0772 123456,{cell}\nB,+256 772 123456,{cell}\n", encoding="utf-8")
    result = run_cli(
        "validate", str(sheet), "--mapping", str(mapping_file(_MAPPING)), "--report", str(tmp_path / "o.csv")
    )
    rows = by_row(result.report)
    assert (rows[2]["status"], rows[2]["reason"]) == ("invalid", "unknown-country"), rows[2]
    assert rows[3]["status"] == "valid" and rows[3]["warnings"] == "unknown-country", rows[3]  # its own + code


@pytest.mark.parametrize(("cell", "region"), [("Micronesia", "FM"), ("South Africa", "ZA"), ("Uganda", "UG")])
def test_countries_named_like_regions_are_still_read(cell: str, region: str) -> None:
    assert region_of_code(cell) == region


@pytest.mark.parametrize(("cell", "region"), [("РФ", "RU"), ("ОАЭ", "AE"), ("рф", None)])
def test_a_countrys_initials_in_cyrillic_name_it_when_written_in_capitals(cell: str, region: str | None) -> None:
    """РФ (Российская Федерация) as Russian sheets write it; a lower-case word of two letters is no abbreviation."""
    assert region_of_code(cell) == region
