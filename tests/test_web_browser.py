"""The upload page in a real headless Chromium (Debian's, driven by Playwright) against `serve` and the sandbox CRM.

Set LEADIMPORT_SCREENSHOTS=docs/web to write a screenshot of each step (docs/upload-page.md shows them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

import importer
from importer.web.server import WebServer
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.web_fixtures import TITLE, two_sheet_workbook

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.exists():
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: /usr/bin/chromium is missing (.ci/run installs it).")
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium); CI installs it", allow_module_level=True
    )

sync_api = pytest.importorskip("playwright.sync_api")


class Recorder:
    """ASGI middleware keeping every response the server sends (headers and body), to look for the token."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.sent: list[bytes] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.sent.append(b"".join(k + b": " + v + b"\n" for k, v in message.get("headers", [])))
            elif message["type"] == "http.response.body":
                self.sent.append(message.get("body", b""))
            await send(message)

        await self.app(scope, receive, keep)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def _server(tmp_path: Path, sandbox: importer.Sandbox) -> tuple[WebServer, Recorder]:
    env = {"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": sandbox.base_url, "VOX_PROJECT_ID": PROJECT}
    server = WebServer(port=0, ledger_path=tmp_path / "ledger.sqlite3", mappings_dir=tmp_path / "mappings", environ=env)
    recorder = Recorder(server.app)
    server.server.config.app = recorder
    server.start()
    return server, recorder


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("LEADIMPORT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _every_control_labelled(page: Any) -> None:
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
             .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')).map(e => e.name || e.id)"""
    )
    assert unlabelled == [], f"controls without a label: {unlabelled}"


def test_a_workbook_through_every_step(browser: Any, tmp_path: Path) -> None:
    """Two sheets with title rows: upload, sheet, columns, review, an inline fix, send, XLSX report; the
    sandbox holds exactly the valid leads, and no response ever carried the API token."""
    path, phones = two_sheet_workbook(tmp_path / "dealer leads.xlsx")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, recorder = _server(tmp_path, sandbox)
        try:
            context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(server.login_url())
            assert page.get_by_role("heading", name="Upload a lead file").is_visible()
            _every_control_labelled(page)
            _shot(page, "1-upload")
            page.get_by_label(re.compile("Lead file")).set_input_files(str(path))
            page.get_by_role("button", name="Upload and read it").click()
            page.wait_for_url(re.compile(r"/sheet$"))
            page.get_by_role("heading", name="Sheet and header").wait_for()
            assert page.get_by_text(TITLE[0]).is_visible()
            assert page.get_by_text(re.compile("also looks like leads")).is_visible()
            _every_control_labelled(page)
            _shot(page, "2-sheet-and-header")
            page.get_by_role("button", name="Next: match the columns").click()
            page.get_by_role("heading", name="Match the columns").wait_for()
            assert page.get_by_label("What column Mobile No. becomes").input_value() == "phone"
            page.get_by_label("Process id").fill(PROCESS)
            _every_control_labelled(page)
            _shot(page, "3-columns")
            page.get_by_role("button", name="Next: check every row").click()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for()
            assert page.locator("#row-8 td.bad").count() == 1
            assert "This is not a valid phone number" in page.locator("#row-8").inner_text()
            _every_control_labelled(page)
            _shot(page, "4-review")
            # 200% zoom: half the width, and nothing but the grid scrolls sideways
            page.set_viewport_size({"width": 640, "height": 900})
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
            page.set_viewport_size({"width": 1280, "height": 900})
            # fix row 8 from the keyboard: type the full number and press Enter
            cell = page.get_by_label("Mobile No., row 8")
            cell.fill(phones["fixed"][0])
            cell.press("Enter")
            page.wait_for_url(re.compile(r"#row-8$"))
            assert "valid" in page.locator("#row-8").inner_text()
            assert "was: 9812345" in page.locator("#row-8").inner_text()
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name=re.compile("^Results for")).wait_for(timeout=60_000)
            _shot(page, "5-results")
            assert page.get_by_text("Finished").is_visible()
            with page.expect_download() as download:
                page.get_by_role("link", name=re.compile(r"Report \(Excel")).click()
            report = tmp_path / "downloaded.xlsx"
            download.value.save_as(report)
            page.goto(f"{server.base_url}/history")
            assert page.get_by_role("cell", name="leadimport serve (upload page)").is_visible()
            _shot(page, "6-history")
            context.close()
            stored = {str(lead.get("phone") or lead.get("phoneNumber"))[-10:] for lead in sandbox.leads()}
        finally:
            server.stop()
    assert stored == {phones["valid"][0], phones["valid"][1], phones["valid"][2], phones["fixed"][0]}
    rows = list(load_workbook(report, read_only=True)["Rows"].iter_rows(values_only=True))
    header = list(rows[0])
    status = {r[header.index("sheet_row")]: r[header.index("status")] for r in rows[1:]}
    assert status == {5: "accepted", 6: "accepted", 7: "accepted", 8: "accepted", 9: "duplicate", 10: "invalid"}
    sent = b"".join(recorder.sent)
    assert b"/u/" in sent and TOKEN.encode() not in sent


def test_a_reload_during_the_send_shows_progress_then_the_result(browser: Any, tmp_path: Path) -> None:
    """A file dropped on the page; its send runs on the server: a reloaded page shows the live progress,
    then the final counts. (The CRM stores nothing until the reloaded page showed the progress.)"""
    phones = good_phones(40, seed=5)
    sheet = tmp_path / "slow.csv"
    sheet.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), bulk_cap=1)
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(server.login_url())
            # dropped onto the box, as from a file manager
            dropped = page.evaluate_handle(
                """(text) => { const d = new DataTransfer();
                    d.items.add(new File([text], 'slow.csv', {type: 'text/csv'})); return d; }""",
                sheet.read_text(encoding="utf-8"),
            )
            page.dispatch_event("#drop", "drop", {"dataTransfer": dropped})
            page.get_by_role("button", name="Next: match the columns").click()
            page.get_by_label("Process id").fill(PROCESS)
            page.get_by_role("button", name="Next: check every row").click()
            # 40 requests of one lead: the first waits at the CRM until the reloaded page showed the progress
            sandbox.hold(creates_only=True)
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name="Sending slow.csv").wait_for()
            page.reload()
            status = page.get_by_role("status")
            assert status.is_visible()
            page.wait_for_function(
                "() => /of 40/.test(document.querySelector('[role=status]')?.textContent || '')", timeout=30_000
            )
            assert not sandbox.leads()  # the send is under way: nothing stored yet
            sandbox.release()
            page.get_by_role("heading", name="Results for slow.csv").wait_for(timeout=60_000)
            accepted = page.locator("tr.st-accepted td").first.inner_text()  # then what it means
            context.close()
        finally:
            server.stop()
        assert len(sandbox.leads()) == 40
    assert accepted == "40"


def test_the_browser_is_refused_without_cookie_or_csrf_token(browser: Any, tmp_path: Path) -> None:
    """A browser without the sign-in cookie sees "Sign in needed"; a signed-in POST without the token is refused."""
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            stranger = browser.new_context()
            page = stranger.new_page()
            response = page.goto(f"{server.base_url}/history")
            assert response is not None and response.status == 401
            assert page.get_by_role("heading", name="Sign in needed").is_visible()
            stranger.close()
            context = browser.new_context()
            page = context.new_page()
            page.goto(server.login_url())
            refused = context.request.post(
                f"{server.base_url}/upload",
                multipart={"file": {"name": "a.csv", "mimeType": "text/csv", "buffer": b"Name,Phone\n"}},
            )
            assert refused.status == 403
            refused_form = context.request.post(f"{server.base_url}/u/none/send", form={"x": "1"})
            assert refused_form.status == 403
            context.close()
        finally:
            server.stop()


def test_a_double_click_on_upload_sends_the_file_once(browser: Any, tmp_path: Path) -> None:
    """An impatient double-click on "Upload and read it" makes one upload, not two of the same file; back on
    the upload page, the next file uploads."""
    path = tmp_path / "leads.csv"
    path.write_text("Name,Phone\n" + "".join(f"L{i},{p}\n" for i, p in enumerate(good_phones(3, seed=85))))
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_context().new_page()
            requests: list[str] = []
            page.on("request", lambda request: requests.append(request.url) if request.method == "POST" else None)
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(path))
            page.get_by_role("button", name="Upload and read it").dblclick()
            page.wait_for_url(re.compile(r"/sheet$"))
            page.get_by_role("heading", name="Sheet and header").wait_for()
            assert [url for url in requests if url.endswith("/upload")] == [f"{server.base_url}/upload"]
            page.go_back()  # the browser may show the page as it was left: the next file still uploads
            page.get_by_label(re.compile("Lead file")).set_input_files(str(path))
            page.get_by_role("button", name="Upload and read it").click()
            page.wait_for_url(re.compile(r"/sheet$"))
            assert len([url for url in requests if url.endswith("/upload")]) == 2
        finally:
            server.stop()
