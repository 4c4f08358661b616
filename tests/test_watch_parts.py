"""The watcher's parts on real files and a real ledger: settle rules, ignored names, the inbox lock, the
drop tables beside an older ledger, folder layout, webhook signing."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from importer.errors import StopKind
from importer.ledger.drops import DropLedger, InboxTaken
from importer.ledger.store import Ledger
from importer.send.pending import PendingKind
from importer.watch.layout import find_sources, original_name, stamp_time, stamped
from importer.watch.notify import sign
from importer.watch.settle import BROKEN_ZIP_FACTOR, Settler, is_ignored
from importer.watch.stops import Verdict, classify


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    "name",
    [".hidden.csv", "~$leads.xlsx", "leads.csv.tmp", "leads.csv.part", "leads.xlsx.crdownload", "a.csv.filepart"],
)
def test_names_copy_tools_use_while_writing_are_never_taken(name: str) -> None:
    """Dotfiles, Office lock files and partial downloads are ignored."""
    assert is_ignored(name)


def test_ordinary_names_and_markers() -> None:
    """A plain export is taken; its .done marker is not a file to import."""
    assert not is_ignored("Leads 2026-12-06.csv")
    assert is_ignored("leads.csv.done", ".done")
    assert not is_ignored("leads.csv.done")


def test_a_file_is_taken_only_after_it_stopped_changing_for_the_settle_time(tmp_path: Path) -> None:
    """Size or mtime changing restarts the settle time, measured on the watcher's clock, not the file's mtime."""
    clock = FakeClock()
    settler = Settler(30.0, clock=clock)
    path = tmp_path / "leads.csv"
    path.write_text("Name,Phone\n")
    os.utime(path, (0, 0))  # a copied file keeps an old mtime: that must not make it look settled
    assert not settler.check(path).ready
    clock.now += 29
    assert not settler.check(path).ready
    with path.open("a") as handle:
        handle.write("A,9876543210\n")
    clock.now += 2
    assert not settler.check(path).ready  # changed: the 30 s start again
    clock.now += 29
    assert not settler.check(path).ready
    clock.now += 1.5
    assert settler.check(path).ready


def test_an_empty_file_waits_and_one_that_stays_empty_is_taken_later(tmp_path: Path) -> None:
    """A copy tool may create the file before writing it: empty, it waits; still empty after several settle
    periods, it is taken (and fails as empty) instead of staying in the inbox for good."""
    clock = FakeClock()
    settler = Settler(1.0, clock=clock)
    path = tmp_path / "leads.csv"
    path.write_bytes(b"")
    settler.check(path)
    clock.now += 1.5
    verdict = settler.check(path)
    assert not verdict.ready and verdict.waiting_for == "empty"
    clock.now += 1.0 * BROKEN_ZIP_FACTOR
    assert settler.check(path).ready


def test_marker_file_is_required_when_asked(tmp_path: Path) -> None:
    clock = FakeClock()
    settler = Settler(1.0, marker=".done", clock=clock)
    path = tmp_path / "leads.csv"
    path.write_text("Name,Phone\nA,9876543210\n")
    settler.check(path)
    clock.now += 5
    assert not settler.check(path).ready
    (tmp_path / "leads.csv.done").write_text("")
    assert settler.check(path).ready


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>" * 200)
        archive.writestr("xl/workbook.xml", "<workbook/>" * 200)
    return buffer.getvalue()


def test_a_workbook_still_being_copied_waits_and_one_truncated_for_good_is_taken_later(tmp_path: Path) -> None:
    """An xlsx that does not open as a zip is not taken at the settle time; unchanged for several settle
    periods, it is taken (and then fails as unreadable)."""
    clock = FakeClock()
    settler = Settler(2.0, clock=clock)
    path = tmp_path / "leads.xlsx"
    path.write_bytes(_xlsx_bytes()[:300])
    settler.check(path)
    clock.now += 2.5
    assert settler.check(path).waiting_for == "workbook not complete yet"
    clock.now += 2.0 * BROKEN_ZIP_FACTOR
    assert settler.check(path).ready
    whole = tmp_path / "whole.xlsx"
    whole.write_bytes(_xlsx_bytes())
    settler.check(whole)
    clock.now += 2.5
    assert settler.check(whole).ready


def test_stamped_names_sort_by_time_and_keep_the_original_name() -> None:
    from datetime import UTC, datetime

    first = stamped("b.csv", datetime(2026, 12, 6, 9, 5, 3, 120000, tzinfo=UTC))
    second = stamped("a.csv", datetime(2026, 12, 6, 21, 0, 0, tzinfo=UTC))
    assert first == "20261206T090503,120Z_b.csv" and first < second
    assert original_name(first) == "b.csv"
    assert stamp_time(first) == datetime(2026, 12, 6, 9, 5, 3, 120000, tzinfo=UTC)
    older = "20261206T090503.120Z_b.csv"  # the dot earlier watchers wrote
    assert original_name(older) == "b.csv" and stamp_time(older) == stamp_time(first)
    assert Path(stamped("leads")).suffix == ""  # a name without a type keeps none
    assert original_name("plain.csv") == "plain.csv"


def test_sources_are_subfolders_with_a_mapping_of_their_name(tmp_path: Path) -> None:
    inbox, mappings = tmp_path / "inbox", tmp_path / "maps"
    for folder in ("dealer", "events", "stray", "done"):
        (inbox / folder).mkdir(parents=True)
    mappings.mkdir()
    (mappings / "dealer.yaml").write_text("x")
    (mappings / "events.yml").write_text("x")
    (mappings / "done.yaml").write_text("x")  # the watcher's own folders are no source
    names = [s.name for s in find_sources(inbox, tmp_path / "main.yaml", mappings)]
    assert names == ["", "dealer", "events"]


def test_a_second_watcher_is_refused_naming_the_first_and_a_dead_one_is_taken_over(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    first, second = DropLedger(ledger), DropLedger(ledger)
    try:
        assert first.take_inbox("/in", stale_after=60) is None
        with pytest.raises(InboxTaken) as refused:
            second.take_inbox("/in", stale_after=60)
        assert f"process {os.getpid()}" in str(refused.value)
        assert refused.value.exit_code == 2
        # a holder whose process is gone is taken over at once
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        with sqlite3.connect(ledger) as conn:
            conn.execute("UPDATE drop_inboxes SET pid = ?", (int(dead.stdout),))
        previous = second.take_inbox("/in", stale_after=60)
        assert previous is not None and previous.pid == int(dead.stdout)
        assert not first.beat("/in")  # the first one learns it lost the inbox
        assert second.beat("/in")
    finally:
        first.close()
        second.close()


def test_an_old_ledger_gains_the_drop_tables_and_keeps_its_runs(tmp_path: Path) -> None:
    """A ledger written before the watcher existed opens for the watcher, its runs and schema untouched."""
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        run = ledger.begin_run(file="a.csv", fingerprint="f", mapping="m", project_id="p", process_id="q", command="")
        ledger.end_run(run, counts={"accepted": 1}, outcome="complete", report=None)
    with sqlite3.connect(path) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    drops = DropLedger(path)
    drops.close()
    with Ledger(path) as ledger:
        assert [r.run_id for r in ledger.runs()] == [run]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == version
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"drop_files", "drop_inboxes"} <= tables


def test_drop_tables_of_a_newer_leadimport_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    DropLedger(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'drops_schema'")
    with pytest.raises(Exception, match="newer leadimport"):
        DropLedger(path)


def test_webhook_signature_is_hmac_sha256_of_the_body() -> None:
    body = json.dumps({"file": "a.csv"}).encode()
    expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert sign(body, "s3cret") == f"sha256={expected}"


_SENDING, _UNCONFIRMED = {PendingKind.ANOTHER_RUN, PendingKind.UNCONFIRMED}, {PendingKind.UNCONFIRMED}


@pytest.mark.parametrize(
    ("stop", "pending", "why", "verdict"),
    [
        (None, 0, set(), Verdict.NONE),
        (None, 5, _SENDING, Verdict.BUSY),  # rows another import was sending: taken up again soon, not a CRM outage
        (None, 5, _UNCONFIRMED, Verdict.UNCONFIRMED),  # rows the CRM has not confirmed: looked up after a wait
        (StopKind.KEY_BLOCKED, 5, _SENDING, Verdict.KEY_BLOCKED),
        (StopKind.AUTH_FAILED, 5, _SENDING, Verdict.FATAL),
        (StopKind.PROCESS_NOT_FOUND, 5, _UNCONFIRMED, Verdict.FATAL),
        (StopKind.LEDGER, 5, _UNCONFIRMED, Verdict.FATAL),
        (StopKind.CRM_DOWN, 5, _UNCONFIRMED, Verdict.TRANSIENT),
        (StopKind.NETWORK, 5, _SENDING, Verdict.TRANSIENT),
        (StopKind.RATE_LIMITED, 5, _UNCONFIRMED, Verdict.TRANSIENT),
        (StopKind.INTERRUPTED, 5, _SENDING, Verdict.INTERRUPTED),
    ],
)
def test_stops_are_told_apart(stop: StopKind | None, pending: int, why: set[PendingKind], verdict: Verdict) -> None:
    """A key block is waited out, a failing CRM backed off from, a 403 stops the watcher; rows left pending
    without a stop wait for another import, or for the CRM to confirm them."""
    assert classify(stop, pending=pending, why=why, stopping=False) is verdict


def test_keep_days_prunes_only_done_of_files_taken_long_ago(tmp_path: Path) -> None:
    """Files, reports and results older than N days go from done/; failed/ and newer files stay."""
    from datetime import UTC, datetime, timedelta

    from importer.watch.layout import Source, prune_done

    source = Source("", tmp_path, tmp_path / "m.yaml")
    source.make_folders()
    old = stamped("old.csv", datetime.now(UTC) - timedelta(days=10))
    new = stamped("new.csv", datetime.now(UTC) - timedelta(days=1))
    for folder in ("done", "failed"):
        for name in (old, new):
            for suffix in ("", ".report.xlsx", ".result.json"):
                (tmp_path / folder / f"{name}{suffix}").write_text("x")
    assert prune_done(source, 7) == 3
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == [new, f"{new}.report.xlsx", f"{new}.result.json"]
    assert len(list((tmp_path / "failed").iterdir())) == 6
