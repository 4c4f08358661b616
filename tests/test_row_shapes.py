"""Rows as real exports shape them: several phone columns, short rows, JSON-list cells, partial repeated
headers, empty templates, mistyped and internationalised email domains."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from tests.conftest import PROCESS, PROJECT, CliRun, by_row

HEAD = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\n"


def _validate(
    tmp_path: Path,
    run_cli: Callable[..., CliRun],
    mapping_file: Callable[[str], Path],
    sheet: str | Path,
    mapping: str,
    *extra: str,
) -> CliRun:
    if isinstance(sheet, str):
        path = tmp_path / "leads.csv"
        path.write_text(sheet, encoding="utf-8")
    else:
        path = sheet
    report = tmp_path / "report.csv"
    return run_cli("validate", str(path), "--mapping", str(mapping_file(mapping)), "--report", str(report), *extra)


PHONES = (
    HEAD
    + "default_region: DE\nfields:\n  name: [Name, Vorname]\n  phone: [Mobil, Telefon geschäftlich, Telefon privat]\n"
    "  email: {columns: [E-Mail], required: false}\n"
)


def test_an_empty_or_invalid_first_phone_falls_back_to_the_next_valid_column(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """German contacts: Mobil empty or broken, Telefon geschäftlich holds the number; the warning names it."""
    sheet = (
        "Vorname,Mobil,Telefon geschäftlich,Telefon privat,E-Mail\n"
        "Jonas,0172 6508462,030 1234567,,\n"  # the first column's number is used
        "Anna,,030 2345678,,\n"  # empty: the next column
        "Lena,12,,040 3456789,\n"  # invalid: the next column that has a valid number
        "Paul,12,,,paul@example.de\n"  # invalid everywhere: invalid-phone as before
        "Mia,,089 123456,089 123456,\n"
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, PHONES)
    rows = by_row(result.report)
    assert rows[2]["phone_e164"] == "+491726508462" and rows[2]["warnings"] == ""
    assert rows[3]["phone_e164"] == "+49302345678"
    assert rows[3]["warnings"] == "phone-from-column:Telefon geschäftlich"
    assert rows[4]["status"] == "valid" and rows[4]["phone_e164"] == "+49403456789"
    assert rows[4]["warnings"] == "phone-from-column:Telefon privat"
    assert rows[5]["status"] == "invalid" and rows[5]["reason"] == "invalid-phone"
    assert rows[6]["phone_e164"] == "+4989123456"
    assert "took their phone number from a later phone column" in result.output


def test_an_office_line_shared_by_rows_is_not_taken_from_a_later_column(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """A number the later column repeats in several rows is nobody's own: the rows keep no phone."""
    sheet = "Vorname,Mobil,Telefon geschäftlich,E-Mail\nA,,030 1234567,a@x.de\nB,,030 1234567,b@x.de\n"
    mapping = PHONES.replace(", Telefon privat]", "]")
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, sheet, mapping).report)
    assert rows[2]["phone_e164"] == "" and rows[3]["phone_e164"] == ""
    assert rows[2]["status"] == "valid" and rows[2]["email"] == "a@x.de"


SHORT = (
    HEAD
    + "default_region: US\nfields:\n  name: name\n  phone: phone_number\n  email: {columns: [email], required: false}\n"
)


def test_short_rows_are_warned_and_a_slid_phone_is_not_sent_without_it(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Chatwoot-style rows with a cell missing: short-row everywhere; shifted-row where the phone slid left."""
    sheet = (
        "name,company,city,email,phone_number\n"
        "Ann,Acme,Boston,ann@acme.com,+1 617 555 0101\n"
        "Bob,Boston,bob@acme.com,+1 617 555 0199\n"  # company missing: the phone sits under email
        "Cid,Acme,Austin,cid@acme.com\n"  # only the phone missing at the end: nothing slid
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, SHORT)
    rows = by_row(result.report)
    assert rows[2]["status"] == "valid" and rows[2]["warnings"] == ""
    assert rows[3]["status"] == "invalid" and "shifted-row" in rows[3]["reason"].split(", ")
    assert "short-row" in rows[3]["warnings"]
    assert rows[4]["status"] == "valid" and rows[4]["warnings"] == "short-row"
    assert "2 row(s) have fewer cells than the header" in result.output
    assert "1 of them have their phone or email under another column" in result.output


def test_json_list_cells_give_their_first_value(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """[{"label":"work","value":...}] and ["..."] cells: the first value, with multiple-emails/multiple-phones."""
    sheet = (
        "name,email,phone_number\n"
        '"Ann","[{""label"":""work"",""value"":""ann@acme.com""},{""label"":""home"",""value"":""ann@home.com""}]",'
        '"[""+1 617 555 0101"", ""+1 617 555 0102""]"\n'
        '"Bob","[""bob@acme.com""]","[{""label"":""mobile"",""value"":""+1 617 555 0199""}]"\n'
    )
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, sheet, SHORT).report)
    assert rows[2]["email"] == "ann@acme.com" and rows[2]["phone_e164"] == "+16175550101"
    assert set(rows[2]["warnings"].split(", ")) == {"multiple-emails", "multiple-phones"}
    assert rows[3]["email"] == "bob@acme.com" and rows[3]["phone_e164"] == "+16175550199"
    assert rows[3]["warnings"] == "" and rows[3]["status"] == "valid"


def test_a_partial_repeated_header_is_skipped(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """A second block's header, repeated with only some of its cells, is repeated-header, not an invalid lead."""
    sheet = (
        "name,company,email,phone_number\n"
        "Ann,Acme,ann@acme.com,+1 617 555 0101\n"
        ",,,\n"
        "name,,email,\n"
        "Bob,Acme,bob@acme.com,+1 617 555 0199\n"
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, SHORT)
    rows = by_row(result.report)
    assert rows[4]["status"] == "skipped" and rows[4]["reason"] == "repeated-header"
    assert result.exit_code == 0


def test_an_empty_import_template_has_no_leads(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """999 rows holding only the template's defaults (and a formula's text): no leads, nothing invalid, exit 0."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone", "Email", "Country", "Status", "Owner"])
    for row in range(2, 1001):
        sheet.append([None, None, None, "India", "New", f'=IF(A{row}="","",A{row})'])
    path = tmp_path / "template.xlsx"
    book.save(path)
    mapping = HEAD + "default_region: IN\nfields:\n  name: Name\n  phone: Phone\n  email: Email\n"
    result = _validate(tmp_path, run_cli, mapping_file, path, mapping)
    assert {r["status"] for r in result.report} == {"skipped"}
    assert {r["reason"] for r in result.report} == {"template-row"}
    assert "No leads in this file: its 999 row(s) hold only a template's default values or formulas" in result.output
    assert result.exit_code == 0


def test_a_lone_row_without_a_name_or_contact_is_still_shown_invalid(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """Only values repeated across many empty rows are a template's: one row with just a city stays a row to fix."""
    mapping = HEAD + "default_region: IN\nfields:\n  name: Name\n  phone: Phone\nmetadata_unmapped: true\n"
    sheet = "Name,Phone,City,State\nAsha,9812345678,Pune,MH\n,,Mumbai,MH\nRavi,9812345679,Pune,MH\n"
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, sheet, mapping).report)
    assert rows[3]["status"] == "invalid"


EMAILS = HEAD + "default_region: IN\nfields:\n  name: Name\n  email: Email\n"


def test_mistyped_email_domains_are_warned_with_a_suggestion_and_still_sent(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """gmail.con, gmial.com, hotmial.com: email-domain-typo naming the likely domain; the row stays valid."""
    sheet = "Name,Email\nA,a@gmail.con\nB,b@gmial.com\nC,c@hotmial.com\nD,d@gmail.com\nE,e@acme.co.in\nF,f@tcs.com\n"
    result = _validate(tmp_path, run_cli, mapping_file, sheet, EMAILS)
    rows = by_row(result.report)
    assert {r["status"] for r in result.report} == {"valid"}
    assert rows[2]["warnings"] == "email-domain-typo:gmail.com" and rows[2]["email"] == "a@gmail.con"
    assert rows[3]["warnings"] == "email-domain-typo:gmail.com"
    assert rows[4]["warnings"] == "email-domain-typo:hotmail.com"
    assert [rows[r]["warnings"] for r in (5, 6, 7)] == ["", "", ""]
    assert "3 email address(es) have a domain that looks mistyped" in result.output


def test_internationalised_email_domains_are_valid(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """user@münchen.de is a usable address, sent lower case with its domain in ASCII (punycode)."""
    sheet = "Name,Email\nJonas,Jonas@München.de\nOlga,olga@пример.рф\nBad,x@exa mple.de\n"
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, sheet, EMAILS).report)
    assert rows[2]["status"] == "valid" and rows[2]["email"] == "jonas@xn--mnchen-3ya.de"
    assert rows[3]["status"] == "valid" and rows[3]["email"] == "olga@xn--e1afmkfd.xn--p1ai"
    assert rows[4]["status"] == "invalid"


def test_a_contact_that_slid_out_of_a_middle_column_is_caught_too(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """The phone column sits mid-row: a row missing the cell before it has its phone under the wrong header."""
    mapping = (
        HEAD
        + "default_region: US\nfields:\n  name: name\n  phone: phone\n  email: {columns: [email], required: false}\n"
    )
    sheet = (
        "name,email,phone,company,city\nAnn,ann@acme.com,+1 617 555 0101,Acme,Boston\nBob,+1 617 555 0199,Acme,Boston\n"
    )
    rows = by_row(_validate(tmp_path, run_cli, mapping_file, sheet, mapping).report)
    assert rows[2]["status"] == "valid"
    assert rows[3]["status"] == "invalid" and "shifted-row" in rows[3]["reason"].split(", ")


def test_a_row_of_the_crms_field_names_below_the_labels_is_skipped(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[[str], Path]
) -> None:
    """An export or import template whose second row names the fields as the CRM does (``FirstName``,
    ``MOBILE_PHONE``) under the labels (``First Name``, ``Mobile Phone``) is repeated-header, not an invalid lead."""
    sheet = (
        "First Name,Last Name,Mobile Phone,Email Address\n"
        "FirstName,LAST_NAME,MobilePhone,Email\n"
        "Anna,Smith,+44 7400 123470,anna@example.com\n"
        "Bob,Jones,+44 7400 123471,bob@example.com\n"
    )
    mapping = HEAD + (
        "default_region: GB\nfields:\n  firstName: First Name\n  lastName: Last Name\n  phone: Mobile Phone\n"
        "  email: Email Address\n"
    )
    result = _validate(tmp_path, run_cli, mapping_file, sheet, mapping)
    rows = by_row(result.report)
    assert (rows[2]["status"], rows[2]["reason"]) == ("skipped", "repeated-header")
    assert [rows[r]["status"] for r in (3, 4)] == ["valid", "valid"] and result.exit_code == 0
