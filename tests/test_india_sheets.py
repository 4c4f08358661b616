"""Lead sheets as Indian marketers, dealers and call centres type them, read as a careful person would: the right
+91 number sent to the sandbox CRM, or a clear reason it was not."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox
from tests.conftest import BASIC_MAPPING, CliRun, by_row
from tests.sandbox_util import run_env


def _sheet(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Name", "Mobile No.", "Email"])
        writer.writerows(rows)
    return path


def test_a_label_written_with_colon_and_dash_is_a_label_not_a_subtraction(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`Mob:- 98...`, `Contact No.:- 98...`, `Tel.- 022 ...` (the colon-dash Indian forms teach) label the number:
    the leads go out with it, never as damaged-phone, which only a number Excel subtracted (-9812345678) is."""
    cells = [
        "Mob:- 9845012501",
        "Mobile No:- 9845012502",
        "Ph:-9845012503",
        "Contact No.:- 98450 12504",
        "WhatsApp no.- 9845012505",
        "M:-9845012506",
        "Tel.- 022 2345 6789",
        "Sampark :- 9845012507",
        "-9845012508",
    ]
    path = _sheet(tmp_path / "labels.csv", [(f"Lead {i}", cell, "") for i, cell in enumerate(cells)])
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(report), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr
    rows = by_row(result.report)
    sent = ["+919845012501", "+919845012502", "+919845012503", "+919845012504", "+919845012505", "+919845012506",
            "+912223456789", "+919845012507"]  # fmt: skip
    assert [rows[n]["status"] for n in range(2, 10)] == ["accepted"] * 8
    assert [rows[n]["phone_e164"] for n in range(2, 10)] == sent
    assert rows[10]["status"] == "invalid" and rows[10]["reason"] == "damaged-phone"
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(sent)


def test_a_cell_of_several_labelled_numbers_goes_with_its_mobile(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A dealer's cell of a mobile and an office line, each labelled (`98450 12601 (M), 022-2345 6789 (O)`,
    `Ph: 022-2345 6790 Mob: 98450 12602`, `Off: 080-2345 6791, Mob: 98450 12603`): the lead is sent with its mobile,
    as a person calling it would pick, never with another lead's office line and never refused; the same number
    written twice is one number, not several."""
    cells = [
        "98450 12601 (M), 022-2345 6789 (O)",
        "Ph: 022-2345 6790 Mob: 98450 12602",
        "Off: 080-2345 6791, Mob: 98450 12603",
        "022 2345 6792 / 98765 43210",  # the mobile is the famous fake: the office line it is
        "98450 12604 / 98450 12604",
    ]
    path = _sheet(tmp_path / "two.csv", [(f"Lead {i}", cell, "") for i, cell in enumerate(cells)])
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(report), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    rows = by_row(result.report)
    sent = ["+919845012601", "+919845012602", "+919845012603", "+912223456792", "+919845012604"]
    assert [rows[n]["phone_e164"] for n in range(2, 7)] == sent
    assert [rows[n]["status"] for n in range(2, 7)] == ["accepted"] * 5
    assert [rows[n]["warnings"] for n in range(2, 7)] == ["multiple-phones"] * 4 + [""]
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(sent)


def test_a_phone_or_email_typed_into_the_name_cell_is_the_leads_not_part_of_its_name(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Leads pasted from WhatsApp with the number in the name cell (`Rahul 98450 12701`, `Priya Sharma (98450
    12702)`, `Amit - amit.k@gmail.com`): the lead goes out named Rahul, Priya Sharma, Amit, reached by that number or
    address where its own cell had none, and the row says so (contact-in-name); a number that is no valid phone stays
    in the name, and a name that is only a number is still no name."""
    rows = [
        ("Rahul 98450 12701", "", "rahul.v@gmail.com"),
        ("Priya Sharma (98450 12702)", "", ""),
        ("Amit - amit.k@gmail.com", "9845012703", ""),
        ("Neha 9845012704", "9845012704", ""),
        ("Block 12 Ravi", "9845012705", ""),
        ("Anil 98450 12707 / 98450 12708", "", ""),
        ("9845012706", "", "x.y@gmail.com"),
    ]
    path = _sheet(tmp_path / "names.csv", rows)
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(report), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr
    got = by_row(result.report)
    assert [got[n]["status"] for n in range(2, 9)] == ["accepted"] * 6 + ["invalid"]
    assert got[8]["reason"] == "missing-name"
    assert [got[n]["phone_e164"] for n in range(2, 6)] == [
        "+919845012701", "+919845012702", "+919845012703", "+919845012704"
    ]  # fmt: skip
    assert got[4]["email"] == "amit.k@gmail.com"
    assert all("contact-in-name" in got[n]["warnings"] for n in range(2, 6)), result.report
    assert "contact-in-name" not in got[6]["warnings"]
    stored = {str(lead["name"]): (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {
        "Rahul": ("+919845012701", "rahul.v@gmail.com"),
        "Priya Sharma": ("+919845012702", None),
        "Amit": ("+919845012703", "amit.k@gmail.com"),
        "Neha": ("+919845012704", None),
        "Block 12 Ravi": ("+919845012705", None),
        "Anil": ("+919845012707", None),
    }


def test_an_address_of_placeholder_words_is_nobodys(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """abc@xyz.com, xyz@abc.in, test@abc.com: typed to get past a form's required email, like na@na.com: each lead goes
    out with its phone and without the address (placeholder-email); abc@gmail.com, an address someone owns, and
    rahul@xyz.com are sent."""
    rows = [
        ("Rahul", "9845012801", "abc@xyz.com"),
        ("Suresh", "9845012802", "XYZ@ABC.IN"),
        ("Anita", "9845012803", "test@abc.com"),
        ("Kiran", "9845012804", "abc@gmail.com"),
        ("Vijay", "9845012805", "rahul@xyz.com"),
    ]
    path = _sheet(tmp_path / "mails.csv", rows)
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(report), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    got = by_row(result.report)
    assert [got[n]["status"] for n in range(2, 7)] == ["accepted"] * 5
    assert [got[n]["warnings"] for n in range(2, 5)] == ["placeholder-email"] * 3
    stored = {str(lead["name"]): lead.get("email") for lead in sandbox.leads()}
    assert stored == {
        "Rahul": None, "Suresh": None, "Anita": None, "Kiran": "abc@gmail.com", "Vijay": "rahul@xyz.com"
    }  # fmt: skip


def test_a_second_run_of_an_overlapping_sheet_sends_only_its_new_leads(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Monday's sheet, then Tuesday's, which repeats two of Monday's leads with their numbers written another way
    (+91-98450-12901, 098450 12902) and one address in capitals: those are already-imported, the new lead is sent,
    and the CRM holds each person once."""
    mapping = mapping_file(BASIC_MAPPING)
    ledger = tmp_path / "ledger.sqlite3"
    monday = _sheet(tmp_path / "mon.csv", [("Rahul", "9845012901", ""), ("Priya", "9845012902", "priya.s@gmail.com")])
    tuesday = _sheet(
        tmp_path / "tue.csv",
        [
            ("Rahul Sharma", "+91-98450-12901", ""),
            ("Priya", "098450 12902", "PRIYA.S@GMAIL.COM"),
            ("Kiran", "9845012903", ""),
        ],
    )
    env = run_env(sandbox.base_url, ledger)
    first = run_cli("run", str(monday), "--mapping", str(mapping), "--report", str(tmp_path / "r1.csv"), env=env)
    assert first.exit_code == 0, first.output + first.stderr
    second = run_cli("run", str(tuesday), "--mapping", str(mapping), "--report", str(tmp_path / "r2.csv"), env=env)
    assert second.exit_code == 0, second.output + second.stderr
    got = by_row(second.report)
    assert [got[n]["status"] for n in (2, 3, 4)] == ["already-imported", "already-imported", "accepted"]
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == ["+919845012901", "+919845012902", "+919845012903"]


def test_hinglish_headers_are_read_as_an_indian_sheets(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`Naam`, `Mobile No.`, `Sampark`, `Shahar`, `Rajya` (Hindi written in Latin letters, as many Indian sheets are
    headed): mapping suggest takes Sampark for a second phone column and reads the numbers, valid alike in India and
    Nepal, as India's, the headers being Hindi; the Devanagari-digit mobile is sent as +91."""
    sheet = tmp_path / "hinglish.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(
            [
                ["Naam", "Mobile No.", "Sampark", "Shahar", "Rajya"],
                ["राहुल शर्मा", "९८४५०१२३४७", "", "पुणे", "महाराष्ट्र"],
                ["Sunita", "", "98450 12349", "Indore", "MP"],
                ["Kiran", "9845012350", "9845012351", "Lucknow", "UP"],
            ]
        )
    mapping = tmp_path / "suggested.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping))
    assert suggested.exit_code == 0, suggested.output + suggested.stderr
    text = mapping.read_text(encoding="utf-8")
    assert "\ndefault_region: IN\n" in text, text
    assert "- Sampark" in text, text
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report))
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [r["phone_e164"] for r in checked.report] == ["+919845012347", "+919845012349", "+919845012350"]


def test_words_saying_there_is_no_name_are_no_name(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`no name`, `Not Given`, `Unknown`, `xxx`, `...` typed into a required name cell say there is none, as `NA` and
    `-` do: missing-name, never a lead called "Unknown"; names that start alike (Xavier, Nonu, Unnikrishnan) are
    names."""
    names = ["no name", "Not Given", "UNKNOWN", "xxx", "...", "Name not known", "Xavier", "Nonu", "Unnikrishnan"]
    path = _sheet(tmp_path / "names.csv", [(name, f"98450129{i:02d}", "") for i, name in enumerate(names)])
    result = run_cli(
        "validate", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 1, result.output + result.stderr
    got = [(r["status"], r["reason"]) for r in result.report]
    assert got == [("invalid", "missing-name")] * 6 + [("valid", "")] * 3


def test_a_numbered_label_and_two_numbers_typed_without_a_gap_are_read(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`Mob 1: 98450 13101` (a numbered label: its 1 is no digit of the number) and `98450131029845013103` (two
    mobiles typed with nothing between them): each lead is valid with its first number, the second with
    multiple-phones; twenty digits that are not two numbers stay invalid-phone."""
    cells = ["Mob 1: 98450 13101", "98450131029845013103", "Phone 2 - 9845013104", "98450131050000012345"]
    path = _sheet(tmp_path / "odd.csv", [(f"Lead {i}", cell, "") for i, cell in enumerate(cells)])
    result = run_cli(
        "validate", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 1, result.output + result.stderr
    got = [(r["status"], r["phone_e164"], r["warnings"]) for r in result.report]
    assert got[:3] == [
        ("valid", "+919845013101", ""), ("valid", "+919845013102", "multiple-phones"), ("valid", "+919845013104", "")
    ]  # fmt: skip
    assert (result.report[3]["status"], result.report[3]["reason"]) == ("invalid", "invalid-phone")


def test_a_phone_and_an_email_typed_into_each_others_column_are_read_as_what_they_are(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A telecaller's sheet where some rows have the address under Mobile No. and the number under Email (or only
    one of them, in the other's column): each lead goes out with its number and its address, and the row says so
    (contact-in-other-column); a row whose cells are where they belong is untouched."""
    rows = [
        ("Rahul", "rahul.k@gmail.com", "9845013401"),
        ("Priya", "9845013402", "priya.s@gmail.com"),
        ("Amit", "", "98450 13403"),
        ("Neha", "neha.m@gmail.com", ""),
    ]
    path = _sheet(tmp_path / "swapped.csv", rows)
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(tmp_path / "r.csv"),
        "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    got = by_row(result.report)
    assert [got[n]["status"] for n in (2, 3, 4, 5)] == ["accepted"] * 4
    assert [("contact-in-other-column" in got[n]["warnings"]) for n in (2, 3, 4, 5)] == [True, False, True, True]
    stored = {str(lead["name"]): (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {
        "Rahul": ("+919845013401", "rahul.k@gmail.com"),
        "Priya": ("+919845013402", "priya.s@gmail.com"),
        "Amit": ("+919845013403", None),
        "Neha": (None, "neha.m@gmail.com"),
    }


def test_devanagari_headers_nepali_writes_too_do_not_make_a_sheet_indian(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    """`नाम`, `मोबाइल` are Nepali as much as Hindi: over numbers valid alike in Nepal and India, mapping suggest
    names no country (as without those headers) rather than send Kathmandu's mobiles as +91; `पता` (Hindi's address)
    beside them still tells Hindi."""
    people = [("Ram Shrestha", "9841234567"), ("Sita Thapa", "9851234567"), ("Hari Gurung", "9801234567")]
    for headers, region in ((["नाम", "मोबाइल"], None), (["नाम", "मोबाइल", "पता"], "IN")):
        sheet = tmp_path / "devanagari.csv"
        with sheet.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows([headers, *[[name, number, "x"][: len(headers)] for name, number in people]])
        mapping = tmp_path / f"suggested-{len(headers)}.yaml"
        suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping))
        assert suggested.exit_code == 0, suggested.output + suggested.stderr
        text = mapping.read_text(encoding="utf-8")
        assert (f"\ndefault_region: {region}\n" if region else "\n# default_region: XX\n") in text, text


def test_one_address_in_the_phone_cells_of_several_leads_is_none_of_theirs(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The same address under Mobile No. on several people's rows (the sheet's owner's, a dealer's) is none of
    theirs: no lead is given it, none is dropped as a duplicate of another through it; one lead's own address
    under Mobile No. is still its email."""
    rows = [
        ("Kiran", "sales.owner@acme.in", ""),
        ("Ravi", "sales.owner@acme.in", ""),
        ("Anu", "Sales.Owner@acme.in", ""),
        ("Neha", "neha.m@gmail.com", ""),
    ]
    path = _sheet(tmp_path / "owner.csv", rows)
    result = run_cli(
        "validate", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 1, result.output + result.stderr
    got = [(r["status"], r["email"]) for r in result.report]
    assert [status for status, _ in got[:3]] == ["invalid"] * 3, result.report
    assert [email for _, email in got] == ["", "", "", "neha.m@gmail.com"]


def test_a_number_in_the_name_cell_said_to_be_someone_elses_is_not_the_leads(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`Rahul ref by Suresh 98450 13501`, `Priya (c/o Sharma Motors 98450 13502)`: the name cell's number is the
    referrer's or the dealer's, and a lead sent with it would call the wrong person; the row stays without a phone
    (missing-contact), as if the number were not there. A number beside the name alone is still the lead's."""
    names = [
        "Rahul ref by Suresh 98450 13501",
        "Priya (c/o Sharma Motors 98450 13502)",
        "Amit - dealer no. 9845013503",
        "Kiran, referred by: vijay.k@gmail.com",
        "Sunil Kumar Son 9845013504",
    ]
    path = _sheet(tmp_path / "refs.csv", [(name, "", "") for name in names])
    result = run_cli(
        "validate", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 1, result.output + result.stderr
    got = [(r["status"], r["reason"], r["phone_e164"], r["email"]) for r in result.report]
    assert got[:4] == [("invalid", "missing-contact", "", "")] * 4, result.report
    assert got[4][:3] == ("valid", "", "+919845013504"), result.report


def test_a_numbered_label_after_no_is_a_label(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`Mobile No. 1: 98450 13106`, `Contact No 2:- 9845013107` (a form's first and second number, labelled as
    `Mob 1:` is): the label and its 1 or 2 are left out and the lead is valid with its number, not invalid-phone."""
    cells = ["Mobile No. 1: 98450 13106", "Contact No 2:- 9845013107", "Mobile No. 98450 13108"]
    path = _sheet(tmp_path / "numbered.csv", [(f"Lead {i}", cell, "") for i, cell in enumerate(cells)])
    result = run_cli(
        "validate", str(path), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert [r["phone_e164"] for r in result.report] == ["+919845013106", "+919845013107", "+919845013108"]


def test_a_number_in_the_name_cell_is_kept_when_the_mapping_reads_no_phone(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A mapping of Name and Email only, a name cell `Rahul 98450 13601`: the lead the CRM stores still holds the
    number somewhere a caller sees it, never sent without it as plain `Rahul` (the number dropped with no phone field
    to take it)."""
    mapping = BASIC_MAPPING.replace("  phone: [Mobile No., Phone]\n", "")
    path = tmp_path / "no-phone.csv"
    path.write_text("Name,Email\nRahul 98450 13601,rahul.k@gmail.com\n", encoding="utf-8")
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(mapping)), "--report", str(tmp_path / "r.csv"), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    (lead,) = sandbox.leads()
    assert lead["phone"] == "+919845013601" or "98450 13601" in str(lead["name"]), lead
