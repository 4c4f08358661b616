"""The upload page chooses the country of numbers written without + for one file, as --region does: offered where
the check held numbers back as another country's (phone-sheet-country), whose advice was a command-line flag."""

from __future__ import annotations

import csv
import html as html_lib
import re
from pathlib import Path
from typing import Any

import importer
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN
from tests.test_web import Page, _columns_form
from tests.test_web_browser import _server, browser

__all__ = ["browser"]  # the module's Chromium, shared with test_web_browser

UK_MOBILES = ["07401506159", "07911123456", "07400123456", "07123456789", "07551234567", "07825555555"]
UK_EMAILS = ["ann@btinternet.co.uk", "bo@gmail.com", "cy@company.co.uk", "di@hotmail.com", "ed@x.co.uk", "fi@y.org"]


def british_sheet(path: Path) -> Path:
    """A partner's British leads, mobiles written as Britain writes them (each a valid Indian mobile too)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        rows = [[f"Lead {i}", p, e] for i, (p, e) in enumerate(zip(UK_MOBILES, UK_EMAILS, strict=True))]
        csv.writer(handle).writerows([["Name", "Phone", "Email"], *rows])
    return path


def test_the_review_offers_the_sheets_country_and_the_send_reads_the_numbers_in_it(tmp_path: Path) -> None:
    """India kept on the Columns page: the six British mobiles are held back, and the review asks which country's
    they are, naming both; choosing the United Kingdom checks every row again with it, and the CRM gets +44
    numbers. Choosing India instead sends them as Indian numbers, as --region IN does."""
    sheet = british_sheet(tmp_path / "partner leads.csv")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = page.upload(sheet)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
        page.wait(upload)
        shown = html_lib.unescape(page.get(f"/u/{upload.id}/review").text)
        assert "Which country's numbers are these?" in shown
        assert "6 phone numbers are valid as" in shown and "United Kingdom (GB)" in shown and "India (IN)" in shown
        assert 'name="region" value="GB"' in shown and 'name="region" value="IN"' in shown
        assert upload.review is not None and upload.review.to_send() == 0
        chosen = html_lib.unescape(page.post(f"/u/{upload.id}/region", {"region": "GB"}).text)
        page.wait(upload)
        again = html_lib.unescape(page.get(f"/u/{upload.id}/review").text)
        assert "read as numbers of United Kingdom (GB) for this file" in chosen + again  # said once
        assert "Which country's numbers are these?" not in again
        assert "read as numbers of United Kingdom (GB), as chosen on this page" in again
        assert upload.review is not None and upload.review.to_send() == 6
        page.post(f"/u/{upload.id}/send", {"sends": str(upload.sends)})
        page.wait(upload)
        stored = sorted(str(lead.get("phone")) for lead in sandbox.leads())
    assert stored == sorted("+44" + p[1:] for p in UK_MOBILES)


def test_choosing_the_country_read_in_sends_them_as_its_numbers(tmp_path: Path) -> None:
    """The other button: they are India's after all; every row is checked in India as chosen (none held back)."""
    page = Page(tmp_path)
    upload = page.upload(british_sheet(tmp_path / "leads.csv"))
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    page.post(f"/u/{upload.id}/region", {"region": "IN"})
    page.wait(upload)
    assert upload.review is not None and upload.review.to_send() == 6
    assert set(upload.review.rows["phone_e164"]) == {"+91" + p[1:] for p in UK_MOBILES}
    refused = html_lib.unescape(page.post(f"/u/{upload.id}/region", {"region": "XX"}).text)
    assert "'XX' is not a country code" in refused


def test_a_country_chosen_before_the_columns_sends_the_person_to_the_columns(tmp_path: Path) -> None:
    """A country posted from a stale tab of an upload whose columns were never chosen: the page says to choose
    the columns first and shows them (it used to call a real country code 'not a country code')."""
    page = Page(tmp_path)
    upload = page.upload(british_sheet(tmp_path / "leads.csv"))
    shown = html_lib.unescape(page.post(f"/u/{upload.id}/region", {"region": "GB"}).text)
    assert "Choose what the columns become first" in shown and "not a country code" not in shown
    assert "Match the columns" in shown and upload.review is None


def test_in_chromium_the_country_is_chosen_from_the_review(browser: Any, tmp_path: Path) -> None:
    """In a real browser, from the keyboard: the review's question is read out with its two buttons; Enter on 'They
    are numbers of United Kingdom (GB)' checks the rows again and the six leads are sent with +44 numbers."""
    sheet = british_sheet(tmp_path / "leads.csv")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_context().new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("button", name="Next: match the columns").last.click()
            page.get_by_label("Default country").select_option("IN")
            page.get_by_label("Process id").fill(PROCESS)
            page.get_by_role("button", name="Next: check every row").last.click()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for(timeout=60_000)
            question = page.get_by_role("form", name="Which country's numbers are these?")
            asked = " ".join(question.inner_text().split())
            button = question.get_by_role("button", name="They are numbers of United Kingdom (GB)")
            button.focus()
            page.keyboard.press("Enter")
            page.get_by_text("as chosen on this page").wait_for(timeout=60_000)
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name="Results for leads.csv").wait_for(timeout=60_000)
        finally:
            server.stop()
        stored = sorted(str(lead.get("phone")) for lead in sandbox.leads())
    assert "6 phone numbers are valid as written both in India (IN)" in asked
    assert stored == sorted("+44" + p[1:] for p in UK_MOBILES)
