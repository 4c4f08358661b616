"""The upload page, second round of a marketer's journey: choices kept across sheet and header changes, the
encoding of a text file chosen on the page, placeholders shown as the report says, and files nobody looked at."""

from __future__ import annotations

import csv
import html as html_lib
import io
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


def _cyrillic_sheet(path: Path) -> list[str]:
    """A mostly English sheet with one Russian name, saved in Windows' Cyrillic code page: too few Cyrillic letters
    for the reader to tell cp1251 from cp1252, so Олег reads as Îëåã."""
    phones = good_phones(3, seed=83)
    names = ["Олег", "John Smith", "Priya Shah"]
    lines = ["Name,Phone,Email"] + [
        f"{n},{p},lead{i}@example.com" for i, (n, p) in enumerate(zip(names, phones, strict=True))
    ]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))
    return phones


def _encoding_offer(html: str) -> tuple[dict[str, str], str]:
    """The sheet page's encoding choice: each option's value and text, and the value shown chosen."""
    select = re.search(r'<select id="encoding" name="encoding"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None, "the sheet page offers no encoding"
    options = dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))
    chosen = re.search(r'<option value="([^"]*)" selected>', select.group(1))
    return options, chosen.group(1) if chosen else ""


def test_a_text_file_read_in_the_wrong_encoding_can_be_read_again_in_the_right_one(tmp_path: Path) -> None:
    """A cp1251 file whose one Russian name reads as Îëåã: the sheet page says how the file was read and offers the
    encodings the command line reads; cp1251 chosen, the page shows Олег, and the check and the CRM get Олег."""
    import importer
    from tests.conftest import PROCESS, PROJECT
    from tests.sandbox_util import TOKEN

    sheet = tmp_path / "webinar.csv"
    _cyrillic_sheet(sheet)
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = page.upload(sheet)
        html = page.get(f"/u/{upload.id}/sheet").text
        options, chosen = _encoding_offer(html)
        assert chosen == "" and "cp1252" in options[""]  # detected, and said which
        assert {"utf-8", "utf-16", "cp1252", "cp1250", "cp1251", "mac_roman", "cp932", "gb18030"} <= options.keys()
        assert "Cyrillic" in options["cp1251"]
        assert "Îëåã" in html and "Олег" not in html
        again = page.post(f"/u/{upload.id}/sheet", {"encoding": "cp1251", "header_row": "1"})
        assert upload.task is not None and upload.task.wait(60)
        html = page.get(f"/u/{upload.id}/sheet").text
        assert _encoding_offer(html)[1] == "cp1251"
        assert "Олег" in html and "Îëåã" not in html, again.text
        assert "<code>encoding: cp1251</code>" in page.get(f"/u/{upload.id}/columns").text  # a saved mapping keeps it
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
        page.wait(upload)
        assert upload.review is not None and "Олег" in upload.review.cells["Name"].tolist()
        page.post(f"/u/{upload.id}/send", {"sends": "0"})
        page.wait(upload)
        stored = sorted(str(lead.get("name") or lead.get("firstName")) for lead in sandbox.leads())
    assert stored == ["John Smith", "Priya Shah", "Олег"]


def test_an_encoding_that_cannot_read_the_file_is_refused_and_the_one_before_stays(tmp_path: Path) -> None:
    """UTF-8 chosen for a cp1251 file: the page says the file cannot be read so, where, and that it stays read as
    before; the names shown are those read before."""
    sheet = tmp_path / "webinar.csv"
    _cyrillic_sheet(sheet)
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/sheet", {"encoding": "cp1251"})
    assert upload.task is not None and upload.task.wait(60)
    page.post(f"/u/{upload.id}/sheet", {"encoding": "utf-8"})
    assert upload.task is not None and upload.task.wait(60)
    html = page.get(f"/u/{upload.id}/sheet").text
    message = re.search(r'<span class="error-text">(.*?)</span>', html, re.S)
    assert message is not None, "the page says nothing of the encoding refused"
    assert "cannot be decoded as utf-8" in message.group(1) and "stays read as cp1251" in message.group(1)
    assert "webinar.csv" in message.group(1) and str(tmp_path) not in message.group(1)
    assert _encoding_offer(html)[1] == "cp1251" and "Олег" in html


def test_a_workbook_offers_no_encoding(tmp_path: Path) -> None:
    """A workbook keeps its own characters: the sheet page offers no encoding for it."""
    path, _ = two_sheet_workbook(tmp_path / "dealer.xlsx")
    page = Page(tmp_path)
    upload = page.upload(path)
    assert 'id="encoding"' not in page.get(f"/u/{upload.id}/sheet").text


def test_the_encodings_offered_are_every_one_the_reader_tells_apart() -> None:
    """Every code page the reader detects by itself can be chosen on the page too (a new one added to the reader
    and left off the page would leave a file misread in it with no way to read it right), and each is a codec
    the command line's --encoding takes."""
    import codecs

    from importer.read.latin_codepage import CODE_PAGES as LATIN
    from importer.read.script_codepage import CODE_PAGES as SCRIPTS
    from importer.web.charsets import ENCODINGS, encoding_label

    assert {*LATIN, *SCRIPTS, "utf-8", "utf-16", "cp1252", "mac_roman"} <= ENCODINGS.keys()
    for name in ENCODINGS:
        assert "a".encode(name).decode(name) == "a" and codecs.lookup(name)
    assert encoding_label("windows-1251") == "Cyrillic, Windows-1251 (cp1251)"
    assert encoding_label("utf-8 (2 bytes read as cp1252)") == "Unicode, UTF-8 (utf-8; 2 bytes read as cp1252)"


def test_the_review_shows_each_row_as_the_report_says_placeholders_included(tmp_path: Path) -> None:
    """A phone of n/a, NA, -, none or #N/A beside a good email: the review shows the row valid with no problem, as
    the report says (no phone is sent; nothing needs fixing); every row's status and codes on the page are the
    report's."""
    phones = good_phones(3, seed=84)
    rows = [
        ("Asha Rao", "n/a", "asha@example.com"),
        ("Ravi Kumar", "N/A", "ravi@example.com"),
        ("Meera Nair", "-", "meera@example.com"),
        ("John Smith", "none", "john@example.com"),
        ("Priya Shah", "#N/A", "priya@example.com"),
        ("Lead Six", phones[0], "n/a"),
        ("Lead Seven", "n/a", ""),
        ("Lead Eight", "98765", "eight@example.com"),
        ("Lead Nine", phones[1], "nine@example.com"),
    ]
    sheet = tmp_path / "placeholders.csv"
    sheet.write_text("Name,Phone,Email\n" + "".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    html = page.get(f"/u/{upload.id}/review").text
    shown = {}
    for number, status, cells in re.findall(r'<tr id="row-(\d+)" class="st-([\w-]+)[^"]*">(.*?)</tr>', html, re.S):
        problems = re.search(r'<td class="problems">(.*?)</td>', cells, re.S)
        assert problems is not None
        shown[int(number)] = (status, sorted(re.findall(r'<span class="code">([^<]+)</span>', problems.group(1))))
    report = page.client.get(f"/u/{upload.id}/check/csv").content.decode("utf-8-sig")
    said = {}
    for line in csv.DictReader(io.StringIO(report)):
        codes = [c.strip() for c in f"{line['reason']},{line['warnings']}".split(",") if c.strip()]
        said[int(line["sheet_row"])] = (line["status"], sorted(codes))
    assert shown == said
    assert all(shown[n] == ("valid", []) for n in range(2, 8)), shown
    assert shown[8][0] == "invalid" and shown[9][0] == "invalid"


def test_a_lead_the_crm_refused_shows_refused_on_the_review_of_the_file_uploaded_again(tmp_path: Path) -> None:
    """A file sent once, whose one lead the CRM refused (its phone was called already), uploaded again: the review
    shows that lead refused with the CRM's words and nothing left to send, as `leadimport validate --ledger` says,
    instead of "1 lead would be sent" for a send that then only said it was refused before. The same holds on the
    first upload's review after its send (Back after Send)."""
    import importer
    from tests.conftest import PROCESS, PROJECT
    from tests.sandbox_util import TOKEN

    phones = good_phones(3, seed=87)
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    called = frozenset({f"+91{phones[2]}"})
    settings = importer.SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), preexisting_phones=called
    )
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        first = page.upload(sheet)
        page.post(f"/u/{first.id}/columns", _columns_form(page, first, region="IN"))
        page.wait(first)
        page.post(f"/u/{first.id}/send", {"sends": "0"})
        page.wait(first)
        assert first.send is not None and first.send.counts == {"accepted": 2, "rejected": 1}
        after = page.get(f"/u/{first.id}/review").text
        again = page.upload(sheet)
        page.post(f"/u/{again.id}/columns", _columns_form(page, again, region="IN"))
        page.wait(again)
        html = page.get(f"/u/{again.id}/review").text
        assert len(sandbox.leads()) == 2
    for review in (html, after):
        assert re.search(r'<tr id="row-4" class="st-rejected', review), review
        assert "The CRM refused this lead" in review and "Nothing is left to send" in review
        assert re.search(r'<button type="submit" disabled>Send the valid leads to the CRM</button>', review)
    assert again.review is not None and again.review.status_counts() == {"already-imported": 2, "rejected": 1}


def test_a_sheet_of_another_countrys_numbers_says_to_choose_its_country(tmp_path: Path) -> None:
    """A German event's sheet gets the team's usual mapping (India) by itself: every phone is held back as not
    valid, and the problem table alone said to type an Indian number. The review says most numbers are not valid
    in India, that the sheet's numbers point to Germany, and to choose the country on the Columns page; the CLI's
    words for it (--region, default_region) are not the page's."""
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "usual.yaml").write_text(
        "project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n", encoding="utf-8"
    )
    numbers = ["0151 2345 6781", "0160 9876 5432", "0170 1234 5678", "0171 2233 4455", "0176 5544 3322"]
    sheet = tmp_path / "messe.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Gast {i},{n}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    page = Page(tmp_path)
    upload = page.upload(sheet)
    columns = page.get(f"/u/{upload.id}/columns").text
    assert "Using the saved mapping <strong>usual.yaml</strong>" in columns and _selected(columns)["region"] == "IN"
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
    page.wait(upload)
    html = page.get(f"/u/{upload.id}/review").text
    note = re.search(r'<p class="note" role="note" id="region-note">(.*?)</p>', html, re.S)
    assert note is not None, "the review does not say the country may be wrong"
    said = " ".join(re.sub(r"<[^>]+>", " ", note.group(1)).split())
    assert "5 of 5 rows" in said and "India (IN)" in said and "Germany (DE)" in said
    assert f'href="/u/{upload.id}/columns"' in note.group(1) and "--region" not in said


def test_a_few_bad_numbers_in_the_sheets_own_country_say_nothing_of_the_country(tmp_path: Path) -> None:
    """One mistyped number among good ones is that row's problem, not the country's: no note on the country."""
    phones = good_phones(5, seed=88)
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)) + "Lead 5,98123\n", encoding="utf-8"
    )
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    assert 'id="region-note"' not in page.get(f"/u/{upload.id}/review").text


def test_a_columns_form_from_before_another_tab_changed_the_sheet_is_not_applied(tmp_path: Path) -> None:
    """Two tabs on one upload: the second chooses the April sheet, whose columns are in another order; the first
    tab's Columns form (made for March) is refused with what happened, instead of its choices landing on April's
    columns by position (March's name column choice on April's phone column)."""
    workbook = Workbook()
    march = workbook.active
    march.title = "March"
    march.append(["Name", "Phone", "Email"])
    april = workbook.create_sheet("April")
    april.append(["Phone", "Email", "Name"])
    for i, phone in enumerate(good_phones(6, seed=89)):
        (march if i < 3 else april).append(
            [f"Lead {i}", phone, f"l{i}@example.com"] if i < 3 else [phone, f"l{i}@example.com", f"Lead {i}"]
        )
    path = tmp_path / "two months.xlsx"
    workbook.save(path)
    page = Page(tmp_path)
    upload = page.upload(path)
    shown = page.get(f"/u/{upload.id}/columns").text
    made_for = re.search(r'name="columns_of" value="([^"]+)"', shown)
    assert made_for is not None, "the Columns form does not say which columns it was made for"
    first_tab = _columns_form(page, upload, region="IN", columns_of=made_for.group(1))
    assert (first_tab["col0"], first_tab["col1"]) == ("name", "phone")
    page.post(f"/u/{upload.id}/sheet", {"sheet": "April"})  # the second tab
    assert upload.task is not None and upload.task.wait(60)
    answer = page.post(f"/u/{upload.id}/columns", first_tab).text
    assert upload.review is None and upload.task.kind == "inspect"  # no check of April with March's choices
    message = re.search(r'<span class="error-text">(.*?)</span>', answer, re.S)
    assert message is not None and "changed in another tab" in message.group(1) and "April" in message.group(1)
    assert _by_header(answer) == {"Phone": "phone", "Email": "email", "Name": "name"}


def test_a_send_from_a_review_older_than_the_last_columns_choice_shows_the_new_check(tmp_path: Path) -> None:
    """Two tabs: the first shows the review of the first choice of columns; the second chooses again (email left
    out) and checks again; Send in the first tab does not send what that tab never showed: it leads to the newest
    review, saying why, and nothing is sent."""
    phones = good_phones(3, seed=90)
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n" + "".join(f"Lead {i},{p},l{i}@example.com\n" for i, p in enumerate(phones)),
        encoding="utf-8",
    )
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
    page.wait(upload)
    first_tab = page.get(f"/u/{upload.id}/review").text
    shown = re.search(r'name="checks" value="(\d+)"', first_tab)
    assert shown is not None, "the send form does not say which check it shows"
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN", col2=""))  # the second tab
    page.wait(upload)
    answer = page.post(f"/u/{upload.id}/send", {"sends": "0", "checks": shown.group(1)})
    assert upload.send is None
    assert "columns were chosen again" in answer.text and "Review: what would happen to each row" in answer.text


def test_the_history_names_a_file_as_the_persons_computer_did(tmp_path: Path) -> None:
    """A file named "Müller - Leads März (1) 日本.csv" (an en dash) is in the History under that name, not as the server's
    copy "M_ller _ Leads M_rz _1_ _.csv" (letters beyond English were made underscores); only what no file system
    takes (a colon, a question mark, a slash) is replaced."""
    import importer
    from tests.conftest import PROCESS, PROJECT
    from tests.sandbox_util import TOKEN

    phones = good_phones(4, seed=91)
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    own = "Müller \u2013 Leads März (1) 日本.csv"
    names = {own: own, "Q3: hot?.csv": "Q3_ hot_.csv"}
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        for n, name in enumerate(names):
            data = f"Name,Phone\nLead {n},{phones[2 * n]}\nLead {n}b,{phones[2 * n + 1]}\n".encode()
            response = page.post("/upload", files={"file": (name, data)}, follow_redirects=False)
            assert response.status_code == 303
            upload = page.state.uploads.all()[0]
            assert upload.task is not None and upload.task.wait(60)
            page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
            page.wait(upload)
            page.post(f"/u/{upload.id}/send", {"sends": "0"})
            page.wait(upload)
        history = page.get("/history").text
    files = re.findall(r"UTC</td>\s*<td>([^<]*)</td>", history)
    assert sorted(files) == sorted(names.values()), files


def test_results_with_nothing_to_fix_offer_no_empty_rows_to_fix_file(tmp_path: Path) -> None:
    """Every lead got in: the results say no row needs fixing, instead of offering a "Rows to fix" file that is
    empty and telling the person to correct the invalid and rejected rows (there are none)."""
    import importer
    from tests.conftest import PROCESS, PROJECT
    from tests.sandbox_util import TOKEN

    phones = good_phones(3, seed=92)
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = page.upload(sheet)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN"))
        page.wait(upload)
        page.post(f"/u/{upload.id}/send", {"sends": "0"})
        page.wait(upload)
        html = page.get(f"/u/{upload.id}/send").text
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "No row needs fixing" in words and f"/u/{upload.id}/download/fix" not in html
    assert f"/u/{upload.id}/download/xlsx" in html


def test_a_sheet_without_names_says_what_to_do(tmp_path: Path) -> None:
    """A call list of phones and emails with no names: the Columns page cannot go on, and says what to do about
    it (add a column of names to the file), not only to choose a name column the sheet does not have."""
    phones = good_phones(3, seed=93)
    sheet = tmp_path / "call list.csv"
    sheet.write_text(
        "Phone,Email\n" + "".join(f"{p},l{i}@example.com\n" for i, p in enumerate(phones)), encoding="utf-8"
    )
    page = Page(tmp_path)
    upload = page.upload(sheet)
    html = page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN")).text
    message = re.search(r'<span class="error-text">(.*?)</span>', html, re.S)
    assert message is not None
    said = html_lib.unescape(message.group(1))
    assert "Choose the column with the lead's name" in said
    assert "add a column with each lead's name to the file" in said and upload.review is None


def test_a_saved_mapping_of_another_country_is_flagged_on_the_columns_page(tmp_path: Path) -> None:
    """The team's usual mapping (India) picked by itself for a German sheet: under the country, the Columns page
    says to check it, naming both countries, before any row is checked."""
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "usual.yaml").write_text(
        "project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n", encoding="utf-8"
    )
    numbers = ["0151 2345 6781", "0160 9876 5432", "0170 1234 5678", "0171 2233 4455"]
    sheet = tmp_path / "messe.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Gast {i},{n}\n" for i, n in enumerate(numbers)), encoding="utf-8")
    page = Page(tmp_path)
    upload = page.upload(sheet)
    html = page.get(f"/u/{upload.id}/columns").text
    hint = re.search(r'<p id="region-hint" class="muted">(.*?)</p>', html, re.S)
    assert hint is not None
    said = " ".join(re.sub(r"<[^>]+>", " ", html_lib.unescape(hint.group(1))).split())
    assert "Check it:" in said and "usual.yaml" in said and "India (IN)" in said and "Germany (DE)" in said


def test_names_garbled_as_utf8_read_in_another_encoding_are_pointed_out(tmp_path: Path) -> None:
    """Text that is UTF-8 read as Windows-1252 (José shown as JosÃ©): read in cp1252 by choice, the page says to
    choose UTF-8, with the name as it would then read; in a file garbled so before it was saved (UTF-8 already,
    and still JosÃ©), it says no encoding reads it right and where to correct it."""
    phones = good_phones(2, seed=95)
    rows = f"Name,Phone\nJosé Müller,{phones[0]}\nAsha Rao,{phones[1]}\n"
    sheet = tmp_path / "leads.csv"
    sheet.write_text(rows, encoding="utf-8")
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/sheet", {"encoding": "cp1252"})
    assert upload.task is not None and upload.task.wait(60)
    words = " ".join(re.sub(r"<[^>]+>", " ", html_lib.unescape(page.get(f"/u/{upload.id}/sheet").text)).split())
    assert "JosÃ© MÃ¼ller" in words and "choose Unicode, UTF-8" in words and "José Müller" in words
    garbled = tmp_path / "export.csv"
    garbled.write_text(rows.encode("utf-8").decode("cp1252"), encoding="utf-8")
    upload = page.upload(garbled)
    words = " ".join(re.sub(r"<[^>]+>", " ", html_lib.unescape(page.get(f"/u/{upload.id}/sheet").text)).split())
    assert "JosÃ© MÃ¼ller" in words and "garbled before the file was saved" in words and "José Müller" in words
    plain = tmp_path / "plain.csv"
    plain.write_text(rows, encoding="utf-8")
    upload = page.upload(plain)
    assert "garbled" not in page.get(f"/u/{upload.id}/sheet").text


def test_the_encoding_choice_is_folded_away_when_every_cell_is_plain_english(tmp_path: Path) -> None:
    """A file of English letters and digits only reads alike in every encoding: its choice is folded under one
    line; a file with other letters shows it open."""
    page = Page(tmp_path)
    plain = tmp_path / "plain.csv"
    plain.write_text("Name,Phone\nAsha Rao,9876501234\n", encoding="utf-8")
    upload = page.upload(plain)
    html = page.get(f"/u/{upload.id}/sheet").text
    assert re.search(r'<details class="encoding"\s*>', html) and 'id="encoding"' in html
    cyrillic = tmp_path / "webinar.csv"
    _cyrillic_sheet(cyrillic)
    upload = page.upload(cyrillic)
    assert re.search(r'<details class="encoding"\s*open>', page.get(f"/u/{upload.id}/sheet").text)


def test_a_saved_mapping_reads_next_months_file_in_its_encoding(tmp_path: Path) -> None:
    """A mapping saved after choosing cp1251 for a file whose code page the reader cannot tell: next month's file
    of the same export gets that mapping by itself, and its check reads Олег, not Îëåã, as `leadimport validate
    --mapping` with the saved file does. A next file saved as UTF-8 is still read as UTF-8 (a mapping's code page
    never garbles it)."""
    first = tmp_path / "webinar.csv"
    _cyrillic_sheet(first)
    page = Page(tmp_path)
    upload = page.upload(first)
    page.post(f"/u/{upload.id}/sheet", {"encoding": "cp1251", "header_row": "1"})
    assert upload.task is not None and upload.task.wait(60)
    saved = page.post(
        f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN", action="save", mapping_name="webinar")
    )
    assert "Saved webinar.yaml" in saved.text
    names = {"cp1251": ["Игорь", "Anna Lee", "Ravi Rao"], "utf-8": ["Игорь", "Ana Núñez", "Ravi Rao"]}
    for code, people in names.items():
        later = tmp_path / f"webinar-{code}.csv"
        lines = ["Name,Phone,Email"] + [
            f"{n},{p},next{i}@example.com" for i, (n, p) in enumerate(zip(people, good_phones(3, seed=84), strict=True))
        ]
        later.write_bytes(("\r\n".join(lines) + "\r\n").encode(code))
        second = page.upload(later)
        columns = page.get(f"/u/{second.id}/columns").text
        assert "Using the saved mapping <strong>webinar.yaml</strong>" in columns
        assert "It reads this file in <code>cp1251</code>" in columns
        page.post(f"/u/{second.id}/columns", _columns_form(page, second))
        page.wait(second)
        assert second.review is not None, code
        assert sorted(second.review.cells["Name"].tolist()) == sorted(people), code


def test_a_teams_own_yml_mapping_reads_the_file_in_its_encoding(tmp_path: Path) -> None:
    """A mapping the team wrote by hand as mappings/webinar.yml (the .yml spelling), with encoding: cp1251: the page
    uses it for a file it fits and reads the file in cp1251 (Олег, not Îëåã)."""
    from tests.conftest import PROCESS, PROJECT

    page = Page(tmp_path)
    page.settings.mappings_dir.mkdir(parents=True, exist_ok=True)
    (page.settings.mappings_dir / "webinar.yml").write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nencoding: cp1251\n"
        "fields:\n  name: Name\n  phone: Phone\n  email: Email\n",
        encoding="utf-8",
    )
    sheet = tmp_path / "webinar.csv"
    _cyrillic_sheet(sheet)
    upload = page.upload(sheet)
    columns = page.get(f"/u/{upload.id}/columns").text
    assert "Using the saved mapping <strong>webinar.yml</strong>" in columns
    assert "It reads this file in <code>cp1251</code>" in columns
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
    page.wait(upload)
    assert upload.review is not None and "Олег" in upload.review.cells["Name"].tolist()
