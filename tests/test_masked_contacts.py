"""Addresses a portal (or a report written with --mask-pii) hides behind asterisks are nobody's: never sent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING, run_env

SHEET = (
    "Name,Phone,Email,City\n"
    "Rahul Sharma,9845012345,ra******@gmail.com,Pune\n"  # a portal's lead not yet bought: the number shown only
    "Priya Nair,8105012346,pr******@gmail.com,Pune\n"
    "Amit Verma,,a***@yahoo.co.in,Pune\n"  # nothing of the lead's but a hidden address
    "Sneha Iyer,7305012347,sneha.iyer@gmail.com,Pune\n"
    "Vikram Singh,9945012348,vi****.si***@outlook.com,Pune\n"
)


def test_a_masked_address_is_not_sent(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Each lead with a number goes to the CRM without the hidden address (a warning says so); a lead with only a
    hidden address is invalid, not stored under it."""
    sheet = tmp_path / "portal.csv"
    sheet.write_text(SHEET, encoding="utf-8")
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report), "--rate", "2000/1s",
        "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr  # Amit Verma's row
    rows = by_row(result.report)
    assert [rows[n]["status"] for n in range(2, 7)] == ["accepted", "accepted", "invalid", "accepted", "accepted"]
    assert [rows[n]["email"] for n in range(2, 7)] == ["", "", "", "sneha.iyer@gmail.com", ""]
    assert [rows[n]["warnings"] for n in (2, 3, 4, 6)] == ["masked-email"] * 4
    stored = {lead["name"]: lead.get("email") for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": None,
        "Priya Nair": None,
        "Sneha Iyer": "sneha.iyer@gmail.com",
        "Vikram Singh": None,
    }
    assert "masked-email" in result.output


def test_a_report_written_with_mask_pii_sends_no_masked_address(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A report of --mask-pii fed back to validate: its r***@gmail.com addresses and ******2345 numbers are masked
    ones, not leads': the row has nothing to reach the lead by."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\nRahul Sharma,9845012345,rahul@gmail.com\n", encoding="utf-8")
    masked = tmp_path / "masked.csv"
    first = run_cli("validate", str(sheet), "-m", str(mapping_file(MAPPING)), "--report", str(masked), "--mask-pii")
    assert first.exit_code == 0, first.output
    again = run_cli("validate", str(masked), "-m", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r2.csv"))
    row = by_row(again.report)[2]
    assert (row["email"], row["phone_e164"], row["warnings"]) == ("", "", "masked-phone, masked-email")
    assert (row["status"], row["reason"]) == ("invalid", "missing-contact")


NUMBERS = (
    "Name,Mobile,Alternate Number,Email\n"
    "Rahul Sharma,98XXXXXX10,,rahul.sharma@gmail.com\n"  # a portal's lead not yet bought: the address shown only
    "Priya Nair,+91 81******46,,priya.nair@gmail.com\n"
    "Amit Verma,99xxxxxx47,,\n"  # nothing of the lead's but a hidden number
    "Sneha Iyer,XXXXXXXXXX,7305012347,\n"  # hidden, and a second column holds the lead's number
    "Vikram Singh,9945012348 x12,,vikram@outlook.com\n"  # an extension's x is no mask
    "Neha Gupta,9845012349,,neha@gmail.com\n"
)


def test_a_masked_number_is_not_sent(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A lead whose number is hidden goes to the CRM with its address (a warning says so) or with another column's
    number; with nothing else it is invalid; the summary says why instead of blaming the numbers' country."""
    sheet = tmp_path / "portal.csv"
    sheet.write_text(NUMBERS, encoding="utf-8")
    mapping = MAPPING.replace("phone: Phone", "phone: [Mobile, Alternate Number]")
    assert mapping != MAPPING
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(sheet), "--mapping", str(mapping_file(mapping)), "--report", str(report), "--rate", "2000/1s",
        "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr  # Amit Verma's row
    rows = by_row(result.report)
    assert [rows[n]["status"] for n in range(2, 8)] == ["accepted"] * 2 + ["invalid"] + ["accepted"] * 3
    assert [rows[n]["phone_e164"].strip('="') for n in range(2, 8)] == [
        "", "", "", "+917305012347", "+919945012348", "+919845012349",
    ]  # fmt: skip
    assert [rows[n]["warnings"] for n in (2, 3, 4)] == ["masked-phone"] * 3
    assert rows[5]["warnings"] == "phone-from-column:Alternate Number, masked-phone"
    assert [rows[n]["warnings"] for n in (6, 7)] == ["phone-extension-dropped", ""]
    stored = {lead["name"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": None,
        "Priya Nair": None,
        "Sneha Iyer": "+917305012347",
        "Vikram Singh": "+919945012348",
        "Neha Gupta": "+919845012349",
    }
    assert "4 phone number(s) have digits hidden (masked-phone" in result.output
    assert "not valid numbers of the country" not in result.output


SYMBOLS = (
    "Name,Mobile,Email\n"
    "Rahul Sharma,98••••••10,rahul.sharma@gmail.com\n"  # bullets, as a portal's page shows a hidden number
    "Priya Nair,98……10,priya.nair@gmail.com\n"  # ellipses: three digits each
    "Amit Verma,98######10,amit.verma@gmail.com\n"
    "Sneha Iyer,98\uff38\uff38\uff38\uff38\uff38\uff3810,sneha.iyer@gmail.com\n"  # full-width X, typed on a CJK keyboard layout
    "Vikram Singh,+91 98•• ••• •10,vikram@outlook.com\n"
    "Neha Gupta,9845012349,ne••••@gmail.com\n"  # a hidden address, and the lead's number
    "Kiran Rao,98●●●●●●47,\n"  # nothing of the lead's but a hidden number
    "Anil Kumar,99450 12348 x 2,anil.kumar@gmail.com\n"  # an extension's lone x is no mask
    "Ravi Das,٩٨٤٥٠١٢٣٥١,ravi.das@gmail.com\n"  # Arabic-Indic digits: not ASCII, and a real number
)


def test_digits_hidden_behind_other_symbols_are_masked(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Bullets, ellipses, hashes and full-width X hide a number's digits as X and * do: the lead goes with its
    address (a warning says so), never refused as invalid-phone; an address hidden behind bullets is not sent,
    and real numbers around such symbols are sent."""
    sheet = tmp_path / "portal.csv"
    sheet.write_text(SYMBOLS, encoding="utf-8")
    mapping = MAPPING.replace("phone: Phone", "phone: Mobile")
    assert mapping != MAPPING
    result = run_cli(
        "run", str(sheet), "--mapping", str(mapping_file(mapping)), "--report", str(tmp_path / "r.csv"),
        "--rate", "2000/1s", "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr  # Kiran Rao's row
    rows = by_row(result.report)
    assert [rows[n]["status"] for n in range(2, 11)] == ["accepted"] * 5 + ["accepted", "invalid"] + ["accepted"] * 2
    assert [rows[n]["warnings"] for n in range(2, 9)] == ["masked-phone"] * 5 + ["masked-email", "masked-phone"]
    assert rows[8]["reason"] == "missing-contact"
    stored = {lead["name"]: (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": (None, "rahul.sharma@gmail.com"),
        "Priya Nair": (None, "priya.nair@gmail.com"),
        "Amit Verma": (None, "amit.verma@gmail.com"),
        "Sneha Iyer": (None, "sneha.iyer@gmail.com"),
        "Vikram Singh": (None, "vikram@outlook.com"),
        "Neha Gupta": ("+919845012349", None),
        "Anil Kumar": ("+919945012348", "anil.kumar@gmail.com"),
        "Ravi Das": ("+919845012351", "ravi.das@gmail.com"),
    }


WORDS = (
    "Name,Mobile,Alternate Number,Email\n"
    "Rahul Sharma,not given,,rahul.sharma@gmail.com\n"  # a form's required field, filled to get past it
    "Priya Nair,no phone,,priya.nair@gmail.com\n"
    "Amit Verma,नहीं,,amit.verma@gmail.com\n"  # Hindi: no
    "Sneha Iyer,Not Provided,7305012347,\n"  # the lead's number is in the next column
    "Vikram Singh,WhatsApp only,,\n"  # nothing to reach the lead by
    "Neha Gupta,neha@gmail.com,,\n"  # an address typed where the number goes: the lead's email
    "Kiran Rao,N.A.,,kiran.rao@gmail.com\n"
)


def test_words_where_the_number_goes_are_no_number(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A phone cell of words and no digit (not given, no phone, नहीं) says there is no number, as n/a does: the lead
    goes with its email or another column's number, without a note (it was invalid-phone: a good lead lost); with
    nothing else it is missing-contact, and placeholder-phone says what the cell held. An address in the phone column
    of a row with no email is the lead's email (contact-in-other-column), the row's warning saying so."""
    sheet = tmp_path / "form.csv"
    sheet.write_text(WORDS, encoding="utf-8")
    mapping = MAPPING.replace("phone: Phone", "phone: [Mobile, Alternate Number]")
    result = run_cli(
        "run", str(sheet), "--mapping", str(mapping_file(mapping)), "--report", str(tmp_path / "r.csv"),
        "--rate", "2000/1s", "--no-ledger", env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 1, result.output + result.stderr
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["reason"]) for n in range(2, 9)] == [
        ("accepted", ""), ("accepted", ""), ("accepted", ""), ("accepted", ""), ("invalid", "missing-contact"),
        ("accepted", ""), ("accepted", ""),
    ]  # fmt: skip
    assert rows[7]["warnings"] == "contact-in-other-column"
    assert [rows[n]["warnings"] for n in (2, 3, 4, 8)] == [""] * 4
    assert rows[6]["warnings"] == "placeholder-phone"  # named where it was all the row had
    stored = {lead["name"]: (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": (None, "rahul.sharma@gmail.com"),
        "Priya Nair": (None, "priya.nair@gmail.com"),
        "Amit Verma": (None, "amit.verma@gmail.com"),
        "Sneha Iyer": ("+917305012347", None),
        "Neha Gupta": (None, "neha@gmail.com"),
        "Kiran Rao": (None, "kiran.rao@gmail.com"),
    }


def test_a_placeholder_phone_is_named_where_it_was_all_the_row_had(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """n/a, -, NA or not given in the phone cell of a row with no email: missing-contact, and a warning says the
    cell held a placeholder (the reason alone read as if the cell were empty); rows with an email get no note."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\nRahul Sharma,n/a,\nPriya Nair,-,\nAmit Verma,NA,amit@gmail.com\nSneha Iyer,,\n"
        "Kiran Rao,not given,\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "-m", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["reason"], rows[n]["warnings"]) for n in range(2, 7)] == [
        ("invalid", "missing-contact", "placeholder-phone"),
        ("invalid", "missing-contact", "placeholder-phone"),
        ("valid", "", ""),
        ("invalid", "missing-contact", ""),
        ("invalid", "missing-contact", "placeholder-phone"),
    ]
