"""NA in a country column: Namibia's ISO code among other countries' codes or names, where the row's number is
Namibian; not available in a column mostly blank or of placeholders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PROCESS, PROJECT, CliRun, by_row

MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Name
  phone: Phone
  phoneCountryCode: Country
"""


def _rows(tmp_path: Path, run_cli: Callable[..., CliRun], mapping: Path, lines: list[str]) -> list[tuple[str, ...]]:
    sheet = tmp_path / "leads.csv"
    sheet.write_text("\n".join(["Name,Phone,Country", *lines]) + "\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "-m", str(mapping), "--report", str(tmp_path / "r.csv"))
    return [(r["status"], r["reason"], r["warnings"], r["phone_e164"]) for r in by_row(result.report).values()]


@pytest.mark.parametrize(
    "others",
    [("IN", "US", "GB", "ZA"), ("India", "United States", "United Kingdom", "South Africa")],
    ids=["codes", "names"],
)
def test_na_among_countries_is_namibia_for_a_namibian_number(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], others: tuple[str, ...]
) -> None:
    """Among ISO codes or country names, NA beside a Namibian number (081 234 5679, as Namibia writes it) reads it in
    Namibia (it was read in the default region, India, and was invalid-phone); beside an Indian number it is still
    not available (the number is read in the default region, as before)."""
    india, us, gb, za = others
    got = _rows(
        tmp_path,
        run_cli,
        mapping_file(MAPPING),
        [
            f"A One,9845012345,{india}",
            f"B Two,(415) 555-0134,{us}",
            f"C Three,07400 123456,{gb}",
            f"D Four,082 123 4567,{za}",
            "E Five,081 234 5679,NA",
            "F Six,+264 81 234 5680,NA",
            "G Seven,9845012346,NA",
        ],
    )
    assert got == [
        ("valid", "", "", "+919845012345"),
        ("valid", "", "", "+14155550134"),
        ("valid", "", "", "+447400123456"),
        ("valid", "", "", "+27821234567"),
        ("valid", "", "", "+264812345679"),
        ("valid", "", "", "+264812345680"),
        ("valid", "", "", "+919845012346"),
    ]


def test_na_in_a_column_mostly_blank_is_not_available(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Where the column is mostly blank or placeholders, NA says not available: the rows are read in the default
    region, a Namibian number written nationally among them too (not guessed from the number)."""
    got = _rows(
        tmp_path,
        run_cli,
        mapping_file(MAPPING),
        [
            "A One,9845012345,",
            "B Two,9845012347,N/A",
            "C Three,9845012348,NA",
            "D Four,081 234 5679,NA",
            "E,9845012349,",
        ],
    )
    assert [row[:2] for row in got] == [("valid", "")] * 3 + [("invalid", "invalid-phone"), ("valid", "")]
    assert got[2][3] == "+919845012348"
