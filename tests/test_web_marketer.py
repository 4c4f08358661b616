"""The upload page, second round of a marketer's journey: choices kept across sheet and header changes, the
encoding of a text file chosen on the page, placeholders shown as the report says, and files nobody looked at."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook

from tests.sandbox_util import good_phones
from tests.test_web import Page, _columns_form
from tests.web_fixtures import two_sheet_workbook


def _selected(html: str) -> dict[str, str]:
    """Each select of the columns page (col0, col1, ..., region) and the value it shows chosen."""
    chosen = {}
    for name, body in re.findall(r'<select id="(col\d+|region)" name="\1"[^>]*>(.*?)</select>', html, re.S):
        found = re.search(r'<option value="([^"]*)" selected>', body)
        chosen[name] = found.group(1) if found else ""
    return chosen


def _by_header(html: str) -> dict[str, str]:
    """The columns page's choice per column header."""
    headers = dict(re.findall(r'<label class="visually-hidden" for="(col\d+)">What column (.*?) becomes</label>', html))
    return {headers[name]: value for name, value in _selected(html).items() if name in headers}


def _notes_and_leads(path: Path) -> Path:
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    for line in ("Campaign notes", "Budget was raised in week 2", "Ask Priya for details"):
        notes.append([line])
    leads = workbook.create_sheet("Leads")
    leads.append(["Full Name", "Mobile", "Email", "City"])
    for i, phone in enumerate(good_phones(4, seed=81)):
        leads.append([f"Lead {i}", phone, f"lead{i}@example.com", "Pune"])
    workbook.save(path)
    return path


def test_a_sheet_change_that_fails_keeps_the_columns_chosen_and_the_check(tmp_path: Path) -> None:
    """The person matched the columns (email left out, city kept as extra information, the UK as the country) and
    checked the rows, then tried the notes sheet, which cannot be read as leads: the Columns page still shows
    their choices and the check is still there (both were dropped, and the page offered the suggestion again)."""
    page = Page(tmp_path)
    upload = page.upload(_notes_and_leads(tmp_path / "campaign.xlsx"))
    assert upload.sheet == "Leads"
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, col2="", col3="metadata", region="GB"))
    page.wait(upload)
    assert upload.review is not None
    page.post(f"/u/{upload.id}/sheet", {"sheet": "Notes"})
    assert upload.task is not None and upload.task.wait(60)
    assert "no header row found" in page.get(f"/u/{upload.id}/sheet").text
    columns = page.get(f"/u/{upload.id}/columns").text
    assert _by_header(columns) == {"Full Name": "name", "Mobile": "phone", "Email": "", "City": "metadata"}
    assert _selected(columns)["region"] == "GB"
    review = page.get(f"/u/{upload.id}/review")
    assert "Review: what would happen to each row" in review.text


def test_a_header_row_change_that_fails_keeps_the_columns_chosen(tmp_path: Path) -> None:
    """A header row below the one found that cannot be the header (a blank row between two batches of leads) is
    refused, and the columns chosen for the header found stay chosen."""
    phones = good_phones(4, seed=82)
    rows = [f"Lead {i},{p},lead{i}@example.com,Pune\n" for i, p in enumerate(phones)]
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email,City\n" + rows[0] + "\n" + "".join(rows[1:]), encoding="utf-8")
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, col2="", region="GB"))
    page.wait(upload)
    page.post(f"/u/{upload.id}/sheet", {"header_row": "3"})
    assert upload.task is not None and upload.task.wait(60)
    said = page.get(f"/u/{upload.id}/sheet").text
    assert "row 3 holds no column names (it is blank)" in said and "The header row stays row 1." in said
    columns = page.get(f"/u/{upload.id}/columns").text
    assert _by_header(columns)["Email"] == "" and _selected(columns)["region"] == "GB"
    assert upload.review is not None


def test_another_sheet_keeps_the_choices_of_the_columns_it_has_too(tmp_path: Path) -> None:
    """Choosing another sheet with the same columns keeps what the person chose for them (a column left out
    stays left out, the country stays); its other columns get the suggestion."""
    path, _ = two_sheet_workbook(tmp_path / "dealer.xlsx")
    page = Page(tmp_path)
    upload = page.upload(path)
    assert upload.sheet == "March"
    form = _columns_form(page, upload, region="GB")
    headers = _by_header(page.get(f"/u/{upload.id}/columns").text)
    assert headers["City"] == "metadata" and headers["Email ID"] == "email"
    form.update(col2="", col3="")  # Email ID and City left out
    page.post(f"/u/{upload.id}/columns", form)
    page.wait(upload)
    page.post(f"/u/{upload.id}/sheet", {"sheet": "April"})
    assert upload.task is not None and upload.task.wait(60)
    assert upload.sheet == "April"
    columns = page.get(f"/u/{upload.id}/columns").text
    assert _by_header(columns) == {"Customer Name": "name", "Mobile No.": "phone", "Email ID": "", "City": ""}
    assert _selected(columns)["region"] == "GB"
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
    page.wait(upload)
    assert upload.review is not None and sorted(upload.review.field_columns) == ["name", "phone"]
