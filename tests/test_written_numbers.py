"""A number is judged by the number a cell holds, not by what is written around it: an extension, a label, words
after it or a second number never make another country's number pass for one of the default region's.

Each test writes a small sheet, runs the CLI and reads the report."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PROCESS, PROJECT

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


def _validate(run_cli: Any, tmp_path: Path, region: str, phones: list[str]) -> list[dict[str, str]]:
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Phone"], *([f"Lead {i}", p] for i, p in enumerate(phones))])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {region}\nfields:\n  name: Name\n  phone: Phone\n"
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert result.exit_code in (0, 1), result.output
    rows: list[dict[str, str]] = result.report
    return rows


@pytest.mark.parametrize(
    ("written", "elsewhere"),
    [
        ("(415) 555-0134 x12", "US"),
        ("415-555-0134 ext 5", "US"),
        ("415.555.0134 #7", "US"),
        ("(415) 555-0134 - John", "US"),
        ("(415) 555-0134 (office)", "US"),
        ("(415) 555-0134 / (415) 555-0199", "US"),
        ("(415) 555-0134, (415) 555-0198", "US"),
        ("07400 123456 ext 3", "GB"),
    ],
)
def test_another_countrys_number_with_more_in_its_cell_is_held_back(
    run_cli: Any, tmp_path: Path, written: str, elsewhere: str
) -> None:
    (row,) = _validate(run_cli, tmp_path, "IN", [written])
    assert (row["status"], row["reason"], row["phone_e164"]) == ("invalid", "phone-other-country", ""), row
    named = row["warnings"].split("phone-other-country:")[1].split(",")[0].split("/")
    assert elsewhere in named, row


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("98200 12345 ext 12", "+919820012345"),
        ("98200 12345 - Rahul", "+919820012345"),
        ("98200 12345 / 022-2345 6789", "+919820012345"),
        ("022-2345 6789 (office)", "+912223456789"),
    ],
)
def test_a_home_number_with_more_in_its_cell_is_still_sent(
    run_cli: Any, tmp_path: Path, written: str, e164: str
) -> None:
    (row,) = _validate(run_cli, tmp_path, "IN", [written])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", e164), row


def _validate_with_country(run_cli: Any, tmp_path: Path, rows: list[tuple[str, str]]) -> list[dict[str, str]]:
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Phone", "Country"], *([f"Lead {i}", p, c] for i, (p, c) in enumerate(rows))])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\n"
        "fields:\n  name: Name\n  phone: Phone\n  phoneCountryCode: Country\n"
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert result.exit_code in (0, 1), result.output
    out: list[dict[str, str]] = result.report
    return out


@pytest.mark.parametrize(
    "written",
    [
        "44 7400 123456 ext 2",
        "Tel: 44 7400 123456",
        "4.47400123456E+11",  # 447400123456 as Excel shows a number it stored as a float
        "447,400,123,456",
        "44 7400 123456 (mobile)",
    ],
)
def test_a_number_with_its_code_but_no_plus_is_read_whatever_surrounds_it(
    run_cli: Any, tmp_path: Path, written: str
) -> None:
    """Read in its own country it is the row's number; read in India, another country's, held back."""
    own, home = _validate_with_country(run_cli, tmp_path, [(written, "United Kingdom"), (written, "")])
    assert (own["status"], own["phone_e164"].strip('="')) == ("valid", "+447400123456"), own
    assert (home["status"], home["reason"]) == ("invalid", "phone-other-country"), home
    assert "phone-other-country:GB" in home["warnings"], home


def test_suggest_on_a_sheet_of_tied_countries_says_which_region_to_set(run_cli: Any, tmp_path: Path) -> None:
    """Eight-digit mobiles are as valid in Singapore as in Hong Kong: no default_region is written, and what to set
    names the countries the numbers fit (it said 'e.g. default_region: US', a country they do not fit)."""
    sheet = tmp_path / "leads.csv"
    rows = [[f"Tan Wei {c}", f"9{i}12 34{i}6"] for i, c in enumerate("ABCDEFGH")]
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Mobile"], *rows])
    out = tmp_path / "m.yaml"
    result = run_cli("mapping", "suggest", str(sheet), "--out", str(out), env=ENV)
    assert result.exit_code == 0, result.output
    assert "\ndefault_region:" not in out.read_text(encoding="utf-8")
    lines = result.output.splitlines()
    alike = next(line for line in lines if "read alike as numbers of" in line)
    tied = alike.split("read alike as numbers of ")[1].split(",")[0].split(" or ")
    assert "SG" in tied and "US" not in tied, alike
    advice = next(line for line in lines if "set default_region" in line)
    assert f"default_region: {tied[0]})" in advice, advice


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("98200 1234 / 98200 12348", "+919820012348"),  # the first typed a digit short
        ("98200 1234, 022-2345 6789", "+912223456789"),
        # the first made up (a placeholder people type), the second real: with and without their + code
        ("+91-98765 43210 / 98765 43211", "+919876543211"),
        ("9999999999 or 98200 12348", "+919820012348"),
        ("+91 99999 99999, +91 98200 12348", "+919820012348"),
        ("(+91) 98765 43210 / (+91) 98200 12348", "+919820012348"),
        ("+91 98200 1234 / +91 98200 12348", "+919820012348"),  # the first a digit short, with its +
    ],
)
def test_a_cell_of_two_numbers_sends_the_valid_one(run_cli: Any, tmp_path: Path, written: str, e164: str) -> None:
    """The lead has a good number; a mistyped one before it does not keep it out of the CRM."""
    (row,) = _validate(run_cli, tmp_path, "IN", [written])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", e164), row
    assert "multiple-phones" in row["warnings"], row


def test_a_sheet_most_of_whose_numbers_the_default_region_refuses_says_so(run_cli: Any, tmp_path: Path) -> None:
    """Australian mobiles read with an Indian default_region: none is sent, and the summary says why and what to do,
    not only 'invalid-phone 5'."""
    phones = ["0412 749 657", "0423 118 902", "0438 552 170", "0401 336 845", "0455 902 613"]
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Phone"], *([f"Lead {i}", p] for i, p in enumerate(phones))])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n"
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), env=ENV)
    assert result.exit_code == 1, result.output
    assert {r["reason"] for r in result.report} == {"invalid-phone"}
    note = next(line for line in result.output.splitlines() if "not valid numbers of the country" in line)
    assert "5 of 5" in note and "--region" in note and "mapping suggest" in note, note
    fine = run_cli("validate", str(sheet), "--mapping", str(mapping), "--region", "AU", env=ENV)
    assert fine.exit_code == 0 and "not valid numbers of the country" not in fine.output, fine.output


@pytest.mark.parametrize(
    ("region", "written", "e164"),
    [
        ("DE", "4915112345678", "+4915112345678"),  # +49 151 12345678 typed into Excel: the + is gone
        ("DE", "491711234567", "+491711234567"),
        ("ID", "62812163992", "+62812163992"),
        ("ID", "62 812 1639 92", "+62812163992"),
        ("SE", "46701234567", "+46701234567"),
        ("XK", "38344123456", "+38344123456"),
    ],
)
def test_a_number_that_starts_with_its_own_calling_code_is_not_given_the_code_twice(
    run_cli: Any, tmp_path: Path, region: str, written: str, e164: str
) -> None:
    """Germans, Indonesians and Swedes write a national number with its 0: digits that start with the country's
    calling code and no 0 are the number with its code (they were sent as +49 4915112345678, +62 62812163992)."""
    (row,) = _validate(run_cli, tmp_path, region, [written])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", e164), row


@pytest.mark.parametrize(
    ("region", "written", "e164"),
    [
        ("DE", "04915 112345", "+494915112345"),  # a landline of an area code that starts as 49 does, with its 0
        ("DE", "030 12345678", "+493012345678"),
        ("IN", "9198765432", "+919198765432"),  # an Indian mobile that starts with 91
        ("IN", "9118001416", "+919118001416"),  # and whose rest is a number too (1800 1416: toll-free)
    ],
)
def test_a_national_number_that_starts_like_the_code_stays_national(
    run_cli: Any, tmp_path: Path, region: str, written: str, e164: str
) -> None:
    (row,) = _validate(run_cli, tmp_path, region, [written])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", e164), row


@pytest.mark.parametrize(
    ("cell", "number", "e164"),
    [
        ("India (91)", "98200 12345", "+919820012345"),
        ("91 India", "98200 12345", "+919820012345"),
        ("971 - UAE", "050 123 4567", "+971501234567"),
        ("1 (US)", "(415) 555-0134", "+14155550134"),
        ("Germany 49", "0151 12345678", "+4915112345678"),
        ("44 (UK)", "07400 123456", "+447400123456"),
    ],
)
def test_a_country_cell_of_a_calling_code_and_its_country_names_it(
    run_cli: Any, tmp_path: Path, cell: str, number: str, e164: str
) -> None:
    """A code column written 'India (91)' or '971 - UAE' (the + left out) reads the row's number in that country;
    such rows were invalid with unknown-country."""
    (row,) = _validate_with_country(run_cli, tmp_path, [(number, cell)])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", e164), row


@pytest.mark.parametrize(
    ("phones", "region"),
    [
        (["447400123456", "447700123456", "447911123456", "447400654321", "447511223344"], "GB"),
        (["6281234567890", "6281298765432", "6285712345678", "62812163992", "622129345678"], "ID"),
        (["4915112345678", "4917612345678", "4916098765432", "491711234567", "4915771234567"], "DE"),
    ],
)
def test_suggest_reads_the_country_of_numbers_written_with_their_code_but_no_plus(
    run_cli: Any, tmp_path: Path, phones: list[str], region: str
) -> None:
    """A sheet whose numbers lost their + (Excel drops it) still shows its country in their leading code: suggest
    writes it (it wrote none for British numbers, 'as valid in DE', and every row was then invalid no-region)."""
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Phone"], *([f"Lead {i}", p] for i, p in enumerate(phones))])
    out = tmp_path / "m.yaml"
    result = run_cli("mapping", "suggest", str(sheet), "--out", str(out), env=ENV)
    assert result.exit_code == 0, result.output
    assert f"\ndefault_region: {region}\n" in out.read_text(encoding="utf-8"), result.output
    checked = run_cli("validate", str(sheet), "--mapping", str(out), "--report", str(tmp_path / "r.csv"), env=ENV)
    assert [r["phone_e164"].strip('="') for r in checked.report] == ["+" + p for p in phones]


WORLD_WITHOUT_PLUS = [
    "447400123456", "14155550134", "919820012345", "971501234567", "4915112345678", "6281234567890",
    "61412749657", "5511987654321", "8613800138001", "2348031234567", "33612345678", "393123456789",
]  # fmt: skip


def test_suggest_writes_no_region_for_numbers_of_many_countries_that_lost_their_plus(
    run_cli: Any, tmp_path: Path
) -> None:
    """An event's attendees of a dozen countries, the + of each number lost to Excel: most of the digits are also
    valid German numbers (Germany's lengths vary), and suggest wrote default_region: DE, which sent every one as a
    wrong +49 number. Now it writes none, says why, and no row is sent under another country's code."""
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Phone"], *([f"Lead {i}", p] for i, p in enumerate(WORLD_WITHOUT_PLUS))])
    out = tmp_path / "m.yaml"
    result = run_cli("mapping", "suggest", str(sheet), "--out", str(out), env=ENV)
    assert result.exit_code == 0, result.output
    assert "\ndefault_region:" not in out.read_text(encoding="utf-8"), result.output
    assert "without their +" in result.output, result.output
    checked = run_cli("validate", str(sheet), "--mapping", str(out), "--report", str(tmp_path / "r.csv"), env=ENV)
    wrong = [
        r for r in checked.report if r["phone_e164"] and r["phone_e164"].strip('="') != "+" + r["Phone"].strip('="')
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("written", "elsewhere"),
    [
        ("Germany 0151 12345678", "DE"),
        ("UAE 050 123 4567", "AE"),
        ("UK - 07400 123456", "GB"),
        ("US: (415) 555-0134", "US"),
    ],
)
def test_a_number_labelled_with_another_country_is_held_as_that_countrys(
    run_cli: Any, tmp_path: Path, written: str, elsewhere: str
) -> None:
    """The label names the number's country and the number is valid there: the row says so
    (phone-other-country:DE), not that the number is invalid."""
    (row,) = _validate(run_cli, tmp_path, "IN", [written])
    assert (row["status"], row["reason"], row["phone_e164"]) == ("invalid", "phone-other-country", ""), row
    assert f"phone-other-country:{elsewhere}" in row["warnings"], row


def test_a_number_with_its_own_plus_code_after_a_country_label_is_sent(run_cli: Any, tmp_path: Path) -> None:
    """'USA +1 415 555 0134': the + says the country, the label agrees; it was invalid-phone."""
    (row,) = _validate(run_cli, tmp_path, "IN", ["USA +1 415 555 0134"])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", "+14155550134"), row


def test_a_home_number_written_the_home_way_stays_valid_in_a_sheet_mostly_of_another_country(
    run_cli: Any, tmp_path: Path
) -> None:
    """Indian mobiles on a US team's sheet are held back as India's, and so are its bare digits that India's plan
    takes; '(415) 555-0134', written exactly as the US writes it, is the US number it says it is."""
    phones = ["98200 12345", "98200 12346", "98761 43219 ext 2", "Mob: 99876 54321", "(415) 555-0134"]
    rows = _validate(run_cli, tmp_path, "US", phones)
    assert [r["reason"] for r in rows[:4]] == ["phone-other-country"] * 4, rows
    assert (rows[4]["status"], rows[4]["phone_e164"].strip('="')) == ("valid", "+14155550134"), rows[4]


@pytest.mark.parametrize(
    ("cell", "number", "e164"),
    [
        ("+1-876", "876 555 1234", "+18765551234"),  # Jamaica: the plan's code and its area code, as forms list it
        ("1 268", "464 1234", "+12684641234"),  # Antigua: a local number, the area code from the column
        ("+1 (787)", "(787) 555-0134", "+17875550134"),  # Puerto Rico
        ("+1-416", "416-555-0134", "+14165550134"),  # Toronto: an area code of no island, still the plan's
    ],
)
def test_a_code_column_of_north_american_plan_codes_with_their_area_code(
    run_cli: Any, tmp_path: Path, cell: str, number: str, e164: str
) -> None:
    """'+1-876' is how country pickers write Jamaica's code (the plan's 1 and the island's area code): the row's
    number is read there; the row was invalid with unknown-country."""
    (row,) = _validate_with_country(run_cli, tmp_path, [(number, cell)])
    assert (row["status"], row["phone_e164"].strip('="')) == ("valid", e164), row
