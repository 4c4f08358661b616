"""In-file dedupe: later copies of the same lead, in any format, are duplicates of the first."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliRun, by_row


def test_duplicates_across_formats(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Same phone written differently, same email in other case: duplicate_of names the first copy. An
    email on rows of people with other first names is nobody's own: it makes no copies."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n"
        "Asha,9822033445,asha@x.com\n"  # 2
        "Asha R,+91 98220 33445,other@x.com\n"  # 3: same phone
        "Asha Rao,,ASHA@X.COM\n"  # 4: same email as 2, same first name
        "Ravi,9822044556,ASHA@X.COM\n"  # 5: Asha's email, but Ravi: his own lead, without it
        "Ravi K,9822044556,ravi@x.com\n",  # 6: phone of 5
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert [(rows[r]["status"], rows[r]["duplicate_of"], rows[r]["warnings"]) for r in range(2, 7)] == [
        ("valid", "", ""),
        ("duplicate", "2", ""),
        ("duplicate", "2", ""),
        ("valid", "", "shared-email, email-from-duplicate"),
        ("duplicate", "5", ""),
    ]
    assert (rows[2]["email"], rows[5]["email"]) == ("asha@x.com", "ravi@x.com")  # Ravi's own, from his copy


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


def test_a_kept_row_takes_the_phone_or_email_it_lacks_from_a_later_copy(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The first copy of a lead has only an email, a later one its phone too: the lead keeps both."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n"
        "Asha,,asha@x.com\n"  # 2: no phone
        "Ravi,9822044556,\n"  # 3: no email
        "Asha K,9822033445,asha@x.com\n"  # 4: copy of 2 with a phone
        "Ravi,9822044556,ravi@x.com\n"  # 5: copy of 3 with an email
        "Tom,9822055667,tom@x.com\n"  # 6
        "Uma,,uma@x.com\n"  # 7: no phone
        "Uma,9822055667,uma@x.com\n"  # 8: copy of 6 by phone (and of 7 by email): Tom's phone stays Tom's
        "Wes,9822033445,\n",  # 9: Asha's phone, taken by row 2: a copy of 2
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    got = {r: (rows[r]["status"], rows[r]["duplicate_of"], rows[r]["phone_e164"], rows[r]["email"]) for r in rows}
    assert got == {
        2: ("valid", "", "+919822033445", "asha@x.com"),
        3: ("valid", "", "+919822044556", "ravi@x.com"),
        4: ("duplicate", "2", "+919822033445", "asha@x.com"),
        5: ("duplicate", "3", "+919822044556", "ravi@x.com"),
        6: ("valid", "", "+919822055667", "tom@x.com"),
        7: ("valid", "", "", "uma@x.com"),
        8: ("duplicate", "6", "+919822055667", "uma@x.com"),
        9: ("duplicate", "2", "+919822033445", ""),
    }
    assert {r: rows[r]["warnings"] for r in rows if rows[r]["warnings"]} == {
        2: "phone-from-duplicate",
        3: "email-from-duplicate",
    }


def test_only_dedupe_keys_are_taken_from_a_copy(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """With dedupe: [email], phones are not compared, so a copy's phone is not moved to the kept row."""
    from tests.conftest import BASIC_MAPPING

    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\nA,,f@x.com\nB,9822044556,f@x.com\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    mapping = mapping_file(BASIC_MAPPING + "dedupe: [email]\n")
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report)).report)
    assert (rows[2]["phone_e164"], rows[2]["warnings"], rows[3]["status"]) == ("", "", "duplicate")
