"""The upload page's routes, driven through the ASGI app (Starlette's TestClient) and a real sandbox CRM."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

import importer
from importer.web.app import create_app
from importer.web.auth import LoginGate
from importer.web.pages import WebState
from importer.web.uploads import Upload
from importer.web.work import ServerSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.web_fixtures import TITLE, csrf_of, two_sheet_workbook


class Page:
    """A signed-in browser session against the ASGI app."""

    def __init__(self, tmp_path: Path, *, base_url: str = "http://127.0.0.1:9/api/v1", max_upload_mb: int = 5) -> None:
        self.settings = ServerSettings(
            ledger_path=tmp_path / "ledger.sqlite3",
            mappings_dir=tmp_path / "mappings",
            token=TOKEN,
            base_url=base_url,
        )
        self.gate = LoginGate()
        app, self.state = create_app(
            self.settings, gate=self.gate, uploads_root=tmp_path / "uploads", max_upload_mb=max_upload_mb
        )
        self.state_: WebState = self.state
        self.client = TestClient(app, base_url="http://127.0.0.1:8765")
        self.responses: list[str] = []
        assert self.gate.login_token is not None
        login = self.client.get(f"/login?token={self.gate.login_token}", follow_redirects=False)
        assert login.status_code == 303
        self.csrf = csrf_of(self.get("/").text)

    def get(self, path: str) -> Any:  # an httpx.Response (TestClient is untyped here)
        response = self.client.get(path)
        self.responses.append(response.text)
        return response

    def post(self, path: str, data: dict[str, str] | None = None, **kwargs: object) -> Any:
        response = self.client.post(path, data={"csrftoken": self.csrf, **(data or {})}, **kwargs)  # type: ignore[arg-type]
        self.responses.append(response.text)
        return response

    def upload(self, path: Path) -> Upload:
        response = self.post("/upload", files={"file": (path.name, path.read_bytes())}, follow_redirects=False)
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        upload = self.state.uploads.all()[0]
        assert upload.task is not None and upload.task.wait(60)
        return upload

    def wait(self, upload: Upload) -> None:
        task = upload.send.task if upload.send is not None else upload.task
        assert task is not None and task.wait(120)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    yield Page(tmp_path)


def _columns_form(page: Page, upload: Upload, **extra: str) -> dict[str, str]:
    """The column page's form as the browser would send it (its selects as shown)."""
    html = page.get(f"/u/{upload.id}/columns").text  # type: ignore[attr-defined]
    data = {}
    for name, body in re.findall(r'<select id="(col\d+|region)" name="\1"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        data[name] = chosen.group(1) if chosen else ""
    form = html[html.index('<form method="post" action="/u/') :]
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        if name != "csrftoken":
            data[name] = html_lib.unescape(value)
    data.update(project_id=PROJECT, process_id=PROCESS, action="review")
    data.update(extra)
    return data


def test_every_page_needs_the_sign_in_cookie(tmp_path: Path) -> None:
    """Without the cookie from the one-time link, pages and posts get 401 and the way to sign in."""
    page = Page(tmp_path)
    anonymous = TestClient(page.client.app, base_url="http://127.0.0.1:8765")
    for path in ("/", "/history", "/u/x/review", "/u/x/status/task"):
        response = anonymous.get(path)
        assert response.status_code == 401
        assert "sign-in link" in response.text
    refused = anonymous.post("/upload", files={"file": ("a.csv", b"Name,Phone\nA,9876543210\n")})
    assert refused.status_code == 401
    assert page.state.uploads.all() == []
    anonymous.cookies.set("leadimport_session", "forged.value.sig")
    forged = anonymous.get("/")
    assert "leadimport_session=forged.value.sig" in forged.request.headers["cookie"]
    assert forged.status_code == 401


def test_the_login_link_works_once_and_sets_an_httponly_cookie(tmp_path: Path) -> None:
    """The token is redeemed once for a signed HttpOnly, SameSite cookie; a second use is refused."""
    gate = LoginGate()
    settings = ServerSettings(tmp_path / "l.sqlite3", tmp_path / "m", TOKEN, "http://127.0.0.1:9/api/v1")
    app, _ = create_app(settings, gate=gate, uploads_root=tmp_path / "u")
    client = TestClient(app, base_url="http://127.0.0.1:8765")
    token = gate.login_token
    assert client.get("/login?token=wrong", follow_redirects=False).status_code == 403
    first = client.get(f"/login?token={token}", follow_redirects=False)
    assert first.status_code == 303
    cookie = first.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/").status_code == 200
    other = TestClient(app, base_url="http://127.0.0.1:8765")
    assert other.get(f"/login?token={token}", follow_redirects=False).status_code == 403


def test_a_post_without_the_csrf_token_is_refused(page: Page, tmp_path: Path) -> None:
    """A signed-in browser's POST without the form's CSRF token is refused and changes nothing."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nAsha,9876543210\n", encoding="utf-8")
    response = page.client.post("/upload", files={"file": ("leads.csv", sheet.read_bytes())})
    assert response.status_code == 403
    assert page.state.uploads.all() == []
    wrong = page.client.post("/upload", data={"csrftoken": "not-it"}, files={"file": ("leads.csv", b"x")})
    assert wrong.status_code == 403


def test_the_sheet_page_shows_title_rows_and_offers_the_other_sheet_with_leads(page: Page, tmp_path: Path) -> None:
    """A two-sheet workbook: the header on row 4 is found, the rows above are shown, the other sheet is offered."""
    path, _ = two_sheet_workbook(tmp_path / "dealer.xlsx")
    upload = page.upload(path)
    html = page.get(f"/u/{upload.id}/sheet").text  # type: ignore[attr-defined]
    assert "The column names are on row <strong>4</strong>" in html
    assert TITLE[0] in html and TITLE[1] in html
    assert re.search(r"Sheet <strong>April</strong>\s+also looks like leads", html)
    # choosing the other sheet reads it instead
    page.post(f"/u/{upload.id}/sheet", {"sheet": "April"})
    assert upload.task is not None and upload.task.wait(60)
    html = page.get(f"/u/{upload.id}/sheet").text  # type: ignore[attr-defined]
    assert "The column names are on row <strong>1</strong>" in html and "Kiran Das" in html


def test_columns_review_fix_and_exclude(page: Page, tmp_path: Path) -> None:
    """Suggested columns with samples; the dry run's counts; a fixed cell re-checks its row; an excluded row."""
    path, phones = two_sheet_workbook(tmp_path / "dealer.xlsx")
    upload = page.upload(path)
    columns = page.get(f"/u/{upload.id}/columns").text  # type: ignore[attr-defined]
    assert "Asha Rao" in columns and "vikram@example.com" in columns  # sample values
    assert re.search(r'<option value="phone" selected>', columns)
    # the country the sheet points to, and why: tools.region's inference, as `mapping suggest` gives it
    assert re.search(
        r"The sheet points to India \(IN\)\. Why: 80% of 5 numbers without a country code are valid in IN", columns
    )
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
    page.wait(upload)
    review = page.get(f"/u/{upload.id}/review").text  # type: ignore[attr-defined]
    assert re.search(r"valid <span class=\"n\">3</span>", review)
    assert re.search(r"invalid <span class=\"n\">2</span>", review)
    assert re.search(r"duplicate <span class=\"n\">1</span>", review)
    assert "This is not a valid phone number" in review  # the XLSX report's explanation
    assert 'href="?status=&amp;reason=&amp;page=1#row-5"' in review  # the duplicate links to its first copy
    invalid = page.get(f"/u/{upload.id}/review?status=invalid").text  # type: ignore[attr-defined]
    assert 'id="row-8"' in invalid and 'id="row-6"' not in invalid
    # fix row 8's phone: only that row is re-checked and becomes valid
    fixed = page.post(f"/u/{upload.id}/rows/8/cell", {"column": "Mobile No.", "value": phones["fixed"][0]})
    assert re.search(r"valid <span class=\"n\">4</span>", fixed.text)  # type: ignore[attr-defined]
    assert "was: 9812345" in fixed.text  # type: ignore[attr-defined]
    assert "Send plan: 4 leads in 1 request" in fixed.text  # type: ignore[attr-defined]
    # giving row 10 a name makes it valid
    page.post(f"/u/{upload.id}/rows/10/cell", {"column": "Customer Name", "value": "Ann"})
    assert upload.review is not None
    row10 = upload.review.grid_row(upload.review.position(10) or 0)
    assert row10.status == "valid" and row10.edited == {"Customer Name": ""}
    page.post(f"/u/{upload.id}/rows/7/exclude", {"exclude": "1"})
    review = page.get(f"/u/{upload.id}/review").text  # type: ignore[attr-defined]
    assert "<strong>4</strong> leads would be sent (1 rows excluded by you)" in review
    assert "Send plan: 4 leads in 1 request" in review  # row 10 now valid, row 7 excluded


def test_save_mapping_writes_yaml_the_cli_reads_and_a_like_file_gets_it(page: Page, tmp_path: Path) -> None:
    """ "Save mapping" writes mappings/NAME.yaml (sheet and header row included); the next file with those
    headers gets it picked by itself."""
    path, _ = two_sheet_workbook(tmp_path / "dealer.xlsx")
    upload = page.upload(path)
    form = _columns_form(page, upload, action="save", mapping_name="dealer leads", region="IN")
    response = page.post(f"/u/{upload.id}/columns", form)
    assert "Saved dealer leads.yaml" in response.text  # type: ignore[attr-defined]
    saved = page.settings.mappings_dir / "dealer leads.yaml"
    mapping = importer.load_mapping(saved)
    assert mapping.sheet == "March" and mapping.header_row in (None, 4)
    assert {s.target: s.aliases[0] for s in mapping.fields}["phone"] == "Mobile No."
    outcome = importer.validate_file(path, mapping)  # as `leadimport validate` would use it
    assert outcome.summary.counts["valid"] == 3
    # a file with the same columns gets the saved mapping by itself
    other = tmp_path / "next.csv"
    other.write_text("Customer Name,Mobile No.,Email ID,City\nZoya,9876501234,z@example.com,Pune\n", encoding="utf-8")
    second = page.upload(other)
    html = page.get(f"/u/{second.id}/columns").text  # type: ignore[attr-defined]
    assert "Using the saved mapping <strong>dealer leads.yaml</strong>" in html
    # saving again under the same name needs "Replace it"
    again = page.post(
        f"/u/{second.id}/columns", _columns_form(page, second, action="save", mapping_name="dealer leads")
    )
    assert "already exists" in again.text  # type: ignore[attr-defined]


def test_refusals_stay_on_the_page(tmp_path: Path) -> None:
    """Too large, not a spreadsheet, an unknown type: each said on the page, in the CLI's words."""
    page = Page(tmp_path, max_upload_mb=1)
    big = page.post("/upload", files={"file": ("big.csv", b"Name,Phone\n" + b"A,9876543210\n" * 100_000)})
    assert big.status_code == 413  # type: ignore[attr-defined]
    assert "larger than 1 MB" in big.text  # type: ignore[attr-defined]
    assert page.state.uploads.all() == []
    pdf = tmp_path / "leads.csv"
    pdf.write_bytes(b"%PDF-1.4 not really")
    upload = page.upload(pdf)
    html = page.get(f"/u/{upload.id}/sheet").text  # type: ignore[attr-defined]
    assert "this is a PDF document, not a spreadsheet" in html
    assert 'role="alert"' in html
    docx = tmp_path / "leads.docx"
    docx.write_bytes(b"PK\x03\x04 whatever")
    upload = page.upload(docx)
    assert "unsupported file type &#39;.docx&#39;" in page.get(f"/u/{upload.id}/sheet").text  # type: ignore[attr-defined]


def _sandbox_page(tmp_path: Path, sandbox: importer.Sandbox) -> Page:
    return Page(tmp_path, base_url=sandbox.base_url)


def test_send_writes_reports_and_history_and_never_shows_the_token(tmp_path: Path) -> None:
    """The send stores exactly the valid leads (edits applied, the excluded row left out); the reports,
    the rows-to-fix file and the history page follow; no page or file served holds the API token."""
    path, phones = two_sheet_workbook(tmp_path / "dealer.xlsx")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = _sandbox_page(tmp_path, sandbox)
        upload = page.upload(path)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
        page.wait(upload)
        page.post(f"/u/{upload.id}/rows/8/cell", {"column": "Mobile No.", "value": phones["fixed"][0]})
        page.post(f"/u/{upload.id}/rows/7/exclude", {"exclude": "1"})
        page.post(f"/u/{upload.id}/send")
        page.wait(upload)
        done = page.get(f"/u/{upload.id}/send").text  # type: ignore[attr-defined]
        stored = sorted(str(lead.get("phone") or lead.get("phoneNumber")) for lead in sandbox.leads())
    assert len(stored) == 3
    assert all(p[-10:] in "".join(stored) for p in [phones["valid"][0], phones["valid"][1], phones["fixed"][0]])
    assert "Finished" in done and "accepted" in done
    xlsx = page.client.get(f"/u/{upload.id}/download/xlsx")
    assert xlsx.status_code == 200
    report = tmp_path / "report.xlsx"
    report.write_bytes(xlsx.content)
    rows = list(load_workbook(report, read_only=True)["Rows"].iter_rows(values_only=True))
    header = list(rows[0])
    by_row = {r[header.index("sheet_row")]: dict(zip(header, r, strict=False)) for r in rows[1:]}
    assert by_row[8]["status"] == "accepted" and "edited-on-page" in str(by_row[8]["warnings"])
    assert by_row[7]["status"] == "skipped" and by_row[7]["reason"] == "excluded"
    assert by_row[9]["status"] == "duplicate" and by_row[9]["duplicate_of"] == 5
    assert by_row[10]["status"] == "invalid"
    fix = tmp_path / "fix.xlsx"
    fix.write_bytes(page.client.get(f"/u/{upload.id}/download/fix").content)
    fix_rows = list(load_workbook(fix, read_only=True).active.iter_rows(values_only=True))
    assert fix_rows[0][:4] == ("Customer Name", "Mobile No.", "Email ID", "City")
    assert [r[2] for r in fix_rows[1:]] == ["noname@example.com"]
    # uploaded again, the rows-to-fix file's own "What to fix" column is not imported
    again = page.upload(fix)
    html = page.get(f"/u/{again.id}/columns").text  # type: ignore[attr-defined]
    fix_select = re.search(r'<select id="col4" name="col4"[^>]*>(.*?)</select>', html, re.S)
    assert fix_select is not None and '<option value="" selected>' in fix_select.group(1)
    # the same workbook uploaded again: the rows sent come back already-imported in the review
    repeat = page.upload(path)
    page.post(f"/u/{repeat.id}/columns", _columns_form(page, repeat))
    page.wait(repeat)
    review = page.get(f"/u/{repeat.id}/review").text  # type: ignore[attr-defined]
    # rows 5 and 6 were sent; row 7 was excluded, so it is still to send; row 8 still has the short phone
    assert re.search(r"already-imported <span class=\"n\">2</span>", review)
    assert "<strong>2</strong> rows were already imported by earlier runs" in review
    assert "Send plan: 1 leads in 1 request" in review
    history = page.get("/history").text  # type: ignore[attr-defined]
    assert "leadimport serve (upload page)" in history and "accepted 3" in history
    run_id = upload.send.run_id if upload.send else None
    assert page.client.get(f"/history/{run_id}/report").status_code == 200
    csv_report = page.client.get(f"/u/{upload.id}/download/csv").text
    for text in [*page.responses, csv_report]:
        assert TOKEN not in text


def test_a_key_block_pauses_the_send_with_resume(tmp_path: Path) -> None:
    """A CRM key block shows "paused, the CRM blocks this key until about HH:MM" and a Resume button."""
    phones = good_phones(30, seed=3)
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"P{i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    settings = importer.SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), bulk_cap=5, dup_threshold=1, dup_window=600
    )
    with importer.Sandbox(settings) as sandbox:
        # the leads are in the CRM already, but not in this server's ledger: every one is a duplicate to the CRM
        importer.import_file(sheet, _mapping(tmp_path), token=TOKEN, base_url=sandbox.base_url, ledger=None)
        page = _sandbox_page(tmp_path, sandbox)
        upload = page.upload(sheet)
        page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
        page.wait(upload)
        page.post(f"/u/{upload.id}/send")
        page.wait(upload)
        html = page.get(f"/u/{upload.id}/send").text  # type: ignore[attr-defined]
    assert re.search(r"Paused, the CRM blocks this key until about \d\d:\d\d", html), html
    assert ">Resume</button>" in html


def _mapping(tmp_path: Path) -> Path:
    path = tmp_path / "plain.yaml"
    path.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n",
        encoding="utf-8",
    )
    return path


def test_one_send_per_api_key(page: Page, tmp_path: Path) -> None:
    """While another upload's send holds the key, a second send is refused with the other file's name."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(f"Name,Phone\nAsha,{good_phones(1, seed=12)[0]}\n", encoding="utf-8")  # a lead to send
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload))
    page.wait(upload)
    assert upload.review is not None and upload.review.to_send() == 1
    other = page.state.uploads.new("other.xlsx")
    assert page.state.keys.acquire(TOKEN, other.id) is None
    html = page.post(f"/u/{upload.id}/send").text  # type: ignore[attr-defined]
    assert "A send with this API key is already running (other.xlsx)" in html
    assert upload.send is None


def test_serve_prints_a_one_time_link_and_warns_off_loopback(tmp_path: Path) -> None:
    """`leadimport serve --port 0` prints a sign-in link that works once; another --host is warned about."""
    import subprocess
    import sys

    import httpx

    env = {**__import__("os").environ, "VOX_API_TOKEN": TOKEN}
    command = [sys.executable, "-m", "importer", "serve", "--port", "0", "--ledger", str(tmp_path / "l.sqlite3")]
    for host, warned in (("127.0.0.1", False), ("0.0.0.0", True)):
        process = subprocess.Popen(
            [*command, "--host", host], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        try:
            assert process.stdout is not None and process.stderr is not None
            first = process.stdout.readline()
            link = process.stdout.readline().strip().rsplit(" ", 1)[-1]
            assert first.startswith("leadimport upload page on http://") and "/login?token=" in link
            link = link.replace("0.0.0.0", "127.0.0.1")
            with httpx.Client(follow_redirects=True) as client:
                assert client.get(link).status_code == 200  # redirected to the upload page, signed in
                assert client.get(link).status_code == 403  # used once
            assert TOKEN not in first + link
        finally:
            process.terminate()
            _, err = process.communicate(timeout=30)
        assert ("other computers can reach this page" in err) is warned


def test_the_header_row_under_title_rows_is_kept_for_reading_and_saving(page: Page, tmp_path: Path) -> None:
    """A header under a title row: confirmed on the sheet page, it is read there and by the saved mapping;
    a row number below the header is refused on the page."""
    sheet = tmp_path / "titled.csv"
    phones = good_phones(2, seed=11)
    sheet.write_text(
        "Leads exported 2024-03-01,\nName,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)),
        encoding="utf-8",
    )
    upload = page.upload(sheet)
    html = page.get(f"/u/{upload.id}/sheet").text  # type: ignore[attr-defined]
    assert "The column names are on row <strong>2</strong>" in html and "Leads exported 2024-03-01" in html
    bad = page.post(f"/u/{upload.id}/sheet", {"header_row": "9"})
    assert "The header row must be a row number from 1 to 4" in bad.text  # type: ignore[attr-defined]
    page.post(f"/u/{upload.id}/sheet", {"header_row": "2"})
    form = _columns_form(page, upload, action="save", mapping_name="titled")
    page.post(f"/u/{upload.id}/columns", form)
    saved = importer.load_mapping(page.settings.mappings_dir / "titled.yaml")
    assert saved.header_row is None  # the reader finds row 2 by itself, as `mapping suggest` would leave it
    assert importer.validate_file(sheet, saved).summary.counts == {"valid": 2}
    page.post(f"/u/{upload.id}/columns", {**form, "action": "review"})
    page.wait(upload)
    assert upload.review is not None and upload.review.status_counts() == {"valid": 2}


def test_an_upload_without_a_length_is_cut_off_at_the_cap(tmp_path: Path) -> None:
    """A streamed upload that declares no size is refused with 413 once it passes --max-upload-mb; nothing is kept."""
    page = Page(tmp_path, max_upload_mb=1)
    boundary = "leadimportboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrftoken"\r\n\r\n{page.csrf}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\nName,Phone\r\n"
    ).encode()

    def body() -> Iterator[bytes]:
        yield head
        for _ in range(300):  # 3 MB of rows
            yield b"A,9876543210\r\n" * 700
        yield f"\r\n--{boundary}--\r\n".encode()

    response = page.client.post(
        "/upload", content=body(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in response.text
    assert page.state.uploads.all() == []


def test_the_default_country_is_what_the_data_says_never_a_silent_india(page: Page, tmp_path: Path) -> None:
    """A sheet of North American numbers gets the US preselected with the evidence; a sheet that tells nothing
    gets no country preselected, so the person must choose one."""
    us = tmp_path / "us.csv"
    us.write_text(
        "Name,Phone\n" + "".join(f"Person {i},(415) 835-16{i:02d}\n" for i in range(10, 30)), encoding="utf-8"
    )
    columns = page.get(f"/u/{page.upload(us).id}/columns").text  # type: ignore[attr-defined]
    assert re.search(r'<option value="US" selected>', columns)
    assert re.search(r"The sheet points to United States \(US\)\. Why: 100% of 20 numbers [^.]* valid in US", columns)
    assert not re.search(r'<option value="IN" selected>', columns)
    unknown = tmp_path / "emails.csv"
    unknown.write_text("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(5)), encoding="utf-8")
    columns = page.get(f"/u/{page.upload(unknown).id}/columns").text  # type: ignore[attr-defined]
    assert re.search(r'<option value="" selected>Choose the country', columns)
    assert "The sheet does not tell the country" in columns and "no evidence of the country" in columns
