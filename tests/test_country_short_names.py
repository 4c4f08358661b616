"""Country cells in the short and abbreviated forms people type: a language's short name for its own country
(الإمارات for the Emirates, libphonenumber's names), Spanish plural initials (EE. UU.), abbreviated words (S. Africa,
Méx., Sing.) and contractions (S'pore, M'sia). Each row's number goes out in that country; a cell that names
nothing for certain stays unknown-country, its number never read as the default region's."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import phonenumbers
import pytest

from importer.normalize.countries import region_of_code
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import TOKEN, run_env


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("الإمارات", "AE"),  # Arabic's short name of the Emirates
        ("الامارات", "AE"),  # the same, its hamza left out as people type it
        ("EE.UU.", "US"),
        ("EE. UU.", "US"),
        ("S. Africa", "ZA"),
        ("S Africa", "ZA"),
        ("S. Sudan", "SS"),  # was Sudan: Berber's name of Sudan is Ssudan, the cell's letters run together
        ("N. Korea", "KP"),  # North Korea: N. is North of one country's name alone
        ("Méx.", "MX"),
        ("Sing.", "SG"),
        ("Phil.", "PH"),
        ("S'pore", "SG"),
    ],
)
def test_short_and_abbreviated_names_name_their_country(cell: str, region: str) -> None:
    assert region_of_code(cell) == region


@pytest.mark.parametrize("cell", ["S.", "Sw.", "Nig.", "M'sia", "N. Ireland Office", "Rep.", "U. Kingdom of Narnia"])
def test_abbreviations_of_several_countries_or_of_none_name_none(cell: str) -> None:
    """S. (South Africa, Sudan, Korea ...), Sw. (Sweden, Switzerland), Nig. (Niger, Nigeria), M'sia (Malaysia,
    Micronesia): a guess would read a number in the wrong country."""
    assert region_of_code(cell) is None


MAPPING = f"""project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Nombre
  phone: Teléfono
  phoneCountryCode: País
"""
ROWS = [
    ("EE. UU.", "(512) 732-7320", "US"),
    ("EE.UU.", "415 392 1877", "US"),
    ("Méx.", "55 1234 5678", "MX"),
    ("الإمارات", "050 123 4567", "AE"),
    ("S. Africa", "082 123 4567", "ZA"),
    ("S'pore", "9123 4567", "SG"),
    ("الامارات", "055 765 4321", "AE"),
    ("S. Sudan", "0912 345 678", "SS"),
]
"""A Spanish-speaking team's sheet of an international event: country as typed, the number as its country writes it."""


def _sheet(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Asistente {i}", country, number] for i, (country, number, _) in enumerate(ROWS)]
        csv.writer(f).writerows([["Nombre", "País", "Teléfono"], *rows])
    return path


def _e164(number: str, region: str) -> str:
    parsed = phonenumbers.parse(number, region)
    assert phonenumbers.is_valid_number(parsed), (number, region)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_each_row_goes_out_in_the_country_its_cell_names(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    result = run_cli("validate", str(_sheet(tmp_path / "asistentes.csv")), "--mapping", str(mapping),
                     "--report", str(tmp_path / "r.csv"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [r["phone_e164"].strip('="') for r in result.report] == [_e164(n, c) for _, n, c in ROWS]
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        sent = run_cli("run", str(_sheet(tmp_path / "asistentes.csv")), "--mapping", str(mapping),
                       "--report", str(tmp_path / "run.csv"), "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 0, sent.output + sent.stderr
    assert stored == sorted(_e164(n, c) for _, n, c in ROWS)


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("Macau SAR", "MO"),  # was China: ISO 3166-2 lists Macao as a region of China too
        ("Macao SAR", "MO"),
        ("Taiwan Sheng", "TW"),
        ("EUA", "US"),  # Estados Unidos da América: was Tonga ('Eua, one of its islands)
        ("E.U.A.", "US"),
        ("Estados Unidos (EUA)", "US"),
        ("Indiana", "US"),  # a state, not India
        ("San Miguel", "SV"),  # a department of El Salvador, not San Marino
    ],
)
def test_places_and_initials_name_the_country_they_are(cell: str, region: str) -> None:
    assert region_of_code(cell) == region


@pytest.mark.parametrize("cell", ["RU (Reino Unido)", "DE (France)"])
def test_a_code_beside_another_countrys_name_names_none(cell: str) -> None:
    """RU is Russia's code and Reino Unido Spanish for the United Kingdom: a guess would read the number in one of
    them, perhaps the wrong one."""
    assert region_of_code(cell) is None


def test_a_brazilian_teams_sheet_of_abroad_numbers(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """A Brazilian team's sheet: EUA (was Tonga's) and Macau SAR (was China's) rows go out in those countries."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.replace("default_region: IN", "default_region: BR"))
    rows = [("EUA", "(512) 732-7320", "US"), ("Macau SAR", "6612 3456", "MO"), ("E.U.A.", "415 392 1877", "US"),
            ("Brasil", "(11) 98123-4567", "BR")]  # fmt: skip
    sheet = tmp_path / "clientes.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        table = [[f"Cliente {i}", country, number] for i, (country, number, _) in enumerate(rows)]
        csv.writer(f).writerows([["Nombre", "País", "Teléfono"], *table])
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 0, result.output
    assert [r["phone_e164"].strip('="') for r in result.report] == [_e164(n, c) for _, n, c in rows]


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("Dubai - UAE", "AE"),
        ("Mumbai \u2013 India", "IN"),  # an en dash
        ("Germany - DE", "DE"),
        ("India [IN]", "IN"),
        ("Deutschland [DE]", "DE"),
        ("Congo - Kinshasa", "CD"),  # CLDR's own name, not a place and its country
    ],
)
def test_a_place_and_its_country_parted_by_a_dash_or_a_bracket(cell: str, region: str) -> None:
    """Written city - country or name [code] by forms and CRMs: they were unknown-country, the lead lost."""
    assert region_of_code(cell) == region


@pytest.mark.parametrize("cell", ["Georgia - USA", "Punjab - Pakistan - India", "India [PK]"])
def test_parts_naming_two_countries_name_none(cell: str) -> None:
    assert region_of_code(cell) is None
