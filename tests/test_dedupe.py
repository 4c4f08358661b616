"""In-file dedupe: later copies of the same lead, in any format, are duplicates of the first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliRun, by_row


def test_duplicates_across_formats(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Same phone written differently, same email in other case: duplicate_of names the first copy."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n"
        "Asha,9822033445,asha@x.com\n"  # 2
        "Asha R,+91 98220 33445,other@x.com\n"  # 3: same phone
        "Ravi,9822044556,ASHA@X.COM\n"  # 4: same email as 2
        "Ravi K,9822044556,ravi@x.com\n"  # 5: phone of 4, but 4 is not kept → kept
        "Zed,,ravi@x.com\n",  # 6: email of 5
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert [(rows[r]["status"], rows[r]["duplicate_of"]) for r in range(2, 7)] == [
        ("valid", ""),
        ("duplicate", "2"),
        ("duplicate", "2"),
        ("valid", ""),
        ("duplicate", "5"),
    ]


def test_invalid_row_is_not_the_first_copy(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """An invalid row does not make a later good row with the same phone a duplicate."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\n,9822033445\nAsha,9822033445\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report)).report)
    assert (rows[2]["status"], rows[3]["status"]) == ("invalid", "valid")


def test_dedupe_keys_are_configurable(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """With dedupe: [phone], two people sharing an email are both kept."""
    from tests.conftest import BASIC_MAPPING

    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\nA,9822033445,f@x.com\nB,9822044556,f@x.com\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    mapping = mapping_file(BASIC_MAPPING + "dedupe: [phone]\n")
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report)).report)
    assert rows[3]["status"] == "valid"
