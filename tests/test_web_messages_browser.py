"""The upload page's messages, in headless Chromium: a stop quoting the CRM's words is one clean line with its whole
text a click away, a tab told another send runs learns when it ended, and a review offers only downloads that hold
something."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import importer
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.test_cli_doors import CRM_WORDS
from tests.test_web_browser import _server, browser
from tests.waiting import wait_until

__all__ = ["browser"]  # the module's Chromium, shared with test_web_browser

_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _send(page: Any, sheet: Path) -> None:
    """Upload ``sheet``, take the suggested columns with India and the process, check the rows and send."""
    _upload_and_check(page, sheet)
    page.get_by_role("button", name="Send the valid leads to the CRM").click()
    page.get_by_role("heading", name=re.compile("^Results for")).wait_for(timeout=60_000)


def _upload_and_check(page: Any, sheet: Path) -> None:
    """Upload ``sheet``, take the suggested columns with India and the process, and check the rows."""
    page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and read it").click()
    page.get_by_role("heading", name="Sheet and header").wait_for()
    page.get_by_role("button", name="Next: match the columns").last.click()
    page.get_by_role("heading", name="Match the columns").wait_for()
    page.get_by_label("Default country").select_option("IN")
    page.get_by_label("Process id").fill(PROCESS)
    page.get_by_role("button", name="Next: check every row").last.click()
    page.get_by_role("heading", name=re.compile("^Review")).wait_for(timeout=60_000)


def test_a_stop_quoting_a_crm_message_of_several_lines_is_one_clean_line(browser: Any, tmp_path: Path) -> None:
    """The CRM blocks the key with words of several lines holding a colour code and a right-to-left override: the
    page's stop message is one line with none of them (the override would show the text after it backwards), and
    "The whole message" shows every line of it."""
    phones = good_phones(6, seed=502)
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\n" + "".join(f"Asha {i},{p},a{i}@example.com\n" for i, p in enumerate(phones)))
    settings = importer.SandboxSettings(
        token=TOKEN,
        project_id=PROJECT,
        process_ids=(PROCESS,),
        dup_threshold=0,
        block_message=CRM_WORDS,
        preexisting_phones=frozenset({f"+91{phones[0]}"}),
    )
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_page()
            page.goto(server.login_url())
            _send(page, sheet)
            shown = page.locator(".paused, .error").first.text_content()
            page.get_by_text("The whole message").first.click()
            whole = page.locator(".whole-message").first.inner_text()
            page.close()
        finally:
            server.stop()
    assert shown is not None and not _HIDDEN.search(shown), repr(shown)
    assert "for duplicate submissions. Contact support" in " ".join(shown.split())
    assert "for duplicate submissions.\nContact support" in whole


def test_a_tab_told_another_send_runs_says_so_no_longer_once_it_finished(browser: Any, tmp_path: Path) -> None:
    """Two tabs send the same file: the second is told a send with this key is running. Once that send finished,
    reloading the second tab said it still was; it says the other send finished and this file can be sent, and its
    send then sends nothing twice."""
    phones = good_phones(5, seed=503)
    sheet = tmp_path / "same.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Asha {i},{p}\n" for i, p in enumerate(phones)))
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            context = browser.new_context()
            first = context.new_page()
            first.goto(server.login_url())
            second = context.new_page()
            second.goto(server.base_url + "/")
            for page in (first, second):
                _upload_and_check(page, sheet)
            sandbox.hold()
            first.get_by_role("button", name="Send the valid leads to the CRM").click()
            wait_until(lambda: sandbox.stats().held > 0)
            second.get_by_role("button", name="Send the valid leads to the CRM").click()
            busy = second.get_by_role("alert").first.inner_text()
            sandbox.release()
            first.get_by_role("heading", name=re.compile("^Results for")).wait_for(timeout=60_000)
            second.reload()
            after = second.locator("main").inner_text()
            second.get_by_role("button", name="Send the valid leads to the CRM").click()
            second.get_by_role("heading", name=re.compile("^Results for")).wait_for(timeout=60_000)
            counts = second.locator("table.counts").inner_text()
            context.close()
        finally:
            server.stop()
        stored = sandbox.leads()
    assert "already running (same.csv)" in busy
    assert "already running" not in after
    assert "The send of same.csv has finished" in after
    assert "already-imported" in counts and len(stored) == len(phones)


def test_a_check_with_nothing_to_fix_offers_no_rows_to_fix(browser: Any, tmp_path: Path) -> None:
    """A review where every row is valid offered "the rows to fix", an empty workbook; it offers the reports only,
    and a review with a row to fix still offers it."""
    phones = good_phones(3, seed=504)
    clean = tmp_path / "clean.csv"
    clean.write_text("Name,Phone\n" + "".join(f"Asha {i},{p}\n" for i, p in enumerate(phones)))
    broken = tmp_path / "broken.csv"
    broken.write_text(clean.read_text() + "Ravi,98123\n")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_page()
            page.goto(server.login_url())
            offered = {}
            for sheet in (clean, broken):
                page.goto(server.base_url + "/")
                _upload_and_check(page, sheet)
                offered[sheet.name] = page.get_by_role("link", name="rows to fix").count()
            page.close()
        finally:
            server.stop()
    assert offered == {"clean.csv": 0, "broken.csv": 1}
