"""Never twice, never lost: killed runs resume, re-imports send nothing, concurrent runs never double-send."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.send.reconcile import LOOKUP_WORKERS
from tests.conftest import PROCESS, PROJECT, ROOT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet
from tests.waiting import wait_until

SETTINGS = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SETTINGS) as crm:
        yield crm


def _start(
    sheet: Path,
    tmp_path: Path,
    crm: Sandbox,
    report: Path,
    *extra: str,
    crash: str | None = None,
    term_at: str | None = None,
) -> subprocess.Popen[bytes]:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    env = {**os.environ, **run_env(crm.base_url, tmp_path / "ledger.db")}
    env.pop("LEADIMPORT_CRASH_AT", None)
    if crash:
        env["LEADIMPORT_CRASH_AT"] = crash
    if term_at:
        env["LEADIMPORT_TERM_AT"] = term_at
    command = [sys.executable, "-m", "importer", "run", str(sheet), "--mapping", str(mapping), "--report", str(report)]
    command += ["--rate", "5000/1s", "--batch-size", "40", "--concurrency", "2", "--quiet", *extra]
    # Ctrl-C as at a terminal, even when the suite itself was started in the background (a shell then gives its
    # background jobs SIGINT ignored, and the import would rightly keep ignoring it).
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_as_at_a_terminal,
    )


def _ctrl_c_as_at_a_terminal() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _run(sheet: Path, tmp_path: Path, crm: Sandbox, report: Path, *extra: str, crash: str | None = None) -> int:
    proc = _start(sheet, tmp_path, crm, report, *extra, crash=crash)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode in (-9, 0, 1, 3), err.decode()
    return proc.returncode


def _report(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _assert_exactly_once(crm: Sandbox, phones: list[str], report: Path) -> None:
    stored = crm.leads()
    assert sorted(str(lead["phone"]) for lead in stored) == sorted("+91" + p for p in phones)
    assert crm.stats().duplicates == 0
    rows = _report(report)
    assert len(rows) == len(phones)
    ids = {lead["referenceId"]: lead["_id"] for lead in stored}
    for row in rows:
        assert row["status"] in ("accepted", "already-imported"), row
        assert row["lead_id"] == ids[row["referenceId"]]


@pytest.mark.parametrize(
    "crash",
    [
        "after-claim:1",
        "before-request:1",
        "before-request:3",
        "after-answer:1",
        "after-answer:4",
        "after-record:2",
        "after-record:5",
    ],
)
def test_killed_run_resumes_exactly_once(tmp_path: Path, sandbox: Sandbox, crash: str) -> None:
    """SIGKILL at each step of the protocol, then the same command: every lead stored once, report complete."""
    phones = good_phones(230, seed=21)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    assert _run(sheet, tmp_path, sandbox, report, crash=crash) == -9
    assert _run(sheet, tmp_path, sandbox, report) == 0
    _assert_exactly_once(sandbox, phones, report)


def test_a_batch_killed_before_it_left_is_sent_at_once_on_resume(tmp_path: Path, sandbox: Sandbox) -> None:
    """Killed after claiming a batch but before its request left (as while waiting for a rate-limit slot):
    the same command, with the default grace, neither looks those leads up nor waits for them."""
    phones = good_phones(120, seed=23)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    assert _run(sheet, tmp_path, sandbox, report, "--concurrency", "1", crash="after-claim:2") == -9
    stored, requests = len(sandbox.leads()), sandbox.stats().requests
    assert (stored, requests) == (5, 1)  # the probe batch of 5; the second never left
    initiated = sandbox.stats().initiate_requests
    # A grace far longer than the run's timeout: waiting it out would fail the run below.
    resumed = _start(sheet, tmp_path, sandbox, report, "--concurrency", "1", "--inflight-grace", "3600")
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err.decode()
    assert "Checking them again in" not in err.decode()
    stats = sandbox.stats()
    assert stats.requests - requests == stats.initiate_requests - initiated  # batches only; no lookup
    _assert_exactly_once(sandbox, phones, report)


@pytest.mark.parametrize("delay", [0.9, 1.3, 1.8])
def test_killed_at_random_moments_while_requests_are_slow(tmp_path: Path, delay: float) -> None:
    """Killed mid-flight against a slow CRM, resumed twice over: still exactly once."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.05, 0.2)
    )
    phones = good_phones(800, seed=int(delay * 10))
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(settings) as crm:
        proc = _start(sheet, tmp_path, crm, report)
        time.sleep(delay)
        proc.kill()
        proc.communicate(timeout=30)
        assert _run(sheet, tmp_path, crm, report) in (0,)
        _assert_exactly_once(crm, phones, report)


def test_a_request_still_running_at_the_crm_after_a_kill_is_not_sent_again(tmp_path: Path) -> None:
    """The run is killed while the CRM is still storing its batch (inserts are slower than lookups), and the
    same command is run at once: the lookups do not find the leads yet, so they are looked up again once the
    grace has passed, found, and never sent twice. (The CRM stores the batch once the second run's lookups
    were answered, not after a guessed delay: a slow start of the second run cannot let it find them at once.)"""
    phones = good_phones(30, seed=41)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(SETTINGS) as crm:
        crm.hold(creates_only=True)
        proc = _start(sheet, tmp_path, crm, report)
        wait_until(lambda: crm.stats().held > 0, message="the batch reaches the CRM")
        proc.kill()  # the batch is at the CRM, not stored yet
        proc.communicate(timeout=30)
        assert not crm.leads()
        in_flight = sum(crm.stats().initiate_sizes)

        def store_once_looked_up() -> None:
            try:
                wait_until(lambda: crm.stats().lookups >= in_flight, message="the second run looks each lead up")
            finally:
                crm.release()

        storing = threading.Thread(target=store_once_looked_up, daemon=True)
        storing.start()
        again = _start(sheet, tmp_path, crm, report, "--inflight-grace", "10")
        _, err = again.communicate(timeout=60)
        storing.join(timeout=30)
        assert again.returncode == 0, err.decode()
        assert "Checking them again in" in err.decode()
        _assert_exactly_once(crm, phones, report)
        assert sum(crm.stats().initiate_sizes) == 30 and crm.stats().duplicates == 0  # none sent twice


def test_sigterm_while_checking_an_interrupted_run_stops_at_once_with_a_report(tmp_path: Path) -> None:
    """SIGTERM during the lookups of a crashed run's leads: the lookups not started are dropped, what was found
    is kept, the report is written and the exit is 3; the same command then finishes exactly once."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.2, 0.2)
    )
    phones = good_phones(300, seed=43)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(settings) as crm:
        # killed once the CRM stored a fifth batch (the duplicate guard grows them: 5, 6, 13, 27, 57), before it
        # was recorded: its leads are to be looked up, more of them than lookups run at once
        first = ("--batch-size", "100", "--concurrency", "1")
        assert _run(sheet, tmp_path, crm, report, *first, crash="after-answer:5") == -9
        posts = crm.stats().initiate_requests
        in_flight = crm.stats().initiate_sizes[-1]
        assert in_flight > LOOKUP_WORKERS
        crm.hold()  # the lookups under way stay at the CRM until the signal is in
        checking = _start(sheet, tmp_path, crm, report, "--concurrency", "1")
        wait_until(lambda: crm.stats().held == LOOKUP_WORKERS, message="every lookup worker waits at the CRM")
        at_signal = crm.stats().requests
        checking.terminate()
        crm.release()
        _, err = checking.communicate(timeout=60)
        assert checking.returncode == 3, err.decode()
        assert crm.stats().requests == at_signal  # those under way finished; none of the others was started
        rows = _report(report)
        assert len(rows) == len(phones) and "pending" in {row["status"] for row in rows} <= {
            "accepted",
            "already-imported",
            "pending",
        }
        assert crm.stats().initiate_requests == posts  # nothing sent: only looked up
        stored = {lead["referenceId"] for lead in crm.leads()}
        assert {row["referenceId"] for row in rows if row["status"] == "accepted"} <= stored
        assert _run(sheet, tmp_path, crm, report) == 0
        _assert_exactly_once(crm, phones, report)


def test_sigterm_ends_retries_at_once(tmp_path: Path) -> None:
    """SIGTERM while batches retry a failing CRM (HTTP 500, backing off): no further attempt starts, and the
    run stops with its report, every stored lead recorded."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, fault_5xx=0.9,
        seed=5,
    )  # fmt: skip
    phones = good_phones(200, seed=47)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(settings) as crm:
        proc = _start(sheet, tmp_path, crm, report)
        wait_until(lambda: crm.stats().initiate_requests >= 2, message="a failed request and its first retry")
        at_signal = crm.stats().requests
        proc.terminate()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err.decode()
        assert crm.stats().requests - at_signal <= 4  # at most the requests already on their way
        rows = _report(report)
        assert len(rows) == len(phones)
        assert sum(row["status"] == "accepted" for row in rows) == len(crm.leads())  # nothing stored unrecorded


def test_sigterm_ends_a_rate_limit_pause_at_once(tmp_path: Path) -> None:
    """SIGTERM while every batch waits out a 429 pause: the run stops at once, nothing more sent."""
    # 3 requests in a 240 s window: the 429's Retry-After holds the run about 240 s, far past the timeout below.
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=3, rate_window=240.0)
    phones = good_phones(400, seed=59)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(settings) as crm:
        proc = _start(sheet, tmp_path, crm, report, "--batch-size", "20", "--concurrency", "4")
        wait_until(lambda: crm.stats().rate_limited > 0, message="a request is rate-limited")
        at_signal = crm.stats().requests
        proc.terminate()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err.decode()
        # at most the other sending threads' requests that left before the 429 came back; nothing after the pause
        assert crm.stats().requests - at_signal <= 3
        rows = _report(report)
        assert sum(row["status"] == "accepted" for row in rows) == len(crm.leads())


def test_ctrl_c_pressed_again_and_again_still_records_and_reports(tmp_path: Path) -> None:
    """Impatient Ctrl-C: the presses after the first do not interrupt the recording of the answers under way."""
    phones = good_phones(200, seed=53)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(SETTINGS) as crm:
        crm.hold()  # the first batch (the duplicate guard's probe) stays at the CRM, unanswered, while Ctrl-C is pressed
        proc = _start(sheet, tmp_path, crm, report)
        wait_until(lambda: crm.stats().held == 1, message="the first batch held at the CRM")
        for _ in range(5):
            proc.send_signal(signal.SIGINT)
            time.sleep(0.1)  # presses a person makes, not a wait for anything
        crm.release()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err.decode()
        assert "Traceback" not in err.decode()
        rows = _report(report)
        # the batch under way is answered and recorded, whatever the presses; no further batch left
        assert sum(row["status"] == "accepted" for row in rows) == len(crm.leads()) > 0
        assert crm.stats().initiate_requests == 1
        assert _run(sheet, tmp_path, crm, report) == 0
        _assert_exactly_once(crm, phones, report)


def test_a_stop_after_every_answer_is_recorded_finishes_the_report(tmp_path: Path) -> None:
    """SIGTERM once every answer is recorded stops nothing: the report is written and the run ends as finished
    (exit 0); a second SIGTERM while the report is written skips it, exit 3, saying how to rebuild it."""
    phones = good_phones(120, seed=61)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(SETTINGS) as crm:
        proc = _start(sheet, tmp_path, crm, report, term_at="finishing")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
        assert "finishing the report first" in err.decode()
        _assert_exactly_once(crm, phones, report)

        other = tmp_path / "other.csv"  # the same command again (nothing left to send), stopped twice
        proc = _start(sheet, tmp_path, crm, other, term_at="finishing,report")
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 3, err.decode()
        assert "interrupted while the report was written" in err.decode()
        assert "leadimport show 2 --report PATH" in err.decode()
        assert not other.exists()
        assert "Traceback" not in err.decode()


def test_sigterm_stops_like_ctrl_c_with_a_report(tmp_path: Path) -> None:
    """SIGTERM (a scheduler stopping the job) waits for the requests in flight, writes the report and exits 3;
    the same command then finishes the job, every lead stored once."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.1, 0.2)
    )
    phones = good_phones(1200, seed=33)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "report.csv"
    with Sandbox(settings) as crm:
        proc = _start(sheet, tmp_path, crm, report)
        wait_until(crm.leads, message="a lead is stored")
        proc.terminate()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 3, err.decode()
        rows = _report(report)
        assert len(rows) == len(phones)
        statuses = {row["status"] for row in rows}
        assert statuses <= {"accepted", "pending"} and "pending" in statuses
        accepted = sum(row["status"] == "accepted" for row in rows)
        assert accepted == len(crm.leads()) > 0  # what was in flight is recorded, nothing more sent
        assert _run(sheet, tmp_path, crm, report) == 0
        _assert_exactly_once(crm, phones, report)


def test_same_file_twice_sends_nothing_the_second_time(tmp_path: Path, sandbox: Sandbox) -> None:
    """A re-import of the same file makes no request and reports every row already-imported."""
    phones = good_phones(120, seed=31)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    assert _run(sheet, tmp_path, sandbox, tmp_path / "one.csv") == 0
    before = sandbox.stats().initiate_requests
    assert _run(sheet, tmp_path, sandbox, tmp_path / "two.csv") == 0
    assert sandbox.stats().initiate_requests == before
    rows = _report(tmp_path / "two.csv")
    assert {r["status"] for r in rows} == {"already-imported"}
    assert all(r["imported_in_run"] == "1" and r["lead_id"] for r in rows)


def test_overlapping_files_send_the_overlap_once(tmp_path: Path, sandbox: Sandbox) -> None:
    """A second file sharing people with the first (other names, other formats) sends only the new ones."""
    phones = good_phones(200, seed=41)
    first = write_sheet(tmp_path / "a.csv", phones[:120])
    second = write_sheet(tmp_path / "b.csv", ["+91 " + p for p in phones[80:]], prefix="Q")
    assert _run(first, tmp_path, sandbox, tmp_path / "a.report.csv") == 0
    assert _run(second, tmp_path, sandbox, tmp_path / "b.report.csv") == 0
    statuses = [r["status"] for r in _report(tmp_path / "b.report.csv")]
    assert statuses == ["already-imported"] * 40 + ["accepted"] * 80
    assert len(sandbox.leads()) == 200 and sandbox.stats().duplicates == 0


def test_concurrent_runs_on_overlapping_files_never_store_twice(tmp_path: Path) -> None:
    """Two runs at once on overlapping files and one ledger: no lead reaches the CRM twice, and a rerun finishes."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.02, 0.08)
    )
    phones = good_phones(600, seed=51)
    first = write_sheet(tmp_path / "a.csv", phones[:400])
    second = write_sheet(tmp_path / "b.csv", phones[200:], prefix="Q")
    with Sandbox(settings) as crm:
        procs = [
            _start(first, tmp_path, crm, tmp_path / "a.report.csv"),
            _start(second, tmp_path, crm, tmp_path / "b.report.csv"),
        ]
        for proc in procs:
            proc.communicate(timeout=120)
            assert proc.returncode in (0, 3)
        for sheet, report in ((first, "a.report.csv"), (second, "b.report.csv")):
            assert _run(sheet, tmp_path, crm, tmp_path / report) == 0
        stored = [str(lead["phone"]) for lead in crm.leads()]
        assert sorted(stored) == sorted("+91" + p for p in phones)
        assert crm.stats().duplicates == 0


def test_history_and_show_list_runs(tmp_path: Path, sandbox: Sandbox) -> None:
    """history lists each run with its counts and outcome; show prints one run."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(10, seed=61))
    assert _run(sheet, tmp_path, sandbox, tmp_path / "r.csv") == 0
    env = {**os.environ, "LEADIMPORT_LEDGER": str(tmp_path / "ledger.db")}
    history = subprocess.run(
        [sys.executable, "-m", "importer", "history"], env=env, capture_output=True, text=True, check=True
    )
    assert "complete" in history.stdout and "leads.csv" in history.stdout and "accepted 10" in history.stdout
    show = subprocess.run(
        [sys.executable, "-m", "importer", "show", "1"], env=env, capture_output=True, text=True, check=True
    )
    assert "Run 1: complete" in show.stdout and "accepted" in show.stdout and str(tmp_path / "r.csv") in show.stdout
    assert "--rate 5000/1s --concurrency 2" in show.stdout and "--batch-size 40" in show.stdout  # the resume command
    rebuilt = tmp_path / "rebuilt.csv"
    subprocess.run(
        [sys.executable, "-m", "importer", "show", "1", "--report", str(rebuilt)],
        env=env,
        check=True,
        capture_output=True,
    )
    assert _report(rebuilt) == _report(tmp_path / "r.csv")
    missing = subprocess.run([sys.executable, "-m", "importer", "show", "9"], env=env, capture_output=True, text=True)
    assert missing.returncode == 2 and "run 9 is not in the ledger" in missing.stderr
