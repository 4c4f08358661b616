"""The ledger: every lead claimed once, across runs, crashes and concurrent processes."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import pytest

from importer.errors import LedgerError
from importer.ledger import schema
from importer.ledger.opening import default_ledger_path
from importer.ledger.schema import SCHEMA_VERSION
from importer.ledger.store import ClaimResult, LeadKey, Ledger

PROJECT = "64f0c0ffee0000000000aaaa"
PROCESS = "64f0c0ffee0000000000beef"
SPAWN = multiprocessing.get_context("spawn")


def key(n: int, *, phone: str | None = None, email: str | None = None, payload: str = "h1") -> LeadKey:
    """Lead number ``n``: its own referenceId, phone and email unless given."""
    return LeadKey(
        reference_id=f"ref-{n}",
        phone=f"+9198765{n:05d}" if phone is None else phone,
        email=f"lead{n}@example.com" if email is None else email,
        sheet_row=n + 2,
        payload_hash=payload,
    )


def begin(ledger: Ledger, project_id: str = PROJECT) -> int:
    """A new run of a test import."""
    return ledger.begin_run(
        file="/data/leads.csv",
        fingerprint="f" * 64,
        mapping="/m.yaml",
        project_id=project_id,
        process_id=PROCESS,
        command="leadimport run",
    )


def refs(keys: list[LeadKey]) -> list[str]:
    return [k.reference_id for k in keys]


def _batch_id(result: ClaimResult) -> int:
    assert result.batch_id is not None
    return result.batch_id


def sent(ledger: Ledger, run_id: int, leads: list[LeadKey]) -> ClaimResult:
    """Claim ``leads`` and note their batch as sent, as the run does just before its request leaves."""
    result = ledger.claim(run_id, PROJECT, PROCESS, leads)
    if result.batch_id is not None:
        ledger.mark_sent(run_id, result.batch_id)
    return result


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ledger.sqlite3"


@pytest.fixture
def ledger(path: Path) -> Iterator[Ledger]:
    with Ledger(path) as opened:
        yield opened


# -- child processes (module level, so that spawn can import them) ------------------------------------


def _claim_and_wait(path: str, numbers: list[int], ready: Event) -> None:
    with Ledger(Path(path)) as ledger:
        run_id = begin(ledger)
        ledger.mark_sent(run_id, _batch_id(ledger.claim(run_id, PROJECT, PROCESS, [key(n) for n in numbers])))
        ready.set()
        time.sleep(60)  # killed by the test long before


def _claim_concurrently(path: str, order: list[int], ready: Event, go: Event, out: Any) -> None:
    with Ledger(Path(path)) as ledger:
        run_id = begin(ledger)
        ready.set()
        go.wait(30)
        claimed: list[str] = []
        for start in range(0, len(order), 20):
            # Leads n and n + 300 share a phone: only one of them may ever be sent.
            batch = [key(n, phone=f"+9198765{n % 300:05d}") for n in order[start : start + 20]]
            result = ledger.claim(run_id, PROJECT, PROCESS, batch)
            claimed += refs(result.claimed)
            ledger.record(
                run_id, [(k.reference_id, "accepted", f"id-{k.reference_id}", None) for k in result.claimed[::2]]
            )
        out.put(claimed)


# -- schema, files, locations ---------------------------------------------------------------------------


def test_new_ledger_has_schema_version_and_wal(ledger: Ledger, path: Path) -> None:
    """A new ledger file is created with its folders, the current schema version and WAL journaling."""
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"meta", "runs", "leads"} <= tables
    raw.close()


def test_reopening_keeps_runs_and_leads(path: Path) -> None:
    """Runs and lead states survive closing and reopening the ledger."""
    with Ledger(path) as ledger:
        run_id = begin(ledger)
        ledger.claim(run_id, PROJECT, PROCESS, [key(1)])
        ledger.record(run_id, [("ref-1", "accepted", "lead-1", None)])
    with Ledger(path) as again:
        assert [r.run_id for r in again.runs()] == [run_id]
        known = again.lookup(PROJECT, PROCESS, ["ref-1", "ref-2"])
        assert set(known) == {"ref-1"}
        assert (known["ref-1"].state, known["ref-1"].lead_id, known["ref-1"].run_id) == ("accepted", "lead-1", run_id)


def test_corrupted_file_raises_ledger_error_naming_it(path: Path) -> None:
    """A file that is not a SQLite database fails with LedgerError naming it and saying to move it aside."""
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is a spreadsheet, not a ledger\n" * 200)
    with pytest.raises(LedgerError, match="move it aside") as info:
        Ledger(path)
    assert str(path) in str(info.value)


def test_newer_schema_version_asks_to_upgrade(path: Path) -> None:
    """A ledger written by a newer leadimport is refused, naming the file and asking to upgrade."""
    Ledger(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    raw.commit()
    raw.close()
    with pytest.raises(LedgerError, match="upgrade leadimport") as info:
        Ledger(path)
    assert str(path) in str(info.value)


def test_locked_ledger_fails_after_busy_timeout(path: Path) -> None:
    """A write that waits longer than the busy timeout for another process fails with a clear LedgerError."""
    with Ledger(path, busy_timeout=0.2) as ledger:
        run_id = begin(ledger)
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(LedgerError, match=r"is locked by another process for more than 0\.2 s") as info:
                ledger.claim(run_id, PROJECT, PROCESS, [key(1)])
            assert str(path) in str(info.value)
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert refs(ledger.claim(run_id, PROJECT, PROCESS, [key(1)]).claimed) == ["ref-1"]


def test_leads_left_unanswered_are_read_while_another_process_writes(path: Path) -> None:
    """Which runs left a lead out is a look: it neither waits for another process's write (a run settling an
    interrupted run's leads while another run records its answers) nor creates the table when there is none."""
    with Ledger(path, busy_timeout=0.2) as ledger:
        first, second = begin(ledger), begin(ledger)
        assert ledger.unanswered(PROJECT, PROCESS, ["ref-1"]) == {}
        assert "unanswered_leads" not in tables(path)
        ledger.note_unanswered(first, PROJECT, PROCESS, ["ref-1", "ref-2"])
        ledger.note_unanswered(second, PROJECT, PROCESS, ["ref-1"])
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            left = ledger.unanswered(PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3"])
        finally:
            other.execute("ROLLBACK")
            other.close()
    assert {ref: (runs.runs, runs.last_run) for ref, runs in left.items()} == {
        "ref-1": ((first, second), second),
        "ref-2": ((first,), first),
    }


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_default_ledger_path_honours_environment(tmp_path: Path) -> None:
    """LEADIMPORT_LEDGER wins, then $XDG_STATE_HOME/leadimport, then ~/.local/state/leadimport."""
    home = str(tmp_path)
    assert default_ledger_path({"LEADIMPORT_LEDGER": "/x/l.db", "XDG_STATE_HOME": "/s", "HOME": home}) == Path(
        "/x/l.db"
    )
    assert default_ledger_path({"XDG_STATE_HOME": "/s", "HOME": home}) == Path("/s/leadimport/ledger.sqlite3")
    expected = tmp_path / ".local" / "state" / "leadimport" / "ledger.sqlite3"
    assert default_ledger_path({"HOME": home}) == expected
    assert default_ledger_path({"XDG_STATE_HOME": "relative", "HOME": home}) == expected


# -- runs -----------------------------------------------------------------------------------------------


def test_runs_record_counts_and_outcome(ledger: Ledger) -> None:
    """end_run stores counts, outcome and report; runs() lists newest first; run() finds one or None."""
    first, second = begin(ledger), begin(ledger)
    ledger.end_run(first, counts={"accepted": 3, "rejected": 1}, outcome="complete-with-problems", report="/r.csv")
    assert [r.run_id for r in ledger.runs()] == [second, first]
    assert [r.run_id for r in ledger.runs(limit=1)] == [second]
    done = ledger.run(first)
    assert done is not None
    assert (done.counts, done.outcome, done.report) == (
        {"accepted": 3, "rejected": 1},
        "complete-with-problems",
        "/r.csv",
    )
    assert (done.pid, done.project_id, done.file, done.command) == (
        os.getpid(),
        PROJECT,
        "/data/leads.csv",
        "leadimport run",
    )
    assert done.ended_at is not None and done.ended_at >= done.started_at
    running = ledger.run(second)
    assert running is not None and (running.ended_at, running.outcome, running.counts) == (None, None, {})
    assert ledger.run(999) is None
    with pytest.raises(LedgerError, match="no run 999"):
        ledger.end_run(999, counts={}, outcome="complete", report=None)


def test_leads_of_run_lists_what_the_run_touched(ledger: Ledger) -> None:
    """leads_of_run returns each lead row last touched by the run, in sheet order."""
    run_id = begin(ledger)
    ledger.claim(run_id, PROJECT, PROCESS, [key(2), key(1)])
    ledger.record(run_id, [("ref-1", "rejected", None, "Invalid phone")])
    rows = ledger.leads_of_run(run_id)
    assert [(r["reference_id"], r["state"], r["message"], r["project_id"]) for r in rows] == [
        ("ref-1", "rejected", "Invalid phone", PROJECT),
        ("ref-2", "in-flight", None, PROJECT),
    ]
    assert ledger.leads_of_run(run_id + 1) == []


# -- claims -----------------------------------------------------------------------------------------------


def test_accepted_lead_is_known_by_reference_phone_and_email(ledger: Ledger) -> None:
    """A lead accepted once is not claimed again, whether it comes back by referenceId, phone or email (with
    no phone of its own). A lead with another phone and the same email is another person who gave that
    address: claimed, to be sent without it."""
    first = begin(ledger)
    assert refs(ledger.claim(first, PROJECT, PROCESS, [key(1)]).claimed) == ["ref-1"]
    ledger.record(first, [("ref-1", "accepted", "lead-1", None)])
    second = begin(ledger)
    again = [key(1), key(2, phone=key(1).phone), key(3, phone="", email=key(1).email), key(4)]
    again.append(key(5, email=key(1).email))
    result = ledger.claim(second, PROJECT, PROCESS, again)
    assert refs(result.claimed) == ["ref-4", "ref-5"]
    assert result.without_email == {"ref-5"} and result.claimed[1].email == ""
    seen = {row: (k.reference_id, k.state, k.lead_id, k.run_id, k.matched_by) for row, k in result.known.items()}
    assert seen == {
        3: ("ref-1", "accepted", "lead-1", first, "referenceId"),
        4: ("ref-1", "accepted", "lead-1", first, "phone"),
        5: ("ref-1", "accepted", "lead-1", first, "email"),
    }


def test_other_project_or_process_does_not_match(ledger: Ledger) -> None:
    """Leads are deduplicated per project and process only."""
    run_id = begin(ledger)
    ledger.claim(run_id, PROJECT, PROCESS, [key(1)])
    ledger.record(run_id, [("ref-1", "accepted", "lead-1", None)])
    other = begin(ledger, project_id="64f0c0ffee0000000000cccc")
    assert refs(ledger.claim(other, "64f0c0ffee0000000000cccc", PROCESS, [key(1)]).claimed) == ["ref-1"]
    assert refs(ledger.claim(other, PROJECT, "another-process", [key(1)]).claimed) == ["ref-1"]


def test_rejected_lead_is_resent_only_when_its_data_changed(ledger: Ledger) -> None:
    """A lead refused before is not resent with the same payload, but is with a different one."""
    first = begin(ledger)
    ledger.claim(first, PROJECT, PROCESS, [key(1, payload="old")])
    ledger.record(first, [("ref-1", "rejected", None, "Invalid email")])
    second = begin(ledger)
    same = ledger.claim(second, PROJECT, PROCESS, [key(1, payload="old")])
    assert same.claimed == []
    assert (same.known[3].state, same.known[3].message, same.known[3].matched_by) == (
        "rejected",
        "Invalid email",
        "referenceId",
    )
    changed = ledger.claim(second, PROJECT, PROCESS, [key(1, payload="new")])
    assert refs(changed.claimed) == ["ref-1"]
    after = ledger.lookup(PROJECT, PROCESS, ["ref-1"])["ref-1"]
    assert (after.state, after.run_id, after.payload_hash, after.message) == ("in-flight", second, "new", None)


@pytest.mark.parametrize("ended", [False, True], ids=["run live", "run ended"])
def test_payload_hashes_are_worked_out_only_for_rejected_leads(ledger: Ledger, ended: bool) -> None:
    """Leads claimed without a payload hash: the ledger asks for the hashes of the leads the CRM rejected
    (to store) and of leads matching a rejected one (to compare), and for no other."""
    asked: list[list[int]] = []
    payloads = {3: "old", 4: "p4", 5: "p5"}

    def hashes(rows: Sequence[int]) -> dict[int, str]:
        asked.append(sorted(rows))
        return {row: payloads[row] for row in rows}

    first = begin(ledger)
    unhashed = [key(n, payload="") for n in (1, 2, 3)]
    ledger.claim(first, PROJECT, PROCESS, unhashed, hashes=hashes)
    outcomes = [("ref-1", "rejected", None, "Invalid email"), ("ref-2", "accepted", "lead-2", None)]
    ledger.record(first, outcomes, hashes=hashes)
    ledger.record(first, [("ref-3", "accepted", "lead-3", None)], hashes=hashes)
    assert asked == [[3]]  # ref-1's hash, when its rejection was recorded; the accepted ones never
    if ended:
        _end(ledger, first)
    second = begin(ledger)
    same = ledger.claim(second, PROJECT, PROCESS, [key(1, payload=""), key(4, payload="")], hashes=hashes)
    assert refs(same.claimed) == ["ref-4"] and same.known[3].state == "rejected"
    assert asked == [[3], [3]]  # ref-1 again, to compare; ref-4 matched nothing
    payloads[3] = "new"
    changed = ledger.claim(second, PROJECT, PROCESS, [key(1, payload="")], hashes=hashes)
    assert refs(changed.claimed) == ["ref-1"]


def test_rejected_lead_does_not_hold_back_a_lead_sharing_its_phone(ledger: Ledger) -> None:
    """A lead rejected under one referenceId does not stop another referenceId with the same phone."""
    first = begin(ledger)
    ledger.claim(first, PROJECT, PROCESS, [key(1)])
    ledger.record(first, [("ref-1", "rejected", None, "Invalid email")])
    result = ledger.claim(begin(ledger), PROJECT, PROCESS, [key(2, phone=key(1).phone, payload="h1")])
    assert refs(result.claimed) == ["ref-2"]


def test_released_lead_is_pending_and_claimable_again(ledger: Ledger) -> None:
    """release marks unsent leads pending; the next claim (of any run) takes them again."""
    first = begin(ledger)
    ledger.claim(first, PROJECT, PROCESS, [key(1), key(2)])
    ledger.release(first, ["ref-1"])
    known = ledger.lookup(PROJECT, PROCESS, ["ref-1", "ref-2"])
    assert (known["ref-1"].state, known["ref-2"].state) == ("pending", "in-flight")
    second = begin(ledger)
    result = ledger.claim(second, PROJECT, PROCESS, [key(1), key(2)])
    assert refs(result.claimed) == ["ref-1"]
    assert (result.known[4].state, result.known[4].owner_alive) == ("in-flight", True)


def test_same_lead_twice_in_a_batch_is_claimed_once(ledger: Ledger) -> None:
    """Two leads of one batch sharing a referenceId, phone or email: only the first is claimed."""
    run_id = begin(ledger)
    batch = [key(1), key(1), key(2, phone=key(1).phone), key(3, email=key(1).email), key(4)]
    batch[1] = LeadKey("ref-1", "", "", 10, "h1")
    result = ledger.claim(run_id, PROJECT, PROCESS, batch)
    assert refs(result.claimed) == ["ref-1", "ref-4"]
    assert {row: (k.reference_id, k.matched_by) for row, k in result.known.items()} == {
        10: ("ref-1", "referenceId"),
        4: ("ref-1", "phone"),
        5: ("ref-1", "email"),
    }


def test_leads_without_phone_or_email_do_not_hold_each_other_back(ledger: Ledger) -> None:
    """Several leads of a batch with no email (or no phone) are all claimed: an empty value matches nothing."""
    run_id = begin(ledger)
    batch = [key(1, email=""), key(2, email=""), key(3, phone=""), key(4, phone=""), key(5, phone="", email="")]
    result = ledger.claim(run_id, PROJECT, PROCESS, batch)
    assert refs(result.claimed) == refs(batch)
    assert result.known == {}
    later = ledger.claim(run_id, PROJECT, PROCESS, [key(6, email=""), key(7, phone=key(6).phone, email="")])
    assert refs(later.claimed) == ["ref-6"]
    assert later.known[9].matched_by == "phone"


def test_record_needs_a_known_run_and_valid_states(ledger: Ledger) -> None:
    """record refuses states other than accepted/rejected, and runs the ledger does not have."""
    with pytest.raises(ValueError, match="accepted or rejected"):
        ledger.record(begin(ledger), [("ref-1", "pending", None, None)])
    with pytest.raises(LedgerError, match="no run 42"):
        ledger.record(42, [("ref-1", "accepted", "x", None)])


# -- interrupted and concurrent runs -------------------------------------------------------------------


def test_closed_run_leaves_stale_in_flight_leads(path: Path) -> None:
    """Leads still in flight when their run's ledger is closed without end_run are stale for the next run."""
    with Ledger(path) as ledger:
        crashed = begin(ledger)
        sent(ledger, crashed, [key(1), key(2)])
        ledger.record(crashed, [("ref-1", "accepted", "lead-1", None)])
    with Ledger(path) as ledger:
        stale = ledger.stale_in_flight(PROJECT, PROCESS)
        assert [(k.reference_id, k.run_id, k.owner_alive) for k in stale] == [("ref-2", crashed, False)]
        assert ledger.stale_in_flight(PROJECT, "another-process") == []


def test_a_batch_never_sent_is_pending_not_in_flight(path: Path) -> None:
    """A run that dies after claiming a batch but before its request left (waiting for a rate-limit slot):
    those leads cannot be in the CRM, so the next run neither looks them up nor waits; it may send them."""
    with Ledger(path) as ledger:
        crashed = begin(ledger)
        sent(ledger, crashed, [key(1)])
        ledger.claim(crashed, PROJECT, PROCESS, [key(2), key(3)])  # claimed, never sent
    with Ledger(path) as ledger:
        assert [k.reference_id for k in ledger.stale_in_flight(PROJECT, PROCESS)] == ["ref-1"]
        assert [(r["reference_id"], r["state"]) for r in ledger.leads_of_run(crashed)] == [
            ("ref-1", "in-flight"),
            ("ref-2", "pending"),
            ("ref-3", "pending"),
        ]
        assert refs(ledger.claim(begin(ledger), PROJECT, PROCESS, [key(2), key(3)]).claimed) == ["ref-2", "ref-3"]


@pytest.fixture
def live_child(path: Path) -> Iterator[multiprocessing.process.BaseProcess]:
    """Another process whose run has claimed leads 1-3 and is still running."""
    Ledger(path).close()
    ready = SPAWN.Event()
    child = SPAWN.Process(target=_claim_and_wait, args=(str(path), [1, 2, 3], ready))
    child.start()
    try:
        assert ready.wait(30), "the child process did not claim its leads"
        yield child
    finally:
        # Killed rather than told to stop: an Event set after its waiter was SIGKILLed blocks forever.
        child.kill()
        child.join(10)


def test_live_runs_leads_are_not_claimable(live_child: multiprocessing.process.BaseProcess, ledger: Ledger) -> None:
    """Leads in flight in a run that is still running elsewhere are reported busy, not claimed or adopted."""
    run_id = begin(ledger)
    result = ledger.claim(run_id, PROJECT, PROCESS, [key(1), key(2), key(4)])
    assert refs(result.claimed) == ["ref-4"]
    assert {(k.state, k.owner_alive) for k in result.known.values()} == {("in-flight", True)}
    assert ledger.stale_in_flight(PROJECT, PROCESS) == []
    assert ledger.adopt(run_id, PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3"]) == []


def test_killed_runs_leads_are_adopted_and_resolved(
    live_child: multiprocessing.process.BaseProcess, ledger: Ledger
) -> None:
    """After SIGKILL its in-flight leads are stale; adopt takes them once; resolve settles them."""
    assert live_child.pid is not None
    os.kill(live_child.pid, signal.SIGKILL)
    live_child.join(10)
    stale = ledger.stale_in_flight(PROJECT, PROCESS)
    assert sorted(k.reference_id for k in stale) == ["ref-1", "ref-2", "ref-3"]
    assert {k.owner_alive for k in stale} == {False}
    run_id = begin(ledger)
    unsettled = ledger.claim(run_id, PROJECT, PROCESS, [key(1)])
    assert unsettled.claimed == [] and unsettled.known[3].owner_alive is False
    assert sorted(ledger.adopt(run_id, PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3", "ref-9"])) == [
        "ref-1",
        "ref-2",
        "ref-3",
    ]
    assert ledger.adopt(run_id, PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3"]) == []
    assert ledger.stale_in_flight(PROJECT, PROCESS) == []
    ledger.resolve(run_id, PROJECT, PROCESS, {"ref-1": "lead-1", "ref-2": None})
    known = ledger.lookup(PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3"])
    assert {ref: (k.state, k.lead_id, k.run_id) for ref, k in known.items()} == {
        "ref-1": ("accepted", "lead-1", run_id),
        "ref-2": ("pending", None, run_id),
        "ref-3": ("in-flight", None, run_id),
    }
    assert refs(ledger.claim(run_id, PROJECT, PROCESS, [key(1), key(2)]).claimed) == ["ref-2"]


def test_concurrent_processes_never_claim_the_same_lead(path: Path) -> None:
    """Two processes claiming the same leads at once: each lead (and each phone) is claimed exactly once."""
    Ledger(path).close()
    numbers = list(range(600))
    go, out = SPAWN.Event(), SPAWN.Queue()
    readies = [SPAWN.Event(), SPAWN.Event()]
    orders = [numbers, numbers[::-1]]
    children = [
        SPAWN.Process(target=_claim_concurrently, args=(str(path), order, ready, go, out))
        for order, ready in zip(orders, readies, strict=True)
    ]
    for child in children:
        child.start()
    try:
        assert all(ready.wait(30) for ready in readies)
        go.set()
        claimed = [out.get(timeout=60), out.get(timeout=60)]
    finally:
        for child in children:
            child.join(10)
    union = claimed[0] + claimed[1]
    assert len(union) == len(set(union)) == 300
    assert len({n % 300 for n in (int(ref.split("-")[1]) for ref in union)}) == 300


def test_foreign_sqlite_database_is_not_taken_over(path: Path) -> None:
    """An SQLite file of another program is refused rather than filled with ledger tables."""
    path.parent.mkdir(parents=True)
    raw = sqlite3.connect(path)
    raw.execute("CREATE TABLE photos (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(LedgerError, match="not a leadimport ledger") as info:
        Ledger(path)
    assert str(path) in str(info.value)


# -- the batch log: claims are one row per batch until the run ends ----------------------------------------


def _end(ledger: Ledger, run_id: int) -> None:
    ledger.end_run(run_id, counts={}, outcome="complete", report=None)


def _table_counts(path: Path) -> tuple[int, int, int]:
    """Rows of ``leads``, open batches and sealed batches."""
    raw = sqlite3.connect(path)
    try:
        leads = raw.execute("SELECT count(*) FROM leads").fetchone()[0]
        batches = raw.execute("SELECT count(*) - sum(sealed), sum(sealed) FROM batches").fetchone()
        return leads, batches[0], batches[1] or 0
    finally:
        raw.close()


@pytest.mark.parametrize("ended", [False, True], ids=["first run live", "first run ended"])
def test_earlier_runs_leads_count_whether_folded_or_not(ledger: Ledger, path: Path, ended: bool) -> None:
    """Accepted, rejected and released leads of a run hold back (or free) a later claim the same way
    while the run's batches are still unfolded and after its end folded them into ``leads``."""
    first = begin(ledger)
    ledger.claim(first, PROJECT, PROCESS, [key(1), key(2, payload="old"), key(3)])
    ledger.record(first, [("ref-1", "accepted", "lead-1", None), ("ref-2", "rejected", None, "Invalid email")])
    ledger.release(first, ["ref-3"])
    if ended:
        _end(ledger, first)
    assert _table_counts(path) == ((0, 0, 1) if ended else (0, 1, 0))
    second = begin(ledger)
    again = [key(1), key(2, payload="old"), key(3), key(4, phone=key(1).phone), key(5, payload="x")]
    result = sent(ledger, second, again)
    assert refs(result.claimed) == ["ref-3", "ref-5"]
    assert {row: (k.state, k.reference_id, k.matched_by, k.run_id) for row, k in result.known.items()} == {
        3: ("accepted", "ref-1", "referenceId", first),
        4: ("rejected", "ref-2", "referenceId", first),
        6: ("accepted", "ref-1", "phone", first),
    }
    changed = sent(ledger, second, [key(2, payload="new")])
    assert refs(changed.claimed) == ["ref-2"]
    known = ledger.lookup(PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3"])
    assert {ref: (k.state, k.run_id) for ref, k in known.items()} == {
        "ref-1": ("accepted", first),
        "ref-2": ("in-flight", second),  # the newer, unfolded claim wins over the folded rejection
        "ref-3": ("in-flight", second),
    }
    ledger.record(second, [("ref-2", "accepted", "lead-2", None)])
    _end(ledger, second)
    # the second run's batch with leads in flight is folded into ``leads``, its settled one sealed; a live
    # run's batch stays open
    assert _table_counts(path) == ((2, 0, 2) if ended else (2, 1, 1))
    known = ledger.lookup(PROJECT, PROCESS, ["ref-2", "ref-3", "ref-5"])
    assert {ref: (k.state, k.lead_id, k.run_id) for ref, k in known.items()} == {
        "ref-2": ("accepted", "lead-2", second),
        "ref-3": ("in-flight", None, second),
        "ref-5": ("in-flight", None, second),
    }
    assert [(r["reference_id"], r["state"]) for r in ledger.leads_of_run(second)] == [
        ("ref-2", "accepted"),
        ("ref-3", "in-flight"),
        ("ref-5", "in-flight"),
    ]
    if not ended:  # the first run ends last: its older claims do not overwrite the second run's
        _end(ledger, first)
        assert _table_counts(path) == (2, 0, 2)
        known = ledger.lookup(PROJECT, PROCESS, ["ref-1", "ref-2", "ref-3"])
        assert {ref: (k.state, k.run_id) for ref, k in known.items()} == {
            "ref-1": ("accepted", first),
            "ref-2": ("accepted", second),
            "ref-3": ("in-flight", second),
        }


def test_live_run_lists_its_unfolded_leads(ledger: Ledger, path: Path) -> None:
    """While a run runs, its leads are in the batch log; history and lookups still show them."""
    run_id = begin(ledger)
    ledger.claim(run_id, PROJECT, PROCESS, [key(1), key(2)])
    ledger.record(run_id, [("ref-2", "accepted", "lead-2", None)])
    assert _table_counts(path) == (0, 1, 0)
    with Ledger(path) as other:  # another process, e.g. `leadimport show` while the run goes on
        rows = other.leads_of_run(run_id)
        assert [(r["reference_id"], r["state"], r["lead_id"], r["sheet_row"]) for r in rows] == [
            ("ref-1", "in-flight", None, 3),
            ("ref-2", "accepted", "lead-2", 4),
        ]
        assert other.lookup(PROJECT, PROCESS, ["ref-2"])["ref-2"].state == "accepted"
        assert other.stale_in_flight(PROJECT, PROCESS) == []  # the run is alive: nothing to adopt
    assert _table_counts(path) == (0, 1, 0)  # a live run's batches are left to it


def test_version_1_ledger_is_upgraded_and_keeps_its_leads(path: Path) -> None:
    """A ledger written by schema version 1 (no batch log) is upgraded in place; its leads still count."""
    write_version_1_ledger(path)
    with Ledger(path) as ledger:
        result = ledger.claim(begin(ledger), PROJECT, PROCESS, [key(1), key(2)])
        assert refs(result.claimed) == ["ref-2"]
        assert (result.known[3].state, result.known[3].lead_id, result.known[3].run_id) == ("accepted", "lead-1", 1)
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    raw.close()


def test_later_folded_claim_outranks_an_older_unfolded_one(ledger: Ledger) -> None:
    """A lead rejected in a run still running, sent again by a later run that ended with it pending:
    the later state counts, so the lead may be claimed again (even with the first payload)."""
    first = begin(ledger)
    ledger.claim(first, PROJECT, PROCESS, [key(1, payload="old")])
    ledger.record(first, [("ref-1", "rejected", None, "Invalid email")])
    second = begin(ledger)
    assert refs(ledger.claim(second, PROJECT, PROCESS, [key(1, payload="new")]).claimed) == ["ref-1"]
    ledger.release(second, ["ref-1"])
    _end(ledger, second)
    assert ledger.lookup(PROJECT, PROCESS, ["ref-1"])["ref-1"].state == "pending"
    assert refs(ledger.claim(begin(ledger), PROJECT, PROCESS, [key(1, payload="old")]).claimed) == ["ref-1"]


def test_a_ledger_copied_without_its_wal_file_is_refused(tmp_path: Path) -> None:
    """A killed run keeps its records in the -wal file: the main file alone has no tables, and using it as
    a new ledger would send everything again. It is refused, saying what to copy."""
    path = tmp_path / "copy.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    with pytest.raises(LedgerError, match=r"copy the -wal file along"):
        Ledger(path)


def test_two_processes_creating_one_new_ledger_both_open_it(tmp_path: Path) -> None:
    """Two runs starting at once on a new ledger: the one that finds the file without its tables yet waits."""
    path = tmp_path / "new.sqlite3"
    errors: list[BaseException] = []

    def open_close() -> None:
        try:
            Ledger(path).close()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_close) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_version_2_ledger_is_upgraded_and_its_unfolded_batches_count_as_sent(path: Path) -> None:
    """Version 2 did not note when a batch left: an interrupted run's batches count as sent, so their leads
    are still looked up in the CRM rather than sent again."""
    with Ledger(path) as ledger:
        crashed = begin(ledger)
        ledger.claim(crashed, PROJECT, PROCESS, [key(1), key(2)])
    _downgrade_to_3(path)
    raw = sqlite3.connect(path)
    raw.execute("ALTER TABLE batches DROP COLUMN sent_at")
    raw.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()
    with Ledger(path) as ledger:
        assert [k.reference_id for k in ledger.stale_in_flight(PROJECT, PROCESS)] == ["ref-1", "ref-2"]
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    raw.close()


def _downgrade_to_3(path: Path) -> None:
    """Make a current ledger file look as version 3 wrote it (no key index; batches never sealed)."""
    raw = sqlite3.connect(path)
    assert raw.execute("SELECT count(*) FROM batches WHERE sealed = 1").fetchone() == (0,)
    raw.execute("ALTER TABLE batches ADD COLUMN leads TEXT NOT NULL DEFAULT '[]'")
    for batch_id, keys, outcomes in raw.execute("SELECT batch_id, leads, outcomes FROM batch_rows").fetchall():
        columns = json.loads(keys)
        size = len(columns[0])
        columns += json.loads(outcomes) if outcomes else [["in-flight"] * size, [None] * size, [None] * size]
        raw.execute(
            "UPDATE batches SET leads = ? WHERE batch_id = ?", (json.dumps(list(zip(*columns, strict=True))), batch_id)
        )
    for statement in (
        "DROP VIEW batch_rows",
        "DROP TABLE batch_keys",
        "DROP TABLE batch_outcomes",
        "DROP INDEX batches_open",
        "DROP INDEX batches_run",
        "DROP TABLE segments",
    ):
        raw.execute(statement)
    raw.execute("ALTER TABLE batches DROP COLUMN sealed")
    raw.execute("DELETE FROM meta WHERE key = 'key_hash'")
    raw.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    raw.commit()
    raw.close()


def test_version_3_ledger_is_upgraded_and_its_leads_and_open_batches_still_count(path: Path) -> None:
    """Version 3 folded every batch into ``leads``: those leads still hold back a claim, and the open batches
    of a run interrupted under version 3 are sealed (settled) or folded (in flight) by the next run."""
    with Ledger(path) as ledger:
        old = begin(ledger)
        ledger.claim(old, PROJECT, PROCESS, [key(1)])
        ledger.record(old, [("ref-1", "accepted", "lead-1", None)])
        crashed = begin(ledger)
        ledger.claim(crashed, PROJECT, PROCESS, [key(2)])
        ledger.record(crashed, [("ref-2", "accepted", "lead-2", None)])
        sent(ledger, crashed, [key(3)])
    raw = sqlite3.connect(path)  # as version 3 left it: the ended run's lead folded into ``leads``
    raw.execute(
        "INSERT INTO leads (scope_id, reference_id, phone, email, state, lead_id, run_id, first_run_id, sheet_row,"
        " payload_hash, updated_at, batch_id) SELECT 1, 'ref-1', ?, ?, 'accepted', 'lead-1', ?, ?, 3, ?,"
        " '2026-01-01', batch_id FROM batches WHERE run_id = ?",
        (key(1).phone, key(1).email, old, old, key(1).payload_hash, old),
    )
    raw.execute("DELETE FROM batches WHERE run_id = ?", (old,))
    raw.execute("UPDATE batches SET sealed = 0")
    raw.execute("DELETE FROM segments")
    raw.commit()
    raw.close()
    _downgrade_to_3(path)
    with Ledger(path) as ledger:
        result = sent(ledger, begin(ledger), [key(1), key(2), key(3), key(4, phone=key(1).phone), key(5)])
        assert refs(result.claimed) == ["ref-5"]
        assert {row: (k.state, k.reference_id, k.matched_by, k.lead_id) for row, k in result.known.items()} == {
            3: ("accepted", "ref-1", "referenceId", "lead-1"),
            4: ("accepted", "ref-2", "referenceId", "lead-2"),
            5: ("in-flight", "ref-3", "referenceId", None),  # a dead run's: looked up in the CRM before sending
            6: ("accepted", "ref-1", "phone", "lead-1"),
        }
    assert _table_counts(path) == (2, 1, 1)  # ref-1 and the folded ref-3; the new run's batch; the sealed one


def write_version_1_ledger(path: Path) -> None:
    """A ledger as schema version 1 wrote it (no batch log): one run of ``/old.csv``, its lead ``ref-1`` accepted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = sqlite3.connect(path)
    v1 = [
        s.replace(", batch_id INTEGER NOT NULL DEFAULT 0", "")
        for s in schema.SCHEMA
        if not any(name in s for name in ("batches", "batch_keys", "batch_outcomes", "segments"))
    ]
    assert not any("batch_id" in statement for statement in v1)
    for statement in v1:
        raw.execute(statement)
    raw.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    raw.execute(
        "INSERT INTO runs (started_at, file, fingerprint, mapping, project_id, process_id, command, pid, host)"
        " VALUES ('2026-01-01', '/old.csv', 'f', '/m.yaml', ?, ?, 'leadimport run', 1, 'h')",
        (PROJECT, PROCESS),
    )
    raw.execute("INSERT INTO scopes VALUES (1, ?, ?)", (PROJECT, PROCESS))
    raw.execute(
        "INSERT INTO leads (scope_id, reference_id, phone, email, state, lead_id, run_id, first_run_id, sheet_row,"
        " payload_hash, updated_at) VALUES (1, 'ref-1', ?, ?, 'accepted', 'lead-1', 1, 1, 3, 'h1', '2026-01-01')",
        (key(1).phone, key(1).email),
    )
    raw.commit()
    raw.close()
