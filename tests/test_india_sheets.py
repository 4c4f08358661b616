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
    assert sorted(lead["phone"] for lead in sandbox.leads()) == sorted(sent)


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
    assert sorted(lead["phone"] for lead in sandbox.leads()) == sorted(sent)


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
    assert [got[n]["status"] for n in range(2, 8)] == ["accepted"] * 5 + ["invalid"]
    assert got[7]["reason"] == "missing-name"
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
