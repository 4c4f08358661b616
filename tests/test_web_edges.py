"""What odd sheets do to the upload page: very long cells stay readable on every page, and the report still
holds them whole."""

from __future__ import annotations

import csv
import io
import logging
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

import importer
from importer.web.app import create_app
from importer.web.auth import LoginGate
from importer.web.server import WebServer
from importer.web.uploads import Upload
from importer.web.work import ServerSettings, review_upload
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.test_web import Page, _columns_form
from tests.waiting import wait_until
from tests.web_fixtures import csrf_of

LONG = 50_000


def test_a_very_long_cell_is_clipped_on_the_pages_and_kept_whole_in_the_report(tmp_path: Path) -> None:
    """A notes column holding a whole e-mail thread (or a file that is one long line) does not make the sheet,
    columns and review pages megabytes long: they show the start and the length; the report keeps it all."""
    phones = good_phones(3, seed=81)
    notes = ("call back after the holidays; " * (LONG // 30)).strip()
    lines = ["Name,Phone,Notes"] + [f"Lead {i},{p},{notes}" for i, p in enumerate(phones)]
    sheet = tmp_path / "long notes.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = page.upload(sheet)
        shown = {step: page.get(f"/u/{upload.id}/{step}").text for step in ("sheet", "columns")}
        form = _columns_form(page, upload, col0="name", col1="phone", col2="metadata", region="IN")
        page.post(f"/u/{upload.id}/columns", form)
        page.wait(upload)
        shown["review"] = page.get(f"/u/{upload.id}/review").text
        page.post(f"/u/{upload.id}/send")
        page.wait(upload)
        report = page.client.get(f"/u/{upload.id}/download/csv")
    for step, html in shown.items():
        assert len(html) < len(notes), f"the {step} page is {len(html)} characters"  # shorter than one note
        assert f"({len(notes):,} characters)" in html, step
    assert report.status_code == 200
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [row["status"] for row in rows] == ["accepted"] * 3
    assert all(row["Notes"] == notes for row in rows)


def test_a_long_non_latin_file_name_gets_its_reports(tmp_path: Path) -> None:
    """An upload named with 90 Devanagari letters (270 bytes): the send ends with its reports to download,
    named after the file (shortened to fit), not "The send did not finish: File name too long"."""
    name = "लीड्स" * 18 + ".csv"
    phones = good_phones(3, seed=83)
    sheet = tmp_path / "upload.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = _uploaded(page, name, sheet)
        _sent(page, upload)
        done = page.get(f"/u/{upload.id}/send").text
        stored = len(sandbox.leads())
        reports = {kind: page.client.get(f"/u/{upload.id}/download/{kind}") for kind in ("xlsx", "csv", "fix")}
    assert stored == 3
    assert "Finished" in done and "did not finish" not in done
    for kind, report in reports.items():
        assert report.status_code == 200, kind
        assert "%E0%A4%B2" in report.headers["content-disposition"]  # named after the file (ल)


def test_a_file_name_with_quotes_is_shown_as_the_person_named_it_not_as_percent_22(tmp_path: Path) -> None:
    """Browsers send a file name's ", line feed and carriage return as %22, %0A and %0D (the HTML standard's form
    encoding): 'Leads "VIP" list.csv' showed as 'Leads %22VIP%22 list.csv' on every page and in the reports'
    download names. The pages show the quotes; the downloads are named after the file, a quote as _ (which
    Windows cannot hold in a name), never %22."""
    name = 'Leads "VIP" list.csv'
    phones = good_phones(2, seed=84)
    sheet = tmp_path / "upload.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        page = Page(tmp_path, base_url=sandbox.base_url)
        upload = _uploaded(page, name, sheet)
        shown = [page.get(f"/u/{upload.id}/sheet").text, page.get("/").text]
        _sent(page, upload)
        shown.append(page.get(f"/u/{upload.id}/send").text)
        reports = {kind: page.client.get(f"/u/{upload.id}/download/{kind}") for kind in ("xlsx", "csv", "fix")}
    assert len(sandbox.leads()) == 2
    for html in shown:
        assert "Leads &#34;VIP&#34; list.csv" in html and "%22" not in html
    for kind, report in reports.items():
        disposition = report.headers["content-disposition"]
        assert report.status_code == 200 and "%22" not in disposition and "%2522" not in disposition, kind
        assert "Leads%20_VIP_%20list" in disposition, disposition


def test_a_browser_closed_mid_upload_leaves_no_traceback_and_no_upload(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """The person closes the tab while a large file is still uploading: the server logs one plain line, keeps
    no half upload, and goes on serving; no traceback in its output."""
    caplog.set_level(logging.INFO, logger="importer.web")
    server = WebServer(
        port=0, ledger_path=tmp_path / "l.db", mappings_dir=tmp_path / "m", environ={"VOX_API_TOKEN": TOKEN}
    )
    server.start()
    try:
        client = httpx.Client(base_url=server.base_url)
        home = client.get(server.login_url(), follow_redirects=True)
        csrf = csrf_of(home.text)
        cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
        head = (
            f'--B\r\nContent-Disposition: form-data; name="csrftoken"\r\n\r\n{csrf}\r\n--B\r\n'
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        with socket.create_connection((server.host, server.port)) as browser:
            browser.sendall(
                f"POST /upload HTTP/1.1\r\nHost: {server.host}:{server.port}\r\nCookie: {cookies}\r\n"
                f"Content-Type: multipart/form-data; boundary=B\r\nContent-Length: {len(head) + 5_000_000}\r\n\r\n".encode()
                + head
                + b"Name,Phone\n" * 50_000
            )  # a fifth of the promised body, then the tab is closed
        output = ""

        def told() -> bool:
            nonlocal output
            output += capfd.readouterr().err
            return "went away" in caplog.text or "Traceback" in output

        wait_until(told, message="the server noticed the browser went away")
        assert "Traceback" not in output and "ClientDisconnect" not in output
        assert server.state.uploads.all() == []
        assert client.get("/").status_code == 200
    finally:
        server.stop()


def test_a_full_disk_on_the_server_refuses_the_upload_with_a_plain_message(tmp_path: Path) -> None:
    """The disk holding the uploads is full: the page says the file could not be kept and what to do (HTTP 507),
    no half-written upload is left, and once there is room the same file uploads."""
    disk = tmp_path / "small disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        settings = ServerSettings(tmp_path / "l.db", tmp_path / "m", TOKEN, "http://127.0.0.1:9/api/v1")
        app, state = create_app(settings, gate=LoginGate(), uploads_root=disk / "uploads")
        page = TestClient(app, base_url="http://127.0.0.1:8765")
        assert state.gate.login_token is not None
        page.get(f"/login?token={state.gate.login_token}")
        csrf = csrf_of(page.get("/").text)
        sheet = ("Name,Phone\n" + "Lead,9876543210\n" * 40_000).encode()  # 640 kB: more than the disk holds
        refused = page.post("/upload", data={"csrftoken": csrf}, files={"file": ("leads.csv", sheet)})
        assert refused.status_code == 507
        assert "could not keep the file" in refused.text and "No space left" in refused.text
        assert state.uploads.all() == [] and not any((disk / "uploads").iterdir())
        small = b"Name,Phone\nLead,9876543210\n"
        taken = page.post(
            "/upload", data={"csrftoken": csrf}, files={"file": ("leads.csv", small)}, follow_redirects=False
        )
        assert taken.status_code == 303
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_the_newest_columns_choice_wins_when_an_older_check_ends_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The columns form is sent, then sent again with another choice before the first check of the rows ends: the
    review shows the second choice even when the first check finishes last (it is held here until the second
    has finished), never the older one."""
    phones = good_phones(3, seed=93)
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Contact\n" + "".join(f"Lead {i},{p},lead{i}@example.com\n" for i, p in enumerate(phones)),
        encoding="utf-8",
    )
    real = review_upload
    first_checked, let_first_end = threading.Event(), threading.Event()
    calls: list[int] = []

    def held_first(upload: Any, settings: Any, task: Any) -> Any:
        calls.append(1)
        review = real(upload, settings, task)
        if len(calls) == 1:  # the first check has read its choice; it ends once the second has finished
            first_checked.set()
            assert let_first_end.wait(60)
        return review

    monkeypatch.setattr("importer.web.work.review_upload", held_first)  # start_review lives in work
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, col0="name", col1="phone", col2="metadata"))
    first = upload.task
    assert first is not None and first_checked.wait(60)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, col0="name", col1="phone", col2="email"))
    second = upload.task
    assert second is not None and second is not first and second.wait(60)
    let_first_end.set()
    assert first.wait(60)
    assert upload.review is not None and upload.review.field_columns.get("email") == "Contact"
    html = page.get(f"/u/{upload.id}/review").text
    assert "lead0@example.com" in html  # the e-mail column is checked and shown, as chosen last


def test_the_history_shows_while_a_run_holds_the_ledger_and_a_look_changes_nothing(tmp_path: Path) -> None:
    """A watcher's run is under way (its lock held) and recording answers (the ledger's write lock held) when
    someone opens the History: the page lists the finished run and the one going on, at once, without an error;
    its look leaves the ledger as it was (the run's lock still held, nothing sealed or written)."""
    page = Page(tmp_path)
    path = page.settings.ledger_path
    begin = {"fingerprint": "f" * 64, "mapping": "m.yaml", "project_id": PROJECT, "process_id": PROCESS}
    with importer.Ledger(path) as ledger:
        done = ledger.begin_run(file="march leads.csv", command="leadimport run", **begin)
        ledger.end_run(done, counts={"accepted": 3}, outcome="completed", report=None)
        going = ledger.begin_run(file="april leads.csv", command="leadimport watch", **begin)
        writing = sqlite3.connect(path, isolation_level=None)
        writing.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            history = page.get("/history")
            report = page.client.get(f"/history/{done}/report")
            took = time.monotonic() - started
            writing.execute("INSERT INTO meta VALUES ('written-meanwhile', 'yes')")
            writing.execute("COMMIT")
        finally:
            writing.close()
        assert [run.ended_at is None for run in ledger.runs()] == [True, False]  # the run is still going
        ledger.end_run(going, counts={}, outcome="completed", report=None)
    assert history.status_code == 200
    assert "march leads.csv" in history.text and "april leads.csv" in history.text
    assert report.status_code == 404 and "has no report file" in report.text
    assert took < importer.ledger.store.DEFAULT_BUSY_TIMEOUT / 2  # no wait for the run's write


def test_the_history_of_a_ledger_an_older_leadimport_wrote_is_shown(tmp_path: Path) -> None:
    """A look reads the ledger as it is; one of an older schema cannot be, so the page upgrades it, as it did
    (and as the next run would), and lists its runs, instead of an error."""
    from tests.test_ledger import write_version_1_ledger

    page = Page(tmp_path)
    write_version_1_ledger(page.settings.ledger_path)
    history = page.get("/history")
    assert history.status_code == 200 and "old.csv" in history.text


def _uploaded(page: Page, name: str, sheet: Path) -> Upload:
    """``sheet`` uploaded as ``name``, once the page has read it."""
    response = page.post("/upload", files={"file": (name, sheet.read_bytes())}, follow_redirects=False)
    assert response.status_code == 303
    (upload,) = page.state.uploads.all()
    assert upload.task is not None and upload.task.wait(60)
    return upload


def _sent(page: Page, upload: Upload) -> None:
    """The upload's first two columns matched as name and phone (India), then sent, once the send has ended."""
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, col0="name", col1="phone", region="IN"))
    page.wait(upload)
    page.post(f"/u/{upload.id}/send")
    page.wait(upload)
