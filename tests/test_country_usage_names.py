"""Country cells as people in each country write them: short native names (``한국``, ``中国``), old spellings
(``Méjico``), a country's initials in its own language (``RD``: República Dominicana), ``Mainland China``; and
abbreviations of something else (``St.``, ``Ma.``) or initials of an official name nobody uses (``RD`` as the
Republic of Djibouti) read as no country, never a guess."""

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
        ("한국", "KR"),  # South Korea's everyday name in Korean (대한민국 is its formal one)
        ("대한민국", "KR"),
        ("中国", "CN"),
        ("日本", "JP"),
        ("Россия", "RU"),
        ("Deutschland", "DE"),
        ("Türkiye", "TR"),
        ("Ελλάδα", "GR"),
        ("Mainland China", "CN"),
        ("China Mainland", "CN"),
        ("中国大陆", "CN"),
        ("Méjico", "MX"),  # Spain's older spelling
        ("Mejico", "MX"),
        ("RD", "DO"),  # República Dominicana: its initials in its own language
        ("R.D.", "DO"),
        ("DR", "DO"),
    ],
)
def test_names_in_everyday_use_name_their_country(cell: str, region: str) -> None:
    assert region_of_code(cell) == region


@pytest.mark.parametrize(
    "cell",
    [
        "St.",  # Street, Saint, State: no São Tomé (ST)
        "Ma.",  # Maria, as Filipino names write it: no Morocco (MA)
        "Sta.",
        "Mr.",
        "KC",  # Kingdom of Cambodia's initials: nobody writes them
        "RR",  # Republic of Rwanda
    ],
)
def test_abbreviations_of_words_and_official_names_initials_name_none(cell: str) -> None:
    assert region_of_code(cell) is None


def test_rows_get_the_country_their_cell_names_in_its_own_words(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Through validate with the team's IN mapping: each row's phone in its country's E.164; an abbreviation of a
    word is unknown-country, its phone never read as India's (nor São Tomé's)."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Country,Phone\n"
        "Kim Min-jun,한국,010-1234-5678\n"
        "Wang Fang,Mainland China,138 0013 8001\n"
        "Lucía Pérez,Méjico,55 1234 5678\n"
        "José Peña,RD,809-555-0134\n"
        "Maria Cruz,Ma.,0917 123 4567\n"
        "Ravi Kumar,,98200 12345\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(_MAPPING)), "--report", str(report))
    rows = by_row(result.report)
    assert {r: (rows[r]["status"], rows[r]["phone_e164"]) for r in range(2, 8)} == {
        2: ("valid", "+821012345678"),
        3: ("valid", "+8613800138001"),
        4: ("valid", "+525512345678"),
        5: ("valid", "+18095550134"),
        6: ("invalid", ""),
        7: ("valid", "+919820012345"),
    }
    assert rows[6]["reason"] == "unknown-country"


def test_a_number_after_00_in_a_row_of_an_unknown_country_goes_out_as_its_codes(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """BRD (Bundesrepublik Deutschland's initials, which no table has) names no country: the row's number written
    after 00, the exit code of most of the world, is read as written with its + (sent, warned unknown-country), as
    one with its + is; a number without a code stays unknown-country."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Country,Phone\nHans,BRD,0049 89 1234567\nBen,Narnia,0044 7400 123456\nAsha,Narnia,9812345678\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(_MAPPING)), "--report", str(report))
    assert [(r["status"], r["reason"], r["warnings"], r["phone_e164"]) for r in result.report] == [
        ("valid", "", "unknown-country", "+49891234567"),
        ("valid", "", "unknown-country", "+447400123456"),
        ("invalid", "unknown-country", "", ""),
    ]


def test_a_three_letter_code_written_as_a_word_cut_still_names_its_country(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Ind., Nga., Arg.: a country's name cut short and its ISO alpha-3 code alike, read as that country (only two
    letters with a dot, St., Ma., are words cut short that name none); the rows are sent in their country's E.164,
    not refused as unknown-country or read in another country."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Country,Phone\nRavi,Ind.,98200 12345\nAda,Nga.,0803 123 4567\nLuis,Arg.,011 4123 4567\n",
        encoding="utf-8",
    )
    report = tmp_path / "report.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(_MAPPING)), "--report", str(report))
    assert [(r["status"], r["reason"], r["phone_e164"]) for r in result.report] == [
        ("valid", "", "+919820012345"),
        ("valid", "", "+2348031234567"),
        ("valid", "", "+541141234567"),
    ]
