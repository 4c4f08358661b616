"""`mapping suggest` then a sandbox run on more ad-platform, portal and CRM exports: what each lead is sent with."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, by_row
from tests.sandbox_util import run_env

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


def _write(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return path


def _suggest_then_run(
    run_cli: Any, tmp_path: Path, path: Path, crm: Sandbox, *extra: str
) -> tuple[str, dict[int, dict[str, str]]]:
    """``mapping suggest`` then ``run`` into the sandbox with no hand edit: the YAML and the report rows."""
    out = tmp_path / f"{path.stem}.yaml"
    suggested = run_cli("mapping", "suggest", str(path), "--out", str(out), *extra, env=ENV)
    assert suggested.exit_code == 0, suggested.output
    report = tmp_path / f"{path.stem}.report.csv"
    sent = run_cli(
        "run", str(path), "--mapping", str(out), "--report", str(report), "--rate", "2000/1s", "--no-ledger",
        env={**ENV, **run_env(crm.base_url)},
    )  # fmt: skip
    assert sent.exit_code in (0, 1), sent.output + sent.stderr
    return out.read_text(encoding="utf-8"), by_row(sent.report)


PEOPLE = [("Rahul Sharma", "9249000378"), ("Priya Nair", "6236042265"), ("Amit Verma", "8101905740"),
          ("Sneha Iyer", "9324902078"), ("Vikram Singh", "8278086998"), ("Anjali Gupta", "8410639063")]  # fmt: skip


@pytest.mark.parametrize(
    "header",
    [
        ["Full Name", "Phone", "Email", "Campaign ID", "Campaign", "Ad group", "adgroup_id"],  # Google Ads
        ["full_name", "phone_number", "email", "ad_id", "adset_name", "adset_id", "campaign_id"],  # Meta
        ["Name", "Mobile", "Email", "AdGroupId", "Ad Set Name", "Campaign Group", "Creative ID"],  # others
    ],
)
def test_an_ad_platforms_ids_are_never_the_leads_group(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox, header: list[str]
) -> None:
    """The CRM's groupId is the importing team's own analytics group. An ad platform's ad group, ad set or
    campaign (its names and ids) was made the groupId by guess, so every lead was filed under the ad's id: they
    stay metadata, and the leads go without a groupId."""
    rows = [
        [name, phone, f"{name.split()[0].lower()}@mail.in", "120200001", "Diwali Sale", f"Brand {i % 2}",
         str(1342000001 + i)]
        for i, (name, phone) in enumerate(PEOPLE)
    ]  # fmt: skip
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "ads.csv", [header, *rows]), sandbox)
    assert "groupId" not in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = sandbox.leads()
    assert len(stored) == len(PEOPLE)
    assert all("groupId" not in lead for lead in stored)
    assert all(len(lead["metadata"]) == 4 for lead in stored)  # type: ignore[arg-type]


def test_a_column_naming_the_leads_group_still_fills_it(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A sheet of the team's own with a Lead Group column beside the campaign's: that column is the groupId."""
    header = ["Name", "Mobile", "Campaign", "Lead Group"]
    rows = [[name, phone, "Diwali Sale", "north"] for name, phone in PEOPLE]
    mapping, _ = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "own.csv", [header, *rows]), sandbox)
    assert "groupId: Lead Group\n" in mapping
    assert {lead.get("groupId") for lead in sandbox.leads()} == {"north"}


OUTLOOK = ["First Name", "Middle Name", "Last Name", "E-mail Address", "E-mail 2 Address", "Home Phone",
           "Home Phone 2", "Business Phone", "Business Phone 2", "Mobile Phone", "Car Phone", "Other Phone",
           "Primary Phone", "Pager", "Business Fax", "Company Main Phone", "Assistant's Phone", "Job Title", "Company",
           "Business City", "Business Country/Region", "Notes"]  # fmt: skip


def _outlook_row(first: str, last: str, email: str, home: str, business: str, mobile: str, main: str) -> list[str]:
    cells = dict.fromkeys(OUTLOOK, "")
    cells.update({"First Name": first, "Last Name": last, "E-mail Address": email, "Home Phone": home,
                  "Business Phone": business, "Mobile Phone": mobile, "Company Main Phone": main,
                  "Assistant's Phone": "98450 99990", "Business Fax": business[:-2] + "99" if business else "",
                  "Company": f"{last} Ltd", "Business City": "Mumbai", "Business Country/Region": "India"})  # fmt: skip
    return [cells[h] for h in OUTLOOK]


def test_the_leads_own_mobile_then_home_then_work_line(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """An Outlook contacts export: each lead goes with its mobile, else its home line, else its work line, else
    the company's switchboard; never the assistant's or the fax. The work line, filled on every row, was taken
    before the home line."""
    rows = [
        _outlook_row("Rahul", "Sharma", "rahul@sharmaltd.in", "022 2600 1234", "022 4000 1234", "98450 12345",
                     "022 4000 1000"),
        _outlook_row("Priya", "Nair", "priya@nairco.in", "080 2600 2345", "080 4000 2345", "", "080 4000 1001"),
        _outlook_row("Amit", "Verma", "", "", "011 4000 3456", "", "011 4000 1002"),
        _outlook_row("Sneha", "Iyer", "sneha@iyer.in", "044 2600 4567", "044 4000 4567", "73050 12347", ""),
        _outlook_row("Kiran", "Rao", "kiran@rao.in", "", "", "", "040 4000 1003"),
    ]  # fmt: skip
    path = _write(tmp_path, "contacts.csv", [OUTLOOK, *rows])
    mapping, report = _suggest_then_run(run_cli, tmp_path, path, sandbox, "--region", "IN")
    assert "  phone:\n    - Mobile Phone\n    - Home Phone\n    - Business Phone\n    - Company Main Phone\n" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["firstName"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {
        "Rahul": "+919845012345",
        "Priya": "+918026002345",  # home, not the work line 080 4000 2345
        "Amit": "+911140003456",
        "Sneha": "+917305012347",
        "Kiran": "+914040001003",
    }


def test_a_repeated_phone_header_comes_after_the_first(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A sheet saved by a pandas script names a repeated Phone header Phone.1: that is a second number, after
    Phone and the home line, before the work line (which Phone.1 came after before, and the home line too)."""
    header = ["Name", "Work Phone", "Phone.1", "Phone", "Home Phone", "Email"]
    rows = [
        ["Rahul Sharma", "022 4000 1234", "98450 11111", "98450 12345", "022 2600 1234", "rahul@mail.in"],
        ["Priya Nair", "080 4000 2345", "98450 22222", "", "080 2600 2345", "priya@mail.in"],
        ["Amit Verma", "011 4000 3456", "98450 33333", "", "", "amit@mail.in"],
        ["Sneha Iyer", "044 4000 4567", "", "98450 44444", "", "sneha@mail.in"],
        ["Kiran Rao", "040 4000 5678", "", "98450 55555", "", "kiran@mail.in"],
        ["Neha Gupta", "020 4000 6789", "", "", "12345", "neha@mail.in"],  # a home number cut short
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "pd.csv", [header, *rows]), sandbox)
    assert "  phone:\n    - Phone\n    - Home Phone\n    - Phone.1\n    - Work Phone\n" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["name"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": "+919845012345",
        "Priya Nair": "+919845022222",  # her home line, then her mobile under Phone's repeat: the mobile
        "Amit Verma": "+919845033333",
        "Sneha Iyer": "+919845044444",
        "Kiran Rao": "+919845055555",
        "Neha Gupta": "+912040006789",
    }


@pytest.mark.parametrize(
    ("name", "own", "relative", "email"),
    [
        ("नाम", "मोबाइल नंबर", "पिता का मोबाइल", "ईमेल"),  # Hindi: father's mobile
        ("பெயர்", "கைபேசி எண்", "தந்தை கைபேசி எண்", "மின்னஞ்சல்"),  # Tamil: father's mobile
        ("الاسم", "رقم الجوال", "جوال ولي الأمر", "البريد الإلكتروني"),  # Arabic: the guardian's mobile
        ("Nombre completo", "Teléfono", "Teléfono del padre", "Correo"),  # Spanish
        ("Nome completo", "Celular", "Celular do responsável", "E-mail"),  # Portuguese: the guardian's
        ("Nome completo", "Celular", "Celular da mãe", "E-mail"),  # Portuguese: the mother's
    ],
)
def test_the_students_own_number_before_a_parents_in_any_language(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox, name: str, own: str, relative: str, email: str
) -> None:
    """An education portal's export in the student's language: each lead goes with its own number, and with the
    parent's only where its own is empty. The parent's column, filled on more rows, came first: every student was
    sent with a parent's number."""
    header = [name, own, relative, email]
    rows = [
        ["Rahul Sharma", "9845012345", "9845099991", "rahul@mail.in"],
        ["Priya Nair", "", "8105099992", "priya@mail.in"],
        ["Amit Verma", "", "7305099993", ""],
        ["Sneha Iyer", "9324902078", "9324999994", "sneha@mail.in"],
    ]
    mapping, report = _suggest_then_run(
        run_cli, tmp_path, _write(tmp_path, "students.csv", [header, *rows]), sandbox, "--region", "IN"
    )
    assert f"  phone:\n    - {own}\n    - {relative}\n" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["name"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {
        "Rahul Sharma": "+919845012345",
        "Priya Nair": "+918105099992",
        "Amit Verma": "+917305099993",
        "Sneha Iyer": "+919324902078",
    }


GOOGLE = ["Name", "Given Name", "Family Name", "Group Membership", "E-mail 1 - Type", "E-mail 1 - Value",
          "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value", "Organization 1 - Name"]  # fmt: skip


def test_a_contacts_mobile_before_its_landline_whichever_column_it_is_in(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox
) -> None:
    """A Google Contacts export lists each contact's numbers as Phone 1, Phone 2 in the order they were added, so
    a work line is often Phone 1 and the mobile Phone 2; a sheet with two Phone headers is the same. The lead goes
    with its mobile (a warning names the column), with its landline only where it has no mobile."""
    rows = [
        ["Rahul Sharma", "Rahul", "Sharma", "* myContacts", "* Home", "rahul@gmail.com", "Work", "022 4000 1234",
         "Mobile", "+91 98450 12345", "Acme"],
        ["Priya Nair", "Priya", "Nair", "* myContacts", "* Home", "priya@gmail.com", "Mobile", "+91 81050 12346",
         "Work", "080 4000 2345", "Beta"],
        ["Amit Verma", "Amit", "Verma", "* myContacts", "", "", "Home", "011 2600 3456", "", "", ""],
        ["Sneha Iyer", "Sneha", "Iyer", "* myContacts", "* Work", "sneha@iyer.in", "Mobile",
         "098450 23456 ::: 73050 12347", "", "", ""],  # two mobiles in one cell, as Google writes them
    ]  # fmt: skip
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "contacts.csv", [GOOGLE, *rows]), sandbox)
    assert "  phone:\n    - Phone 1 - Value\n    - Phone 2 - Value\n" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    assert report[2]["warnings"] == "phone-from-column:Phone 2 - Value"
    assert [report[n]["warnings"] for n in (3, 4, 5)] == ["", "", "multiple-phones"]
    stored = {lead["firstName"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {"Rahul": "+919845012345", "Priya": "+918105012346", "Amit": "+911126003456",
                      "Sneha": "+919845023456"}  # fmt: skip


def test_two_phone_headers_the_mobile_first(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """Two columns headed Phone: a row's mobile is its number, whichever of the two it is under."""
    rows = [
        ["Rahul Sharma", "022 4000 1234", "98450 12345", "rahul@mail.in"],
        ["Priya Nair", "81050 12346", "080 4000 2345", "priya@mail.in"],
        ["Amit Verma", "", "73050 12347", "amit@mail.in"],
        ["Sneha Iyer", "044 2600 4567", "", "sneha@mail.in"],
    ]
    path = _write(tmp_path, "two.csv", [["Name", "Phone", "Phone", "Email"], *rows])
    mapping, report = _suggest_then_run(run_cli, tmp_path, path, sandbox, "--region", "IN")
    assert "column C ('Phone') repeats the header of column B: it is read where column B is empty" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["name"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {"Rahul Sharma": "+919845012345", "Priya Nair": "+918105012346",
                      "Amit Verma": "+917305012347", "Sneha Iyer": "+914426004567"}  # fmt: skip


def test_brevos_sms_column_is_the_leads_mobile(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A Brevo (Sendinblue) contacts export keeps the mobile under SMS, and WhatsApp's number beside it: a contact
    with only SMS filled went without a phone (SMS was metadata), SMS_BLACKLISTED stays metadata."""
    header = ["CONTACT ID", "EMAIL", "FIRSTNAME", "LASTNAME", "SMS", "WHATSAPP", "EMAIL_BLACKLISTED",
              "SMS_BLACKLISTED", "ADDED_TIME"]  # fmt: skip
    rows = [
        ["1", "rahul@acme.in", "Rahul", "Sharma", "919845012345", "919845012345", "false", "false", "2026-01-02"],
        ["2", "priya@beta.in", "Priya", "Nair", "", "918105012346", "false", "false", "2026-01-03"],
        ["3", "amit@gamma.in", "Amit", "Verma", "917305012347", "", "false", "true", "2026-01-04"],
        ["4", "sneha@iyer.in", "Sneha", "Iyer", "919324902078", "", "false", "false", "2026-01-05"],
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "brevo.csv", [header, *rows]), sandbox)
    assert "sms_blacklisted: SMS_BLACKLISTED" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["firstName"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {"Rahul": "+919845012345", "Priya": "+918105012346", "Amit": "+917305012347",
                      "Sneha": "+919324902078"}  # fmt: skip


def test_a_typeform_export_by_its_questions(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """Typeform heads its columns with the questions asked and the response token with '#': the leads go with
    the answers; '#' is said to be a header a mapping cannot name (it was called no header at all)."""
    header = ["#", "What's your full name?", "What's the best number to reach you on?", "And your email address?",
              "Which city are you in?", "Submit Date (UTC)", "Network ID"]  # fmt: skip
    rows = [
        ["a1b2c3", "Rahul Sharma", "+919845012345", "rahul@acme.in", "Mumbai", "2026-01-02 10:02:00", "0ab1c2"],
        ["d4e5f6", "Priya Nair", "+918105012346", "priya@beta.in", "Pune", "2026-01-03 10:02:00", "1bc2d3"],
        ["g7h8i9", "Amit Verma", "+917305012347", "amit@gamma.in", "Delhi", "2026-01-04 10:02:00", "2cd3e4"],
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "typeform.csv", [header, *rows]), sandbox)
    assert "column A has values but a header ('#') with no letter or digit, so a mapping cannot name it" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["name"]: (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {"Rahul Sharma": ("+919845012345", "rahul@acme.in"), "Priya Nair": ("+918105012346",
                      "priya@beta.in"), "Amit Verma": ("+917305012347", "amit@gamma.in")}  # fmt: skip


def test_who_scanned_a_badge_is_not_the_lead(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """An event's lead-retrieval export names, on every row, the booth staff who scanned the badge (Scanner
    Email): it was the email read first, so leads went to the CRM under a colleague's address and two visitors
    scanned by one colleague were one duplicate lead. Each goes with its own address or none."""
    header = ["Badge ID", "First Name", "Last Name", "Company", "Email", "Phone", "Scanned By", "Scanner Email",
              "Scan Time", "Notes"]  # fmt: skip
    rows = [
        ["B-1", "Rahul", "Sharma", "Acme", "rahul@acme.in", "+91 98450 12345", "Sam", "sam@ourco.in", "10:00", ""],
        ["B-2", "Priya", "Nair", "Beta", "", "+91 81050 12346", "Sam", "sam@ourco.in", "10:05", ""],
        ["B-3", "Amit", "Verma", "Gamma", "amit@gamma.in", "", "Jo", "jo@ourco.in", "10:09", ""],
        ["B-4", "Sneha", "Iyer", "Delta", "", "", "Jo", "jo@ourco.in", "10:15", "card only"],
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "scans.csv", [header, *rows]), sandbox)
    assert "scanner_email: Scanner Email" in mapping
    assert [(report[n]["status"], report[n]["reason"]) for n in range(2, 6)] == [
        ("accepted", ""), ("accepted", ""), ("accepted", ""), ("invalid", "missing-contact"),
    ]  # fmt: skip
    stored = {lead["firstName"]: (lead.get("phone"), lead.get("email")) for lead in sandbox.leads()}
    assert stored == {"Rahul": ("+919845012345", "rahul@acme.in"), "Priya": ("+918105012346", None),
                      "Amit": (None, "amit@gamma.in")}  # fmt: skip


def test_an_odoo_customer_is_no_reference_id(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """Odoo's CRM export names each opportunity's company under Customer: read as a misspelt 'customer id', it
    was the referenceId, so two contacts of one company were one lead (the second a duplicate, never sent)."""
    header = ["Opportunity", "Customer", "Contact Name", "Email", "Phone", "Mobile", "Salesperson", "Stage"]
    rows = [
        ["Website enquiry", "Acme Pvt Ltd", "Rahul Sharma", "rahul@acme.in", "", "+91 98450 12345", "Mitchell", "New"],
        ["Demo request", "Acme Pvt Ltd", "Priya Nair", "priya@acme.in", "", "+91 81050 12346", "Mitchell", "New"],
        ["Pricing", "Gamma Inc", "Amit Verma", "", "", "+91 73050 12347", "Marc", "New"],
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "odoo.csv", [header, *rows]), sandbox)
    assert "referenceId" not in mapping and "customer: Customer" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    assert sorted(str(lead["name"]) for lead in sandbox.leads()) == ["Amit Verma", "Priya Nair", "Rahul Sharma"]


def test_a_jotform_phone_with_its_code_in_brackets(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """Jotform (and other forms' country pickers) write the number as (+91) 98450-12345: the column was not seen
    as phones, so suggest mapped no phone and every lead went without one."""
    header = ["Submission Date", "Full Name", "E-mail", "Phone Number", "Submission ID", "IP"]
    rows = [
        ["Jan 2, 2026", "Rahul Sharma", "rahul@acme.in", "(+91) 98450-12345", "5800000000000000001", "10.0.0.1"],
        ["Jan 3, 2026", "Priya Nair", "priya@beta.in", "(+91) 81050-12346", "5800000000000000002", "10.0.0.2"],
        ["Jan 4, 2026", "Amit Verma", "", "(+44) 7400 123456", "5800000000000000003", "10.0.0.3"],
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "jotform.csv", [header, *rows]), sandbox)
    assert "  phone: Phone Number\n" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["name"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {"Rahul Sharma": "+919845012345", "Priya Nair": "+918105012346", "Amit Verma": "+447400123456"}


def test_an_indiamart_enquirys_own_id_is_its_reference(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """IndiaMART's lead export (and its CRM API) names each enquiry UNIQUE_QUERY_ID: it was left to metadata, so a
    lead pulled again next week got a derived id, not its own; it is the referenceId, and each lead goes in with it."""
    header = ["UNIQUE_QUERY_ID", "QUERY_TYPE", "QUERY_TIME", "SENDER_NAME", "SENDER_MOBILE", "SENDER_EMAIL", "SUBJECT"]
    rows = [
        ["2587140011", "W", "2026-03-01 10:22:33", "Ramesh Patil", "+91-9845012345", "r@x.in", "Steel pipes"],
        ["2587140012", "B", "2026-03-01 11:02:10", "Sunita Rao", "+91-8105012346", "", "Steel pipes"],
    ]
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "indiamart.csv", [header, *rows]), sandbox)
    assert "  referenceId: UNIQUE_QUERY_ID\n" in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = {lead["referenceId"]: lead.get("phone") for lead in sandbox.leads()}
    assert stored == {"2587140011": "+919845012345", "2587140012": "+918105012346"}
