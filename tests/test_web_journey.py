"""The upload page as a marketing person meets it, in Debian's headless Chromium (Playwright) and over HTTP:
an impatient double-click on Send, a second tab, what the counts and codes mean."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

import importer
from importer.web import jobs
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.test_web import Page, _columns_form
from tests.test_web_browser import _server, browser
from tests.web_fixtures import two_sheet_workbook

__all__ = ["browser"]  # the module's Chromium, shared with test_web_browser


def _leads(path: Path, n: int, seed: int) -> list[str]:
    phones = good_phones(n, seed=seed)
    path.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    return phones


def _ledger_runs(path: Path) -> int:
    ledger = importer.Ledger(path)
    try:
        return len(list(ledger.runs(limit=50)))
    finally:
        ledger.close()


def test_a_double_click_on_send_sends_once_and_shows_the_leads_accepted(browser: Any, tmp_path: Path) -> None:
    """A double-click on "Send the valid leads" (or a click in a second tab showing the review from before)
    starts one send: the results say the leads were accepted, not "already-imported" by a second send that
    replaced the first one's results and reports."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 5, seed=61)
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("button", name="Next: match the columns").click()
            page.get_by_label("Process id").fill(PROCESS)
            page.get_by_role("button", name="Next: check every row").click()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for()
            second_tab = context.new_page()  # the same review, open in another tab
            second_tab.goto(page.url)
            page.get_by_role("button", name="Send the valid leads to the CRM").dblclick()
            page.get_by_role("heading", name="Results for leads.csv").wait_for(timeout=60_000)
            second_tab.get_by_role("button", name="Send the valid leads to the CRM").click()
            second_tab.get_by_role("heading", name="Results for leads.csv").wait_for(timeout=60_000)
            page.reload()
            counts = {
                row.locator("th").inner_text(): row.locator("td").first.inner_text()
                for row in page.locator("table.counts tbody tr").all()
            }
            context.close()
        finally:
            server.stop()
        assert len(sandbox.leads()) == 5
    assert counts == {"accepted": "5"}
    assert _ledger_runs(tmp_path / "ledger.sqlite3") == 1


def test_a_send_button_from_before_the_last_send_starts_none_but_resume_does(tmp_path: Path) -> None:
    """Over HTTP: two posts of the review's send form (the number of sends it saw: 0) make one run; the
    results page's own button (it saw 1) sends again, as "Try again" and "Resume" must."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 4, seed=62)
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = page.upload(sheet)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
        page.wait(upload)
        review = page.get(f"/u/{upload.id}/review").text
        assert 'name="sends" value="0"' in review
        page.post(f"/u/{upload.id}/send", {"sends": "0"})
        page.wait(upload)
        first = upload.send
        again = page.post(f"/u/{upload.id}/send", {"sends": "0"})
        assert upload.send is first and "Results for leads.csv" in again.text
        assert ">accepted</th><td>4</td><td>the CRM created the lead<" in again.text
        page.post(f"/u/{upload.id}/send", {"sends": "1"})
        page.wait(upload)
        assert upload.send is not first
        assert len(sandbox.leads()) == 4
    assert _ledger_runs(tmp_path / "ledger.sqlite3") == 2


def _many_bad_phones(path: Path) -> dict[str, int]:
    """Leads where many phones are wrong: too short, one digit repeated (and no email), a placeholder email on one."""
    phones = good_phones(6, seed=63)
    lines = ["Name,Phone,Email"]
    for i in range(30):
        phone = ("98765", "9999999999", phones[i % 6])[i % 3]
        email = "" if i % 3 == 1 else f"lead{i}@example.com"  # a made-up number beside an email is left out
        lines.append(f"Lead {i},{phone},{email}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"invalid-phone": 10, "repeated-digits": 10}


def test_the_review_says_what_each_count_and_problem_means_in_words(tmp_path: Path) -> None:
    """Rows held back are explained by the catalogue's plain title, how many rows, what happens to them and
    what to type (the country's example number), not by a bare code; each status counted says what it means;
    a problem's name shows only its rows."""
    sheet = tmp_path / "phones.csv"
    expected = _many_bad_phones(sheet)
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    html = page.get(f"/u/{upload.id}/review").text
    problems = re.search(r'<table class="list issues">(.*?)</table>', html, re.S)
    assert problems is not None, "the review lists no problems"
    rows = re.findall(r"<tr class=\"sev-(\w+)\"><th scope=\"row\"><a href=\"([^\"]+)\"[^>]*>([^<]+)</a>"
                      r" <span class=\"muted code\">([^<]+)</span></th>\s*<td>(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>",
                      problems.group(1))  # fmt: skip
    found = {
        code: (severity, title, int(n), happens, fix, link) for severity, link, title, code, n, happens, fix in rows
    }
    assert {code: found[code][2] for code in expected} == expected
    severity, title, _, happens, fix, link = found["invalid-phone"]
    assert (severity, title, happens) == ("error", "Phone number is not valid", "held back, not sent")
    assert "+91" in fix and "{" not in fix
    assert found["repeated-digits"][1] == "Phone number is one digit repeated, e.g. 9999999999"
    assert "<dt>invalid</dt><dd>held back, not sent" in html and "<dt>valid</dt><dd>would be sent" in html
    assert "<dt>duplicate</dt><dd>the same lead" in html
    shown = page.get(f"/u/{upload.id}/review{link.replace('&amp;', '&')}").text
    assert "Rows (: Phone number is not valid): 10" not in shown
    assert re.search(r"Rows \(Phone number is not valid\): 10<", shown), shown
    assert len(re.findall(r'<tr id="row-\d+" class="st-invalid', shown)) == 10
    assert "<strong>Phone number is not valid</strong>" in shown


def test_a_file_that_is_no_spreadsheet_is_named_as_the_person_named_it(tmp_path: Path) -> None:
    """A PDF (or an empty file) dropped on the page: the message names the file as it was on the person's
    computer, never the server's upload folder; the page offers another upload, not a way back to the same error."""
    page = Page(tmp_path)
    for name, data, words in (
        ("Q3 leads (März)#1.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n", "this is a PDF document"),
        ("empty.csv", b"", "the file is empty"),
    ):
        response = page.post("/upload", files={"file": (name, data)}, follow_redirects=False)
        assert response.status_code == 303
        upload = page.state.uploads.all()[0]
        assert upload.task is not None and upload.task.wait(60)
        html = page.get(f"/u/{upload.id}/sheet").text
        shown = re.sub(r"<[^>]+>", "", html)
        assert f"{name}: {words}" in shown.replace("&#39;", "'"), shown
        assert str(page.state.uploads.root) not in html and upload.id + "/" not in shown
        assert f'href="/u/{upload.id}/sheet"' not in html


def _stopped_send(tmp_path: Path, sheet: Path, *, token: str = TOKEN, process: str = PROCESS, base: str = "") -> str:
    """The results page of a send that the CRM (or its absence) stopped."""
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=base or sandbox.base_url)
        page.state.settings = dataclasses.replace(page.state.settings, token=token)
        upload = page.upload(sheet)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, process_id=process))
        page.wait(upload)
        page.post(f"/u/{upload.id}/send", {"sends": "0"})
        page.wait(upload)
        html: str = page.get(f"/u/{upload.id}/send").text
        assert not sandbox.leads()
    assert token not in "".join(page.responses)
    return html


def _words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_stopped_send_says_what_to_do_on_this_page(tmp_path: Path) -> None:
    """What the results page offers after the CRM stopped the send fits the cause: a refused API key cannot be
    fixed from the page (no Resume that fails again; who can fix it, and how); a wrong process id is corrected on
    the Columns page; a CRM that cannot be reached is resumed once it answers. Never "run the same command"."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 3, seed=64)
    refused = _stopped_send(tmp_path / "key", sheet, token="wrong-key-0123456789abcdef")
    assert ">Resume</button>" not in refused and "run the same command" not in _words(refused)
    assert "whoever started leadimport serve" in _words(refused)
    wrong_process = _stopped_send(tmp_path / "process", sheet, process="64f0c0ffee0000000000dead")
    assert ">Resume</button>" not in wrong_process and "run the same command" not in _words(wrong_process)
    assert re.search(r'Correct the process id on the <a href="/u/[^"]+/columns">Columns</a> page', wrong_process)
    down = _stopped_send(tmp_path / "down", sheet, base="http://127.0.0.1:9/api/v1")
    assert ">Resume</button>" in down and "run the same command" not in _words(down)
    assert "When the CRM answers again, press Resume" in _words(down)
    assert "Rows still pending need no correction" in _words(down)  # the rows to fix hold them, with nothing wrong


def test_a_problem_after_a_form_is_sent_takes_the_focus(browser: Any, tmp_path: Path) -> None:
    """Keyboard and screen reader users: when a form comes back with a problem (no name column chosen), the
    focus is on the problem's message, so it is read out and the next Tab goes on from it, instead of staying at
    the top of a page that looks unchanged."""
    sheet = tmp_path / "unlabelled.csv"
    phones = good_phones(3, seed=65)
    sheet.write_text("A,B,C\n" + "".join(f"x{i},{p},foo{i}\n" for i, p in enumerate(phones)), encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_context().new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("button", name="Next: match the columns").click()
            page.get_by_label("Default country").select_option("IN")
            page.get_by_label("Process id").fill(PROCESS)
            page.get_by_label("Process id").press("Enter")  # the keyboard's way to send the form
            page.get_by_role("alert").wait_for()
            focused = page.evaluate(
                "() => { const e = document.activeElement; return [e.getAttribute('role'), e.innerText]; }"
            )
            assert focused[0] == "alert" and "Choose the column with the lead's name" in focused[1]
            page.keyboard.press("Tab")
            assert page.evaluate("document.activeElement.tagName") != "BODY"
        finally:
            server.stop()


def test_enter_in_a_field_of_the_columns_form_goes_on_to_the_check(browser: Any, tmp_path: Path) -> None:
    """Enter in the process id field (a keyboard user's way to send the form) checks the rows, as the form's
    main button does: it does not save a mapping the person never asked for (the first button in the form)."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 3, seed=66)
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_context().new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("button", name="Next: match the columns").click()
            page.get_by_label("Default country").select_option("IN")
            page.get_by_label("Process id").fill(PROCESS)
            with page.expect_navigation():
                page.get_by_label("Process id").press("Enter")
            page.get_by_role("heading", name=re.compile("^Review|^Match")).wait_for()
            heading = page.get_by_role("heading", level=1).inner_text()
        finally:
            server.stop()
    assert heading.startswith("Review")
    assert not list((tmp_path / "mappings").glob("*.yaml"))


def test_every_country_offered_has_its_name(tmp_path: Path) -> None:
    """The default-country list names every country it offers; none is a bare code (Ascension Island, Tristan da
    Cunha and Kosovo came first as "AC", "TA" and "XK", before Afghanistan)."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 3, seed=67)
    page = Page(tmp_path)
    upload = page.upload(sheet)
    html = page.get(f"/u/{upload.id}/columns").text
    select = re.search(r'<select id="region"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    offered = dict(re.findall(r'<option value="([A-Z]{2})"[^>]*>([^<]+)</option>', select.group(1)))
    assert len(offered) > 200
    assert [code for code, name in offered.items() if name.strip() == code] == []
    assert offered["AC"] == "Ascension Island (AC)" and offered["XK"] == "Kosovo (XK)"


def test_progress_counts_say_what_they_count(tmp_path: Path) -> None:
    """While a big file is read, the progress says megabytes ("0.0 of 2.1 MB"), not "0 of 2127797" (bytes a
    person takes for two million rows); while it is checked, rows; while it is sent, leads."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 3, seed=68)
    page = Page(tmp_path)
    upload = page.upload(sheet)
    task = jobs.Task("inspect", "Reading leads.csv")  # a read under way, as the page sees it while it runs
    upload.task = task
    for stage, done, total, words in (
        ("reading", 0, 2_127_797, "0.0 of 2.1 MB"),
        ("validating", 20_000, 50_000, "20,000 of 50,000 rows"),
        ("sending", 13_489, 49_999, "13,489 of 49,999 leads"),
    ):
        task.progress(stage, done, total)
        status = page.get(f"/u/{upload.id}/status/task").json()
        assert status["count"] == words
        shown = page.get(f"/u/{upload.id}/sheet").text
        assert f'<span class="count">{words}</span>' in shown, shown
    task.progress("reading", 0, None)
    assert page.get(f"/u/{upload.id}/status/task").json()["count"] == ""


def test_choosing_a_sheet_without_column_names_says_so(tmp_path: Path) -> None:
    """A workbook of notes, a pivot and the leads: choosing the notes sheet (no header row) keeps the leads sheet
    and says why, instead of coming back to the page as it was, the choice silently dropped."""
    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    for line in ("Campaign notes", "Budget was raised in week 2", "Ask Priya for details"):
        notes.append([line])
    pivot = workbook.create_sheet("Pivot")
    pivot.append(["City", "Count"])
    pivot.append(["Pune", 12])
    leads = workbook.create_sheet("Leads")
    leads.append(["Full Name", "Mobile", "Email"])
    for i, phone in enumerate(good_phones(4, seed=69)):
        leads.append([f"Lead {i}", phone, f"lead{i}@example.com"])
    path = tmp_path / "campaign.xlsx"
    workbook.save(path)
    page = Page(tmp_path)
    upload = page.upload(path)
    assert upload.sheet == "Leads"
    page.post(f"/u/{upload.id}/sheet", {"sheet": "Notes"})
    assert upload.task is not None and upload.task.wait(60)
    html = page.get(f"/u/{upload.id}/sheet").text
    message = re.search(r'<span class="error-text">(.*?)</span>', html, re.S)
    assert message is not None, "the page says nothing about the sheet chosen"
    assert "no header row found in the first 50 rows of sheet &#39;Notes&#39;" in message.group(1)
    assert "Leads" in message.group(1) and str(tmp_path) not in message.group(1)
    assert re.search(r'value="Leads" checked', html) and upload.sheet == "Leads"


def test_the_check_can_be_downloaded_as_a_report_before_anything_is_sent(tmp_path: Path) -> None:
    """A person who only checks a file (no CRM ids, or to send the problems back to whoever made it) downloads
    the review as the Excel report, edits and exclusions recorded, and the rows to fix; nothing is sent."""
    path, phones = two_sheet_workbook(tmp_path / "dealer.xlsx")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = page.upload(path)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, project_id="", process_id=""))
        page.wait(upload)
        page.post(f"/u/{upload.id}/rows/8/cell", {"column": "Mobile No.", "value": phones["fixed"][0]})
        page.post(f"/u/{upload.id}/rows/7/exclude", {"exclude": "1"})
        review = page.get(f"/u/{upload.id}/review").text
        assert f'href="/u/{upload.id}/check/xlsx"' in review and f'href="/u/{upload.id}/check/fix"' in review
        xlsx = page.client.get(f"/u/{upload.id}/check/xlsx")
        fix = page.client.get(f"/u/{upload.id}/check/fix")
        assert not sandbox.leads()
    assert xlsx.status_code == 200 and fix.status_code == 200
    assert "dealer" in xlsx.headers["content-disposition"]
    (tmp_path / "check.xlsx").write_bytes(xlsx.content)
    rows = list(load_workbook(tmp_path / "check.xlsx", read_only=True)["Rows"].iter_rows(values_only=True))
    header = list(rows[0])
    by_row = {r[header.index("sheet_row")]: dict(zip(header, r, strict=False)) for r in rows[1:]}
    assert {n: by_row[n]["status"] for n in by_row} == {
        5: "valid", 6: "valid", 7: "skipped", 8: "valid", 9: "duplicate", 10: "invalid"
    }  # fmt: skip
    assert by_row[7]["reason"] == "excluded" and "edited-on-page" in str(by_row[8]["warnings"])
    assert str(by_row[8][header[header.index("Mobile No.")]]).endswith(phones["fixed"][0][-6:])
    (tmp_path / "fix.xlsx").write_bytes(fix.content)
    to_fix = list(load_workbook(tmp_path / "fix.xlsx", read_only=True).active.iter_rows(values_only=True))
    assert len(to_fix) == 2 and "name" in str(to_fix[1][-1]).lower()  # row 10: the lead with no name


def test_a_header_row_below_the_one_found_can_be_chosen(tmp_path: Path) -> None:
    """A file with two lines about the campaign above its column names: the tool takes the first line for the
    header; the person sets the header row to 3 and gets the real columns and every lead (the page refused any
    row below the one it had found: "must be a row number from 1 to 1")."""
    phones = good_phones(5, seed=70)
    sheet = tmp_path / "campaign.csv"
    sheet.write_text(
        "Campaign,Source,Owner,Notes\nDiwali,Facebook,Priya,First batch\nName,Phone,Email,City\n"
        + "".join(f"Lead {i},{p},lead{i}@example.com,Pune\n" for i, p in enumerate(phones)),
        encoding="utf-8",
    )
    page = Page(tmp_path)
    upload = page.upload(sheet)
    html = page.get(f"/u/{upload.id}/sheet").text
    assert re.search(r'id="header_row"[^>]*max="(\d+)"', html).group(1) != "1"  # type: ignore[union-attr]
    page.post(f"/u/{upload.id}/sheet", {"header_row": "3"})
    assert upload.task is not None and upload.task.wait(60)
    shown = page.get(f"/u/{upload.id}/sheet").text
    assert "The column names are on row <strong>3</strong>" in shown and "5 data rows" in shown
    page.post(f"/u/{upload.id}/sheet", {"header_row": "3"})
    columns = page.get(f"/u/{upload.id}/columns").text
    assert "What column Phone becomes" in columns and "What column Campaign becomes" not in columns
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    review = upload.review
    assert review is not None
    assert review.status_counts() == {"valid": 5}
    assert review.rows["sheet_row"].tolist() == [4, 5, 6, 7, 8]


def test_the_mapping_name_offered_for_any_file_name_can_be_saved(tmp_path: Path) -> None:
    """The Save mapping field offers the file's name: for "दिवाली लीड्स (1).csv" (a Hindi name, a browser's
    "(1)" for a second download) that name is saved as it is offered, not refused as "no letters"."""
    page = Page(tmp_path)
    for name in ("दिवाली लीड्स (1).csv", "Müller Kunden #3.csv"):
        sheet = tmp_path / "upload.csv"
        _leads(sheet, 3, seed=71)
        response = page.post("/upload", files={"file": (name, sheet.read_bytes())}, follow_redirects=False)
        assert response.status_code == 303
        upload = page.state.uploads.all()[0]
        assert upload.task is not None and upload.task.wait(60)
        html = page.get(f"/u/{upload.id}/columns").text
        offered = re.search(r'id="mapping_name" name="mapping_name" value="([^"]*)"', html)
        assert offered is not None
        saved = page.post(
            f"/u/{upload.id}/columns",
            _columns_form(page, upload, region="IN", action="save", mapping_name=offered.group(1)),
        )
        assert "cannot be a mapping name" not in saved.text
        assert list(page.settings.mappings_dir.glob(f"{offered.group(1)}.yaml")), offered.group(1)
    assert {p.stem for p in page.settings.mappings_dir.glob("*.yaml")} >= {"दिवाली लीड्स (1)"}


def test_several_files_dropped_at_once_are_refused_with_a_message(browser: Any, tmp_path: Path) -> None:
    """Three files dragged onto the box together: the page says one file at a time and uploads none, instead of
    taking the first one silently (the person believes all three are in)."""
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_context().new_page()
            posts: list[str] = []
            page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
            page.goto(server.login_url())
            dropped = page.evaluate_handle(
                """() => { const d = new DataTransfer();
                    for (const n of ['march.csv', 'april.csv', 'may.csv'])
                        d.items.add(new File(['Name,Phone\\nAsha,9876543210\\n'], n, {type: 'text/csv'}));
                    return d; }"""
            )
            page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
            alert = page.get_by_role("alert")
            alert.wait_for()
            text = alert.inner_text()
            uploads = len(server.state.uploads.all())
        finally:
            server.stop()
    assert "one file at a time" in text.lower() and "3" in text
    assert uploads == 0 and not [url for url in posts if url.endswith("/upload")]


def test_a_saved_mapping_picked_by_itself_can_be_set_aside_for_the_suggestion(tmp_path: Path) -> None:
    """A mapping saved for files like this one is used by itself; when it is wrong for this file (saved with the
    email column left out), the page offers the tool's own suggestion instead, which maps the email again."""
    sheet = tmp_path / "leads.csv"
    phones = good_phones(3, seed=72)
    sheet.write_text(
        "Name,Phone,Email\n" + "".join(f"Lead {i},{p},lead{i}@example.com\n" for i, p in enumerate(phones)),
        encoding="utf-8",
    )
    page = Page(tmp_path)
    first = page.upload(sheet)
    page.post(
        f"/u/{first.id}/columns",
        _columns_form(page, first, region="IN", col2="", action="save", mapping_name="no email"),
    )
    assert (page.settings.mappings_dir / "no email.yaml").exists()
    second = page.upload(sheet)
    html = page.get(f"/u/{second.id}/columns").text
    assert "Using the saved mapping <strong>no email.yaml</strong>" in html
    assert re.search(r'<select id="col2"[^>]*>\s*<option value="" selected>', html)
    link = re.search(r'<a href="([^"]+)">Use the suggestion instead</a>', html)
    assert link is not None, "no way back to the suggestion"
    suggested = page.get(link.group(1).replace("&amp;", "&")).text
    assert "Using the saved mapping" not in suggested
    assert re.search(r'<select id="col2"[^>]*>.*?<option value="email" selected>', suggested, re.S)
    form = {"region": "IN", "project_id": PROJECT, "process_id": PROCESS, "action": "review"}
    for name, body in re.findall(r'<select id="(col\d+)" name="\1"[^>]*>(.*?)</select>', suggested, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        form[name] = chosen.group(1) if chosen else ""
    page.post(f"/u/{second.id}/columns", form)  # the suggestion's page, sent as the browser sends it
    page.wait(second)
    assert second.review is not None and second.review.field_columns.get("email") == "Email"


def test_with_no_lead_to_send_the_send_button_says_why_and_sends_nothing(tmp_path: Path) -> None:
    """Every row held back (all phones too short): the review says there is no lead to send and its Send button
    is off; a send posted all the same starts no run ("Finished" over nothing, and an empty run in the history)."""
    sheet = tmp_path / "short.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Lead {i},98765{i}\n" for i in range(4)), encoding="utf-8")
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN", col0="name", col1="phone"))
    page.wait(upload)
    html = page.get(f"/u/{upload.id}/review").text
    assert "No row can be sent yet" in _words(html)
    assert re.search(r"<button type=\"submit\" disabled>Send the valid leads to the CRM</button>", html)
    page.post(f"/u/{upload.id}/send", {"sends": "0"})
    assert upload.send is None and not (tmp_path / "ledger.sqlite3").exists()


def test_a_file_sent_already_says_nothing_is_left_to_send(tmp_path: Path) -> None:
    """The same file uploaded again after its send: every lead is already imported, and the review says nothing
    is left to send (not that the rows need correcting)."""
    sheet = tmp_path / "leads.csv"
    _leads(sheet, 3, seed=73)
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        first = page.upload(sheet)
        page.post(f"/u/{first.id}/columns", _columns_form(page, first, region="IN"))
        page.wait(first)
        page.post(f"/u/{first.id}/send", {"sends": "0"})
        page.wait(first)
        again = page.upload(sheet)
        page.post(f"/u/{again.id}/columns", _columns_form(page, again, region="IN"))
        page.wait(again)
        html = page.get(f"/u/{again.id}/review").text
        assert len(sandbox.leads()) == 3
    assert "Nothing is left to send: 3 leads of this file are in the CRM already." in _words(html)
    assert "No row can be sent yet" not in _words(html)


def test_a_cell_checked_again_says_how_the_row_came_out(tmp_path: Path) -> None:
    """After "Check again" the page says, in a status message a screen reader reads, whether the row is now
    valid or still held back and why; the message is said once, not on every later page."""
    path, phones = two_sheet_workbook(tmp_path / "dealer.xlsx")
    page = Page(tmp_path)
    upload = page.upload(path)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    still = page.post(f"/u/{upload.id}/rows/8/cell", {"column": "Mobile No.", "value": "98123"}).text
    said = re.search(r'<p role="status" class="notice">(.*?)</p>', still, re.S)
    assert said is not None and "Row 8 checked again: still invalid" in said.group(1)
    assert "Phone number is not valid" in said.group(1)
    fixed = page.post(f"/u/{upload.id}/rows/8/cell", {"column": "Mobile No.", "value": phones["fixed"][0]}).text
    assert "Row 8 checked again: valid" in fixed
    assert 'class="notice"' not in page.get(f"/u/{upload.id}/review").text
