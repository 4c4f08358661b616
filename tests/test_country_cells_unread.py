"""Country cells a table reads as the wrong country: a nickname another country's name is in some language
(``Naija``: Nigeria's, Niger's in Yoruba and Shambala), a two-letter word cut short with its dot whose letters are
one country's code and start another's name (``Ng.``: Nigeria's NG, Vietnamese Nga, Russia), initials of a name's
bracketed alternative or of two places joined by "and" (``MB``: Myanmar (Burma); ``AB``: Antigua and Barbuda, where a
Canadian's country column says Manitoba and Alberta), a minor language's initials (``KB``: the Central African
Republic in Sango). Such a row is ``unknown-country``, its number never read in a guessed country; ``Fr.`` (France's
code and name alike) and the initials people write (``UK``, ``DR``, ``RD``) still name theirs."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PROCESS, PROJECT, CliRun, by_row

MAPPING = f"""project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Name
  phone: Phone
  phoneCountryCode: Country
"""


def _validate(run_cli: Callable[..., CliRun], tmp_path: Path, rows: list[tuple[str, str]]) -> dict[int, dict[str, str]]:
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [["Name", "Phone", "Country"], *[(f"Lead {i}", p, c) for i, (c, p) in enumerate(rows)]]
        )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    return by_row(result.report)


@pytest.mark.parametrize(
    ("cell", "phone"),
    [
        ("Naija", "90 1234 5678"),  # read as Niger (+227): 9012345678 is no Nigerien number, but Niger's row said so
        ("Ng.", "803 123 4567"),
        ("Sa.", "50 123 4567"),
        ("KB", "204 555 0143"),
        ("MB", "204 555 0143"),
        ("AB", "403 555 0143"),
        ("Uk.", "50 123 4567"),  # UK with a stray dot, and Ukraine's name cut short: read as Ukraine (+380)
        ("HS", "06 6988 1234"),  # Holy See (Vatican City State)'s first two words: no initials anyone writes
    ],
)
def test_a_cell_a_table_reads_as_another_country_is_unread(
    run_cli: Callable[..., CliRun], tmp_path: Path, cell: str, phone: str
) -> None:
    row = _validate(run_cli, tmp_path, [(cell, phone)])[2]
    assert (row["status"], row["reason"], row["phone_e164"]) == ("invalid", "unknown-country", ""), row


@pytest.mark.parametrize(
    ("cell", "phone", "e164"),
    [
        ("Fr.", "06 12 34 56 78", "+33612345678"),
        ("UK", "07400 123456", "+447400123456"),
        ("DR", "809 555 0143", "+18095550143"),
        ("RD", "809 555 0143", "+18095550143"),
        ("Nigeria", "0803 123 4567", "+2348031234567"),
        ("Niger", "90 12 34 56", "+22790123456"),
    ],
)
def test_the_cells_that_name_one_country_still_name_it(
    run_cli: Callable[..., CliRun], tmp_path: Path, cell: str, phone: str, e164: str
) -> None:
    row = _validate(run_cli, tmp_path, [(cell, phone)])[2]
    assert (row["status"], row["phone_e164"]) == ("valid", e164), row
