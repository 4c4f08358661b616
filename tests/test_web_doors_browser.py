"""The upload page in headless Chromium with the sheets a marketer's CRM exports: headers the tool cannot name."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import importer
from importer.web.server import WebServer
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.test_web_browser import _server, browser

__all__ = ["browser"]  # the module's Chromium, shared with test_web_browser


def test_a_header_given_twice_keeps_its_phones_when_the_suggestion_is_taken(browser: Any, tmp_path: Path) -> None:
    """An export with two Phone columns (a row's number in one or the other): the suggested Phone goes on the
    first, which a mapping names and which is read with the second where empty, not on the second, whose select is
    disabled and so never sent. Taken as suggested, every lead reaches the CRM with its phone, none without; and the
    two columns' choices are labelled apart."""
    phones = good_phones(4, seed=411)
    sheet = tmp_path / "crm export.csv"
    rows = [f"Asha {i},{p if i % 2 else ''},{'' if i % 2 else p},asha{i}@example.com" for i, p in enumerate(phones)]
    sheet.write_text("Name,Phone,Phone,Email\n" + "\n".join(rows) + "\n", encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("heading", name="Sheet and header").wait_for()
            page.get_by_role("button", name="Next: match the columns").last.click()
            page.get_by_role("heading", name="Match the columns").wait_for()
            chosen = [page.locator(f"#col{k}").input_value() for k in range(4)]
            labels = page.evaluate("() => [...document.querySelectorAll('select')].map(e => e.labels[0].innerText)")
            page.get_by_label("Default country").select_option("IN")
            page.get_by_label("Process id").fill(PROCESS)
            page.get_by_role("button", name="Next: check every row").last.click()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for(timeout=60_000)
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name=re.compile("^Results for")).wait_for(timeout=60_000)
            page.close()
        finally:
            server.stop()
        stored = sandbox.leads()
    assert chosen == ["name", "phone", "", "email"]
    # a screen reader tells the two Phone columns apart
    assert [t for t in labels if "Phone" in t] == ["What column Phone (B) becomes", "What column Phone (C) becomes"]
    assert sorted(str(lead.get("phone")) for lead in stored) == sorted("+91" + p[-10:] for p in phones)


def test_an_upload_over_the_size_limit_says_so_and_no_longer_says_uploading(browser: Any, tmp_path: Path) -> None:
    """A file over --max-upload-mb: the page says it is too large, and its status line (what a screen reader
    announces) no longer says "Uploading big.csv…" as if the upload were still on its way."""
    big = tmp_path / "big.csv"
    big.write_bytes(b"Name,Phone\n" + b"Asha,9876543210\n" * 150_000)  # 2.4 MB
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        env = {"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": sandbox.base_url, "VOX_PROJECT_ID": PROJECT}
        server = WebServer(
            port=0, max_upload_mb=1, ledger_path=tmp_path / "l.db", mappings_dir=tmp_path / "m", environ=env
        )
        server.start()
        try:
            page = browser.new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(big))
            page.get_by_role("button", name="Upload and read it").click()
            alert = page.get_by_role("alert")
            alert.wait_for(timeout=30_000)
            said, status = alert.inner_text(), page.locator("#upload-status").inner_text()
            page.close()
        finally:
            server.stop()
    assert "larger than 1 MB" in said
    assert "Uploading" not in status
