"""Exactly-once and trust when nobody is watching, second round: a CRM that drops a lead without a word, a lead
left unconfirmed by one file holding up the others, success answers without the lead's id, cut-off files and
ledgers that cannot be written."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import importer
from importer.crm.dup_budget import DuplicateRule
from importer.crm.recovery import RetryPolicy
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, ROOT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import wait_until


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
    for run in runs[:2]:
        status, reason, _ = rows_by_phone(run)[dropped]
        assert status == "pending" and "unconfirmed" in reason
    for run in (runs[2], fourth):
        status, reason, lead_id = rows_by_phone(run)[dropped]
        assert status == "rejected" and not lead_id
        assert "left this lead out" in reason and "runs 1, 2, 3" in reason and "not sent again" in reason
    assert {status for phone, (status, _, _) in rows_by_phone(fourth).items() if phone != dropped} == {
        "already-imported"
    }


def test_a_lead_left_unconfirmed_by_one_file_does_not_hold_up_a_file_without_it(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """One file's lead is left unconfirmed (the CRM's answer left it out), so it stays in flight in the ledger.
    The next import into the same project and process, of another file that does not hold that lead, goes on at
    once: it used to wait out the in-flight grace (120 s by default) before sending anything."""
    phones = good_phones(8, seed=1302)
    first = write_sheet(tmp_path / "first.csv", phones[:4])
    other = write_sheet(tmp_path / "other.csv", phones[4:], prefix="Q")
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(quiet_refusals=True, preexisting_phones=frozenset({f"+91{phones[1]}"}), dup_window=1.0)
    with Sandbox(settings) as crm:
        assert import_into(crm, first, mapping, ledger).exit_code == 3
        outcome: list[importer.Outcome] = []
        worker = threading.Thread(
            target=lambda: outcome.append(import_into(crm, other, mapping, ledger, grace=3600.0)), daemon=True
        )
        worker.start()
        wait_until(lambda: outcome, timeout=60.0, message="the other file's import ends without waiting the grace")
    assert outcome[0].exit_code == 0
    assert set(outcome[0].rows["status"]) == {"accepted"}


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
