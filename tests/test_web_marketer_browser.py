"""The upload page in Debian's headless Chromium, as a marketer meets it on a phone, from the keyboard, with two
tabs and the back button (tests/test_web_marketer.py has the same journey over HTTP)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import importer
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import TOKEN, good_phones
from tests.test_web_browser import _server, browser

__all__ = ["browser"]  # the module's Chromium, shared with test_web_browser

PHONE = {"width": 390, "height": 844}


def _wide_sheet(path: Path, rows: int = 12) -> Path:
    """A CRM export with 40 columns: the lead's four, then 36 custom fields."""
    phones = good_phones(rows, seed=85)
    header = ["First Name", "Last Name", "Mobile Phone", "Email"] + [f"Custom Field {k}" for k in range(36)]
    lines = [",".join(header)]
    for i, phone in enumerate(phones):
        lines.append(
            ",".join([f"Asha{i}", f"Rao{i}", phone, f"asha{i}@example.com"] + [f"v{i}-{k}" for k in range(36)])
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sideways(page: Any) -> int:
    """How far the page itself scrolls sideways, in pixels (a wide grid scrolls in its own box, not the page)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def test_every_step_fits_a_phone_wide_window(browser: Any, tmp_path: Path) -> None:
    """On a phone (390 px wide) no step's page scrolls sideways, a file of 40 columns included: the sheet page's
    encoding choice and the Columns page's table of 40 columns fit the width (each column's choice within reach
    without scrolling the whole page sideways); only the review grid scrolls, in its own box."""
    sheet = _wide_sheet(tmp_path / "crm export.csv")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            context = browser.new_context(viewport=PHONE)
            page = context.new_page()
            page.goto(server.login_url())
            wide = {"upload": _sideways(page)}
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("heading", name="Sheet and header").wait_for()
            wide["sheet"] = _sideways(page)
            page.get_by_role("button", name="Next: match the columns").last.click()
            page.get_by_role("heading", name="Match the columns").wait_for()
            wide["columns"] = _sideways(page)
            select = page.get_by_label("What column Custom Field 35 becomes")
            box = select.bounding_box()
            page.get_by_label("Process id").fill(PROCESS)
            page.get_by_role("button", name="Next: check every row").last.click()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for(timeout=60_000)
            wide["review"] = _sideways(page)
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name=re.compile("^Results for")).wait_for(timeout=60_000)
            wide["results"] = _sideways(page)
            page.goto(f"{server.base_url}/history")
            wide["history"] = _sideways(page)
            context.close()
        finally:
            server.stop()
    assert wide == dict.fromkeys(wide, 0)
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_a_wide_sheet_shows_each_rows_problem_and_actions_without_scrolling(browser: Any, tmp_path: Path) -> None:
    """A 40-column export with a row whose phone is too short: on the review, that row's problem, its correction
    box and its Exclude button are in view beside the lead's own columns, not after 36 columns of extra
    information that had to be scrolled past; the extra columns are still shown, after them."""
    sheet = _wide_sheet(tmp_path / "crm export.csv")
    lines = sheet.read_text(encoding="utf-8").splitlines()
    cells = lines[3].split(",")
    cells[2] = "98123"
    lines[3] = ",".join(cells)  # sheet row 4
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("heading", name="Sheet and header").wait_for()
            page.get_by_role("button", name="Next: match the columns").last.click()
            page.get_by_role("heading", name="Match the columns").wait_for()
            page.get_by_role("button", name="Next: check every row").last.click()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for(timeout=60_000)
            row = page.locator("#row-4")
            row.scroll_into_view_if_needed()
            problem = row.locator("td.problems").bounding_box()
            exclude = row.get_by_role("button", name="Exclude row 4").bounding_box()
            fix = page.get_by_label("Mobile Phone, row 4").bounding_box()
            headers = page.locator("table.grid thead th").all_inner_texts()
            context.close()
        finally:
            server.stop()
    for box in (problem, exclude, fix):
        assert box is not None and box["x"] >= 0 and box["x"] + min(box["width"], 100) <= 1280, box
    assert "Custom Field 35" in headers and headers.index("Problems") < headers.index("Custom Field 0")


def test_back_after_send_shows_the_leads_in_the_crm_and_sends_nothing_again(browser: Any, tmp_path: Path) -> None:
    """After Send, the browser's Back button shows the review again: it says the leads are in the CRM now and its
    Send button is off, instead of inviting a second send that found them all already imported and replaced the
    results with "already-imported 4". A row corrected there afterwards is sent by itself."""
    phones = good_phones(5, seed=86)
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones[:4])) + "Lead 4,98123\n",
        encoding="utf-8",
    )
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
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name="Results for leads.csv").wait_for(timeout=60_000)
            page.go_back()
            page.get_by_role("heading", name=re.compile("^Review")).wait_for()
            back = page.locator("main").inner_text()
            send_enabled = page.get_by_role("button", name="Send the valid leads to the CRM").is_enabled()
            cell = page.get_by_label("Phone, row 6")
            cell.fill(phones[4])
            cell.press("Enter")
            page.wait_for_url(re.compile(r"#row-6$"))
            page.get_by_role("button", name="Send the valid leads to the CRM").click()
            page.get_by_role("heading", name="Results for leads.csv").wait_for(timeout=60_000)
            page.reload()
            counts = {
                row.locator("th").inner_text(): row.locator("td").first.inner_text()
                for row in page.locator("table.counts tbody tr").all()
            }
        finally:
            server.stop()
        stored = len(sandbox.leads())
    assert not send_enabled
    assert "Nothing is left to send: 4 leads of this file are in the CRM already" in " ".join(back.split())
    assert counts == {"already-imported": "4", "accepted": "1"} and stored == 5


def test_the_encoding_is_chosen_from_the_keyboard_and_enter_goes_on(browser: Any, tmp_path: Path) -> None:
    """Keyboard only: Tab to the encoding, choose Cyrillic by typing it, Enter reads the file again and
    the name reads Олег; Enter in the header row field then goes on to the Columns page (the form's main action),
    not to reading the file again."""
    phones = good_phones(2, seed=94)
    sheet = tmp_path / "webinar.csv"
    oleg = "Олег"
    sheet.write_bytes(f"Name,Phone\r\n{oleg},{phones[0]}\r\nJohn Smith,{phones[1]}\r\n".encode("cp1251"))
    settings = importer.SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with importer.Sandbox(settings) as sandbox:
        server, _ = _server(tmp_path, sandbox)
        try:
            page = browser.new_context().new_page()
            page.goto(server.login_url())
            page.get_by_label(re.compile("Lead file")).set_input_files(str(sheet))
            page.get_by_role("button", name="Upload and read it").click()
            page.get_by_role("heading", name="Sheet and header").wait_for()
            before = page.locator("main").inner_text()
            for _ in range(30):  # Tab until the encoding has the focus
                page.keyboard.press("Tab")
                if page.evaluate("document.activeElement.id") == "encoding":
                    break
            chosen = page.evaluate("document.activeElement.id")
            page.keyboard.type("Cyrillic, W")  # a closed select's type-ahead, as a keyboard user picks from it
            picked = page.get_by_label("Encoding").input_value()
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            page.wait_for_load_state()
            page.get_by_role("heading", name="Sheet and header").wait_for()
            page.get_by_text("Олег").first.wait_for()
            after = page.locator("main").inner_text()
            page.get_by_label("Header row number").press("Enter")
            page.get_by_role("heading", name="Match the columns").wait_for()
        finally:
            server.stop()
    assert chosen == "encoding" and picked == "cp1251"
    assert "Олег" not in before and "Олег" in after
