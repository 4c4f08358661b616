"""Exactly-once and trust when nobody is watching, second round: a CRM that drops a lead without a word, a lead
left unconfirmed by one file holding up the others, success answers without the lead's id, cut-off files and
ledgers that cannot be written."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import importer
from importer._testing import faults
from importer.crm.dup_budget import DuplicateRule
from importer.crm.recovery import RetryPolicy
from importer.ledger import opening, store
from importer.pipeline import prepare
from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch.settle import Settler
from tests.conftest import PROCESS, PROJECT, ROOT, CliRun, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import ManualClock, wait_until


def crm_settings(**overrides: Any) -> SandboxSettings:
    """A sandbox for the test project, with the given contract variants and faults."""
    return SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, **overrides
    )


def import_into(crm: Sandbox, sheet: Path, mapping: Path, ledger: Path, *, grace: float = 0.0) -> importer.Outcome:
    """Import ``sheet`` as a scheduled run would."""
    return importer.import_file(
        sheet,
        mapping,
        token=TOKEN,
        base_url=crm.base_url,
        ledger=ledger,
        send=importer.SendOptions(inflight_grace=grace, duplicate_rule=DuplicateRule(window=1.0)),
        rate=importer.RateLimit(5000, 1.0),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
    )


def rows_by_phone(outcome: importer.Outcome) -> dict[str, tuple[str, str, str]]:
    """National phone → (status, reason, lead_id) of its row."""
    rows = outcome.rows
    return {
        str(phone)[-10:]: (str(status), str(reason) if isinstance(reason, str) else "", str(lead_id or ""))
        for phone, status, reason, lead_id in zip(
            rows["phone_e164"], rows["status"], rows["reason"], rows["lead_id"], strict=True
        )
    }


def test_a_lead_the_crm_drops_without_a_word_is_rejected_after_three_runs_and_not_sent_again(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A CRM that answers 200 but leaves one lead out of its answer (in neither success nor errors) and never
    stores it: the first two runs leave it pending (unconfirmed, exit 3), the third reports it rejected with a
    reason saying the CRM's answers left it out in runs 1, 2, 3 (exit 1), and later runs send it no more. It
    used to stay pending and be sent again by every run, so a scheduled job never ended."""
    phones = good_phones(6, seed=1301)
    dropped = phones[2]
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    # The runs follow each other within a second here: the CRM's duplicate block is not what this is about.
    settings = crm_settings(quiet_refusals=True, preexisting_phones=frozenset({f"+91{dropped}"}), dup_threshold=50)
    with Sandbox(settings) as crm:
        runs = [import_into(crm, sheet, mapping, ledger) for _ in range(3)]
        sent = sum(crm.stats().initiate_sizes)
        fourth = import_into(crm, sheet, mapping, ledger)
        assert sum(crm.stats().initiate_sizes) == sent  # nothing sent by the fourth run
        assert not crm.stats().blocked
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert stored == sorted(f"+91{p}" for p in phones if p != dropped)
    assert [run.exit_code for run in runs] == [3, 3, 1] and fourth.exit_code == 1
    for times, run in enumerate(runs[:2], start=1):
        status, reason, _ = rows_by_phone(run)[dropped]
        assert status == "pending" and "unconfirmed: the CRM's answer left it out" in reason
        assert f"({times} of 3 such runs before it counts as refused)" in reason
    for run in (runs[2], fourth):
        status, reason, lead_id = rows_by_phone(run)[dropped]
        assert status == "rejected" and not lead_id
        assert "left this lead out" in reason and "runs 1, 2, 3" in reason and "not sent again" in reason
    assert {status for phone, (status, _, _) in rows_by_phone(fourth).items() if phone != dropped} == {
        "already-imported"
    }


def test_leads_a_killed_run_may_have_in_flight_do_not_hold_up_a_file_without_them(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A run killed just as its request left (the CRM may still be storing those leads) makes the next run that
    holds them wait the in-flight grace before looking again; an import of another file into the same project and
    process, holding none of them, goes on at once (it used to wait the grace too) and leaves them to the run that
    holds them, which then sends each once."""
    phones = good_phones(8, seed=1302)
    first = write_sheet(tmp_path / "first.csv", phones[:4])
    other = write_sheet(tmp_path / "other.csv", phones[4:], prefix="Q")
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings()) as crm:
        env = {**os.environ, "VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": crm.base_url, "LEADIMPORT_LEDGER": str(ledger),
               "LEADIMPORT_CRASH_AT": "before-request:1"}  # fmt: skip
        killed = subprocess.run(
            [sys.executable, "-m", "importer", "run", str(first), "--mapping", str(mapping), "--new-ledger", "-q"],
            cwd=ROOT, env=env, capture_output=True, check=False, timeout=120,
        )  # fmt: skip
        assert killed.returncode == -9 and not crm.leads()
        outcome: list[importer.Outcome] = []
        worker = threading.Thread(
            target=lambda: outcome.append(import_into(crm, other, mapping, ledger, grace=3600.0)), daemon=True
        )
        worker.start()
        wait_until(lambda: outcome, timeout=60.0, message="the other file's import ends without waiting the grace")
        assert outcome[0].exit_code == 0 and set(outcome[0].rows["status"]) == {"accepted"}
        resumed = import_into(crm, first, mapping, ledger)
        assert resumed.exit_code == 0 and set(resumed.rows["status"]) == {"accepted"}
        assert sorted(str(lead["phone"]) for lead in crm.leads()) == sorted(f"+91{p}" for p in phones)
        assert sum(crm.stats().initiate_sizes) == len(phones)


def test_a_success_answer_without_the_leads_id_says_the_id_is_unknown(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A CRM whose success items give the referenceId but no _id: the rows are accepted (the leads are stored,
    once) with an empty lead_id and a reason saying the CRM gave no id and how to find the lead; the rerun's
    already-imported rows say the same. Both used to show an empty lead_id with nothing to explain it."""
    phones = good_phones(4, seed=1303)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(success_ids=False)) as crm:
        first = import_into(crm, sheet, mapping, ledger)
        again = import_into(crm, sheet, mapping, ledger)
        assert len(crm.leads()) == 4 and sum(crm.stats().initiate_sizes) == 4
    assert first.exit_code == 0 and again.exit_code == 0
    for outcome, status in ((first, "accepted"), (again, "already-imported")):
        rows = rows_by_phone(outcome)
        assert {row[0] for row in rows.values()} == {status}
        assert all(not lead_id and "gave no lead id" in reason for _, reason, lead_id in rows.values()), rows


def test_a_report_path_under_a_file_is_refused_before_anything_is_sent(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`run --report` under a path whose folder is a regular file: exit 2 saying so, before anything is read or
    sent, no ledger started. The leads used to be sent and only then the report failed ('File exists', exit 3),
    leaving the user to rebuild it from the ledger."""
    (tmp_path / "notes.txt").write_text("not a folder", encoding="utf-8")
    report = tmp_path / "notes.txt" / "r.csv"
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=1304))
    ledger = tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings()) as crm:
        result = run_cli(
            "run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report),
            env={"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": crm.base_url, "LEADIMPORT_LEDGER": str(ledger)},
        )  # fmt: skip
        assert crm.stats().initiate_requests == 0 and not crm.leads()
    assert result.exit_code == 2, result.stderr
    assert str(report) in result.stderr and "Traceback" not in result.stderr
    assert f"{tmp_path / 'notes.txt'} is a file, not a folder" in result.stderr
    assert not ledger.exists()


def test_two_first_runs_at_once_say_once_that_they_started_a_new_ledger(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """Two scheduled runs start together on a machine with no ledger yet: both import (every lead stored once)
    and only the one that created the ledger says 'Started a new ledger'; both used to say it, so a reader of the
    logs believed two ledgers were made."""
    phones = good_phones(40, seed=1305)
    # Rows with no contact make each run read for a while before it opens the ledger, as a real sheet does.
    filler = [f"Nobody {n},,,Pune" for n in range(40_000)]
    sheets = [
        write_sheet(tmp_path / "a.csv", phones[:20], extra_rows=filler),
        write_sheet(tmp_path / "b.csv", phones[20:], prefix="Q", extra_rows=filler),
    ]
    mapping, ledger = mapping_file(MAPPING), tmp_path / "state" / "ledger.sqlite3"
    with Sandbox(crm_settings()) as crm:
        env = {**os.environ, "VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": crm.base_url, "LEADIMPORT_LEDGER": str(ledger)}
        command = [sys.executable, "-m", "importer", "run", "--mapping", str(mapping), "--rate", "5000/1s", "-q"]
        procs = [
            subprocess.Popen(
                [*command, str(sheet)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for sheet in sheets
        ]
        done = [proc.communicate(timeout=120) for proc in procs]
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert [proc.returncode for proc in procs] == [1, 1], done  # the rows with no contact are invalid
    assert stored == sorted(f"+91{p}" for p in phones)
    assert sum("Started a new ledger" in err for _, err in done) == 1, done


def test_a_clock_set_back_since_a_lead_was_sent_does_not_make_the_in_flight_wait_longer_than_the_grace(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """The machine's clock was set back a day (NTP fixing a wrong clock, a restored VM) after a run left a lead in
    flight: the ledger's time of that lead is in the future, and the next run waited the grace plus that day
    before sending anything. It waits no longer than the grace, then sends the rest."""
    phones = good_phones(4, seed=1306)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(quiet_refusals=True, preexisting_phones=frozenset({f"+91{phones[0]}"}), dup_threshold=50)
    with Sandbox(settings) as crm:
        assert import_into(crm, sheet, mapping, ledger).exit_code == 3
        later = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="milliseconds")
        with contextlib.closing(sqlite3.connect(ledger)) as conn, conn:
            conn.execute("UPDATE batches SET updated_at = ?, sent_at = ?", (later, later))
            conn.execute("UPDATE leads SET updated_at = ?", (later,))
        outcome: list[importer.Outcome] = []
        worker = threading.Thread(
            target=lambda: outcome.append(import_into(crm, sheet, mapping, ledger, grace=1.0)), daemon=True
        )
        worker.start()
        wait_until(lambda: outcome, timeout=60.0, message="the run waits no longer than the grace")
    rows = rows_by_phone(outcome[0])
    assert rows[phones[0]][0] == "pending" and {rows[p][0] for p in phones[1:]} == {"already-imported"}


CUT_FILES = {
    # A quoted cell with a line break, opened on the line before the last and never closed.
    "quote-opened-a-line-before": ("utf-8", ",", 'Name,Phone,City\r\nA One,{0},Pune\r\nB Two,{1},"Flat 2\r\nNavi Mum'),
    # Facebook's lead exports: UTF-16 with a byte-order mark, tab-separated.
    "utf-16-tabs": ("utf-16", "\t", 'Name\tPhone\tCity\r\nA One\t{0}\tPune\r\nB Two\t{1}\t"Navi, Mum'),
    "utf-16-le-no-mark": ("utf-16-le", "\t", 'Name\tPhone\tCity\r\nA One\t{0}\tPune\r\nB Two\t{1}\t"Navi, Mum'),
    # No quote at all: the last line stops before its last cells, with no line break.
    "short-last-line": ("utf-8", ",", "Name,Phone,Email,City\nA One,{0},a@example.com,Pune\nB Two,{1},b@exam"),
}


@pytest.mark.parametrize("case", CUT_FILES.values(), ids=CUT_FILES.keys())
def test_a_file_cut_off_mid_row_reports_its_last_row_and_sends_it_not(
    tmp_path: Path,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    case: tuple[str, str, str],
) -> None:
    """Files that stop in the middle of their last row in ways the first check missed: inside a quoted cell opened
    on an earlier line, in UTF-16 (with or without its mark; the streamed reader did not look at such files), or
    with fewer cells than the header and no line break. The last row is invalid as cut-off-row in validate and
    run, the first row is sent; each used to be sent with its last value cut short."""
    encoding, _, text = case
    phones = good_phones(2, seed=1307)
    sheet = tmp_path / "leads.csv"
    sheet.write_bytes(text.format(*phones).encode(encoding))
    mapping = mapping_file(MAPPING)
    with Sandbox(crm_settings()) as crm:
        env = {"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": crm.base_url, "LEADIMPORT_LEDGER": str(tmp_path / "l.db")}
        for command in ("validate", "run"):
            report = tmp_path / f"{command}.report.csv"
            extra = ["--new-ledger"] if command == "run" else ["--no-ledger"]
            result = run_cli(command, str(sheet), "--mapping", str(mapping), "--report", str(report), *extra, env=env)
            rows = by_row(result.report)
            assert result.exit_code == 1, result.stderr
            assert rows[3]["status"] == "invalid" and "cut-off-row" in rows[3]["reason"]
            assert rows[2]["status"] == ("valid" if command == "validate" else "accepted")
        assert [str(lead["phone"]) for lead in crm.leads()] == [f"+91{phones[0]}"]
    # The whole-file reader (the upload page's) says the same.
    whole = prepare(sheet, importer.load_mapping(mapping)).rows
    assert "cut-off-row" in whole["reason"].tolist()[-1] and whole["reason"].tolist()[0] == ""


@pytest.mark.parametrize(
    "text",
    [
        "Name,Phone,City\nA One,{0},Pune\nB Two,{1},Pune",  # whole, no final line break
        'Name,Phone,City\nA One,{0},Pune\nB Two,{1},"Flat 2\nPune"',  # a closed cell with a line break
        'Name,Phone,City\nA One,{0},"Pune"\nB Two,{1},"Navi ""Mumbai"""',  # ends with a quote written in a cell
        "Name,Phone,Email,City\nA One,{0}\nB Two,{1}",  # every row leaves its empty cells out
    ],
    ids=["no-final-break", "closed-line-break", "doubled-quote", "short-rows-throughout"],
)
def test_a_whole_file_without_a_final_line_break_is_not_taken_for_cut_off(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], text: str
) -> None:
    """Files that end without a line break but are whole are read as they are: no row is cut-off-row."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(text.format(*good_phones(2, seed=1308)), encoding="utf-8", newline="")
    mapping = mapping_file(MAPPING)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 0, result.stderr
    assert [row["status"] for row in result.report] == ["valid", "valid"]
    assert "cut-off-row" not in prepare(sheet, importer.load_mapping(mapping)).rows["reason"].tolist()[-1]


def test_the_watcher_waits_for_a_utf16_file_that_ends_inside_a_quoted_cell(tmp_path: Path) -> None:
    """A UTF-16 (tab-separated, Facebook's) export paused inside a quoted cell is not taken while it may still be
    written, as a UTF-8 one is not; the watcher's check did not look at UTF-16 files."""
    clock = ManualClock()
    settler = Settler(1.0, clock=clock)
    path = tmp_path / "leads.csv"
    path.write_bytes('Name\tPhone\tNotes\r\nA One\t9845012345\t"call after 5'.encode("utf-16"))
    settler.check(path)
    clock.advance(1.5)
    verdict = settler.check(path)
    assert not verdict.ready and "ends inside a quoted cell" in verdict.waiting_for


def test_a_full_disk_while_the_ledger_commits_stops_the_run_and_the_next_run_sends_each_lead_once(
    tmp_path: Path, mapping_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up while the ledger records a run (simulated: SQLite may not grow the file past a few pages
    more): the run stops (exit 3, stop kind ledger, 'disk ... is full'), rows it could not record are pending, and
    once there is room the same import sends only what the CRM does not have: every lead stored once."""
    phones = good_phones(300, seed=1309)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"

    def tight(path: Path, busy_timeout: float, *, read_only: bool) -> sqlite3.Connection:
        conn = opening.connect(path, busy_timeout, read_only=read_only)
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 4}")
        return conn

    def run() -> importer.Outcome:
        return importer.import_file(
            sheet,
            mapping,
            token=TOKEN,
            base_url=crm.base_url,
            ledger=ledger,
            send=importer.SendOptions(inflight_grace=0.0, batch_size=50),
            rate=importer.RateLimit(5000, 1.0),
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
        )

    with Sandbox(crm_settings()) as crm:
        with monkeypatch.context() as patched:
            patched.setattr(store, "connect", tight)
            full = run()
        assert full.exit_code == 3 and full.stop_kind is importer.StopKind.LEDGER
        assert "is full" in str(full.stop_message)
        assert "pending" in set(full.rows["status"])
        again = run()
        assert sorted(str(lead["phone"]) for lead in crm.leads()) == sorted(f"+91{p}" for p in phones)
        assert sum(crm.stats().initiate_sizes) == len(phones)  # nothing sent twice
    assert again.exit_code == 0 and set(again.rows["status"]) <= {"accepted", "already-imported"}, again.rows[
        "reason"
    ].value_counts()


def test_the_next_watcher_start_waits_for_no_lead_the_crm_answered_about(tmp_path: Path) -> None:
    """Scheduled `watch --once` starts: the first leaves a.csv pending in processing/ (the CRM's answer left one of
    its leads out, unconfirmed). The next start, with b.csv dropped meanwhile, takes both up at once: nothing
    waits out the in-flight grace (120 s) for that lead, since the CRM answered the request that carried it (it
    is not still storing it) and b.csv does not hold it. Both used to wait the grace first."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(8, seed=1310)
    write_sheet(inbox / "a.csv", phones[:4])
    settings = crm_settings(quiet_refusals=True, preexisting_phones=frozenset({f"+91{phones[1]}"}), dup_threshold=50)
    with Sandbox(settings) as crm:
        env = {
            **os.environ,
            "VOX_API_TOKEN": TOKEN,
            "VOX_BASE_URL": crm.base_url,
            "LEADIMPORT_LEDGER": str(tmp_path / "l.db"),
        }
        env.pop("LEADIMPORT_INFLIGHT_GRACE", None)  # the watcher's own grace (120 s)
        command = [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(tmp_path / "mapping.yaml"),
                   "--settle", "0.1", "--poll", "0.05", "--once", "--report-format", "csv"]  # fmt: skip
        first = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert first.returncode == 3, first.stderr
        write_sheet(inbox / "b.csv", phones[4:], prefix="Q")
        second = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert second.returncode == 3, second.stderr
    assert "Checking them again" not in second.stderr
    assert stored == sorted(f"+91{p}" for p in phones if p != phones[1])
    results = {p.name.split("_", 1)[1]: json.loads(p.read_text(encoding="utf-8")) for p in inbox.rglob("*.result.json")}
    assert results["a.csv.result.json"]["state"] == "pending"
    assert results["b.csv.result.json"]["state"] == "done" and results["b.csv.result.json"]["counts"] == {"accepted": 4}


def test_leads_whose_outcome_a_full_disk_kept_from_the_ledger_are_checked_by_the_next_run(
    tmp_path: Path, mapping_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk is full just when the CRM's answer to a batch is recorded, and has room again when the run ends
    (another program freed some): the run stops (exit 3) with those rows unconfirmed. The ledger had kept in
    memory the outcomes the full disk refused and sealed the batch as settled, so its leads stayed in flight for
    good: every later run said 'sent by interrupted run 1; the next run checks it' (exit 3) and none checked it.
    Now the next run looks them up, finds them in the CRM and accepts them, sending nothing again."""
    phones = good_phones(600, seed=1311)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    connections: list[sqlite3.Connection] = []

    def kept(path: Path, busy_timeout: float, *, read_only: bool) -> sqlite3.Connection:
        conn = opening.connect(path, busy_timeout, read_only=read_only)
        connections.append(conn)
        return conn

    def disk(point: str) -> None:
        conn = connections[-1]
        if point == "after-answer":  # full while an answer is recorded: the file may not grow by a page
            conn.execute(f"PRAGMA max_page_count = {conn.execute('PRAGMA page_count').fetchone()[0]}")
        elif point in ("after-record", "finishing"):  # room again
            conn.execute("PRAGMA max_page_count = 1073741823")

    def run() -> importer.Outcome:
        return importer.import_file(
            sheet,
            mapping,
            token=TOKEN,
            base_url=crm.base_url,
            ledger=ledger,
            send=importer.SendOptions(inflight_grace=0.0, concurrency=1),
            rate=importer.RateLimit(5000, 1.0),
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
        )

    with Sandbox(crm_settings()) as crm:
        with monkeypatch.context() as patched:
            patched.setattr(store, "connect", kept)
            patched.setattr(faults, "reach", disk)
            full = run()
        assert full.exit_code == 3 and full.stop_kind is importer.StopKind.LEDGER
        unconfirmed = {p for p, (status, _, _) in rows_by_phone(full).items() if status == "pending"}
        assert unconfirmed, full.rows["reason"].value_counts()
        again = run()
        assert sum(crm.stats().initiate_sizes) == len(crm.leads())  # nothing sent twice
        stored = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in crm.leads()}
    rows = rows_by_phone(again)
    assert again.exit_code == 0, again.rows["reason"].value_counts()
    assert sorted(stored) == sorted(phones)
    assert all(rows[p][0] == "accepted" and rows[p][2] == stored[p] for p in unconfirmed if p in stored)


def test_leads_the_crm_drops_without_a_word_count_toward_the_duplicate_block(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A CRM that refuses already-called phones silently (the answer leaves them out, yet each counts toward its
    block of more than 5 duplicates within its window): the guard counts a lead left out of an answer and not
    found at the CRM as a possible duplicate, so sending it once more and the requests after it never block the
    key. Every other lead is stored once; the dropped ones stay pending, unconfirmed. Before, the guard counted
    only refusals it was told of, and this sheet got the key blocked (every later lead left unsent)."""
    phones = good_phones(40, seed=1311)
    called = phones[1:40:5]  # 8 called phones, spread over the sheet
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    window = 1.5  # the CRM's duplicate window, scaled down for the test (and the guard's, to match)
    settings = crm_settings(
        quiet_refusals=True, preexisting_phones=frozenset(f"+91{p}" for p in called), dup_window=window
    )
    with Sandbox(settings) as crm:
        outcome = importer.import_file(
            sheet,
            mapping,
            token=TOKEN,
            base_url=crm.base_url,
            ledger=ledger,
            send=importer.SendOptions(inflight_grace=0.0, duplicate_rule=DuplicateRule(window=window)),
            rate=importer.RateLimit(5000, 1.0),
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
        )
        assert not crm.stats().blocked
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert stored == sorted(f"+91{p}" for p in phones if p not in called)
    rows = rows_by_phone(outcome)
    assert {rows[p][0] for p in called} == {"pending"}
    assert {rows[p][0] for p in phones if p not in called} == {"accepted"}
