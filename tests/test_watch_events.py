"""File-system events wake the watcher: a dropped file is taken at once, not at the next poll; polling alone
(``--poll-only``, or where events do not fire, such as network shares) still takes it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import wait_until

LONG_POLL = 3600.0
"""Far longer than any test waits: a file taken meanwhile was taken because of an event."""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000)
    with Sandbox(settings) as crm:
        yield crm


def _watcher(tmp_path: Path, crm: Sandbox, *, poll: float, events: bool) -> tuple[Watcher, Path, threading.Thread]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    settings = WatchSettings(
        inbox=inbox, ledger=tmp_path / "ledger.db", token=TOKEN, base_url=crm.base_url,
        mapping=tmp_path / "mapping.yaml", settle=0.0, poll=poll, events=events, report_format="csv",
    )  # fmt: skip
    watcher = Watcher(settings)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    wait_until(lambda: (inbox / "processing").is_dir(), message="the watcher started")
    return watcher, inbox, thread


def _drop(inbox: Path, name: str, phones: list[str]) -> None:
    """Write the sheet beside the inbox, then move it in, as a copy tool finishing a file does."""
    staged = write_sheet(inbox.parent / name, phones)
    staged.rename(inbox / name)


def _done(inbox: Path) -> list[Path]:
    return sorted(p for p in (inbox / "done").iterdir() if p.suffix == ".csv" and ".report." not in p.name)


def test_a_dropped_file_is_taken_on_its_event_without_waiting_for_the_poll(tmp_path: Path, sandbox: Sandbox) -> None:
    """With an hour between polls, a file moved into the inbox is imported within seconds: the event woke the
    watcher."""
    watcher, inbox, thread = _watcher(tmp_path, sandbox, poll=LONG_POLL, events=True)
    try:
        events = wait_until(lambda: watcher.events, message="the watcher listens for file events")
        assert events is not None
        wait_until(events.armed.is_set, message="file events are watched for")
        phones = good_phones(30, seed=31)
        _drop(inbox, "leads.csv", phones)
        (done,) = wait_until(lambda: _done(inbox), timeout=60, message="the dropped file is done")
        assert done.name.endswith("_leads.csv")
        assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted("+91" + p for p in phones)
    finally:
        watcher.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_polling_alone_still_takes_a_dropped_file(tmp_path: Path, sandbox: Sandbox) -> None:
    """Events off (``--poll-only``): the next poll finds the file and imports it."""
    watcher, inbox, thread = _watcher(tmp_path, sandbox, poll=0.2, events=False)
    try:
        assert watcher.events is None
        phones = good_phones(30, seed=32)
        _drop(inbox, "leads.csv", phones)
        wait_until(lambda: _done(inbox), message="the dropped file is done")
        assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted("+91" + p for p in phones)
    finally:
        watcher.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()
