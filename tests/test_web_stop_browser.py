"""The upload page's stop, in headless Chromium: the CRM's words quoted in it, whatever they hold, are one clean
line, with their whole text a click away."""

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
