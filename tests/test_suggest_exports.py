"""`mapping suggest` then `validate` on the shapes ad platforms, portals and other CRMs export, unedited."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from tests.conftest import PROCESS, PROJECT, by_row

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


def _write(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return path


def _suggest_then_validate(run_cli: Any, tmp_path: Path, path: Path) -> tuple[str, dict[int, dict[str, str]]]:
    """``mapping suggest`` then ``validate`` with no hand edit: the YAML and the report rows by sheet row."""
    out = tmp_path / f"{path.stem}.yaml"
    suggested = run_cli("mapping", "suggest", str(path), "--out", str(out), env=ENV)
    assert suggested.exit_code == 0, suggested.output
    report = tmp_path / f"{path.stem}.report.csv"
    checked = run_cli("validate", str(path), "--mapping", str(out), "--report", str(report), env=ENV)
    assert checked.exit_code in (0, 1), checked.output + checked.stderr
    return out.read_text(encoding="utf-8"), by_row(checked.report)


def test_the_owners_and_referrers_emails_are_never_the_leads(run_cli: Any, tmp_path: Path) -> None:
    """A Salesforce leads export names each lead's owner (the sales rep) and referrer by email, on every row; the
    lead's own Email is empty on some. Each lead goes with its own address or none, never its rep's."""
    owners = ["rep@acme.in", "sunil@acme.in", "kiran@acme.in"]
    people = [("Rahul", "Sharma", "9249000378"), ("Priya", "Nair", "6236042265"), ("Amit", "Verma", "8101905740"),
              ("Sneha", "Iyer", "9324902078"), ("Vikram", "Singh", "8278086998"), ("Anjali", "Gupta", "8410639063")]  # fmt: skip
    header = ["Lead ID", "Lead Owner", "Owner Email", "First Name", "Last Name", "Company", "Mobile", "Email",
              "Referrer Email", "Sales Rep Email", "Lead Source", "City"]  # fmt: skip
    rows = [
        [f"00Q5g00000AbC{i:02d}XYZ", "Admin", owners[i % 3], first, last, f"{last} Ltd", mobile,
         f"{first.lower()}@{last.lower()}ltd.in" if i % 2 == 0 else "", f"ref{i}@partner.in", owners[(i + 1) % 3],
         "Web", "Bengaluru"]
        for i, (first, last, mobile) in enumerate(people)
    ]  # fmt: skip
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "sf_leads.csv", [header, *rows]))
    emails = {row: report[row]["email"] for row in report}
    assert emails == {2: "rahul@sharmaltd.in", 3: "", 4: "amit@vermaltd.in", 5: "", 6: "vikram@singhltd.in", 7: ""}
    assert {report[row]["status"] for row in report} == {"valid"}
    assert "email: Email\n" in mapping


def test_the_seller_a_portal_enquiry_went_to_is_not_the_leads_phone(run_cli: Any, tmp_path: Path) -> None:
    """IndiaMART's export names the buyer (SENDER_*) and, on every row, which of the team's numbers the enquiry
    reached (RECEIVER_MOBILE). A buyer who left no mobile goes without one, not with the seller's number."""
    header = ["UNIQUE_QUERY_ID", "QUERY_TYPE", "QUERY_TIME", "SENDER_NAME", "SENDER_MOBILE", "SENDER_EMAIL",
              "SENDER_COMPANY", "SENDER_CITY", "QUERY_PRODUCT_NAME", "RECEIVER_MOBILE"]  # fmt: skip
    buyers = [("Rahul Sharma", "+91-9249000378", ""), ("Priya Nair", "", "priya.nair@yahoo.co.in"),
              ("Amit Verma", "+91-8101905740", ""), ("Sneha Iyer", "", "sneha.iyer@gmail.com"),
              ("Vikram Singh", "+91-8278086998", "vikram@singh.in"), ("Anjali Gupta", "+91-6410639063", "")]  # fmt: skip
    sellers = ["9811122233", "9811122244", "9811122255"]
    rows = [
        [str(2650000000 + i), "W", f"2026-12-0{i + 1} 11:20:33", name, mobile, email, "", "Pune", "MS Pipes",
         sellers[i % 3]]
        for i, (name, mobile, email) in enumerate(buyers)
    ]  # fmt: skip
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "indiamart.csv", [header, *rows]))
    phones = {row: report[row]["phone_e164"].strip('="') for row in report}
    assert phones == {2: "+919249000378", 3: "", 4: "+918101905740", 5: "", 6: "+918278086998", 7: "+916410639063"}
    assert {report[row]["status"] for row in report} == {"valid"}
    assert "phone: SENDER_MOBILE\n" in mapping


def test_the_country_a_visitors_ip_was_in_does_not_read_the_phone(run_cli: Any, tmp_path: Path) -> None:
    """HubSpot's IP Country is where the browser was (a VPN, a trip, an office proxy), not where the lead's phone
    is: an Indian mobile typed without +91 on a row whose IP was in the US is still a good Indian number."""
    people = [("Rahul", "Sharma", "9249000378", "india"), ("Priya", "Nair", "6236042265", "india"),
              ("Amit", "Verma", "8101905740", "united states"), ("Sneha", "Iyer", "9324902078", "india"),
              ("Vikram", "Singh", "8278086998", "singapore"), ("Anjali", "Gupta", "8410639063", "india"),
              ("Rohan", "Mehta", "7313555786", "india"), ("Kavya", "Reddy", "9845012345", "india"),
              ("Arjun", "Das", "9433012345", "india"), ("Pooja", "Joshi", "9822012345", "india"),
              ("Suresh", "Kumar", "9444012345", "india"), ("Meena", "Pillai", "9447012345", "india")]  # fmt: skip
    header = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "IP Country", "IP City", "Create Date"]
    rows = [
        [str(90001 + i), first, last, f"{first.lower()}{i}@gmail.com", mobile, ip, "Mumbai", "2026-12-01 10:00"]
        for i, (first, last, mobile, ip) in enumerate(people)
    ]
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "hubspot.csv", [header, *rows]))
    assert {row: report[row]["status"] for row in report} == dict.fromkeys(range(2, 14), "valid")
    assert [report[row]["phone_e164"].strip('="') for row in sorted(report)] == [f"+91{p[2]}" for p in people]
    assert "ip_country: IP Country" in mapping


def test_numbers_of_accounts_orders_and_policies_are_no_fallback_phone(run_cli: Any, tmp_path: Path) -> None:
    """A bank's, insurer's or shop's export numbers each lead's loan account, policy, invoice and order with ten
    digits that read as Indian mobiles. A lead whose Mobile is empty goes without a phone, not with one of those."""
    header = ["Customer Name", "Mobile", "Email", "Loan Account Number", "Policy No", "Invoice No", "Order Number",
              "Ticket Number", "Tracking Number", "Membership No", "Folio No", "Consumer No", "AWB",
              "Registration No", "Application Number", "Transaction No", "IMEI"]  # fmt: skip
    mobiles = ["", "6441949324", "6867887427", "", "8985565901", "9513998209", "", "8283299291"]
    rows = []
    for i, mobile in enumerate(mobiles):
        numbers = [str(9198338420 + 7919 * (i * len(header) + k)) for k in range(len(header) - 3)]
        rows.append([f"Person {chr(65 + i)} Kumar", mobile, f"p{i}@bank.co.in", *numbers])
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "loans.csv", [header, *rows]))
    assert [report[row]["phone_e164"].strip('="') for row in sorted(report)] == [
        f"+91{m}" if m else "" for m in mobiles
    ]
    assert {report[row]["status"] for row in report} == {"valid"}
    assert "phone: Mobile\n" in mapping


def test_who_was_assigned_created_or_changed_a_lead_is_not_its_email(run_cli: Any, tmp_path: Path) -> None:
    """CRM exports name, by their addresses, the staff a lead is assigned to and who created, changed or approved
    it, on every row; the lead's own Email is filled on some rows only. Each lead goes with its own address or
    none, never a colleague's."""
    staff = ["rep@acme.in", "sunil@acme.in", "kiran@acme.in"]
    header = ["Full Name", "Mobile", "Email", "Assigned To", "Created By", "Last Modified By", "Approved By",
              "Handled By", "Added By", "Account Manager", "Responsible"]  # fmt: skip
    rows = [
        [f"Person {chr(65 + i)} Kumar", f"98450{12340 + i}", f"p{i}@gmail.com" if i % 2 else "",
         *(staff[(i + k) % 3] for k in range(len(header) - 3))]
        for i in range(9)
    ]  # fmt: skip
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "crm.csv", [header, *rows]))
    assert [report[row]["email"] for row in sorted(report)] == [f"p{i}@gmail.com" if i % 2 else "" for i in range(9)]
    assert "email: Email\n" in mapping


def test_columns_named_for_something_else_are_no_fallback_phone(run_cli: Any, tmp_path: Path) -> None:
    """Google Ads leads copied to a sheet by an automation keep the ad's ids under Creative and Form (ten and eleven
    digits that read as Indian numbers). A lead whose Phone is empty goes with its email alone, not with an id."""
    header = ["Full name", "Phone", "Email", "Campaign", "Ad group", "Creative", "GCLID", "Form"]
    phones = ["", "9845012345", "9845023456", "", "9845034567", "9845045678", "", "9845056789", "9845067890", ""]
    rows = [
        [f"Person {chr(65 + i)} Kumar", phone, f"p{i}@firm.co.in", "21012345678", str(151234567 + 7 * i),
         str(6834567890 + 3 * i), f"EAIaIQob{i}", str(40000000000 + i % 2)]
        for i, phone in enumerate(phones)
    ]  # fmt: skip
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "gads.csv", [header, *rows]))
    assert [report[row]["phone_e164"].strip('="') for row in sorted(report)] == [f"+91{p}" if p else "" for p in phones]
    assert {report[row]["status"] for row in report} == {"valid"}
    assert "phone: Phone\n" in mapping


def test_an_ads_ids_are_no_phone_when_the_form_asked_for_none(run_cli: Any, tmp_path: Path) -> None:
    """A lead form that asked for name and email only: its export's Creative (ids given in sequence, ten digits)
    and Form (one id a few times over) columns read as Indian numbers, but no lead is sent with one as its phone."""
    header = ["Full name", "User email", "Campaign", "Ad group", "Creative", "Form", "Keyword"]
    rows = [
        [f"Person {chr(65 + i)} Kumar", f"p{i}@firm.co.in", "Search - Loans", "Home loans", str(6834567890 + 3 * i),
         str(9845000000 + i % 3), "home loan"]
        for i in range(10)
    ]  # fmt: skip
    mapping, report = _suggest_then_validate(run_cli, tmp_path, _write(tmp_path, "gads.csv", [header, *rows]))
    assert {report[row]["phone_e164"] for row in report} == {""}
    assert {report[row]["status"] for row in report} == {"valid"}
    assert "\n  phone:" not in mapping and "creative: Creative" in mapping
