"""A made-up number (0000000000, 9999999999, 1234567890) is nobody's: a lead reachable otherwise goes without it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING, run_env

SHEET = (
    "Name,Phone,Email\n"
    "Rahul Sharma,0000000000,rahul.sharma@gmail.com\n"  # a form's required field filled with zeros
    "Priya Nair,1111111111,priya.nair@gmail.com\n"
    "Amit Verma,9999999999,amit.verma@gmail.com\n"
    "Sneha Iyer,1234567890,sneha.iyer@gmail.com\n"
    "Vikram Singh,9999999999,\n"  # nothing else to reach the lead by
    "Neha Gupta,1234567890,not an address\n"
    "Kiran Rao,9845012349,kiran.rao@gmail.com\n"
)


def test_a_made_up_number_beside_a_good_email_is_left_out(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Each lead with a good address goes to the CRM with it and without the made-up number (the warning names the
    pattern); a row with nothing else keeps its error; the summary says what was left out."""
    sheet = tmp_path / "form.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    result = run_cli(
        "run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"),
        "--rate", "2000/1s", "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr  # Vikram Singh's and Neha Gupta's rows
    rows = by_row(result.report)
    got = [(rows[n]["status"], rows[n]["reason"], rows[n]["warnings"], rows[n]["phone_e164"]) for n in range(2, 9)]
    assert got == [
        ("accepted", "", "repeated-digits", ""),
        ("accepted", "", "repeated-digits", ""),
        ("accepted", "", "repeated-digits", ""),
        ("accepted", "", "fake-phone", ""),
        ("invalid", "repeated-digits", "", "+919999999999"),
        ("invalid", "fake-phone", "invalid-email", "+911234567890"),
        ("accepted", "", "", "+919845012349"),
    ]
    stored = {lead["name"]: (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": (None, "rahul.sharma@gmail.com"),
        "Priya Nair": (None, "priya.nair@gmail.com"),
        "Amit Verma": (None, "amit.verma@gmail.com"),
        "Sneha Iyer": (None, "sneha.iyer@gmail.com"),
        "Kiran Rao": ("+919845012349", "kiran.rao@gmail.com"),
    }
    assert "4 phone number(s) look made up (repeated-digits, fake-phone) and were not sent" in result.output


def test_a_made_up_number_gives_way_to_the_next_phone_column(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A row whose first phone column holds a made-up number takes the next column's valid number, as it does where
    the first is empty or invalid (9999999999 held the row invalid beside a good Alternate Number)."""
    sheet = tmp_path / "form.csv"
    sheet.write_text(
        "Name,Mobile,Alternate Number,Email\n"
        "Rahul Sharma,9999999999,9845012345,\n"
        "Priya Nair,1234567890,,\n"
        "Amit Verma,0000000000,12345,amit@gmail.com\n",
        encoding="utf-8",
    )
    mapping = MAPPING.replace("phone: Phone", "phone: [Mobile, Alternate Number]")
    result = run_cli("validate", str(sheet), "-m", str(mapping_file(mapping)), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    got = [(rows[n]["status"], rows[n]["reason"], rows[n]["warnings"], rows[n]["phone_e164"]) for n in (2, 3, 4)]
    assert got == [
        ("valid", "", "phone-from-column:Alternate Number", "+919845012345"),
        ("invalid", "fake-phone", "", "+911234567890"),
        ("valid", "", "repeated-digits", ""),  # the second column's number is no better: the address carries it
    ]
