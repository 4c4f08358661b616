"""A sender that pauses longer than the settle time in the middle of writing a file: the watcher has taken it
by then, and what is written after the claim goes into the moved file. Every row must still get in, once,
and the file's result and report must be those of the file as it ended."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from importer.errors import SourceError
from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones
from tests.waiting import wait_until

FAST = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(FAST) as crm:
        yield crm


@pytest.fixture
def watcher(tmp_path: Path, sandbox: Sandbox) -> Iterator[Watcher]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    settings = WatchSettings(
        inbox=inbox, ledger=tmp_path / "l.db", token=TOKEN, base_url=sandbox.base_url, mapping=tmp_path / "mapping.yaml",
        settle=0.2, poll=0.05, events=False, report_format="csv",
    )  # fmt: skip
    watcher = Watcher(settings)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    wait_until(lambda: (inbox / "processing").is_dir(), message="the watcher started")
    try:
        yield watcher
    finally:
        sandbox.release()
        watcher.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()


def _rows(phones: list[str], start: int = 0) -> str:
    return "".join(f"P{start + i},{p},p{start + i}@example.com,Pune\n" for i, p in enumerate(phones))


def _finished(folder: Path) -> Path | None:
    found = [p for p in folder.iterdir() if p.name.endswith(".result.json")] if folder.is_dir() else []
    return found[0] if found else None


def _stored(crm: Sandbox) -> list[str]:
    return sorted(str(lead["phone"]) for lead in crm.leads())


def _check_all_in_once(watcher: Watcher, sandbox: Sandbox, phones: list[str], caplog: pytest.LogCaptureFixture) -> None:
    inbox = watcher.settings.inbox
    result_file = wait_until(lambda: _finished(inbox / "done"), timeout=60, message="the file is done")
    assert result_file is not None
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert _stored(sandbox) == sorted("+91" + p for p in phones)  # every row in, none twice
    assert result["counts"] == {"accepted": len(phones)} and result["read_again"] >= 1
    assert "changed after it was taken" in result["text"]
    assert "changed after it was taken" in caplog.text
    with Path(result["report"]).open(encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert len(report) == len(phones) and {row["status"] for row in report} == {"accepted"}


def test_rows_appended_after_the_claim_are_imported_too(
    watcher: Watcher, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A CSV written row by row by a sender that pauses longer than --settle: the rows it appends once the file is
    taken (and read) are imported as well, and the rows sent before are not sent again."""
    caplog.set_level(logging.INFO, logger="importer.watch")
    phones = good_phones(5, seed=91)
    sandbox.hold()  # the first rows' requests wait at the CRM: the file has been read when they arrive
    with (watcher.settings.inbox / "leads.csv").open("w", encoding="utf-8") as sender:
        sender.write("Name,Phone,Email,City\n" + _rows(phones[:3]))
        sender.flush()
        wait_until(lambda: sandbox.stats().held >= 1, message="the file was taken, read and is being sent")
        sender.write(_rows(phones[3:], start=3))  # the sender goes on, into the file now in processing/
    sandbox.release()
    _check_all_in_once(watcher, sandbox, phones, caplog)


def _workbook(phones: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone", "Email", "City"])
    for i, phone in enumerate(phones):
        sheet.append([f"P{i}", phone, f"p{i}@example.com", "Pune"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_saved_again_over_its_open_handle_is_imported_as_it_ends(
    watcher: Watcher, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """An XLSX saved whole, then saved again with more rows through the same open file (after a pause longer than
    --settle): the rows of the second save are imported, the first save's rows once."""
    caplog.set_level(logging.INFO, logger="importer.watch")
    phones = good_phones(5, seed=92)
    sandbox.hold()
    with (watcher.settings.inbox / "leads.xlsx").open("wb") as sender:
        sender.write(_workbook(phones[:3]))
        sender.flush()
        wait_until(lambda: sandbox.stats().held >= 1, message="the file was taken, read and is being sent")
        sender.seek(0)
        sender.truncate()
        sender.write(_workbook(phones))
    sandbox.release()
    _check_all_in_once(watcher, sandbox, phones, caplog)


def test_a_workbook_saved_again_under_its_name_is_a_new_drop_and_sends_each_row_once(
    watcher: Watcher, sandbox: Sandbox
) -> None:
    """Excel and most tools save a workbook by writing a new file and renaming it over the old name: once the
    first save was taken, the second is a new file in the inbox; it is imported too, the rows of the first
    save are not sent again, and each file's result says what became of its rows."""
    phones = good_phones(5, seed=94)
    inbox = watcher.settings.inbox
    sandbox.hold()
    staged = inbox.parent / "staged.xlsx"
    staged.write_bytes(_workbook(phones[:3]))
    staged.rename(inbox / "leads.xlsx")
    wait_until(lambda: sandbox.stats().held >= 1, message="the first save was taken, read and is being sent")
    staged.write_bytes(_workbook(phones))
    staged.rename(inbox / "leads.xlsx")
    sandbox.release()
    wait_until(lambda: len(list((inbox / "done").glob("*.result.json"))) == 2, timeout=60, message="both are done")
    results = sorted((inbox / "done").glob("*.result.json"))
    counts = sorted(sorted(json.loads(path.read_text(encoding="utf-8"))["counts"].items()) for path in results)
    assert _stored(sandbox) == sorted("+91" + p for p in phones)
    assert counts == sorted([[("accepted", 3)], [("accepted", 2), ("already-imported", 3)]])


def test_a_workbook_taken_before_its_end_was_written_is_read_once_it_is_whole(
    watcher: Watcher, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A workbook whose sender stalls halfway for longer than four settle periods is taken unreadable; when the
    sender then writes the rest (here: held until the first read has failed), the file is read again once it
    stops changing and imported whole, instead of landing in failed/ with its rows never sent."""
    import importer.watch.files as files

    caplog.set_level(logging.INFO, logger="importer.watch")
    real = files._prepare
    read_failed, written = threading.Event(), threading.Event()

    def prepare(path: Path, mapping: object) -> object:
        try:
            return real(path, mapping)
        except SourceError:
            if not read_failed.is_set():
                read_failed.set()
                assert written.wait(60)
            raise

    monkeypatch.setattr(files, "_prepare", prepare)
    phones = good_phones(5, seed=95)
    book = _workbook(phones)
    with (watcher.settings.inbox / "leads.xlsx").open("wb") as sender:
        sender.write(book[: len(book) // 2])
        sender.flush()
        assert read_failed.wait(60)  # taken after four settle periods, and not readable
        sender.write(book[len(book) // 2 :])
    written.set()
    _check_all_in_once(watcher, sandbox, phones, caplog)
    assert not (watcher.settings.inbox / "failed").exists() or not any((watcher.settings.inbox / "failed").iterdir())
