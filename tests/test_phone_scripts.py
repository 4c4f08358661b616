"""A phone written with another script's digits, full-width forms or typographic separators is the number it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from importer.normalize.phones import normalize_phones
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING

_FULL_WIDTH = str.maketrans("0123456789+-", "".join(chr(0xFF10 + d) for d in range(10)) + "\uff0b\uff0d")
_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")

# 98450 12xxx written as people's keyboards, phones and word processors write it
WRITINGS = [
    "98·450·12301",  # middle dot
    "98450 · 12302",
    "98•450•12303",  # bullet
    "98450\u221912304",  # bullet operator
    "98450\u30fb12305",  # katakana middle dot (a Japanese keyboard's)
    "98450\uff6512306",  # its half-width form
    "98450\u202712307",  # hyphenation point
    "98450\uff0e12308",  # full-width full stop
    "98450\u201312309",  # en dash
    "98450 \u2014 12310",  # em dash
    "+91\u00a098450\u00a012311",  # no-break spaces
    "+91\u200998450\u200912312",  # thin spaces
    "+91\u300098450\u300012313",  # ideographic spaces
    "+91 9845012314".translate(_FULL_WIDTH),  # a full-width plus too
    "+91-98450-12315".translate(_FULL_WIDTH),
    "09845012316".translate(_FULL_WIDTH),
    "+91 9845012317".translate(_ARABIC_INDIC),
    "09845012318".translate(_ARABIC_INDIC),
    "98450 12319".translate(_ARABIC_INDIC),
    "+91-9845012320".translate(_DEVANAGARI),
    "9845012321".translate(_DEVANAGARI),
    "۹۸۴۵۰۱۲۳۲۲",  # Persian (Eastern Arabic-Indic) digits
    "৯৮৪৫০১২৩২৩",  # Bengali digits
]
EXPECTED = [f"+919845012{301 + i}" for i in range(len(WRITINGS))]


def test_each_writing_reads_as_its_number(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """validate reads every writing as the Indian mobile it is: none is invalid-phone."""
    sheet = tmp_path / "leads.csv"
    lines = ["Name,Phone"] + [f"Lead {i},{cell}" for i, cell in enumerate(WRITINGS)]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "-m", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    got = [(rows[n + 2]["status"], rows[n + 2]["phone_e164"]) for n in range(len(WRITINGS))]
    assert got == [("valid", e164) for e164 in EXPECTED], [
        (cell, row) for cell, row in zip(WRITINGS, got, strict=True) if row[0] != "valid"
    ]
    assert result.exit_code == 0, result.output


def test_masked_runs_of_dots_are_still_masked(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A run of middle dots or bullets hides digits (98••••••10): that stays masked-phone, never a number."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\nA,98••••••10,a@gmail.com\nB,98······10,b@gmail.com\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "-m", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["warnings"], rows[n]["phone_e164"]) for n in (2, 3)] == [
        ("valid", "masked-phone", "")
    ] * 2


@pytest.mark.parametrize("repeats", [1, 100_000])
def test_fast_and_slow_paths_agree(repeats: int) -> None:
    """The writings alone (dictionary-encoded, phonenumbers one by one) and among 100,000 distinct plain numbers
    (the column read cell by cell, the fast path taking the plain ones) get the same numbers."""
    plain = [f"98{i:08d}" for i in range(10_000_000, 10_000_000 + repeats)] if repeats > 1 else []
    column = pd.Series(WRITINGS + plain)
    got = normalize_phones(column, "IN")
    assert got.e164.tolist()[: len(WRITINGS)] == EXPECTED
    assert set(got.issue.tolist()[: len(WRITINGS)]) == {""}


def test_mapping_suggest_sees_such_a_column_as_the_phone(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A column of numbers parted by middle dots is the phone column (it was left as metadata, and every lead went
    without its number), and its numbers tell the region as written with plain digits do."""
    sheet = tmp_path / "leads.csv"
    lines = ["Name,Phone,Email"] + [f"Lead {i},98·450·{12301 + i},lead{i}@example.in" for i in range(8)]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "m.yaml"
    result = run_cli("mapping", "suggest", str(sheet), "--out", str(out))
    assert result.exit_code == 0, result.output + result.stderr
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert (written["fields"].get("phone"), written.get("default_region")) == ("Phone", "IN"), written
