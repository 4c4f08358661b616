"""A CRM export whose only phones and addresses are the owner's or the sales rep's: every door says which columns
it saw and why none is the lead's, instead of 'no phone or email column found'."""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

from tests.conftest import PROCESS, PROJECT
from tests.test_web import Page, _columns_form

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
HEADER = ["Lead Name", "Company", "Owner Email", "Owner Phone", "Sales Rep Mobile", "Lead Status", "Created Date"]
ROWS = [
    ["Ravi Kumar", "Acme Pvt Ltd", "sam@ourco.in", "9876501234", "9812300001", "New", "2026-01-02"],
    ["Priya Shah", "Beta Ltd", "sam@ourco.in", "9876501234", "9812300002", "Contacted", "2026-01-03"],
    ["Amit Jain", "Gamma Inc", "jo@ourco.in", "9876501235", "9812300003", "New", "2026-01-04"],
    ["Neha Gupta", "Delta Co", "jo@ourco.in", "9876501235", "9812300001", "New", "2026-01-05"],
    ["Karan Mehta", "Eps Ltd", "sam@ourco.in", "9876501234", "9812300002", "Lost", "2026-01-06"],
]
SAID = "'Owner Email', 'Owner Phone', 'Sales Rep Mobile': someone else's"


def _sheet(tmp_path: Path) -> Path:
    path = tmp_path / "owners.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *ROWS])
    return path


def test_suggest_names_the_owners_columns_it_did_not_use(run_cli: Any, tmp_path: Path) -> None:
    """`mapping suggest` (printed and written) names the columns it saw and why none is the lead's, and exits 2: the
    mapping cannot send a lead; validate refuses it rather than send anything under a rep's contact."""
    sheet = _sheet(tmp_path)
    printed = run_cli("mapping", "suggest", str(sheet), "--region", "IN", env=ENV)
    assert printed.exit_code == 2, printed.output
    assert "no phone or email column of the lead's found" in printed.output
    assert SAID in printed.output
    assert "\n  phone:" not in printed.output and "\n  email:" not in printed.output
    out = tmp_path / "m.yaml"
    written = run_cli("mapping", "suggest", str(sheet), "--region", "IN", "--out", str(out), env=ENV)
    assert written.exit_code == 2 and SAID in written.output
    checked = run_cli("validate", str(sheet), "-m", str(out), "--report", str(tmp_path / "r.csv"), env=ENV)
    assert checked.exit_code == 2 and "every lead needs a phone number or an email" in checked.stderr
    assert not (tmp_path / "r.csv").exists()


def test_the_upload_page_says_why_the_owners_columns_are_not_the_leads(tmp_path: Path) -> None:
    """The Columns step shows, beside each such column, that it is not the lead's phone or email and why; sending
    the form as shown says a phone or email column must be chosen."""
    page = Page(tmp_path)
    upload = page.upload(_sheet(tmp_path))
    shown = html.unescape(page.get(f"/u/{upload.id}/columns").text)
    for column in ("Owner Email", "Owner Phone", "Sales Rep Mobile"):
        row = shown[shown.index(f">{column} <") :]
        row = row[: row.index("</tr>")]
        assert "Not the lead's phone or email: someone else's (the record's owner, sales rep" in row
    answer = html.unescape(page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN")).text)
    assert "Choose the column with the phone number or the email address: every lead needs one." in answer
